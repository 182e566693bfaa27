import Foundation

/// How the core speaks HTTP: the SCIM source and the webhook notifier open connections through an injected
/// transport, so the core holds no network code of its own (`DirectorySyncCurl` provides the one dirsync uses).
public protocol HTTPTransport: Sendable {
    /// A connection whose requests wait at most `idleTimeout` seconds for each piece of an answer (and to
    /// connect), and `totalTimeout` seconds for a whole request.
    func connection(idleTimeout: Double, totalTimeout: Double) -> any HTTPConnection
}

extension HTTPTransport {
    /// A connection with the whole request bounded by twice its silences.
    public func connection(idleTimeout: Double) -> any HTTPConnection {
        connection(idleTimeout: idleTimeout, totalTimeout: max(idleTimeout, 1) * 2)
    }
}

/// One connection to a server: successive requests reuse it; requests go one at a time, and a cancelled task
/// aborts its request promptly.
public protocol HTTPConnection: Sendable {
    /// Performs `request`; any HTTP status is an answer, only a missing answer throws.
    func perform(_ request: HTTPRequest) async throws(HTTPFailure) -> HTTPResponse
}

/// A request; it prints as its method and URL only, never its headers (they carry the bearer token).
public struct HTTPRequest: Sendable, CustomStringConvertible, CustomReflectable {
    /// `GET`, `POST`, …
    public var method: String
    /// Where the request goes; redirects are the transport's to follow.
    public var url: URL
    /// `Name: value` lines.
    public var headers: [String]
    /// The body, for a POST.
    public var body: [UInt8]?

    /// A request for `url`.
    public init(method: String = "GET", url: URL, headers: [String] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// `METHOD url`, never the headers.
    public var description: String { "\(method) \(url.absoluteString)" }
    /// The method and URL only, so a dump never shows the headers.
    public var customMirror: Mirror {
        Mirror(self, children: ["method": method, "url": url], displayStyle: .struct)
    }
}

/// One answer (after any redirects).
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public let status: Int
    /// Header names lower-cased; the last value of a repeated header wins.
    public let headers: [String: String]
    /// The body as received (decoded from any content encoding).
    public let body: Data

    /// An answer as a transport received it.
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why no answer came.
public enum HTTPFailure: Error, Equatable, CustomStringConvertible {
    /// No answer within the connection's timeouts.
    case timedOut
    /// Nothing listens at the address.
    case connectionRefused
    /// The host name does not resolve.
    case hostNotFound
    /// The TLS handshake or the certificate check failed.
    case tls(String)
    /// The server closed the connection before the answer was complete.
    case connectionLost
    /// The server's answer is not HTTP.
    case notHTTP
    /// The task waiting for the answer was cancelled.
    case cancelled
    /// Anything else, in the transport's words.
    case other(String)

    /// A short phrase for error messages: `connection refused`, `the request timed out`…
    public var description: String {
        switch self {
        case .timedOut: "the request timed out"
        case .connectionRefused: "connection refused"
        case .hostNotFound: "host not found"
        case .tls(let detail): "TLS failed (\(detail))"
        case .connectionLost: "the connection was lost mid-answer"
        case .notHTTP: "the server's answer is not valid HTTP"
        case .cancelled: "cancelled"
        case .other(let detail): detail
        }
    }
}
