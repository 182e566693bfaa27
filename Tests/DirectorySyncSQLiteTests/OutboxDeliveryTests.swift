import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync
@testable import DirectorySyncFolderMailer

@Suite struct OutboxDeliveryTests {
    private func messages(_ fixture: LedgerFixture) async throws -> [OutboxMessage] {
        try await fixture.read { db in try db.outbox(in: nil, statuses: Set(OutboxMessage.Status.allCases)) }
    }

    @Test func deliversInOrderMarksSentAndErasesTheAcceptLink() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com")
        let mailer = RecordingMailer()
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer)
            .deliverPending(in: fixture.organization.id, now: { testEpoch.adding(seconds: 5) })
        #expect(report.sent == 3)
        #expect(await mailer.delivered.map(\.recipient.canonical) == ["a@acme.com", "b@acme.com", "c@acme.com"])
        #expect(await mailer.finishCount == 1)
        let stored = try await messages(fixture)
        #expect(
            stored.allSatisfy { $0.status == .sent && $0.content == nil && $0.sentAt == testEpoch.adding(seconds: 5) })
        // A second pass has nothing to do.
        #expect(
            try await OutboxDelivery(store: fixture.store, mailer: mailer)
                .deliverPending(in: nil, now: { testEpoch }).sent == 0)
    }

    @Test func aTemporaryFailureIsRetriedLaterWithBackOffThenGivenUp() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(try EmailAddress("a@acme.com"), with: Array(repeating: .temporary("421 try later"), count: 3))
        let delivery = OutboxDelivery(
            store: fixture.store, mailer: mailer, policy: .init(maximumAttempts: 3, backoff: .minutes(1)))

        var report = try await delivery.deliverPending(in: nil, now: { testEpoch })
        #expect(report.retryLater == 1)
        var stored = try #require(try await messages(fixture).first)
        #expect(stored.status == .pending && stored.attempts == 1 && stored.lastError == "421 try later")
        #expect(stored.nextAttemptAt == testEpoch.adding(seconds: 60))

        report = try await delivery.deliverPending(in: nil, now: { testEpoch.adding(seconds: 30) })
        #expect(report.notYetDue == 1)

        report = try await delivery.deliverPending(in: nil, now: { testEpoch.adding(seconds: 60) })
        stored = try #require(try await messages(fixture).first)
        #expect(stored.nextAttemptAt == testEpoch.adding(seconds: 60 + 120))

        report = try await delivery.deliverPending(in: nil, now: { testEpoch.adding(seconds: 180) })
        stored = try #require(try await messages(fixture).first)
        #expect(stored.status == .failed)
        #expect(stored.lastError == "gave up after 3 attempts: 421 try later")
        #expect(await mailer.delivered.isEmpty)
    }

    @Test func aPermanentFailureIsMarkedFailedAtOnceWithTheReply() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(try EmailAddress("a@acme.com"), with: [.permanent("550 5.1.1 no such user")])
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer)
            .deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 1)
        #expect(report.failed.map(\.reason) == ["550 5.1.1 no such user"])
        let stored = try await messages(fixture)
        #expect(stored.map(\.status) == [.failed, .sent])
        #expect(stored[0].attempts == 1)
    }

    @Test func voidedMailIsNeverDelivered() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com")
        _ = try await fixture.ledger.revoke(
            to: try EmailAddress("a@acme.com"), in: fixture.organization.id, by: "owner@acme.com", at: testEpoch)
        let mailer = RecordingMailer()
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer).deliverPending(
            in: nil, now: { testEpoch })
        #expect(report.sent == 0)
        #expect(await mailer.delivered.isEmpty)
    }

    @Test func theFolderMailerReceivesTheRenderedInvitation() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com", message: "Hi there")
        let token = try await fixture.latestToken(for: "a@acme.com")
        _ = try await OutboxDelivery(store: fixture.store, mailer: FolderMailer(folder: folder.url))
            .deliverPending(in: nil, now: { testEpoch })
        let files = try FileManager.default.contentsOfDirectory(at: folder.url, includingPropertiesForKeys: nil)
        let eml = try String(contentsOf: try #require(files.first), encoding: .utf8)
        #expect(files.count == 1)
        #expect(eml.contains("To: a@acme.com\r\n"))
        #expect(eml.contains("Message-ID: <"))
        #expect(LedgerFixture.token(in: eml) == token)
        #expect(eml.contains("> Hi there"))
    }

    /// Records the waits a delivery asks for, and returns at once.
    private actor Waits {
        var spans: [TimeSpan] = []
        func record(_ span: TimeSpan) { spans.append(span) }
    }

    @Test func anUnavailableTransportIsRetriedWithinTheRunAndTheBatchGoesOn() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(
            try EmailAddress("a@acme.com"),
            with: [.unavailable("connection refused"), .unavailable("connection refused")])
        let waits = Waits()
        let report = try await OutboxDelivery(
            store: fixture.store, mailer: mailer, policy: .init(reconnectFor: TimeSpan(seconds: 30)),
            sleep: { await waits.record($0) }
        ).deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 2 && report.reconnections == 2 && report.unavailable == nil)
        #expect(await waits.spans == [TimeSpan(seconds: 1), TimeSpan(seconds: 2)])
        #expect(await mailer.delivered.map(\.recipient.canonical) == ["a@acme.com", "b@acme.com"])
        // The broken connection is dropped before each new try, and once at the end.
        #expect(await mailer.finishCount == 3)
        #expect(try await messages(fixture).allSatisfy { $0.status == .sent && $0.attempts == 1 })
    }

    @Test func anOutageLongerThanTheBudgetLeavesEverythingPendingWithItsAttempts() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(try EmailAddress("a@acme.com"), with: [.temporary("451 later")])
        await mailer.fail(try EmailAddress("b@acme.com"), with: Array(repeating: .unavailable("timed out"), count: 9))
        let waits = Waits()
        let report = try await OutboxDelivery(
            store: fixture.store, mailer: mailer, policy: .init(reconnectFor: TimeSpan(seconds: 10)),
            sleep: { await waits.record($0) }
        ).deliverPending(in: nil, now: { testEpoch })
        // 1 + 2 + 4 + 3 = 10 s of waiting in all, then the run gives up.
        #expect(await waits.spans.map(\.seconds) == [1, 2, 4, 3])
        #expect(report.unavailable == "timed out")
        #expect(report.leftPending == 2)
        #expect(report.retryLater == 1)
        #expect(await mailer.delivered.isEmpty)
        let stored = try await messages(fixture)
        #expect(stored.map(\.status) == [.pending, .pending, .pending])
        #expect(stored.map(\.attempts) == [1, 0, 0])
        #expect(stored.map(\.lastError) == ["451 later", "timed out", nil])
    }

    @Test func aTransportThatRefusesThisClientStopsTheRunWithoutWaiting() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(try EmailAddress("a@acme.com"), with: [.misconfigured("535 5.7.8 bad login")])
        let waits = Waits()
        let report = try await OutboxDelivery(
            store: fixture.store, mailer: mailer, sleep: { await waits.record($0) }
        ).deliverPending(in: nil, now: { testEpoch })
        #expect(await waits.spans.isEmpty)
        #expect(report.unavailable == "535 5.7.8 bad login" && report.leftPending == 2)
        #expect(await mailer.delivered.isEmpty)
        #expect(try await messages(fixture).allSatisfy { $0.status == .pending && $0.attempts == 0 })
    }

    @Test func theBackOffDoublesUpToItsCap() {
        let policy = OutboxDelivery.RetryPolicy(backoff: .minutes(1), maximumBackoff: .minutes(5))
        #expect((1...5).map { policy.backoff(afterAttempt: $0) } == [60, 120, 240, 300, 300])
    }

    /// A mailer that revokes another invitation while it delivers the first message.
    private struct RevokingMailer: Mailer {
        let fixture: LedgerFixture
        let victim: EmailAddress
        let recorder = RecordingMailer()

        func deliver(_ content: String, messageID: String, to recipient: EmailAddress) async throws(MailDeliveryError) {
            // Revoking twice fails the second time; only the first matters.
            _ = try? await fixture.ledger.revoke(
                to: victim, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch)
            try await recorder.deliver(content, messageID: messageID, to: recipient)
        }
    }

    @Test func mailVoidedDuringARunIsNotSent() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com")
        let mailer = RevokingMailer(fixture: fixture, victim: try EmailAddress("b@acme.com"))
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer)
            .deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 2)
        #expect(await mailer.recorder.delivered.map(\.recipient.canonical) == ["a@acme.com", "c@acme.com"])
        #expect(try await messages(fixture).map(\.status) == [.sent, .voided, .sent])
    }

    /// A mailer that takes messages in batches of two and may fail to make them durable.
    private actor BatchingMailer: Mailer {
        let failingFlush: String?
        private(set) var delivered: [String] = []
        private(set) var flushedAfter: [Int] = []

        init(failingFlush: String? = nil) { self.failingFlush = failingFlush }

        nonisolated var batchSize: Int { 2 }

        func deliver(_ content: String, messageID: String, to recipient: EmailAddress) async throws(MailDeliveryError) {
            delivered.append(recipient.canonical)
        }

        func flush() async throws(MailDeliveryError) {
            if let failingFlush { throw .misconfigured(failingFlush) }
            flushedAfter.append(delivered.count)
        }
    }

    @Test func aBatchIsMarkedSentOnlyOnceTheMailerHasFlushedIt() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com")
        let mailer = BatchingMailer()
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer)
            .deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 3)
        #expect(await mailer.flushedAfter == [2, 3])
        #expect(try await messages(fixture).allSatisfy { $0.status == .sent && $0.content == nil })
    }

    @Test func aBatchThatCannotBeFlushedStaysPendingAndStopsTheRun() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com")
        let mailer = BatchingMailer(failingFlush: "No space left on device")
        let report = try await OutboxDelivery(store: fixture.store, mailer: mailer)
            .deliverPending(in: nil, now: { testEpoch })
        #expect(await mailer.delivered == ["a@acme.com", "b@acme.com"])
        #expect(report.sent == 0)
        #expect(report.unavailable == "No space left on device" && report.leftPending == 3)
        #expect(try await messages(fixture).allSatisfy { $0.status == .pending && $0.content != nil })
    }

    @Test func eachOutageGetsTheWholeReconnectBudgetAgain() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com,c@acme.com,d@acme.com")
        let mailer = RecordingMailer()
        // Four outages in one run, each needing two waits: 1 s + 2 s, the whole 3 s budget every time.
        for address in ["a@acme.com", "b@acme.com", "c@acme.com", "d@acme.com"] {
            await mailer.fail(try EmailAddress(address), with: [.unavailable("refused"), .unavailable("refused")])
        }
        let waits = Waits()
        let report = try await OutboxDelivery(
            store: fixture.store, mailer: mailer, policy: .init(reconnectFor: TimeSpan(seconds: 3)),
            sleep: { await waits.record($0) }
        ).deliverPending(in: nil, now: { testEpoch })
        #expect(report.unavailable == nil && report.leftPending == 0 && report.sent == 4)
        #expect(await waits.spans.map(\.seconds) == [1, 2, 1, 2, 1, 2, 1, 2])
        #expect(report.reconnections == 8)
        #expect(try await messages(fixture).allSatisfy { $0.status == .sent })
    }

    @Test func anAnsweredRecipientEndsTheOutageToo() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a@acme.com,b@acme.com")
        let mailer = RecordingMailer()
        await mailer.fail(
            try EmailAddress("a@acme.com"), with: [.unavailable("refused"), .permanent("550 no such user")])
        await mailer.fail(try EmailAddress("b@acme.com"), with: [.unavailable("refused")])
        let waits = Waits()
        let report = try await OutboxDelivery(
            store: fixture.store, mailer: mailer, policy: .init(reconnectFor: TimeSpan(seconds: 1)),
            sleep: { await waits.record($0) }
        ).deliverPending(in: nil, now: { testEpoch })
        #expect(await waits.spans.map(\.seconds) == [1, 1])
        #expect(report.sent == 1 && report.failed.count == 1 && report.unavailable == nil)
    }

    @Test func aMessageTheFolderCannotTakeIsRetriedLaterWhileTheOthersAreWritten() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a/b@example.com,c@acme.com,d@acme.com")
        let first = try #require(try await messages(fixture).first)
        // Something that is not a message sits where the first one's file goes.
        let blocker = folder.file(FolderMailer.fileName(messageID: first.messageID, recipient: first.recipient))
        try FileManager.default.createDirectory(
            at: blocker.appendingPathComponent("inside"), withIntermediateDirectories: true)

        let report = try await OutboxDelivery(store: fixture.store, mailer: FolderMailer(folder: folder.url))
            .deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 2 && report.retryLater == 1 && report.unavailable == nil)
        let stored = try await messages(fixture)
        #expect(stored.map(\.status) == [.pending, .sent, .sent])
        #expect(stored[0].attempts == 1 && stored[0].nextAttemptAt != nil)
        #expect(stored[0].lastError?.hasPrefix("cannot write \(blocker.path): ") == true)

        // Once the obstacle is gone, the next due run writes it, under a name that is not a path.
        try FileManager.default.removeItem(at: blocker)
        let later = try await OutboxDelivery(store: fixture.store, mailer: FolderMailer(folder: folder.url))
            .deliverPending(in: nil, now: { testEpoch.adding(seconds: 3600) })
        #expect(later.sent == 1)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).contains {
                $0.hasPrefix("a%2Fb@example.com-")
            })
    }

    @Test func anAddressWithASlashIsWrittenAndDoesNotHoldUpTheRest() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("a/b@example.com,c@acme.com")
        let report = try await OutboxDelivery(store: fixture.store, mailer: FolderMailer(folder: folder.url))
            .deliverPending(in: nil, now: { testEpoch })
        #expect(report.sent == 2 && report.unavailable == nil)
        #expect(try await messages(fixture).allSatisfy { $0.status == .sent })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 2)
    }
}
