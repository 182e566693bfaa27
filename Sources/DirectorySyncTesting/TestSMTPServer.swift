import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real SMTP server the tests deliver to: aiosmtpd, started by `scripts/smtp-server start` (which
/// `scripts/test` runs). A test asks it for a listener of its own with the behaviour it needs, and reads
/// back what that listener received.
///
/// When the server is not running, `running()` throws: the tests fail loudly instead of being skipped.
public struct TestSMTPServer: Sendable {
    /// What `scripts/smtp-server` wrote to `server.json`.
    private struct State: Decodable {
        let pid: Int32
        let controlPort: Int
        let user: String
        let passwordFile: String
        let caFile: String
    }

    private let state: State
    /// The login the server accepts.
    public var user: String { state.user }
    /// A file holding the password that goes with `user`.
    public var passwordFile: String { state.passwordFile }
    /// The server's self-signed certificate, to trust with `mail.ca_file`.
    public var caFile: String { state.caFile }

    /// The folder `scripts/smtp-server` keeps its state in: `DIRSYNC_SMTP_SERVER_DIR`, else `.smtp-server/`
    /// at the package root.
    public static var stateDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["DIRSYNC_SMTP_SERVER_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".smtp-server")
    }

    /// The running server, or an error saying how to start it.
    public static func running() throws -> TestSMTPServer {
        let file = stateDirectory.appendingPathComponent("server.json")
        let advice = "start it with 'scripts/smtp-server start' (scripts/test does)"
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw Failure("the test SMTP server is not running (no \(file.path)): \(advice)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let state = try decoder.decode(State.self, from: data)
        guard kill(state.pid, 0) == 0 else {
            throw Failure("the test SMTP server (pid \(state.pid)) has stopped: \(advice)")
        }
        return TestSMTPServer(state: state)
    }

    /// How a listener behaves.
    public struct Options: Encodable, Sendable {
        /// `none`, `offer` or `require`.
        public var starttls: String
        /// TLS from the first byte (smtps).
        public var implicitTLS: Bool
        /// `none`, `offer` or `require`.
        public var auth: String
        /// Seconds during which connections are refused, as if the server were down.
        public var openAfter: Double
        /// Seconds the server waits before accepting each message.
        public var dataDelay: Double
        /// Connections (numbered from 1) the server closes at once, before its greeting, as if it were down: an
        /// outage measured in the client's attempts, whatever the machine's speed.
        public var closeConnections: [Int]
        /// Whether the server offers SMTPUTF8; without it, it refuses non-ASCII addresses ("strict ASCII mode").
        public var smtputf8: Bool

        /// Options for a listener. The defaults: plain SMTP without STARTTLS, AUTH or SMTPUTF8, open at once, accepting
        /// without delay.
        public init(
            starttls: String = "none", implicitTLS: Bool = false, auth: String = "none", openAfter: Double = 0,
            dataDelay: Double = 0, closeConnections: [Int] = [], smtputf8: Bool = false
        ) {
            self.starttls = starttls
            self.implicitTLS = implicitTLS
            self.auth = auth
            self.openAfter = openAfter
            self.dataDelay = dataDelay
            self.closeConnections = closeConnections
            self.smtputf8 = smtputf8
        }

        enum CodingKeys: String, CodingKey {
            case starttls, auth, smtputf8
            case implicitTLS = "implicit_tls"
            case openAfter = "open_after"
            case dataDelay = "data_delay"
            case closeConnections = "close_connections"
        }
    }

    /// A new listener of the server's with `options`.
    public func listener(_ options: Options = Options()) throws -> Listener {
        let request = String(decoding: try JSONEncoder().encode(options), as: UTF8.self) + "\n"
        let reply = try Self.exchange(request, port: state.controlPort)
        struct Reply: Decodable {
            let port: Int?
            let folder: String?
            let error: String?
        }
        let decoded = try JSONDecoder().decode(Reply.self, from: Data(reply.utf8))
        guard let port = decoded.port, let folder = decoded.folder else {
            throw Failure("the test SMTP server refused the listener: \(decoded.error ?? reply)")
        }
        return Listener(port: port, folder: URL(fileURLWithPath: folder))
    }

    /// One listener: its port and what it has received.
    public struct Listener: Sendable {
        /// The port on 127.0.0.1 the listener accepts connections on.
        public let port: Int
        /// Where the listener saves what it accepts: `NNNNNN.eml` for each message, its envelope in `NNNNNN.json`.
        public let folder: URL

        /// `smtp://127.0.0.1:PORT` (or `smtps://`).
        public func url(scheme: String = "smtp") -> String { "\(scheme)://127.0.0.1:\(port)" }

        /// How many messages have been accepted so far (cheap: one directory listing).
        public func count() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }
                .count
        }

        /// Every message accepted so far, in the order received.
        public func messages() throws -> [Received] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
                let base = folder.appendingPathComponent(String(name.dropLast(".json".count)))
                let envelope = try JSONDecoder().decode(
                    Received.Envelope.self, from: Data(contentsOf: base.appendingPathExtension("json")))
                let content = try String(contentsOf: base.appendingPathExtension("eml"), encoding: .utf8)
                return Received(envelope: envelope, content: content)
            }
        }

        /// Waits until at least `count` messages have arrived (or `timeout` passes), then returns them all.
        public func waitForMessages(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Received] {
            let deadline = ContinuousClock.now + timeout
            while true {
                let received = try messages()
                if received.count >= count || ContinuousClock.now >= deadline { return received }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// A message as the server received it.
    public struct Received: Sendable {
        /// The SMTP envelope and session facts the server recorded.
        public struct Envelope: Decodable, Sendable {
            /// The envelope sender (MAIL FROM).
            public let mailFrom: String
            /// The envelope recipients the server accepted (RCPT TO), in order.
            public let rcptTos: [String]
            /// Which TCP connection of the listener carried it (1, 2, …).
            public let connection: Int
            /// Whether the session was encrypted, by STARTTLS or implicit TLS.
            public let tls: Bool
            /// The login the client authenticated with; nil without AUTH.
            public let authUser: String?

            enum CodingKeys: String, CodingKey {
                case mailFrom = "mail_from"
                case rcptTos = "rcpt_tos"
                case connection, tls
                case authUser = "auth_user"
            }
        }

        /// The envelope and session facts recorded with the message.
        public let envelope: Envelope
        /// The message as received: headers and body, CRLF line endings.
        public let content: String

        /// The value of header `name` (unfolded), if present.
        public func header(_ name: String) -> String? {
            let head = content.components(separatedBy: "\r\n\r\n").first ?? ""
            var unfolded: [String] = []
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !unfolded.isEmpty {
                    unfolded[unfolded.count - 1] += line
                } else {
                    unfolded.append(line)
                }
            }
            let prefix = name.lowercased() + ":"
            return unfolded.first { $0.lowercased().hasPrefix(prefix) }.map {
                String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// Why the test server could not be used.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong; when the server is not running, how to start it.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends one line to 127.0.0.1:`port` and reads one line back.
    private static func exchange(_ line: String, port: Int) throws -> String {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            throw Failure(
                "cannot reach the test SMTP server's control port \(port): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(line.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure("cannot send to the control port") }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !reply.contains(UInt8(ascii: "\n")) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
