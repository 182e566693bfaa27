import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Fencing tokens: every claim of a lease gets a larger token, and every write made under a lease checks, in
/// its own transaction, that the lease is still its holder's with that token. A holder that stalled past its
/// lease (a paused VM, a long GC, a network partition) and wakes up after another took over writes nothing.
@Suite struct LeaseFenceTests {
    static let rules = AccessRules(
        autoJoinDomains: ["acme.com"], roles: [RoleRule(role: .member, conditions: [], label: "roles[0]")])
    static let mail = MailSettings(
        from: Mailbox(displayName: "Acme", address: Build.email("no-reply@acme.com")),
        acceptURLTemplate: "https://app.example.com/accept?token={token}")

    private func keeper(_ fixture: LedgerFixture, _ holder: String, _ purpose: Lease.Purpose = .apply) -> LeaseKeeper {
        LeaseKeeper(
            store: fixture.store, organization: fixture.organization, purpose: purpose, holder: holder,
            duration: .init(seconds: 30))
    }

    @Test(arguments: Lease.Purpose.allCases)
    func everyClaimGetsALargerTokenEvenAfterARelease(_ purpose: Lease.Purpose) async throws {
        let fixture = try await LedgerFixture.make()
        let (a, b) = (keeper(fixture, "a:1:x", purpose), keeper(fixture, "b:2:y", purpose))
        var tokens: [Int64] = []
        tokens.append(try await a.acquire(at: testEpoch).token)
        await a.release()
        tokens.append(try await b.acquire(at: testEpoch.adding(seconds: 1)).token)
        // The same holder claiming again gets a new token too; renewing keeps it.
        tokens.append(try await b.acquire(at: testEpoch.adding(seconds: 2)).token)
        try await b.renew(at: testEpoch.adding(seconds: 10))
        #expect(try await fixture.read { db in try db.lease(in: fixture.organization.id, for: purpose)?.fence } == 3)
        // Past its expiry the lease is taken over: a fourth token.
        tokens.append(try await a.acquire(at: testEpoch.adding(seconds: 41)).token)
        #expect(tokens == [1, 2, 3, 4])
        // The other purpose's tokens are its own.
        let other = Lease.Purpose.allCases.first { $0 != purpose }!
        #expect(try await keeper(fixture, "c:3:z", other).acquire(at: testEpoch).token == 1)
    }

    /// A plan that invites three people, made against the fixture's organization.
    private func plan(_ fixture: LedgerFixture) async throws -> Plan {
        let snapshot = try await Build.currentSnapshot(of: fixture.store)
        let users = ["ann@partner.io", "ben@partner.io", "cat@partner.io"].map { Build.user($0) }
        let rules = AccessRules(
            autoJoinDomains: [], allowedDomains: ["partner.io"],
            roles: [RoleRule(role: .member, conditions: [], label: "roles[0]")])
        return try Planner.plan(
            desired: DesiredState(from: Build.contents(users), rules: rules), snapshot: snapshot,
            policy: SyncPolicy(), lastSourceUsers: nil, now: testEpoch)
    }

    @Test func aStaleHoldersLateBatchIsRefusedAndWritesNothingWhileTheNewHoldersApplies() async throws {
        let fixture = try await LedgerFixture.make()
        let stale = try await keeper(fixture, "stale:1:x").acquire(at: testEpoch)
        // The stale holder stalls past its lease; another agent takes the organization over.
        let current = try await keeper(fixture, "new:2:y").acquire(at: testEpoch.adding(seconds: 31))
        let plan = try await plan(fixture)
        #expect(plan.changes.count == 3)
        let rules = AccessRules(
            autoJoinDomains: [], allowedDomains: ["partner.io"],
            roles: [RoleRule(role: .member, conditions: [], label: "roles[0]")])
        let applier = Applier(store: fixture.store, mail: Self.mail)
        let safeguards = Applier.Safeguards(rules: rules, policy: SyncPolicy(), allowDeletions: false)
        let before = try await fixture.read { db in
            (
                try db.auditEvents(in: fixture.organization.id, since: nil).count,
                try db.outbox(in: nil, statuses: [.pending]).count
            )
        }
        await #expect {
            try await applier.apply(
                plan, to: fixture.organization.id, actor: "owner@acme.com", batchSize: 1, safeguards: safeguards,
                fence: stale, now: { testEpoch.adding(seconds: 32) })
        } throws: { error in
            (error as? Applier.Interrupted)?.cause as? LeaseKeeper.Lost
                == LeaseKeeper.Lost(organization: fixture.organization.name)
                && (error as? Applier.Interrupted)?.applied.isEmpty == true
        }
        let after = try await fixture.read { db in
            (
                try db.auditEvents(in: fixture.organization.id, since: nil).count,
                try db.outbox(in: nil, statuses: [.pending]).count
            )
        }
        #expect(after == before, "the stale holder wrote something")
        let applied = try await applier.apply(
            plan, to: fixture.organization.id, actor: "owner@acme.com", batchSize: 1, safeguards: safeguards,
            fence: current, now: { testEpoch.adding(seconds: 32) })
        #expect(applied[.invite] == 3)
        // Once its own lease expires unrenewed, the new holder too is refused, though nobody took over.
        await #expect {
            try await applier.apply(
                plan, to: fixture.organization.id, actor: "owner@acme.com", batchSize: 1, safeguards: safeguards,
                fence: current, now: { testEpoch.adding(seconds: 62) })
        } throws: { error in (error as? Applier.Interrupted)?.cause is LeaseKeeper.Lost }
    }

    @Test func aRunOfAStaleAgentRecordsNothingAfterTheTakeover() async throws {
        let fixture = try await LedgerFixture.make()
        let stale = try await keeper(fixture, "stale:1:x").acquire(at: testEpoch)
        _ = try await keeper(fixture, "new:2:y").acquire(at: testEpoch.adding(seconds: 31))
        let engine = SyncEngine(
            store: fixture.store, source: Build.contents([]), rules: Self.rules, policy: SyncPolicy(),
            settings: SettingsOverride(), mail: Self.mail)
        let plan = try await plan(fixture)
        await #expect(throws: LeaseKeeper.Lost.self) {
            try await engine.apply(
                plan, to: fixture.organization, trigger: .run, allowDeletions: false, fence: stale,
                now: { testEpoch.adding(seconds: 32) })
        }
        #expect(try await fixture.read { db in try db.runs(in: fixture.organization.id, limit: 10) }.isEmpty)
    }

    @Test func aStaleDelivererSendsNothingOnceAnotherHasTheDeliveryLease() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com,cy@acme.com")
        let stale = try await keeper(fixture, "stale:1:x", .delivery).acquire(at: testEpoch)
        let current = try await keeper(fixture, "new:2:y", .delivery).acquire(at: testEpoch.adding(seconds: 31))
        let mailer = RecordingMailer()
        let delivery = OutboxDelivery(store: fixture.store, mailer: mailer)
        await #expect(throws: LeaseKeeper.Lost.self) {
            try await delivery.deliverPending(
                in: fixture.organization.id, fence: stale, now: { testEpoch.adding(seconds: 32) })
        }
        #expect(await mailer.delivered.isEmpty)
        #expect(try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]).count } == 2)
        let report = try await delivery.deliverPending(
            in: fixture.organization.id, fence: current, now: { testEpoch.adding(seconds: 32) })
        #expect(report.sent == 2)
        #expect(await mailer.delivered.count == 2)
    }
}
