import Foundation

/// Where a PostgreSQL store is: `postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=…]`.
///
/// The URL never carries the password: one that does is refused (the password comes from a file or an
/// environment variable, see `PostgresPassword`), so what `description` prints is safe to log and show.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the server's certificate.
        case require
        /// TLS, with the server's certificate checked against the system's roots (or `sslrootcert`) and its name.
        case verifyFull = "verify-full"
    }

    /// The role dirsync connects as.
    public let user: String
    /// A host name or an IP address (IPv6 without brackets).
    public let host: String
    /// 1–65535; 5432 when the URL names none.
    public let port: Int
    /// The database that holds the store.
    public let database: String
    /// `sslmode`; `prefer` when the URL names none.
    public let tls: TLSMode
    /// `sslrootcert`: the certificate authorities to trust for `verify-full`, instead of the system's.
    public let rootCertificates: String?

    /// Whether `text` names a PostgreSQL store rather than an SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads a store URL; `Invalid` says what is wrong without repeating anything after `://` that could be a
    /// password.
    public init(_ text: String) throws(Invalid) {
        guard text.utf8.count <= 2048 else { throw .tooLong }
        guard let schemeEnd = text.range(of: "://"), Self.isPostgres(text) else { throw .scheme }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw .noDatabase }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]
        guard let at = authority.lastIndex(of: "@") else { throw .noUser }
        let userInfo = authority[..<at]
        guard !userInfo.contains(":") else { throw .password }
        let hostPort = authority[authority.index(after: at)...]
        user = try Self.name(userInfo, missing: .noUser)
        database = try Self.name(path, missing: .noDatabase)
        (host, port) = try Self.hostAndPort(hostPort)
        var tls = TLSMode.prefer
        var roots: String?
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? "") : ""
            switch key {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else { throw .tlsMode(String(value.prefix(20))) }
                tls = mode
            case "sslrootcert":
                guard value.hasPrefix("/"), value.utf8.count <= 1024 else { throw .rootCertificates }
                roots = value
            default:
                throw .parameter(String(key.prefix(40)))
            }
        }
        guard roots == nil || tls == .verifyFull else { throw .rootsWithoutVerification }
        self.tls = tls
        self.rootCertificates = roots
    }

    /// The URL as dirsync shows it: with the parameters it uses, and never a password.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var text = "postgresql://\(Self.encoded(user))@\(shownHost):\(port)/\(Self.encoded(database))"
        var parameters: [String] = []
        if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
        if let rootCertificates { parameters.append("sslrootcert=\(rootCertificates)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    private static func encoded(_ name: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }

    private static func name(_ text: Substring, missing: Invalid) throws(Invalid) -> String {
        guard !text.isEmpty else { throw missing }
        guard let decoded = String(text).removingPercentEncoding, !decoded.isEmpty, decoded.utf8.count <= 63,
            !decoded.contains("\0"), !decoded.contains("/")
        else { throw .badName }
        return decoded
    }

    private static func hostAndPort(_ text: Substring) throws(Invalid) -> (String, Int) {
        var host = text
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .host }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .host }
                portText = after.dropFirst()
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
        guard !host.isEmpty, host.utf8.count <= 253, host.allSatisfy(allowed.contains) else { throw .host }
        guard let portText else { return (String(host), 5432) }
        guard portText.utf8.count <= 5, portText.allSatisfy(\.isASCII), let port = Int(portText),
            (1...65535).contains(port)
        else { throw .port }
        return (String(host), port)
    }

    /// Why a store URL was refused.
    public enum Invalid: Error, Equatable, CustomStringConvertible {
        /// It does not start with `postgresql://`.
        case scheme
        /// Longer than anything reasonable.
        case tooLong
        /// No `USER@`.
        case noUser
        /// No `/DATABASE`.
        case noDatabase
        /// `USER:PASSWORD@`.
        case password
        /// A user or database name that is empty, too long or not a name.
        case badName
        /// A host that is not a name or an address.
        case host
        /// A port outside 1–65535.
        case port
        /// An `sslmode` dirsync does not know (shown cut).
        case tlsMode(String)
        /// An `sslrootcert` that is not an absolute path.
        case rootCertificates
        /// `sslrootcert` with an `sslmode` that does not check certificates.
        case rootsWithoutVerification
        /// A parameter dirsync does not know (its name, cut).
        case parameter(String)

        /// What is wrong, without the URL's text (which could hold a password).
        public var description: String {
            switch self {
            case .scheme: "a PostgreSQL store is named postgresql://USER@HOST:PORT/DATABASE"
            case .tooLong: "the store URL is longer than 2048 bytes"
            case .noUser: "the store URL names no user (postgresql://USER@HOST/DATABASE)"
            case .noDatabase: "the store URL names no database (postgresql://USER@HOST/DATABASE)"
            case .password:
                "the store URL carries a password; remove it and name a file (store_password_file) or an "
                    + "environment variable (store_password_env) that holds it"
            case .badName: "the store URL's user or database is not a name of 1 to 63 bytes"
            case .host: "the store URL's host is not a host name or an IP address"
            case .port: "the store URL's port is not a number from 1 to 65535"
            case .tlsMode(let mode):
                "the store URL's sslmode '\(mode)' is not one of "
                    + TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
            case .rootCertificates: "the store URL's sslrootcert must be an absolute path"
            case .rootsWithoutVerification: "the store URL's sslrootcert needs sslmode=verify-full"
            case .parameter(let name):
                "the store URL's parameter '\(name)' is not one dirsync knows (sslmode, sslrootcert)"
            }
        }
    }
}
