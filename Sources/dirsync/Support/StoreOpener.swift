import DirectorySync
import DirectorySyncPostgres
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// Opens the store a command names: an SQLite file, or a PostgreSQL database when the name is a
/// `postgresql://` URL. The one place that knows both engines.
enum StoreOpener {
    /// The store `name` (a path made absolute, or a URL) names, opened for `access`. A PostgreSQL store's
    /// password comes from `password` (the configuration's `store_password_env` or `store_password_file`),
    /// else from `PGPASSWORD`, else there is none; it is read now and never printed.
    static func open(
        _ name: String, password: SecretSource?, access: StoreAccess,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any OrganizationStore {
        guard PostgresLocation.isPostgres(name) else { return try SQLiteStore(path: name, access: access) }
        let location: PostgresLocation
        do {
            location = try PostgresLocation(name)
        } catch {
            throw CommandError.invalidArgument("store: \(error.description)", hint: nil)
        }
        let secret: String?
        if let password {
            let key: String
            switch password {
            case .environment: key = "store_password_env"
            case .file, .literal: key = "store_password_file"
            }
            secret = try password.resolve(key: key, environment: environment)
        } else {
            secret = environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        }
        return PostgresStore(location: location, password: secret.map(Redacted.init), access: access)
    }

    /// How messages name the store: a path relative to the working folder, or the URL (which holds no password).
    static func shown(_ name: String) -> String {
        PostgresLocation.isPostgres(name)
            ? ((try? PostgresLocation(name))?.description ?? name) : CommandEnvironment.relative(name)
    }

    /// `name` as given by `--store`: a URL as it is, a path made absolute.
    static func resolved(_ name: String) -> String {
        PostgresLocation.isPostgres(name) ? name : CommandEnvironment.absolute(name)
    }
}
