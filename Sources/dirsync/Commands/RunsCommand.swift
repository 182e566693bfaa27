import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync runs`: the run history.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Show the run history: each apply, sync and scheduled run, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(parsing: .unconditional, help: "How many runs to show (1–1000).") var limit = 20
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard (1...1000).contains(limit) else {
            throw CommandError.invalidArgument("--limit: must be between 1 and 1000, got \(limit)", hint: nil)
        }
    }

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let runs = try await environment.store.read { [limit] db in
            try db.runs(in: organization.id, limit: limit)
        }
        switch format {
        case .json:
            Console.out(try JSONOutput.render(runs.map(RunJSON.init)))
        case .text:
            let style = Style.stdout
            var table = TextTable(["RUN", "TRIGGER", "STARTED", "SECONDS", "SOURCE", "CHANGES", "OUTCOME", "ERROR"])
            table.paint = { column, text in
                guard column == 6 else { return text }
                switch text {
                case "failed", "blocked": return style.red(text)
                case "completed": return style.green(text)
                default: return text
                }
            }
            for run in runs {
                let seconds = run.finishedAt.map { String(format: "%.1f", $0.timeIntervalSince(run.startedAt)) } ?? ""
                let source = [run.sourceKind?.rawValue, run.sourceUsers.map { "\($0) users" }].compactMap { $0 }
                    .joined(separator: ", ")
                let changes = run.changes.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                table.append([
                    run.id.description, run.trigger.rawValue, DateText.short(run.startedAt), seconds, source, changes,
                    run.outcome.rawValue, run.error ?? "",
                ])
            }
            Console.out(table.render(style: style))
            Console.out("\n\(Plural.count(runs.count, "run")).")
        }
    }
}

/// One run in `dirsync runs --format json`.
struct RunJSON: Encodable {
    let id: Int64
    let trigger: String
    let started_at: String
    let finished_at: String?
    let source_kind: String?
    let source_fingerprint: String?
    let source_users: Int?
    let changes: [String: Int]
    let outcome: String
    let error: String?

    init(_ run: SyncRun) {
        id = run.id.rawValue
        trigger = run.trigger.rawValue
        started_at = DateText.iso8601(run.startedAt)
        finished_at = run.finishedAt.map(DateText.iso8601)
        source_kind = run.sourceKind?.rawValue
        source_fingerprint = run.sourceFingerprint
        source_users = run.sourceUsers
        changes = run.changes
        outcome = run.outcome.rawValue
        error = run.error
    }
}
