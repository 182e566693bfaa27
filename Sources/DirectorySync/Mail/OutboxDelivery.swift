import Foundation

/// Delivers the outbox's pending messages through a `Mailer`, marking each one the moment the
/// transport accepts it.
///
/// - A message is marked sent right after the transport accepts it, and its stored content (which holds
///   the accept link) is erased. A crash between the two can at worst deliver it again with the same
///   Message-ID, never lose it.
/// - A permanent failure (a 5xx reply for that recipient) marks it failed at once, with the reply.
/// - A temporary failure (a 4xx reply for that recipient) leaves it pending with a later
///   `next_attempt_at`, the wait doubling each time; after `maximumAttempts` it is marked failed.
/// - When the transport itself is unavailable (connection refused, timeout, TLS or login failure), the
///   run waits and tries the same message again, 1 s, 2 s, 4 s … apart, for at most `reconnectFor` in all;
///   then it stops and leaves every message pending for the next run. That never uses up a message's
///   attempts: an outage delays invitations, it does not fail them. When the transport refuses this client
///   (`.misconfigured`: the login, the certificate, the sender), the run stops at once the same way.
public struct OutboxDelivery: Sendable {
    /// How failures are retried.
    public struct RetryPolicy: Sendable, Equatable {
        /// Attempts a message gets, over all runs, while its recipient fails temporarily; then it is failed.
        public var maximumAttempts: Int
        /// The wait before the next attempt after a message's first temporary failure; doubled after each
        /// further one, up to `maximumBackoff`.
        public var backoff: TimeSpan
        public var maximumBackoff: TimeSpan
        /// How long one run keeps retrying an unavailable transport before leaving the rest for later.
        public var reconnectFor: TimeSpan

        public init(
            maximumAttempts: Int = 8, backoff: TimeSpan = .minutes(1), maximumBackoff: TimeSpan = .hours(6),
            reconnectFor: TimeSpan = TimeSpan(seconds: 30)
        ) {
            self.maximumAttempts = maximumAttempts
            self.backoff = backoff
            self.maximumBackoff = maximumBackoff
            self.reconnectFor = reconnectFor
        }

        /// The wait after the `attempt`th temporary failure of a message (1-based).
        func backoff(afterAttempt attempt: Int) -> TimeInterval {
            let doubled = backoff.timeInterval * pow(2, Double(max(0, attempt - 1)))
            return min(doubled, maximumBackoff.timeInterval)
        }
    }

    public let store: any OrganizationStore
    public let mailer: any Mailer
    public var policy: RetryPolicy
    /// Waits between reconnection tries; tests pass one that returns at once.
    public var sleep: @Sendable (TimeSpan) async -> Void

    public init(
        store: any OrganizationStore, mailer: any Mailer, policy: RetryPolicy = RetryPolicy(),
        sleep: @escaping @Sendable (TimeSpan) async -> Void = { span in
            try? await Task.sleep(for: .seconds(span.seconds))
        }
    ) {
        self.store = store
        self.mailer = mailer
        self.policy = policy
        self.sleep = sleep
    }

    /// What one delivery pass did.
    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retryLater = 0
        public var failed: [(recipient: EmailAddress, reason: String)] = []
        public var notYetDue = 0
        /// Why the run stopped early, when the transport stayed unavailable.
        public var unavailable: String?
        /// Messages that were due but left pending because the transport was unavailable.
        public var leftPending = 0
        /// Times the run waited for an unavailable transport and tried again.
        public var reconnections = 0

        public init() {}

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.sent == rhs.sent && lhs.retryLater == rhs.retryLater && lhs.notYetDue == rhs.notYetDue
                && lhs.failed.map(\.recipient) == rhs.failed.map(\.recipient) && lhs.unavailable == rhs.unavailable
                && lhs.leftPending == rhs.leftPending && lhs.reconnections == rhs.reconnections
        }
    }

    /// Delivers every pending message of `organization` (all organizations when nil) that is due at `now()`.
    public func deliverPending(in organization: Organization.ID?, now: @Sendable () -> Date) async throws -> Report {
        let pending = try await store.read { db in try db.outbox(in: organization, statuses: [.pending]) }
        var run = Run(policy: policy)
        do {
            try await deliver(pending, now: now, run: &run)
        } catch {
            await mailer.finish()
            throw error
        }
        await mailer.finish()
        return run.report
    }

    /// The state of one pass: its report and how much of the reconnection budget it has spent.
    private struct Run {
        var report = Report()
        var waited = 0
        var nextWait = 1
        let budget: Int

        init(policy: RetryPolicy) { budget = policy.reconnectFor.seconds }

        /// The next wait before reconnecting, or nil when the budget is spent.
        mutating func takeWait() -> TimeSpan? {
            guard waited < budget else { return nil }
            let wait = min(nextWait, budget - waited)
            waited += wait
            nextWait *= 2
            report.reconnections += 1
            return TimeSpan(seconds: wait)
        }
    }

    private func deliver(_ pending: [OutboxMessage], now: @Sendable () -> Date, run: inout Run) async throws {
        for (index, listed) in pending.enumerated() {
            if let due = listed.nextAttemptAt, due > now() {
                run.report.notYetDue += 1
                continue
            }
            // Read it again: since the list was read, a resend or revoke may have voided it, or another run
            // delivered it.
            let id = listed.id
            guard let message = try await store.read({ db in try db.outboxMessage(id) }),
                message.status == .pending, let content = message.content
            else { continue }
            var updated = message
            while true {
                do {
                    try await mailer.deliver(content, messageID: message.messageID, to: message.recipient)
                    updated.attempts += 1
                    updated.status = .sent
                    updated.sentAt = now()
                    updated.content = nil
                    updated.lastError = nil
                    updated.nextAttemptAt = nil
                    run.report.sent += 1
                } catch .unavailable(let reason) {
                    if let wait = run.takeWait() {
                        await mailer.finish()
                        await sleep(wait)
                        continue
                    }
                    try await stop(at: index, of: pending, with: updated, reason: reason, now: now, run: &run)
                    return
                } catch .misconfigured(let reason) {
                    try await stop(at: index, of: pending, with: updated, reason: reason, now: now, run: &run)
                    return
                } catch .temporary(let reason) {
                    updated.attempts += 1
                    updated.lastError = reason
                    if updated.attempts < policy.maximumAttempts {
                        updated.nextAttemptAt = now().addingTimeInterval(policy.backoff(afterAttempt: updated.attempts))
                        run.report.retryLater += 1
                    } else {
                        updated.status = .failed
                        updated.lastError = "gave up after \(updated.attempts) attempts: \(reason)"
                        updated.nextAttemptAt = nil
                        run.report.failed.append((message.recipient, updated.lastError ?? reason))
                    }
                } catch .permanent(let reason) {
                    updated.attempts += 1
                    updated.status = .failed
                    updated.lastError = reason
                    updated.nextAttemptAt = nil
                    run.report.failed.append((message.recipient, reason))
                }
                break
            }
            let record = updated
            try await store.write { db in try db.updateOutboxMessage(record) }
        }
    }

    /// Ends the run because the transport takes no message: this one and the rest stay pending and due.
    /// An outage is nobody's fault: the message keeps its attempts, and records why it is still here.
    private func stop(
        at index: Int, of pending: [OutboxMessage], with message: OutboxMessage, reason: String,
        now: @Sendable () -> Date, run: inout Run
    ) async throws {
        var record = message
        record.lastError = reason
        let unchanged = record
        try await store.write { db in try db.updateOutboxMessage(unchanged) }
        run.report.unavailable = reason
        run.report.leftPending = pending[index...].filter { ($0.nextAttemptAt ?? .distantPast) <= now() }.count
    }
}
