import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct LeaseTests {
    @Test func oneHolderAtATimeUntilTheLeaseExpires() async throws {
        let fixture = try await LedgerFixture.make()
        let first = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "a:1:x", duration: .init(seconds: 30))
        let second = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "b:2:y", duration: .init(seconds: 30))
        #expect(
            try await first.claim(at: testEpoch)
                == .acquired(
                    Lease(holder: "a:1:x", acquiredAt: testEpoch, expiresAt: testEpoch.adding(seconds: 30), fence: 1)))
        guard case .heldElsewhere(let lease) = try await second.claim(at: testEpoch.adding(seconds: 29)) else {
            Issue.record("the second holder got the lease")
            return
        }
        #expect(lease.holder == "a:1:x")
        await #expect(throws: LeaseKeeper.Held.self) { try await second.acquire(at: testEpoch.adding(seconds: 29)) }
        // The first holder renews; the second still waits.
        try await first.renew(at: testEpoch.adding(seconds: 20), nextRunAt: testEpoch.adding(seconds: 60))
        #expect(
            try await fixture.read { db in try db.lease(in: fixture.organization.id, for: .apply)?.nextRunAt }
                == testEpoch.adding(seconds: 60))
        await #expect(throws: LeaseKeeper.Held.self) { try await second.acquire(at: testEpoch.adding(seconds: 45)) }
        // The first holder dies: once its lease runs out, the second takes over, and the first cannot renew.
        try await second.acquire(at: testEpoch.adding(seconds: 50))
        await #expect(throws: LeaseKeeper.Lost.self) { try await first.renew(at: testEpoch.adding(seconds: 51)) }
        await second.release()
        try await first.acquire(at: testEpoch.adding(seconds: 52))
    }

    @Test func takingTheLeaseClosesRunsLeftRunningAsAbandoned() async throws {
        let fixture = try await LedgerFixture.make()
        let organization = fixture.organization.id
        let other = try await fixture.ledger.createOrganization(
            try Organization.Settings(name: "Beta", seats: 3, inviter: fixture.owner), owner: fixture.owner,
            ownerName: nil, at: testEpoch)
        // A process took the lease and started a run, then died (its lease is still unexpired).
        let dead = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "a:1:x", duration: .init(seconds: 60))
        try await dead.acquire(at: testEpoch)
        let abandoned = try await fixture.store.write { db in
            _ = try db.insertRun(organization: other.id, trigger: .sync, at: testEpoch)
            return try db.insertRun(organization: organization, trigger: .apply, at: testEpoch)
        }
        let next = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "b:2:y", duration: .init(seconds: 60))
        // While the lease is held elsewhere, the run may be in progress: it stays running.
        await #expect(throws: LeaseKeeper.Held.self) { try await next.acquire(at: testEpoch.adding(seconds: 30)) }
        #expect(try await fixture.read { db in try db.runs(in: organization, limit: 1).first?.outcome } == .running)

        try await next.acquire(at: testEpoch.adding(seconds: 61))
        let run = try #require(try await fixture.read { db in try db.runs(in: organization, limit: 1).first })
        #expect(run.id == abandoned.id)
        #expect(run.outcome == .failed)
        #expect(run.error == "abandoned: the process ended before the run finished")
        #expect(run.finishedAt == testEpoch.adding(seconds: 61))
        let events = try await fixture.read { db in try db.auditEvents(in: organization, since: nil) }
        let failed = try #require(events.last)
        #expect(failed.kind == .syncRunFailed)
        #expect(failed.subject == "Acme Corp")
        #expect(failed.details["run_id"] == abandoned.id.description)
        #expect(failed.details["trigger"] == "apply")
        #expect(failed.details["reason"] == LeaseKeeper.abandonedRunError)
        // Another organization's run is its own lease's business; taking the lease again closes nothing more.
        #expect(try await fixture.read { db in try db.runs(in: other.id, limit: 1).first?.outcome } == .running)
        try await next.acquire(at: testEpoch.adding(seconds: 62))
        #expect(try await fixture.read { db in try db.auditEvents(in: organization, since: nil).count } == events.count)
    }

    @Test func theHeldErrorSaysWhoAndUntilWhen() {
        let error = LeaseKeeper.Held(
            organization: "Acme",
            lease: Lease(holder: "host:42:k", acquiredAt: testEpoch, expiresAt: testEpoch.adding(seconds: 60)))
        #expect(
            error.description
                == "another dirsync (host:42:k) is applying changes to Acme; its lease runs until 2026-11-21 10:01 UTC")
    }
}

@Suite struct StatusReportTests {
    @Test func exportsPrometheusTextFormat() async throws {
        let fixture = try await LedgerFixture.make(name: "Acme \"Corp\"", seats: 7)
        try await fixture.invite("a@acme.com,b@acme.com")
        try await fixture.store.write { db in
            var run = try db.insertRun(organization: fixture.organization.id, trigger: .run, at: testEpoch)
            run.outcome = .completed
            run.finishedAt = testEpoch.adding(seconds: 3)
            run.sourceUsers = 120
            run.changes = ["invite": 2, "join": 5]
            try db.updateRun(run)
            var failed = try db.insertRun(
                organization: fixture.organization.id, trigger: .run, at: testEpoch.adding(hours: 1))
            failed.outcome = .failed
            failed.finishedAt = testEpoch.adding(hours: 1)
            try db.updateRun(failed)
        }
        let text = try await StatusReport.load(
            from: fixture.store, organization: fixture.organization, at: testEpoch.adding(hours: 2)
        )
        .prometheus()
        let lines = Set(text.split(separator: "\n").map(String.init))
        let org = #"organization="Acme \"Corp\"""#
        #expect(lines.contains("# TYPE dirsync_runs_total counter"))
        #expect(lines.contains("dirsync_runs_total{\(org),outcome=\"completed\"} 1"))
        #expect(lines.contains("dirsync_runs_total{\(org),outcome=\"failed\"} 1"))
        #expect(lines.contains("dirsync_changes_applied_total{\(org),action=\"join\"} 5"))
        #expect(
            lines.contains(
                "dirsync_last_success_timestamp_seconds{\(org)} \(Int(testEpoch.adding(seconds: 3).timeIntervalSince1970))"
            ))
        #expect(lines.contains("dirsync_source_users{\(org)} 120"))
        #expect(lines.contains("dirsync_pending_invitations{\(org)} 2"))
        #expect(lines.contains("dirsync_seats_used{\(org)} 3"))
        #expect(lines.contains("dirsync_seats{\(org)} 7"))
        #expect(lines.contains("dirsync_last_run_failed{\(org)} 1"))
        #expect(text.hasSuffix("\n"))
    }
}

@Suite struct DeadHolderTests {
    @Test func aLeaseOfADeadProcessOfThisHostIsTakenOverAtOnce() async throws {
        let fixture = try await LedgerFixture.make()
        let finished = try Process.run(URL(fileURLWithPath: "/bin/true"), arguments: [])
        finished.waitUntilExit()
        let host = ProcessInfo.processInfo.hostName
        let dead = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "\(host):\(finished.processIdentifier):x",
            duration: .minutes(5))
        try await dead.acquire(at: testEpoch)
        let next = LeaseKeeper(
            store: fixture.store, organization: fixture.organization,
            holder: "\(host):\(ProcessInfo.processInfo.processIdentifier):y", duration: .minutes(5))
        try await next.acquire(at: testEpoch.adding(seconds: 1))
        // A holder on another host, or a live process here, keeps its lease until it expires.
        let remote = LeaseKeeper(
            store: fixture.store, organization: fixture.organization,
            holder: "elsewhere:\(finished.processIdentifier):z", duration: .minutes(5))
        await #expect(throws: LeaseKeeper.Held.self) { try await remote.acquire(at: testEpoch.adding(seconds: 2)) }
        #expect(!Lease.isDeadLocalHolder("\(host):\(ProcessInfo.processInfo.processIdentifier):me"))
        #expect(!Lease.isDeadLocalHolder("elsewhere:\(finished.processIdentifier):z"))
        #expect(Lease.isDeadLocalHolder("\(host):\(finished.processIdentifier):x"))
    }
}
