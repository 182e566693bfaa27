import DirectorySyncSQL
import GRDB

/// What an SQLite database holds, as far as dirsync is concerned: nothing yet, a dirsync store (of which
/// migrations), or another application's data. Read before anything is written, so dirsync never migrates
/// a database that is not its own or one that a newer dirsync wrote.
enum StoreSchema: Equatable {
    /// No table, index, view or trigger: a database dirsync may make its own (`init` only).
    case blank
    /// A dirsync store that has applied these migrations.
    case dirsync(applied: [String])
    /// Tables of some other application.
    case foreign

    /// The migration every dirsync store has: the mark of one.
    static let firstMigration = StoreError.firstMigration

    /// Reads the schema of `db`.
    static func read(_ db: Database) throws -> StoreSchema {
        if try db.tableExists("grdb_migrations") {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            if applied.contains(firstMigration) { return .dirsync(applied: applied) }
        }
        let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        return objects == 0 ? .blank : .foreign
    }

    /// Whether the store at `path` may be opened for `access`; throws the reason it may not. Returns true when
    /// the schema needs its migrations run (a blank database, or an older store).
    func check(for access: SQLiteStore.Access, path: String) throws(StoreError) -> Bool {
        let known = Migrations.migrator.migrations
        switch self {
        case .foreign:
            throw .notADirsyncStore(path: path)
        case .blank:
            guard access == .create else { throw .emptyFile(path: path) }
            return true
        case .dirsync(let applied):
            let unknown = applied.filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw .newerSchema(path: path, unknown: unknown, newestKnown: known.last ?? Self.firstMigration)
            }
            let outdated = known.contains { !applied.contains($0) }
            if outdated && access == .readOnly { throw .outdatedSchema(path: path) }
            return outdated
        }
    }
}
