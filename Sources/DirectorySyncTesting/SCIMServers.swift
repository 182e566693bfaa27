import DirectorySync
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The project folder (where `scripts/` and `Fixtures/` are), found from this file's path.
public let projectRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A real scim2-server started by `scripts/scim-server` (as `scripts/test` does), described by its state
/// folder, which the environment variable names.
public struct SCIMTestServer: Sendable {
    /// Why the server cannot be used.
    public struct Unavailable: Error, CustomStringConvertible {
        /// What is missing, and how to start the servers.
        public let description: String

        /// An error saying `description`.
        public init(description: String) { self.description = description }
    }

    /// Where the server answers, as the `url` file of its state folder says.
    public let baseURL: URL
    /// The file holding its bearer token.
    public let tokenFile: String
    /// Users loaded into it.
    public let users: Int

    /// The server whose state folder `variable` names, e.g. `DIRSYNC_TEST_SCIM_INDEX`. Fails (never skips)
    /// when it is not running: the integration tests must run.
    public static func named(_ variable: String) throws -> SCIMTestServer {
        guard let folder = ProcessInfo.processInfo.environment[variable], !folder.isEmpty else {
            throw Unavailable(
                description:
                    "\(variable) is not set: run scripts/test, or start the servers as it does (scripts/scim-server start/load) and export \(variable)"
            )
        }
        let state = URL(fileURLWithPath: folder)
        let url = try String(contentsOf: state.appendingPathComponent("url"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let users = try String(contentsOf: state.appendingPathComponent("users"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let baseURL = URL(string: url), let count = Int(users) else {
            throw Unavailable(description: "\(folder) does not describe a running scim-server")
        }
        return SCIMTestServer(baseURL: baseURL, tokenFile: state.appendingPathComponent("token").path, users: count)
    }
}

/// `scripts/lib/scim_replay.py` serving one scenario of `Fixtures/scim/` on 127.0.0.1, started by a test and
/// stopped by its PID.
public final class SCIMReplayServer: @unchecked Sendable {
    /// One request the server received.
    public struct Request: Sendable, Decodable {
        /// The path requested, as sent, without the query.
        public let path: String
        /// The query as sent, percent-encoded.
        public let raw: String
        /// The query decoded: each name with its values, in order.
        public let query: [String: [String]]
        /// The `Authorization` header, if one was sent.
        public let authorization: String?
        /// The `Accept` header, if one was sent.
        public let accept: String?
    }

    /// Where the server answers: `http://127.0.0.1:PORT/v2`, as the script printed it on starting.
    public let baseURL: URL
    private let process: Process

    /// Starts serving `Fixtures/scim/<scenario>/`.
    public init(scenario: String) throws {
        let folder = projectRoot.appendingPathComponent("Fixtures/scim/\(scenario)")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("scenario.json").path) else {
            throw SCIMTestServer.Unavailable(description: "no scenario \(folder.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", projectRoot.appendingPathComponent("scripts/lib/scim_replay.py").path, folder.path,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        self.process = process
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
            line.append(first)
        }
        guard let url = URL(string: String(decoding: line, as: UTF8.self)), url.host != nil else {
            process.terminate()
            throw SCIMTestServer.Unavailable(description: "scim_replay.py did not start for \(scenario)")
        }
        baseURL = url
    }

    deinit { stop() }

    /// The requests served so far, in order.
    public func requests() async throws -> [Request] {
        guard let url = URL(string: "/_requests", relativeTo: baseURL) else { return [] }
        let (data, _) = try await URLSession.shared.data(from: url)
        return try JSONDecoder().decode([Request].self, from: data)
    }

    /// Stops the server (by its PID) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Retry pacing that never waits: it records the waits asked for and moves a virtual clock by them.
public final class ImmediatePacing: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Double] = []
    private var virtual = 0.0
    private let start: Date

    /// A clock that stands at `start` and moves only by what the client sleeps.
    public init(start: Date = testEpoch) { self.start = start }

    /// The waits asked for, in order.
    public var sleeps: [Double] { lock.withLock { recorded } }

    /// Pacing for `SCIMTransport` on this virtual clock: sleeps are recorded, not waited, and jitter is always 0.5.
    public var pacing: SCIMTransport.Pacing {
        SCIMTransport.Pacing(
            sleep: { [self] seconds in
                lock.withLock {
                    recorded.append(seconds)
                    virtual += seconds
                }
            },
            elapsed: { [self] in lock.withLock { virtual } },
            now: { [self] in start.addingTimeInterval(lock.withLock { virtual }) },
            jitter: { 0.5 })
    }
}
