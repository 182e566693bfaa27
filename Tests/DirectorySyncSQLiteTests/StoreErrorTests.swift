import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySync
@testable import DirectorySyncSQL
@testable import DirectorySyncSQLite

/// SQLite's failures on a real store file, as the user reads them: the file named, what failed, no SQLite text.
@Suite struct StoreErrorTests {
    private func store(busyTimeout: Int = 30, seats: Int = 10) async throws -> (
        TemporaryDirectory, String, LedgerFixture
    ) {
        let folder = try TemporaryDirectory()
        let path = folder.file("dirsync.sqlite").path
        let store = try SQLiteStore(path: path, access: .create, busyTimeout: busyTimeout)
        return (folder, path, try await LedgerFixture.make(seats: seats, store: store))
    }

    /// SQLite's own wording, which no message may show.
    private static let sqliteWords = ["constraint failed", "database or disk is full", "database is locked", "SQLITE"]

    private func expectPlain(_ error: StoreError) {
        for word in Self.sqliteWords { #expect(!error.description.contains(word), "\(error.description)") }
        #expect(!error.description.contains("\n"))
    }

    @Test func aBrokenCheckNamesTheRuleInWords() async throws {
        let (folder, path, fixture) = try await store()
        defer { folder.remove() }
        let organization = fixture.organization.id
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.write { db in
                _ = try db.insertInvitation(
                    Invitation.Draft(
                        organization: organization, email: try EmailAddress("bo@acme.com"), role: .member,
                        sentAt: testEpoch, expiresAt: testEpoch.adding(seconds: -1), invitedBy: "x", message: nil,
                        anchor: nil, isManaged: false))
            }
        }
        #expect(error == .constraint(path: path, rule: "an invitation expires after it was sent"))
        #expect(error?.hint?.contains("bug in dirsync or a store edited by hand") == true)
        if let error { expectPlain(error) }
    }

    @Test func rulesOfAHandEditedStoreAreNamedToo() async throws {
        let (folder, path, fixture) = try await store()
        defer { folder.remove() }
        try await #require(fixture.store as? SQLiteStore).executeOnWriter(
            "CREATE UNIQUE INDEX hand_made ON audit_events(event)")
        try await fixture.invite("bo@acme.com")
        let error = await #expect(throws: StoreError.self) { try await fixture.invite("cy@acme.com") }
        #expect(error == .constraint(path: path, rule: "audit_events.event must be unique"))
        try await #require(fixture.store as? SQLiteStore).executeOnWriter(
            "CREATE TRIGGER hand_made_trigger BEFORE INSERT ON members BEGIN SELECT RAISE(ABORT, 'no joins today'); END"
        )
        let trigger = await #expect(throws: StoreError.self) {
            _ = try await fixture.ledger.accept(try fixture.latestToken(for: "bo@acme.com"), name: nil, at: testEpoch)
        }
        #expect(trigger == .constraint(path: path, rule: "no joins today"))
    }

    @Test func everyCheckOfTheSchemaHasItsWords() throws {
        // The CHECK expressions as the migrations wrote them: each must be described, not echoed.
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue)
        let schema = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
        }
        let checks = schema.flatMap(Self.checkExpressions)
        #expect(checks.count > 25)
        for check in checks {
            let error = DatabaseError(
                resultCode: .SQLITE_CONSTRAINT_CHECK, message: "CHECK constraint failed: \(check)")
            #expect(!StoreError.rule(for: error).hasPrefix("the check"), "no words for \(check)")
        }
    }

    @Test func aFullDiskIsSaidSoAndNothingOfTheChangeIsKept() async throws {
        let (folder, path, fixture) = try await store(seats: 100)
        defer { folder.remove() }
        // SQLite's page limit gives the same SQLITE_FULL as a full disk, on any machine.
        try await #require(fixture.store as? SQLiteStore).executeOnWriter("PRAGMA max_page_count = 1")
        let addresses = (0..<50).map { "person\($0)@acme.com" }.joined(separator: ",")
        let error = await #expect(throws: StoreError.self) { try await fixture.invite(addresses) }
        #expect(error == .diskFull(path: path))
        #expect(error?.hint == "free space on the disk that holds \(path) and run the command again")
        #expect(
            try await fixture.read { db in try db.invitations(in: fixture.organization.id, statuses: [.pending]) }
                .isEmpty)
    }

    @Test func aStoreLockedTooLongNamesTheLeaseHolder() async throws {
        let (folder, path, fixture) = try await store(busyTimeout: 1)
        defer { folder.remove() }
        try await LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "box:4242:k",
            duration: .init(seconds: 600)
        ).acquire(at: Date())
        // Another process's connection holds the write lock (BEGIN IMMEDIATE) and does not let go.
        var configuration = GRDB.Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: configuration)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let error = await #expect(throws: StoreError.self) { try await fixture.invite("bo@acme.com") }
        try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(error == .busy(path: path, seconds: 1, holders: ["box:4242:k holds the lease on Acme Corp"]))
        #expect(
            error?.description
                == "the store at \(path) stayed locked by another process for 1 s (box:4242:k holds the lease on Acme Corp)"
        )
        try await fixture.invite("bo@acme.com")
    }

    @Test func aReadOnlyStoreRefusesWritesInWords() async throws {
        let (folder, path, _) = try await store()
        defer { folder.remove() }
        let reader = try SQLiteStore(path: path, access: .readOnly)
        let error = await #expect(throws: StoreError.self) {
            try await reader.write { db in
                try db.releaseLease(in: Organization.ID(rawValue: 1), for: .apply, holder: "x")
            }
        }
        #expect(error == .permissionDenied(path: path, writing: true))
    }

    /// The `CHECK (…)` expressions of a `CREATE` statement, as SQLite reports them.
    static func checkExpressions(_ sql: String) -> [String] {
        var result: [String] = []
        var rest = Substring(sql)
        while let start = rest.range(of: "CHECK (") {
            var depth = 1
            var index = start.upperBound
            while index < rest.endIndex, depth > 0 {
                if rest[index] == "(" { depth += 1 }
                if rest[index] == ")" { depth -= 1 }
                index = rest.index(after: index)
            }
            result.append(String(rest[start.upperBound..<rest.index(before: index)]))
            rest = rest[index...]
        }
        return result
    }
}
