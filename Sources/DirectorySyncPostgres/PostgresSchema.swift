import DirectorySync
import DirectorySyncSQL
import PostgresNIO

/// What the database holds, checked once per connection, and `dirsync init`'s migrations.
struct PostgresSchema {
    let location: PostgresLocation

    /// A lock number only dirsync's migrations take (the bytes of "dirsync" and 1).
    static let migrationLock: Int64 = 0x6469_7273_796e_6301

    /// Checks that the database holds a current dirsync store (for `.create`, makes or migrates it first).
    func prepare(_ session: PostgresSession, for access: StoreAccess) throws {
        if access == .create { try migrate(session) }
        let applied = try appliedMigrations(session)
        let known = PostgresMigrations.all.map(\.name)
        guard let applied else {
            throw try hasTables(session)
                ? StoreError.foreignDatabase(store: location.description)
                : StoreError.notInitialized(store: location.description)
        }
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw StoreError.newerSchema(
                path: location.description, unknown: unknown, newestKnown: known.last ?? StoreError.firstMigration)
        }
        let missing = known.filter { !applied.contains($0) }
        guard missing.isEmpty else { throw StoreError.needsMigration(store: location.description, missing: missing) }
    }

    /// Applies every migration the store lacks, in one transaction under a transaction-scoped advisory lock:
    /// two `dirsync init` at once take turns, and the lock ends with the transaction (no session state).
    private func migrate(_ session: PostgresSession) throws {
        try mapped {
            try session.script("BEGIN")
            do {
                _ = try session.run("SELECT pg_advisory_xact_lock(?)", [Self.migrationLock])
                let applied = try appliedMigrations(session)
                if applied == nil, try hasTables(session) {
                    throw StoreError.foreignDatabase(store: location.description)
                }
                try session.script(PostgresMigrations.bookkeeping)
                for migration in PostgresMigrations.all where !(applied ?? []).contains(migration.name) {
                    try session.script(migration.sql)
                    _ = try session.run("INSERT INTO dirsync_migrations (name) VALUES (?)", [migration.name])
                }
                var generator = SystemRandomNumberGenerator()
                let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                _ = try session.run(
                    "INSERT INTO store_secrets (name, value) VALUES ('plan-signing', ?) ON CONFLICT (name) DO NOTHING",
                    [key])
                try session.script("COMMIT")
            } catch {
                try? session.script("ROLLBACK")
                throw error
            }
        }
    }

    /// The names in `dirsync_migrations`; nil when the table does not exist.
    private func appliedMigrations(_ session: PostgresSession) throws -> [String]? {
        let exists = try mapped {
            try session.run("SELECT to_regclass('dirsync_migrations') IS NOT NULL", []).rows.first?.decode(Bool.self)
        }
        guard exists == true else { return nil }
        return try mapped {
            try session.run("SELECT name FROM dirsync_migrations ORDER BY applied_at, name", []).rows.map {
                try $0.decode(String.self)
            }
        }
    }

    /// Whether the schema dirsync would use holds any table.
    private func hasTables(_ session: PostgresSession) throws -> Bool {
        try mapped {
            try session.run(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", []
            ).rows.first?.decode(Int64.self) ?? 0 > 0
        }
    }

    private func mapped<T>(_ operation: () throws -> T) throws -> T {
        do {
            return try operation()
        } catch let error as PSQLError {
            throw StoreError(error, store: location)
        } catch is PostgresError {
            // The driver's older error type, which could quote the server; it carries no SQLSTATE to go by.
            throw StoreError.unreadable(path: location.description, reason: "the server refused a statement")
        }
    }
}
