import Foundation

/// How to reach the mail server: the `mail.smtp` settings of `dirsync.yaml`.
///
/// Only names of secrets live here (an environment variable or a file); their values are read when mail
/// is delivered, and never printed.
public struct SMTPSettings: Sendable, Equatable {
    /// When a `smtp://` connection upgrades to TLS with STARTTLS.
    public enum StartTLS: String, Sendable, CaseIterable {
        /// STARTTLS or no delivery: the server must offer it and the handshake must succeed.
        case required
        /// STARTTLS when the server offers it, plain text otherwise.
        case optional
        /// Never: plain text (for a relay on this machine).
        case off
    }

    /// `smtp` (STARTTLS as `starttls` says) or `smtps` (TLS from the first byte).
    public var isImplicitTLS: Bool
    /// The server's host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// Nil: the scheme's default (25 for smtp, 465 for smtps).
    public var port: Int?
    /// Whether an `smtp` connection must, may or must not upgrade with STARTTLS; not used for `smtps`.
    public var startTLS: StartTLS
    /// The login name, when the server wants AUTH.
    public var user: SecretSource?
    /// The password that goes with `user`.
    public var password: SecretSource?
    /// A PEM file of certificate authorities to trust instead of the system's (a private CA, a test server).
    public var caFile: String?
    /// How long connecting (TCP, TLS, greeting) may take.
    public var connectTimeout: TimeSpan
    /// How long one message may take, from connecting to the server's final reply.
    public var timeout: TimeSpan
    /// How many messages go over one connection before it is closed and a new one opened; 1 never reuses.
    public var messagesPerConnection: Int
    /// Whether the server offers SMTPUTF8 (RFC 6531), so addresses with a non-ASCII local part can be invited;
    /// libcurl then says SMTPUTF8 in MAIL FROM for such a message. False unless configured.
    public var smtputf8: Bool

    /// Settings for the server at `host`; the defaults are what `mail` gets when it gives only `smtp`.
    public init(
        isImplicitTLS: Bool, host: String, port: Int?, startTLS: StartTLS = .required, user: SecretSource? = nil,
        password: SecretSource? = nil, caFile: String? = nil, connectTimeout: TimeSpan = TimeSpan(seconds: 10),
        timeout: TimeSpan = TimeSpan(seconds: 60), messagesPerConnection: Int = 100, smtputf8: Bool = false
    ) {
        self.isImplicitTLS = isImplicitTLS
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.user = user
        self.password = password
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.messagesPerConnection = messagesPerConnection
        self.smtputf8 = smtputf8
    }

    /// `smtp://host:port` or `smtps://host:port`, as written in messages (never with credentials).
    public var url: String {
        let scheme = isImplicitTLS ? "smtps" : "smtp"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(scheme)://\(shownHost):\($0)" } ?? "\(scheme)://\(shownHost)"
    }

    /// Whether the server is on this machine, where an unencrypted connection never leaves it.
    public var isLoopback: Bool {
        ["localhost", "::1"].contains(host.lowercased()) || host.hasPrefix("127.")
    }
}

/// Where a secret (or a login name) comes from: never the command line, never the configuration's text for
/// a password.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    /// Written in the configuration: allowed for a login name only.
    case literal(String)
    /// The value of an environment variable.
    case environment(String)
    /// The contents of a file, without its final line break.
    case file(String)

    /// The value, read now from `environment` or the file system.
    public func resolve(key: String, environment: [String: String]) throws(MailSetupError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .secretMissing(key: key, source: self)
            }
            return value
        case .file(let path):
            do {
                return try SecretFile.read(path)
            } catch {
                switch error.problem {
                case .missing where !error.isNameHidden, .unreadable where !error.isNameHidden:
                    throw .secretUnreadable(key: key, path: path)
                default:
                    throw .secretFile(key: key, failure: error)
                }
            }
        }
    }

    /// The configuration key for this source of `name`: `mail.password_env`, `mail.password_file`, `mail.user`.
    public func key(_ name: String) -> String {
        switch self {
        case .literal: "mail.\(name)"
        case .environment: "mail.\(name)_env"
        case .file: "mail.\(name)_file"
        }
    }

    /// Where the value comes from, never the value of a secret.
    public var description: String {
        switch self {
        case .literal: "the configuration"
        case .environment(let name): "the environment variable \(name)"
        case .file(let path): "the file \(path)"
        }
    }
}

/// Why mail could not be set up for delivery: a secret the configuration names is not there.
public enum MailSetupError: Error, Equatable, Sendable, UserFacingError {
    /// The environment variable named for `key` is not set, or is empty.
    case secretMissing(key: String, source: SecretSource)
    /// The file named for `key` is missing or cannot be read.
    case secretUnreadable(key: String, path: String)
    /// The file exists but is not safe to hold a secret, or holds none (see `SecretFile`).
    case secretFile(key: String, failure: SecretFile.Failure)

    /// The configuration key first, then what is wrong with its secret (never the secret itself).
    public var description: String {
        switch self {
        case .secretMissing(let key, let source): "\(key): \(source) is not set or empty"
        case .secretUnreadable(let key, let path): "\(key): cannot read \(path)"
        case .secretFile(let key, let failure): "\(key): \(failure)"
        }
    }

    /// What to fix: export the variable, or make the file readable and safe.
    public var hint: String? {
        switch self {
        case .secretMissing(_, .environment(let name)):
            "export \(name) before running dirsync (see README, Mail over SMTP)"
        case .secretMissing, .secretUnreadable: "check the file exists and this user may read it"
        case .secretFile(_, let failure): failure.hint
        }
    }
}
