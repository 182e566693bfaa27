import DirectorySync
import DirectorySyncPostgres
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// The store the store-facing tests run on: SQLite in memory, or a fresh database on the throw-away PostgreSQL
/// cluster `scripts/postgres` starts, when `DIRSYNC_TEST_STORE=postgresql` (`scripts/test` runs those suites
/// once each way). The tests are written once; only this choice differs.
public enum TestStore {
    /// The engines a store-facing test can run on.
    public enum Kind: String, Sendable {
        /// SQLite, in memory.
        case sqlite
        /// PostgreSQL: one new database per store.
        case postgresql
    }

    /// `DIRSYNC_TEST_STORE`, SQLite when unset.
    public static var kind: Kind {
        ProcessInfo.processInfo.environment["DIRSYNC_TEST_STORE"].flatMap(Kind.init(rawValue:)) ?? .sqlite
    }

    /// A new, empty, migrated store of `kind`.
    public static func make(_ kind: Kind = TestStore.kind) async throws -> any OrganizationStore {
        switch kind {
        case .sqlite: return try SQLiteStore.inMemory()
        case .postgresql:
            let server = try PostgresTestServer.running()
            let name = try await server.createDatabase()
            return PostgresStore(location: try server.location(name), password: server.password, access: .create)
        }
    }
}

/// The cluster `scripts/postgres start` runs, as its `server.json` describes it (in `DIRSYNC_TEST_POSTGRES`, by
/// default `.postgres/` in the working folder).
public struct PostgresTestServer: Sendable {
    /// 127.0.0.1.
    public let host: String
    /// Where it listens.
    public let port: Int
    /// The superuser the tests connect as.
    public let user: String
    /// Its password, from the state folder's 0600 file.
    public let password: Redacted<String>
    /// The file that holds the password.
    public let passwordFile: String
    /// The server's self-signed certificate, for `sslmode=verify-full`.
    public let caFile: String

    /// The running server; an error saying how to start it when there is none.
    public static func running() throws -> PostgresTestServer {
        let folder = ProcessInfo.processInfo.environment["DIRSYNC_TEST_POSTGRES"] ?? ".postgres"
        let file = URL(fileURLWithPath: folder).appendingPathComponent("server.json")
        guard let data = try? Data(contentsOf: file),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let host = object["host"] as? String, let port = object["port"] as? Int,
            let user = object["user"] as? String,
            let passwordFile = object["password_file"] as? String, let caFile = object["ca_file"] as? String
        else { throw Missing(folder: folder) }
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresTestServer(
            host: host, port: port, user: user, password: Redacted(password), passwordFile: passwordFile,
            caFile: caFile)
    }

    /// The URL of `database` on this server.
    public func url(_ database: String, tls: String? = nil) -> String {
        "postgresql://\(user)@\(host):\(port)/\(database)" + (tls.map { "?sslmode=\($0)" } ?? "")
    }

    /// The location of `database` on this server.
    public func location(_ database: String) throws -> PostgresLocation { try PostgresLocation(url(database)) }

    /// A new empty database on this server; returns its name.
    public func createDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await PostgresStore.createTestDatabase(name, at: location("postgres"), password: password)
        return name
    }

    /// No server: `scripts/postgres start` was not run.
    struct Missing: Error, CustomStringConvertible {
        let folder: String
        var description: String { "no PostgreSQL test server in \(folder): run scripts/postgres start" }
    }
}
