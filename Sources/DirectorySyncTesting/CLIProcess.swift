import Foundation

/// Runs the built `dirsync` executable as a user would, and captures what it prints.
///
/// Waiting is asynchronous (a termination handler resumes the caller), never a blocking call: tests run in
/// parallel on a small cooperative thread pool, and a test blocked in `waitUntilExit` would starve the others.
public struct CLIProcess: Sendable {
    /// What one run printed and returned.
    public struct Result: Sendable, CustomStringConvertible {
        /// The exit status, or the signal's number when a signal ended the process.
        public let status: Int32
        /// Everything written to standard output, decoded as UTF-8.
        public let stdout: String
        /// Everything written to standard error, decoded as UTF-8.
        public let stderr: String
        /// The exit status and both outputs, for a failing test's message.
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// The folder commands run in.
    public let directory: URL
    /// Extra environment variables.
    public var environment: [String: String] = [:]

    /// A runner for commands in `directory`, with no extra environment.
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

    /// Runs `dirsync arguments…` with `input` on standard input, and waits for it to exit.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) async throws -> Result {
        let running = try start(arguments, input: input)
        return await running.finish()
    }

    /// Starts `dirsync arguments…` without waiting.
    public func start(_ arguments: [String], input: String? = nil) throws -> Running {
        try start(program: Self.binary, arguments, input: input)
    }

    /// Runs `program arguments…` in this folder with this environment, and waits for it to exit.
    func runProgram(_ program: URL, _ arguments: [String], input: String?) async throws -> Result {
        let running = try start(program: program, arguments, input: input)
        return await running.finish()
    }

    private func start(program: URL, _ arguments: [String], input: String?) throws -> Running {
        let process = Process()
        process.executableURL = program
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
        let running = Running(process: process, out: out, err: err)
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        return running
    }

    /// A started process.
    public final class Running: @unchecked Sendable {
        // Everything mutable is guarded by `lock`; the pipes are drained on threads of their own, never on the
        // cooperative pool or libdispatch's workers, which CPU-bound tests may keep busy.
        /// The underlying process, for its identifier and termination state.
        public let process: Process
        private let lock = NSLock()
        private var output = Data()
        private var errors = Data()
        private var pending = 3  // stdout drained, stderr drained, process exited
        private var waiter: CheckedContinuation<Result, Never>?

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            process.terminationHandler = { [weak self] _ in self?.completeOne() }
            for (pipe, isOutput) in [(out, true), (err, false)] {
                Thread { [self] in
                    Self.drain(pipe.fileHandleForReading.fileDescriptor) { chunk in
                        lock.withLock {
                            if isOutput { output.append(chunk) } else { errors.append(chunk) }
                        }
                    }
                    completeOne()
                }.start()
            }
        }

        /// Hands `take` everything `descriptor` gives until end of file, as it arrives. A signal arriving mid-read (a test signalling its
        /// children) interrupts `read(2)` with EINTR; that is retried here, where Foundation's
        /// `readDataToEndOfFile` would trap on it.
        static func drain(_ descriptor: Int32, _ take: (Data) -> Void) {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    take(Data(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }

        /// What the process wrote to standard error so far, while it runs.
        public var stderrSoFar: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

        /// Sends `signal` (e.g. SIGKILL) to the process.
        public func kill(_ signal: Int32) { Foundation.kill(process.processIdentifier, signal) }

        /// Waits for exit and collects the output.
        public func finish() async -> Result {
            await withCheckedContinuation { continuation in
                let ready: Result? = lock.withLock {
                    if pending == 0 { return result() }
                    waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        private func completeOne() {
            let (continuation, value): (CheckedContinuation<Result, Never>?, Result?) = lock.withLock {
                pending -= 1
                guard pending == 0, let waiter else { return (nil, nil) }
                self.waiter = nil
                return (waiter, result())
            }
            if let continuation, let value { continuation.resume(returning: value) }
        }

        /// Call with `lock` held, once everything has completed.
        private func result() -> Result {
            Result(
                status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                stderr: String(decoding: errors, as: UTF8.self))
        }
    }
}
