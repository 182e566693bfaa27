import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

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
            store: fixture.store, mailer: mailer, maximumAttempts: 3, firstRetryDelay: .minutes(1))

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
}
