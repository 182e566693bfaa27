import DirectorySync
import DirectorySyncSQL
import NIOSSL
import PostgresNIO

extension StoreError {
    /// A PostgresNIO failure in dirsync's words. The server's own message is never shown: it may quote the
    /// values of a row. A SQLSTATE's class says what kind of failure it was.
    init(_ error: PSQLError, store location: PostgresLocation) {
        let store = location.description
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            self = .cannotConnect(store: store, reason: Self.connectionReason(error))
            return
        }
        switch state {
        case "40001", "40P01":
            self = .conflict(store: store)
        case "28P01", "28000":
            self = .cannotConnect(store: store, reason: "the server refused the login of user '\(location.user)'")
        case "3D000":
            self = .cannotConnect(store: store, reason: "the server has no database '\(location.database)'")
        case "53300":
            self = .cannotConnect(store: store, reason: "the server has no connection left (max_connections)")
        case "57P01", "57P02", "57P03":
            self = .cannotConnect(store: store, reason: "the server is shutting down or starting up")
        case "42501":
            self = .unreadable(path: store, reason: "permission denied for user '\(location.user)'")
        case "53100":
            self = .diskFull(path: store)
        case "25006":
            self = .unreadable(path: store, reason: "the server accepts only reads (a standby?)")
        case let state where state.hasPrefix("23"):
            let rule = error.serverInfo?[.constraintName].map { "\($0) (SQLSTATE \(state))" } ?? "SQLSTATE \(state)"
            self = .constraint(path: store, rule: rule)
        case let state where state.hasPrefix("22"):
            self = .constraint(path: store, rule: "a value the schema refuses (SQLSTATE \(state))")
        default:
            self = .unreadable(path: store, reason: "the server refused a statement (SQLSTATE \(state))")
        }
    }

    private static func connectionReason(_ error: PSQLError) -> String {
        switch error.code {
        case .sslUnsupported: "the server does not offer TLS, which sslmode asks for"
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest: "TLS could not be set up"
        case .unsupportedAuthMechanism: "the server asks for a login method dirsync does not support"
        case .authMechanismRequiresPassword:
            "the server asks for a password: name store_password_env or store_password_file (or set PGPASSWORD)"
        case .saslError: "the password login failed"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown: "the connection was closed"
        case .connectionError:
            if let underlying = error.underlying, underlying is NIOSSLError || underlying is NIOSSLExtraError {
                String(describing: underlying).lowercased().contains("certificate")
                    ? "the server's TLS certificate was not accepted (sslmode=verify-full checks it and the host name)"
                    : "the TLS handshake with the server failed"
            } else {
                "the server does not answer (is it running, and is the host and port right?)"
            }
        default: "the connection failed"
        }
    }
}
