import DirectorySync
import Foundation

/// The progress of a SCIM read on stderr: on a terminal a live line (`reading https://…/v2: /Users page 7,
/// 700 of 2500 users`); otherwise one line when the read is complete, so cron logs say what was read.
final class SCIMProgressLine: @unchecked Sendable {
    // @unchecked: the state is guarded by `lock`; reports arrive from the reading task only.
    private let lock = NSLock()
    private let name: String
    private let live = Console.stderrIsTerminal
    private var lastUpdate = Date.distantPast
    private var shown = false
    private var users: SCIMProgress?

    private init(name: String) { self.name = name }

    /// Runs `work` with a progress reporter, and ends the line however it ends.
    static func around<T>(
        _ name: String, _ work: (@escaping @Sendable (SCIMProgress) -> Void) async throws -> T
    ) async throws -> T {
        let line = SCIMProgressLine(name: name)
        do {
            let result = try await work { line.report($0) }
            line.finish(succeeded: true)
            return result
        } catch {
            line.finish(succeeded: false)
            throw error
        }
    }

    private func report(_ progress: SCIMProgress) {
        lock.withLock {
            if progress.endpoint.lowercased().hasSuffix("users") { users = progress }
            guard live else { return }
            let now = Date()
            guard now.timeIntervalSince(lastUpdate) >= 0.2 else { return }
            lastUpdate = now
            shown = true
            let of = progress.total.map { " of \($0)" } ?? ""
            let noun = progress.endpoint.lowercased().hasSuffix("users") ? "users" : "groups"
            let text = "reading \(name): \(progress.endpoint) page \(progress.pages), \(progress.received)\(of) \(noun)"
            FileHandle.standardError.write(Data("\r\u{1B}[K\(TerminalText.escaped(text))".utf8))
        }
    }

    private func finish(succeeded: Bool) {
        lock.withLock {
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            guard succeeded, let users else { return }
            let total = users.total.map { ", totalResults \($0)" } ?? ""
            Console.note(
                "read \(Plural.count(users.received, "user")) in \(Plural.count(users.pages, "page")) from \(name)\(total)"
            )
        }
    }
}
