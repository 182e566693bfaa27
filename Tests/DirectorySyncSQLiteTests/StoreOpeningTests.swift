import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySync
@testable import DirectorySyncSQL
@testable import DirectorySyncSQLite

/// What a store path may hold, and what each kind of access does with it: only `.create` makes a store,
/// nothing is written to what is not a dirsync store, and a newer store is refused by all.
@Suite struct StoreOpeningTests {
    /// The newest migration this build knows, whatever it is called.
    static let newestKnown = Migrations.migrator.migrations.last ?? ""

    /// Something at a store's path that is not a dirsync store, and the error every access gives for it.
    enum Foreign: String, CaseIterable, CustomTestStringConvertible {
        case folder, text, binary, otherApplication, otherGRDBApplication

        var testDescription: String { rawValue }

        /// Puts it at `path`.
        func make(at path: String) throws {
            switch self {
            case .folder: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            case .text: try Data("name,email\nBo,bo@acme.com\n".utf8).write(to: URL(fileURLWithPath: path))
            case .binary:
                try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: path))
            case .otherApplication:
                try DatabaseQueue(path: path).write { db in
                    try db.execute(
                        sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x')"
                    )
                }
            case .otherGRDBApplication:
                var migrator = DatabaseMigrator()
                migrator.registerMigration("v1-create-notes") { db in
                    try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
                }
                try migrator.migrate(DatabasePool(path: path))
            }
        }

        func expected(at path: String) -> StoreError {
            switch self {
            case .folder: .isDirectory(path: path)
            case .text, .binary: .notSQLite(path: path)
            case .otherApplication, .otherGRDBApplication: .notADirsyncStore(path: path)
            }
        }
    }

    static let accesses: [SQLiteStore.Access] = [.create, .readWrite, .readOnly]

    @Test(arguments: Foreign.allCases, accesses)
    func refusesWhatIsNotADirsyncStoreAndLeavesItAsItWas(_ kind: Foreign, _ access: SQLiteStore.Access) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("store.sqlite").path
        try kind.make(at: path)
        let before = try Self.snapshot(path)
        #expect(throws: kind.expected(at: path)) { try SQLiteStore(path: path, access: access) }
        #expect(try Self.snapshot(path) == before)
    }

    @Test(arguments: [SQLiteStore.Access.readWrite, .readOnly])
    func onlyCreateMakesAStore(_ access: SQLiteStore.Access) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        for path in [folder.file("missing.sqlite").path, folder.file("no/such/folder/dirsync.sqlite").path] {
            #expect(throws: StoreError.missing(path: path)) { try SQLiteStore(path: path, access: access) }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        let empty = folder.file("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: StoreError.emptyFile(path: empty)) { try SQLiteStore(path: empty, access: access) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["empty.sqlite"])
    }

    @Test func createMakesANewFileOrTakesAnEmptyOneAndReopensAStore() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let nested = folder.file("org/dirsync.sqlite").path
        let fixture = try await LedgerFixture.make(store: try SQLiteStore(path: nested, access: .create))
        let mode = try FileManager.default.attributesOfItem(atPath: nested)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // A second organization in the same store.
        _ = try await Ledger(store: try SQLiteStore(path: nested, access: .create)).createOrganization(
            try Organization.Settings(name: "Beta", seats: 3, inviter: fixture.owner), owner: fixture.owner,
            ownerName: nil, at: testEpoch)
        #expect(try await fixture.read { db in try db.organizations().count } == 2)

        let empty = folder.file("touched.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        _ = try await LedgerFixture.make(store: try SQLiteStore(path: empty, access: .create))
        #expect(try await SQLiteStore(path: empty, access: .readOnly).read { db in try db.organizations().count } == 1)
    }

    @Test(arguments: accesses)
    func aStoreFromANewerDirsyncIsRefusedNamingTheMigrations(_ access: SQLiteStore.Access) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("dirsync.sqlite").path
        _ = try await LedgerFixture.make(store: try SQLiteStore(path: path, access: .create))
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v7-teams'), ('v8-grants')")
        }
        let before = try Self.snapshot(path)
        let error = StoreError.newerSchema(
            path: path, unknown: ["v7-teams", "v8-grants"], newestKnown: Self.newestKnown)
        #expect(throws: error) { try SQLiteStore(path: path, access: access) }
        #expect(try Self.snapshot(path) == before)
        #expect(
            error.description
                == "the store at \(path) was written by a newer dirsync: it has the migrations 'v7-teams', "
                + "'v8-grants' this dirsync does not know (the newest it knows is '\(Self.newestKnown)')")
        #expect(error.hint?.contains("upgrade dirsync") == true)
    }

    @Test func anOlderStoreIsMigratedByWritersAndRefusedByReaders() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("dirsync.sqlite").path
        try Migrations.migrator.migrate(try DatabasePool(path: path), upTo: "v3-create-leases-and-notification-state")
        #expect(throws: StoreError.outdatedSchema(path: path)) { try SQLiteStore(path: path, access: .readOnly) }
        _ = try SQLiteStore(path: path, access: .readWrite)
        let applied = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(applied == Migrations.migrator.migrations)
        _ = try SQLiteStore(path: path, access: .readOnly)
    }

    /// The main file's bytes and the folder's entries: what opening must not change.
    static func snapshot(_ path: String) throws -> [String: Data] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            return ["entries": Data(try FileManager.default.contentsOfDirectory(atPath: path).sorted().joined().utf8)]
        }
        return ["file": try Data(contentsOf: URL(fileURLWithPath: path))]
    }
}
