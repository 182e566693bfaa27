import DirectorySync
import DirectorySyncSQL
import Foundation
import GRDB

/// The embedded organization store: one SQLite file in WAL mode, created with mode 0600.
///
/// Only `dirsync init` creates a store (`Access.create`); every other command opens an existing dirsync
/// store and refuses anything else — a missing path, a folder, another kind of file, another application's
/// database, a store from a newer dirsync — before SQLite writes a byte. Every SQLite failure surfaces as a
/// `StoreError` naming the file.
public struct SQLiteStore: OrganizationStore {
    private let writer: any DatabaseWriter
    /// The file as it was given, named in errors.
    private let path: String
    /// How long a statement waits for another connection's lock, in seconds.
    private let busyTimeout: Int

    /// How a command opens the store (the same for both engines).
    public typealias Access = StoreAccess

    /// Opens the store at `path` for `access`; see `Access`.
    public init(path: String, access: Access = .readWrite) throws {
        try self.init(path: path, access: access, busyTimeout: 30)
    }

    /// Opens the store with another busy timeout than the commands' 30 s (tests of a locked store).
    package init(path: String, access: Access, busyTimeout: Int) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        // SQLite reads a name starting with `file:` as a URI: it is always given an absolute path.
        let location = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(TimeInterval(busyTimeout))
        configuration.foreignKeysEnabled = true
        do {
            switch try StoreFile.inspect(path) {
            case .absent:
                guard access == .create else { throw StoreError.missing(path: path) }
                try StoreFile.create(path)
            case .empty:
                guard access == .create else { throw StoreError.emptyFile(path: path) }
                try StoreFile.checkWritable(path)
            case .sqlite:
                // What the file is comes first (read-only, which works anywhere), then whether it may be written.
                let reader = try StoreReader.open(location, path: path, configuration: configuration)
                _ = try reader.read { db in try StoreSchema.read(db) }.check(for: access, path: path)
                if access == .readOnly {
                    writer = reader
                    return
                }
                try StoreFile.checkWritable(path)
            }
            writer = try Self.openForWriting(location, configuration: configuration)
        } catch let error as DatabaseError {
            throw StoreError(error, path: path, busyTimeout: busyTimeout)
        }
    }

    /// The pool commands that write use, migrated. Only called once the file is known to be dirsync's (or new).
    private static func openForWriting(_ location: String, configuration: GRDB.Configuration) throws -> DatabasePool {
        let pool = try DatabasePool(path: location, configuration: configuration)
        // A committed change survives a power cut, not only a crash: GRDB opens WAL databases with
        // synchronous = NORMAL, so it is raised on the one writing connection once the pool is open.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Migrations.migrator.migrate(pool)
        return pool
    }

    /// A store in memory, for tests: the real SQLite engine, nothing on disk.
    public static func inMemory() throws -> SQLiteStore {
        var configuration = GRDB.Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: configuration)
        try Migrations.migrator.migrate(queue)
        return SQLiteStore(writer: queue, path: ":memory:")
    }

    private init(writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
        self.busyTimeout = 30
    }

    /// Runs `body` in a read transaction, which sees one consistent state of the store; SQLite failures throw
    /// as `StoreError`.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerReader) throws -> T) async throws -> T {
        try await mapped { try await writer.read { db in try body(ledger(db)) } }
    }

    /// Runs `body` in one write transaction, rolled back whole if anything throws; SQLite failures throw as
    /// `StoreError` (a locked store's error names who holds its leases).
    public func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T {
        try await mapped { try await writer.write { db in try body(ledger(db)) } }
    }

    /// Checks the file with SQLite's own integrity check; returns its findings, empty when sound.
    public func integrityProblems() async throws -> [String] {
        try await mapped {
            try await writer.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
                    + Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            }
        }
    }

    /// The writing connection's `PRAGMA synchronous` (2 is FULL), for tests.
    package func writerSynchronousMode() async throws -> Int {
        try await writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs raw SQL on the writing connection, for tests that need SQLite in a state dirsync never makes
    /// (a size limit, a hand-made trigger).
    package func executeOnWriter(_ sql: String) async throws {
        try await writer.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    private func mapped<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as DatabaseError {
            let holders = error.resultCode == .SQLITE_BUSY ? await leaseHolders() : []
            throw StoreError(error, path: path, busyTimeout: busyTimeout, holders: holders)
        }
    }

    /// Who holds an unexpired lease, for a locked store's message: most often the process keeping it busy.
    private func leaseHolders() async -> [String] {
        let now = StoredText.date(Date())
        let rows = try? writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT organizations.name AS name, leases.holder AS holder FROM leases
                    JOIN organizations ON organizations.id = leases.organization_id WHERE leases.expires_at > ?
                    ORDER BY organizations.name
                    """, arguments: [now])
        }
        return (rows ?? []).map { row in "\(row["holder"] as String) holds the lease on \(row["name"] as String)" }
    }
}
