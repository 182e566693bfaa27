import DirectorySync
import Foundation
import GRDB

/// The embedded organization store: one SQLite file in WAL mode, created with mode 0600.
public struct SQLiteStore: OrganizationStore {
    private let writer: any DatabaseWriter

    /// How a command opens the store.
    public enum Access: Sendable {
        /// Creates the file if needed and migrates the schema.
        case readWrite
        /// Never writes: the file must exist and its schema be current.
        case readOnly
    }

    /// Opens (and for `.readWrite`, creates and migrates) the store at `path`.
    public init(path: String, access: Access = .readWrite) throws {
        let url = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        switch access {
        case .readOnly:
            guard fileManager.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
            configuration.readonly = true
        case .readWrite:
            if !fileManager.fileExists(atPath: path) {
                do {
                    try fileManager.createDirectory(
                        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                } catch {
                    throw StoreError.cannotCreate(path: path, reason: error.localizedDescription)
                }
                // The store holds token hashes, the outbox (with accept links until sent) and personal data:
                // only its owner may read it. SQLite gives the -wal and -shm files the same mode.
                guard fileManager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw StoreError.cannotCreate(path: path, reason: "permission denied or no such directory")
                }
            }
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if access == .readWrite {
                // A committed change survives a power cut, not only a crash: GRDB opens WAL databases with
                // synchronous = NORMAL, so it is raised on the one writing connection once the pool is open.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            try Self.prepare(pool, access: access, path: path)
            self.writer = pool
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.unreadable(path: path, reason: error.message ?? error.description)
        }
    }

    /// A store in memory, for tests: the real SQLite engine, nothing on disk.
    public static func inMemory() throws -> SQLiteStore {
        var configuration = GRDB.Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: configuration)
        try Migrations.migrator.migrate(queue)
        return SQLiteStore(writer: queue)
    }

    private init(writer: any DatabaseWriter) { self.writer = writer }

    private static func prepare(_ pool: DatabasePool, access: Access, path: String) throws {
        let migrator = Migrations.migrator
        switch access {
        case .readWrite:
            try migrator.migrate(pool)
        case .readOnly:
            let current = try pool.read { db in try migrator.hasCompletedMigrations(db) }
            if !current {
                let empty = try pool.read { db in try !db.tableExists("organizations") }
                throw empty ? StoreError.missing(path: path) : StoreError.outdatedSchema(path: path)
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerReader) throws -> T) async throws -> T {
        try await mapped { try await writer.read { db in try body(SQLiteLedger(db: db)) } }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T {
        try await mapped { try await writer.write { db in try body(SQLiteLedger(db: db)) } }
    }

    /// Checks the file with SQLite's own integrity check; returns its findings, empty when sound.
    public func integrityProblems() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
                + Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
        }
    }

    /// The writing connection's `PRAGMA synchronous` (2 is FULL), for tests.
    package func writerSynchronousMode() async throws -> Int {
        try await writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    private func mapped<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as DatabaseError {
            throw StoreError.database(error.message ?? error.description)
        }
    }
}

/// Why the store could not be opened or used.
public enum StoreError: Error, Equatable, UserFacingError {
    case missing(path: String)
    case cannotCreate(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case outdatedSchema(path: String)
    case database(String)

    public var description: String {
        switch self {
        case .missing(let path): "no dirsync store at \(path)"
        case .cannotCreate(let path, let reason): "cannot create the store at \(path): \(reason)"
        case .unreadable(let path, let reason): "cannot open the store at \(path): \(reason)"
        case .outdatedSchema(let path): "the store at \(path) was written by an older dirsync and needs migrating"
        case .database(let message): "store error: \(message)"
        }
    }

    public var hint: String? {
        switch self {
        case .missing: "create it with 'dirsync init --org NAME --seats N --owner EMAIL', or pass --store PATH"
        case .outdatedSchema: "run any command that writes (for example 'dirsync outbox deliver') to migrate it"
        default: nil
        }
    }
}
