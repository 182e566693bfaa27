import DirectorySync
import DirectorySyncSQL
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The organization store in a PostgreSQL database, for several agents sharing one store.
///
/// It offers the same primitives as the SQLite store (`SQLLedger`, written once for both) and the same
/// atomicity: a change, its audit event and its outbox message commit in one transaction. Writes run
/// `SERIALIZABLE`, so two agents checking seats or a pending invitation at once cannot both act on what they
/// read; PostgreSQL then aborts one of them, and the whole transaction is run again from the start (its closure
/// only reads and writes the store). Reads run `REPEATABLE READ READ ONLY`: one consistent state, as in SQLite.
///
/// It keeps no session state: no advisory locks held across transactions, no prepared statements, no `SET`
/// outside a transaction. That is what lets it run behind PgBouncer in transaction pooling.
///
/// The connection is opened on first use, on the store's own thread, where every transaction runs; the schema
/// is checked then (and, for `dirsync init`, migrated). Nothing PostgreSQL or PostgresNIO says reaches the user
/// verbatim: errors become `StoreError`s naming the store's URL (which never carries a password), and the
/// driver's logger is silent, so no statement or value reaches a log at any level.
public final class PostgresStore: OrganizationStore, @unchecked Sendable {
    /// Where the store is, as shown in messages.
    public let location: PostgresLocation
    private let password: Redacted<String>?
    private let access: StoreAccess
    /// Every transaction runs here, one at a time: the ledger's primitives wait for each statement's answer.
    private let queue = DispatchQueue(label: "dirsync.postgres-store")
    private let statements = StatementCache()
    private let logger = Logger(label: "dirsync.postgres") { _ in SwiftLogNoOpLogHandler() }
    // Only touched on `queue`.
    private var connection: PostgresConnection?
    private var checked = false

    /// How long a transaction PostgreSQL keeps aborting for conflicts with other agents is tried again, in all.
    static let retryBudget: Duration = .seconds(60)

    /// A store at `location`, opened for `access` on first use; `password` for the server's password login.
    public init(location: PostgresLocation, password: Redacted<String>?, access: StoreAccess = .readWrite) {
        self.location = location
        self.password = password
        self.access = access
    }

    deinit {
        let connection = connection
        queue.async { try? connection?.close().wait() }
    }

    /// Runs `body` in a read-only transaction that sees one consistent state of the store.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerReader) throws -> T) async throws -> T {
        try await onQueue { try self.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body) }
    }

    /// Runs `body` in one serializable write transaction, rolled back whole if anything throws.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T {
        try await onQueue { try self.transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body) }
    }

    /// Runs lease work `READ COMMITTED`: its statements decide on the rows' latest versions and lock what they
    /// change, so claims and heartbeats need not be part of the serializable writes' conflict detection, where
    /// their scans of the small lease and pool tables would make every agent's transaction conflict with every
    /// other's.
    public func writeLeases<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T {
        try await onQueue { try self.transaction("BEGIN ISOLATION LEVEL READ COMMITTED", body) }
    }

    /// Closes the connection; the next transaction opens a new one.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                try? self.connection?.close().wait()
                self.connection = nil
                continuation.resume()
            }
        }
    }

    /// Runs raw SQL, without checking the schema first, for tests that need the database in a state dirsync
    /// never makes.
    package func execute(_ sql: String) async throws {
        try await onQueue {
            let session = try self.rawSession()
            try self.mapped { try session.script(sql) }
        }
    }

    /// Runs `work` on the store's own thread, connected.
    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await connectIfNeeded()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func transaction<T>(_ begin: String, _ body: (SQLLedger<PostgresSession>) throws -> T) throws -> T {
        var attempt = 1
        let deadline = ContinuousClock.now + Self.retryBudget
        while true {
            let session = try session()
            do {
                try mapped { try session.script(begin) }
                let result = try mapped { try body(SQLLedger(session: session)) }
                try mapped { try session.script("COMMIT") }
                return result
            } catch {
                rollBack(session)
                guard case StoreError.conflict = error, ContinuousClock.now < deadline else { throw error }
                // Another agent's transaction won: wait a little (more each time up to a second, never in step) and
                // run again.
                let ceiling = UInt32(min(1 << min(attempt, 10), 1000)) * 1000
                usleep(ceiling / 2 + UInt32.random(in: 0...ceiling / 2))
                attempt += 1
            }
        }
    }

    private func rollBack(_ session: PostgresSession) {
        do {
            try session.script("ROLLBACK")
        } catch {
            // The connection is gone or broken: the server rolls back what it had; the next transaction
            // connects again.
            try? connection?.close().wait()
            connection = nil
        }
    }

    /// The open connection, with the schema checked (and, for `dirsync init`, migrated) on first use.
    private func session() throws -> PostgresSession {
        let session = try rawSession()
        if !checked {
            try PostgresSchema(location: location).prepare(session, for: access)
            checked = true
        }
        return session
    }

    /// The open connection; `onQueue` opened it before running the work.
    private func rawSession() throws -> PostgresSession {
        guard let connection, !connection.isClosed else {
            // Closed since `onQueue` checked it (the server went away mid-transaction): the next command connects.
            throw StoreError.cannotConnect(store: location.description, reason: "the connection was closed")
        }
        return PostgresSession(connection: connection, statements: statements, logger: logger)
    }

    /// Connects, when there is no open connection, without holding a thread while it waits.
    ///
    /// A few attempts at a time per process (`ConnectionGate`): the password login's key stretching runs on
    /// NIO's few threads, and many stores connecting at once would otherwise starve each other past the connect
    /// timeout. Nothing here blocks a thread: NIO resolves the host name on a Dispatch queue, so a connection
    /// awaited by blocking Dispatch's threads (one per store) could wait forever for a thread to resolve it.
    private func connectIfNeeded() async throws {
        let open = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            queue.async { continuation.resume(returning: self.connection.map { !$0.isClosed } ?? false) }
        }
        guard !open else { return }
        let configuration = try configuration()
        let opened: PostgresConnection
        do {
            opened = try await ConnectionGate.shared.admitted {
                try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
                    logger: self.logger)
            }
        } catch let error as PSQLError {
            throw StoreError(error, store: location)
        } catch {
            throw StoreError.cannotConnect(
                store: location.description,
                reason: "the server does not answer (is it running, and is the host and port right?)")
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                let previous = self.connection
                self.connection = opened
                try? previous?.close().wait()
                continuation.resume()
            }
        }
    }

    private func configuration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: password?.revealed,
            database: location.database, tls: try tls())
        configuration.options.connectTimeout = .seconds(60)
        return configuration
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var settings = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            settings.certificateVerification = .none
        case .verifyFull:
            settings.certificateVerification = .fullVerification
            if let roots = location.rootCertificates {
                guard FileManager.default.isReadableFile(atPath: roots) else {
                    throw StoreError.cannotConnect(
                        store: location.description, reason: "cannot read sslrootcert \(roots)")
                }
                settings.trustRoots = .file(roots)
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: settings)
        } catch {
            throw StoreError.cannotConnect(
                store: location.description, reason: "the TLS settings could not be loaded (check sslrootcert)")
        }
        return location.tls == .prefer ? .prefer(context) : .require(context)
    }

    /// Runs `operation`, turning PostgresNIO's errors into `StoreError`s.
    private func mapped<T>(_ operation: () throws -> T) throws -> T {
        do {
            return try operation()
        } catch let error as PSQLError {
            if error.code != .server {
                try? connection?.close().wait()
                connection = nil
            }
            throw StoreError(error, store: location)
        } catch is PostgresError {
            // The driver's older error type, which could quote the server; it carries no SQLSTATE to go by.
            throw StoreError.unreadable(path: location.description, reason: "the server refused a statement")
        }
    }
}

extension PostgresStore {
    /// Creates the database `name` on the server at `location` (connected to its own database, which must
    /// exist), with commits that do not wait for the disk: for tests' throw-away databases only.
    package static func createTestDatabase(_ name: String, at location: PostgresLocation, password: Redacted<String>?)
        async throws
    {
        let store = PostgresStore(location: location, password: password, access: .readOnly)
        try await store.onQueue {
            let session = try store.rawSession()
            try store.mapped {
                try session.script("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'")
                try session.script("ALTER DATABASE \(name) SET synchronous_commit = off")
            }
        }
        await store.close()
    }
}

/// Lets a few connection attempts run at once in this process; the others wait their turn without a thread.
actor ConnectionGate {
    static let shared = ConnectionGate(width: 4)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = width }

    /// Runs `attempt` once a place is free, and frees it after.
    func admitted<T: Sendable>(_ attempt: @Sendable () async throws -> T) async throws -> T {
        if free > 0 {
            free -= 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
        return try await attempt()
    }
}
