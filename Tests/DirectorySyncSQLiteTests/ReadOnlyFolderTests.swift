import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySync
@testable import DirectorySyncSQL
@testable import DirectorySyncSQLite

/// A store in a folder this user cannot write (really: see `ReadOnlyFolder`): read-only opening works and
/// never misses a committed change; writing is refused in words.
@Suite struct ReadOnlyFolderTests {
    private func store() async throws -> (TemporaryDirectory, String) {
        let folder = try TemporaryDirectory()
        let path = folder.file("dirsync.sqlite").path
        let fixture = try await LedgerFixture.make(store: try SQLiteStore(path: path, access: .create))
        try await fixture.invite("bo@acme.com")
        return (folder, path)
    }

    private func entries(_ folder: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    private func pendingEmails(_ store: SQLiteStore) async throws -> [String] {
        try await store.read { db in
            try db.invitations(in: Organization.ID(rawValue: 1), statuses: [.pending]).map(\.email.canonical)
        }
    }

    @Test func aClosedStoreIsReadWithoutCreatingAnything() async throws {
        let (folder, path) = try await store()
        defer { folder.remove() }
        #expect(try entries(folder) == ["dirsync.sqlite"], "the writer left its -wal behind")
        let locked = try ReadOnlyFolder(folder.url, files: [folder.file("dirsync.sqlite")])
        defer { locked.restore() }
        try #require(locked.isEffective, "could not make a read-only folder")

        let reader = try SQLiteStore(path: path, access: .readOnly)
        #expect(try await pendingEmails(reader) == ["bo@acme.com"])
        #expect(try entries(folder) == ["dirsync.sqlite"])
        #expect(throws: StoreError.permissionDenied(path: path, writing: true)) {
            try SQLiteStore(path: path, access: .readWrite)
        }
    }

    @Test func aWriteCommandInAReadOnlyFolderSaysSo() async throws {
        let (folder, path) = try await store()
        defer { folder.remove() }
        // Only the folder: the file itself stays writable.
        let locked = try ReadOnlyFolder(folder.url, files: [])
        defer { locked.restore() }
        try #require(locked.isEffective, "could not make a read-only folder")
        #expect(throws: StoreError.readOnlyFolder(path: path)) { try SQLiteStore(path: path, access: .readWrite) }
        #expect(throws: StoreError.readOnlyFolder(path: path)) { try SQLiteStore(path: path, access: .create) }
    }

    @Test func changesInTheLogOfARunningWriterAreSeen() async throws {
        let (folder, path) = try await store()
        defer { folder.remove() }
        // A writer keeps the store open (its -wal and -shm exist) and commits while the folder is read-only.
        let writer = try SQLiteStore(path: path, access: .readWrite)
        let locked = try ReadOnlyFolder(folder.url, files: [])
        defer { locked.restore() }
        try #require(locked.isEffective, "could not make a read-only folder")
        _ = try await LedgerFixture.make(name: "Beta", store: writer)
        #expect(StoreFile.logHoldsData(path))

        let reader = try SQLiteStore(path: path, access: .readOnly)
        #expect(try await reader.read { db in try db.organizations().map(\.name) } == ["Acme Corp", "Beta"])
    }

    @Test func aLogWithoutItsIndexIsRefusedRatherThanIgnored() async throws {
        let (folder, path) = try await store()
        defer { folder.remove() }
        let writer = try SQLiteStore(path: path, access: .readWrite)
        _ = try await LedgerFixture.make(name: "Beta", store: writer)
        // A copy of the file and of its log, without the -shm index: Beta exists only in the log.
        let copy = try TemporaryDirectory()
        defer { copy.remove() }
        let copied = copy.file("dirsync.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copied.path)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copied.path + "-wal")
        let locked = try ReadOnlyFolder(copy.url, files: [copied, URL(fileURLWithPath: copied.path + "-wal")])
        defer { locked.restore() }
        try #require(locked.isEffective, "could not make a read-only folder")

        let error = StoreError.unreadableLog(path: copied.path)
        #expect(throws: error) { try SQLiteStore(path: copied.path, access: .readOnly) }
        #expect(error.hint?.contains("as a user who can write the folder") == true)
    }

    @Test func immutableNamesEscapeWhatAURIWouldRead() {
        #expect(
            StoreReader.immutableURI("/a b/c?d#e%f/ü.sqlite") == "file:/a%20b/c%3Fd%23e%25f/%C3%BC.sqlite?immutable=1")
    }
}
