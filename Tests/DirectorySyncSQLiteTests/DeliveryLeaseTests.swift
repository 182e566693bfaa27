import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// One delivery at a time per organization, through a lease in the store (not a lock file beside it), so
/// processes sharing a store on several machines never send the same message twice.
@Suite struct DeliveryLeaseTests {
    /// A mailer that takes its time, so two deliveries would overlap if nothing kept them apart.
    actor SlowMailer: Mailer {
        private(set) var delivered: [String] = []
        func deliver(_ content: String, messageID: String, to recipient: EmailAddress) async throws(MailDeliveryError) {
            try? await Task.sleep(for: .milliseconds(20))
            delivered.append(messageID)
        }
    }

    @Test func twoDeliveriesAtOnceSendEachMessageOnce() async throws {
        let fixture = try await LedgerFixture.make(seats: 50)
        try await fixture.invite((1...12).map { "p\($0)@acme.com" }.joined(separator: ","))
        let mailer = SlowMailer()
        let delivery = OutboxDelivery(store: fixture.store, mailer: mailer)
        async let first = delivery.deliverHoldingLease(for: fixture.organization, now: { Date() })
        async let second = delivery.deliverHoldingLease(for: fixture.organization, now: { Date() })
        let reports = try await [first, second]
        let sent = await mailer.delivered
        #expect(sent.count == 12, "\(sent.count) deliveries")
        #expect(Set(sent).count == 12, "no message twice")
        #expect(reports.map(\.sent).reduce(0, +) == 12)
        // The lease is given back once delivery is done.
        let lease = try await fixture.store.read { db in try db.lease(in: fixture.organization.id, for: .delivery) }
        #expect(lease == nil)
    }

    @Test func aDeadDeliverersLeaseIsTakenOverOnceItExpires() async throws {
        let fixture = try await LedgerFixture.make(seats: 50)
        try await fixture.invite("bo@acme.com")
        _ = try await fixture.store.write { db in
            try db.claimLease(
                in: fixture.organization.id, for: .delivery, holder: "elsewhere:1:x", at: testEpoch,
                lasting: .minutes(2), replacing: nil)
        }
        let mailer = SlowMailer()
        let delivery = OutboxDelivery(store: fixture.store, mailer: mailer)
        let held = await #expect(throws: LeaseKeeper.Held.self) {
            try await delivery.deliverHoldingLease(
                for: fixture.organization, now: { testEpoch.addingTimeInterval(60) }, wait: .seconds(0))
        }
        #expect(held?.description.contains("is delivering the mail of Acme Corp") == true)
        #expect(await mailer.delivered.isEmpty)
        let report = try await delivery.deliverHoldingLease(
            for: fixture.organization, now: { testEpoch.addingTimeInterval(121) }, wait: .seconds(0))
        #expect(report.sent == 1)
    }

    @Test func theApplyLeaseAndTheDeliveryLeaseAreIndependent() async throws {
        let fixture = try await LedgerFixture.make(seats: 50)
        try await fixture.invite("bo@acme.com")
        let agent = LeaseKeeper(store: fixture.store, organization: fixture.organization, duration: .minutes(1))
        try await agent.acquire(at: Date())
        let report = try await OutboxDelivery(store: fixture.store, mailer: SlowMailer())
            .deliverHoldingLease(for: fixture.organization, now: { Date() })
        #expect(report.sent == 1, "a run in progress does not stop its own mail from going out")
        await agent.release()
    }
}
