import Foundation

/// Runs the built `dirsync` executable as a user would, and captures what it prints.
public struct CLIProcess: Sendable {
    /// What one run printed and returned.
    public struct Result: Sendable, CustomStringConvertible {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// The folder commands run in.
    public let directory: URL
    /// Extra environment variables.
    public var environment: [String: String] = [:]

    public init(directory: URL) { self.directory = directory }

    /// The `dirsync` binary next to the test bundle (SwiftPM builds both into one folder), or `DIRSYNC_BINARY`.
    public static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["DIRSYNC_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        // On Linux the runner is `.build/debug/<package>PackageTests.xctest`; elsewhere it may sit inside a bundle.
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("dirsync")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return runner.deletingLastPathComponent().appendingPathComponent("dirsync")
    }

    /// Runs `dirsync arguments…` with `input` on standard input, waiting for it to exit.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) throws -> Result {
        let process = try start(arguments, input: input)
        return process.finish()
    }

    /// Starts `dirsync arguments…` without waiting.
    public func start(_ arguments: [String], input: String? = nil) throws -> Running {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        return Running(process: process, out: out, err: err)
    }

    /// A started process.
    public final class Running: @unchecked Sendable {
        public let process: Process
        private let out: Pipe
        private let err: Pipe
        private let outData = DataBox()
        private let errData = DataBox()
        private let group = DispatchGroup()

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
            // Drain both pipes while the process runs, so a chatty child never blocks on a full pipe.
            for (pipe, box) in [(out, outData), (err, errData)] {
                group.enter()
                DispatchQueue.global().async { [group] in
                    box.set(pipe.fileHandleForReading.readDataToEndOfFile())
                    group.leave()
                }
            }
        }

        /// Sends `signal` (e.g. SIGKILL) to the process.
        public func kill(_ signal: Int32) { Foundation.kill(process.processIdentifier, signal) }

        /// Waits for exit and collects the output.
        public func finish() -> Result {
            process.waitUntilExit()
            group.wait()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: outData.get(), as: UTF8.self),
                stderr: String(decoding: errData.get(), as: UTF8.self))
        }
    }

    final class DataBox: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }
}
