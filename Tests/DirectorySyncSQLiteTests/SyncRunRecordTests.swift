import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// What a run records: its whole duration (the read included), and what a shutdown request left applied.
@Suite struct SyncRunRecordTests {
    /// A clock the test moves by hand: reading the directory takes 90 s of it.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    }

    struct SlowSource: DirectorySource {
        let users: DirectoryContents
        let clock: TestClock
        let profileKeys: [String] = []
        func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
            -> DirectoryRead<Item>
        {
            clock.advance(90)
            return users.read(keeping: keep)
        }
    }

    private func engine(_ store: any OrganizationStore, clock: TestClock, users: Int, batchSize: Int = 50) -> SyncEngine
    {
        let people = (0..<users).map { DirectoryUser.user("p\($0)@acme.com") }
        return SyncEngine(
            store: store, source: SlowSource(users: Build.contents(people), clock: clock),
            rules: AccessRules(autoJoinDomains: ["acme.com"]), policy: SyncPolicy(batchSize: batchSize),
            settings: SettingsOverride(), mail: nil)
    }

    @Test func aRunsDurationCountsTheReadToo() async throws {
        let fixture = try await LedgerFixture.make(seats: 100)
        let clock = TestClock(testEpoch)
        let (_, run) = try await engine(fixture.store, clock: clock, users: 5).sync(
            fixture.organization, trigger: .sync, allowDeletions: false, now: { clock.now })
        #expect(run.startedAt == testEpoch)
        #expect(run.finishedAt == testEpoch.addingTimeInterval(90))
        #expect(run.outcome == .completed)
    }

    @Test func aShutdownRequestRecordsTheRunAsInterruptedWithWhatItApplied() async throws {
        let fixture = try await LedgerFixture.make(seats: 100)
        let clock = TestClock(testEpoch)
        await #expect(throws: SyncService.Stopped.self) {
            try await engine(fixture.store, clock: clock, users: 20, batchSize: 5).sync(
                fixture.organization, trigger: .sync, allowDeletions: false, now: { clock.now },
                checkpoint: { done, total in if done >= 10 { throw SyncService.Stopped(applied: done, total: total) } })
        }
        let run = try #require(
            try await fixture.store.read { db in try db.runs(in: fixture.organization.id, limit: 1) }.first)
        #expect(run.outcome == .interrupted)
        #expect(run.changes == ["join": 10])
        #expect(
            run.error
                == "stopped by a shutdown request after 10 of 20 changes; the rest is planned again at the next run")
        let events = try await fixture.ledger.auditEvents(in: fixture.organization.id, since: nil)
        #expect(events.filter { $0.kind == .memberJoined }.count == 11, "the owner and the ten joined before the stop")
        #expect(events.last?.kind == .syncRunInterrupted)
    }
}
