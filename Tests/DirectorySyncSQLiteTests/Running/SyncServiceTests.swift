import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@testable import DirectorySync

/// The agent in process, on a real SQLite store, with an injected clock that records each wait and returns
/// at once: the schedule, the back-off after failures, the lease and graceful shutdown are checked without
/// waiting for any of them (the real process is tested in `dirsyncTests/AgentTests`).
@Suite struct SyncServiceTests {
    /// A directory that fails its first `failures` reads, then reads `users`.
    final class FlakySource: DirectorySource, @unchecked Sendable {
        struct Unreachable: Error, CustomStringConvertible {
            var description: String { "the directory is unreachable" }
        }
        private let lock = NSLock()
        private var remainingFailures: Int
        private let users: DirectoryContents
        let profileKeys: [String] = []

        init(failures: Int, users: [DirectoryUser]) {
            remainingFailures = failures
            self.users = Build.contents(users)
        }

        func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
            -> DirectoryRead<Item>
        {
            let fails = lock.withLock {
                defer { remainingFailures -= 1 }
                return remainingFailures > 0
            }
            if fails { throw Unreachable() }
            return try await users.read(keeping: keep)
        }
    }

    /// Records every wait; the `stopAfter`-th wait throws, which ends the agent's loop as a shutdown would.
    final class RecordingClock: @unchecked Sendable {
        private let lock = NSLock()
        private var waits: [Double] = []
        private let stopAfter: Int
        private let onWait: @Sendable (Int) async throws -> Void

        init(stopAfter: Int, onWait: @escaping @Sendable (Int) async throws -> Void = { _ in }) {
            self.stopAfter = stopAfter
            self.onWait = onWait
        }

        var recorded: [Double] { lock.withLock { waits } }

        var clock: AgentClock {
            AgentClock(
                now: { testEpoch },
                sleep: { seconds in
                    let count = self.lock.withLock {
                        self.waits.append(seconds)
                        return self.waits.count
                    }
                    try await self.onWait(count)
                    if count >= self.stopAfter { throw CancellationError() }
                })
        }
    }

    static let rules = AccessRules(autoJoinDomains: ["acme.com"], roles: [])
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    private func service(
        _ fixture: LedgerFixture, source: any DirectorySource, clock: AgentClock, once: Bool = false,
        holder: String = "agent-a", stopRecord: SyncService.StopRecord = .init(), notifiers: [any Notifier] = [],
        deliverMail: @escaping @Sendable () async -> Void = {}
    ) -> SyncService {
        let engine = SyncEngine(
            store: fixture.store, source: source, rules: Self.rules, policy: SyncPolicy(), settings: SettingsOverride(),
            mail: fixture.mail)
        let keeper = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: holder, duration: .minutes(1))
        return SyncService(
            engine: engine, organization: fixture.organization, keeper: keeper, notifiers: notifiers,
            options: .init(schedule: Schedule(interval: .hours(1)), once: once), logger: Self.quiet, clock: clock,
            stopRecord: stopRecord, deliverMail: deliverMail)
    }

    private func runs(_ fixture: LedgerFixture) async throws -> [SyncRun] {
        let organization = fixture.organization.id
        return try await fixture.read { db in try db.runs(in: organization, limit: 10) }.reversed()
    }

    @Test func failedReadsAreRetriedSoonerThenTheIntervalResumes() async throws {
        let fixture = try await LedgerFixture.make()
        let source = FlakySource(failures: 2, users: [Build.user("bo@acme.com")])
        let time = RecordingClock(stopAfter: 4)
        try await service(fixture, source: source, clock: time.clock).run()

        #expect(try await runs(fixture).map(\.outcome) == [.failed, .failed, .completed, .noChanges])
        // A sixteenth of the hour after the first failure, doubled after the second, the hour once it works.
        #expect(time.recorded == [225, 450, 3600, 3600])
        #expect(
            try await fixture.read { db in try db.member(Build.email("bo@acme.com"), in: fixture.organization.id) }
                != nil)
    }

    @Test func anotherAgentsLeaseSkipsTheRunAndChangesNothing() async throws {
        let fixture = try await LedgerFixture.make()
        let other = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "agent-b", duration: .minutes(10))
        guard case .acquired = try await other.claim(at: testEpoch) else {
            Issue.record("the other agent could not take the lease")
            return
        }
        let record = SyncService.StopRecord()
        let time = RecordingClock(stopAfter: 1)
        try await service(
            fixture, source: Build.contents([Build.user("bo@acme.com")]), clock: time.clock, once: true,
            stopRecord: record
        ).run()
        #expect(record.lastAttemptWasSkipped)
        #expect(try await runs(fixture).isEmpty)
        #expect(time.recorded.isEmpty, "--once does not wait")
    }

    @Test func aShutdownRequestEndsTheWaitAndReleasesTheLease() async throws {
        let fixture = try await LedgerFixture.make()
        let record = SyncService.StopRecord()
        try await testGracefulShutdown { trigger in
            // The first wait asks for a shutdown, then waits for real: only the shutdown can end it.
            let time = RecordingClock(stopAfter: .max) { _ in
                trigger.triggerGracefulShutdown()
                try await Task.sleep(for: .seconds(3600))
            }
            try await service(
                fixture, source: Build.contents([Build.user("bo@acme.com")]), clock: time.clock, stopRecord: record
            ).run()
            #expect(time.recorded == [3600])
        }
        #expect(record.stoppedByShutdown)
        #expect(try await runs(fixture).map(\.outcome) == [.completed])
        let next = LeaseKeeper(
            store: fixture.store, organization: fixture.organization, holder: "agent-b", duration: .minutes(1))
        guard case .acquired = try await next.claim(at: testEpoch) else {
            Issue.record("the stopped agent kept its lease")
            return
        }
    }

    /// A notification email is only queued by its notifier; the agent delivers it in the same attempt, under
    /// the delivery lease, before it waits for the next run.
    @Test func aProblemEmailIsDeliveredBeforeTheAgentWaits() async throws {
        let fixture = try await LedgerFixture.make()
        let mailer = RecordingMailer()
        let (store, organization) = (fixture.store, fixture.organization)
        let notifier = MailNotifier(
            store: store, from: Mailbox(displayName: "dirsync", address: Build.email("dirsync@acme.com")),
            to: Build.email("ops@acme.com"), organization: organization.id)
        let time = RecordingClock(stopAfter: 1) { _ in
            let delivered = await mailer.delivered
            #expect(delivered.map(\.recipient) == [Build.email("ops@acme.com")])
            #expect(delivered.first?.content.contains("the directory is unreachable") == true)
        }
        try await service(
            fixture, source: FlakySource(failures: 1, users: []), clock: time.clock, notifiers: [notifier],
            deliverMail: {
                _ = try? await OutboxDelivery(store: store, mailer: mailer)
                    .deliverHoldingLease(for: organization, now: { testEpoch })
            }
        ).run()
        #expect(time.recorded == [225])
        let pending = try await fixture.read { db in try db.outbox(in: organization.id, statuses: [.pending]) }
        #expect(pending.isEmpty)
    }
}
