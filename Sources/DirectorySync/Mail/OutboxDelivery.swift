import Foundation

/// Delivers the outbox's pending messages through a `Mailer`, marking each one the moment the
/// transport accepts it.
///
/// A temporary failure leaves the message pending with a later `next_attempt_at` (exponential
/// back-off); after `maximumAttempts` it is marked failed. A permanent failure marks it failed at
/// once with the transport's reply. Once sent, the stored content (which holds the accept link) is
/// erased.
public struct OutboxDelivery: Sendable {
    public let store: any OrganizationStore
    public let mailer: any Mailer
    /// Attempts before a temporarily failing message is given up as failed.
    public var maximumAttempts: Int
    /// The wait after the first temporary failure; doubled after each further one.
    public var firstRetryDelay: TimeSpan

    public init(
        store: any OrganizationStore, mailer: any Mailer, maximumAttempts: Int = 8,
        firstRetryDelay: TimeSpan = .minutes(1)
    ) {
        self.store = store
        self.mailer = mailer
        self.maximumAttempts = maximumAttempts
        self.firstRetryDelay = firstRetryDelay
    }

    /// What one delivery pass did.
    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retryLater = 0
        public var failed: [(recipient: EmailAddress, reason: String)] = []
        public var notYetDue = 0

        public init() {}

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.sent == rhs.sent && lhs.retryLater == rhs.retryLater && lhs.notYetDue == rhs.notYetDue
                && lhs.failed.map(\.recipient) == rhs.failed.map(\.recipient)
        }
    }

    /// Delivers every pending message of `organization` (all organizations when nil) that is due at `now()`.
    public func deliverPending(in organization: Organization.ID?, now: @Sendable () -> Date) async throws -> Report {
        let pending = try await store.read { db in try db.outbox(in: organization, statuses: [.pending]) }
        var report = Report()
        do {
            try await deliver(pending, now: now, into: &report)
        } catch {
            await mailer.finish()
            throw error
        }
        await mailer.finish()
        return report
    }

    private func deliver(_ pending: [OutboxMessage], now: @Sendable () -> Date, into report: inout Report) async throws
    {
        for message in pending {
            if let due = message.nextAttemptAt, due > now() {
                report.notYetDue += 1
                continue
            }
            guard let content = message.content else { continue }
            var updated = message
            updated.attempts += 1
            do {
                try await mailer.deliver(content, messageID: message.messageID, to: message.recipient)
                updated.status = .sent
                updated.sentAt = now()
                updated.content = nil
                updated.lastError = nil
                updated.nextAttemptAt = nil
                report.sent += 1
            } catch .temporary(let reason) where updated.attempts < maximumAttempts {
                updated.lastError = reason
                let delay = firstRetryDelay.timeInterval * pow(2, Double(updated.attempts - 1))
                updated.nextAttemptAt = now().addingTimeInterval(delay)
                report.retryLater += 1
            } catch {
                let reason: String
                switch error {
                case .temporary(let text): reason = "gave up after \(updated.attempts) attempts: \(text)"
                case .permanent(let text): reason = text
                }
                updated.status = .failed
                updated.lastError = reason
                updated.nextAttemptAt = nil
                report.failed.append((message.recipient, reason))
            }
            let record = updated
            try await store.write { db in try db.updateOutboxMessage(record) }
        }
    }
}
