import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySync

/// The invariants the schema itself enforces, checked by writing around the ledger with raw SQL.
@Suite struct StoreSchemaTests {
    private func storeWithInvitation() async throws -> (TemporaryDirectory, String) {
        let folder = try TemporaryDirectory()
        let path = folder.file("dirsync.sqlite").path
        let fixture = try await LedgerFixture.make(store: try SQLiteStore(path: path, access: .create))
        try await fixture.invite("bo@acme.com")
        return (folder, path)
    }

    private func rawInsertFails(_ path: String, _ sql: String) throws -> Bool {
        let queue = try DatabaseQueue(path: path)
        do {
            try queue.write { db in try db.execute(sql: sql) }
            return false
        } catch let error as DatabaseError {
            return error.resultCode == .SQLITE_CONSTRAINT
        }
    }

    private let insertInvitation = """
        INSERT INTO invitations (organization_id, email, role, status, created_at, sent_at, expires_at, invited_by)
        VALUES (1, '%@', '%@', 'pending', '2026-11-21 10:00:00.000', '2026-11-21 10:00:00.000', '2026-11-28 10:00:00.000', 'x')
        """

    @Test func refusesASecondPendingInvitationForAnEmail() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        #expect(try rawInsertFails(path, String(format: insertInvitation, "bo@acme.com", "member")))
        #expect(try !rawInsertFails(path, String(format: insertInvitation, "cy@acme.com", "member")))
    }

    @Test func refusesAnInvitationCarryingOwner() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        #expect(try rawInsertFails(path, String(format: insertInvitation, "dee@acme.com", "owner")))
    }

    @Test func refusesRowsOfAnUnknownOrganization() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        #expect(
            try rawInsertFails(
                path,
                "INSERT INTO members (organization_id, email, role, joined_at, origin) VALUES (99, 'z@acme.com', 'member', 'x', 'invitation')"
            ))
    }

    @Test func keepsTheAuditLogAppendOnly() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        let queue = try DatabaseQueue(path: path)
        for sql in ["UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"] {
            await #expect(throws: DatabaseError.self) { try await queue.write { db in try db.execute(sql: sql) } }
        }
        #expect(try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_events") } == 3)
    }

    @Test func createsTheFileReadableOnlyByItsOwnerInWALMode() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let queue = try DatabaseQueue(path: path)
        #expect(try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try await SQLiteStore(path: path).integrityProblems().isEmpty)
    }

    @Test func commitsSurviveAPowerCutNotOnlyACrash() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        // GRDB opens WAL pools with synchronous = NORMAL; the store raises it to FULL (2).
        #expect(try await SQLiteStore(path: path).writerSynchronousMode() == 2)
    }

    @Test func recordsItsMigrationsByName() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        let queue = try DatabaseQueue(path: path)
        let applied = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(applied.first == "v1-create-ledger")
    }

    @Test func readOnlyOpeningNeverCreatesAStore() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("missing.sqlite").path
        #expect(throws: StoreError.missing(path: path)) { try SQLiteStore(path: path, access: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aReadOnlyStoreRefusesWrites() async throws {
        let (folder, path) = try await storeWithInvitation()
        defer { folder.remove() }
        let readOnly = try SQLiteStore(path: path, access: .readOnly)
        let ledger = Ledger(store: readOnly)
        let organization = try await ledger.organization(named: nil)
        #expect(try await ledger.members(in: organization.id).count == 1)
        await #expect(throws: StoreError.self) {
            try await ledger.revoke(to: try EmailAddress("bo@acme.com"), in: organization.id, by: "x", at: testEpoch)
        }
    }
}

/// The migrations after the first release: what they add, on new stores and on upgraded ones.
@Suite struct StoreMigrationTests {
    @Test func everyStoreHasItsOwnRandomPlanSigningKey() async throws {
        let first = try await SQLiteStore.inMemory().read { db in try db.planSigningKey() }
        let second = try await SQLiteStore.inMemory().read { db in try db.planSigningKey() }
        #expect(first.count == 32)
        #expect(first != second)
        #expect(Set(first).count > 8)
    }

    @Test func aRunCanBeRecordedAsInterruptedAndAnAuditEventNamesItsOSUser() async throws {
        let fixture = try await LedgerFixture.make(store: try SQLiteStore.inMemory())
        let organization = fixture.organization.id
        let stored = try await fixture.store.write { db in
            var run = try db.insertRun(organization: organization, trigger: .sync, at: testEpoch)
            run.outcome = .interrupted
            run.finishedAt = testEpoch
            run.changes = ["invite": 3]
            try db.updateRun(run)
            try db.append(
                AuditEvent(
                    organization: organization, time: testEpoch, kind: .syncRunInterrupted, actor: "ada@acme.com",
                    subject: "Acme", osUser: "cron"))
            return try db.runs(in: organization, limit: 1).first
        }
        #expect(stored?.outcome == .interrupted)
        #expect(stored?.changes == ["invite": 3])
        let events = try await fixture.store.read { db in try db.auditEvents(in: organization, since: nil) }
        #expect(events.last?.osUser == "cron")
        #expect(events.last?.kind == .syncRunInterrupted)
    }
}
