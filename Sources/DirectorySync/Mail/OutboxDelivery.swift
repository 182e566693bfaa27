import Foundation

/// Delivers the outbox's pending messages through a `Mailer`, marking them sent as soon as the transport
/// has them for good.
///
/// - Messages go in the mailer's batches (one message for SMTP): each batch is read again from the store
///   (a resend or revoke may have voided a message since the list was read), delivered, flushed, then
///   marked sent in one transaction, its stored content (which holds the accept link) erased. A crash in
///   between can at worst deliver a batch again with the same Message-IDs, never lose a message.
/// - A permanent failure (a 5xx reply for that recipient) marks it failed at once, with the reply.
/// - A temporary failure (a 4xx reply for that recipient) leaves it pending with a later
///   `next_attempt_at`, the wait doubling each time; after `maximumAttempts` it is marked failed.
/// - When the transport itself is unavailable (connection refused, timeout, TLS or login failure), the
///   run waits and tries the same message again, 1 s, 2 s, 4 s … apart, for at most `reconnectFor` per
///   outage; then it stops and leaves every message pending for the next run. Once the transport answers
///   again (it takes a message, or refuses one recipient), the outage is over: the next one gets the whole
///   budget, from 1 s again. That never uses up a message's
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
        /// The longest wait between two attempts of one message, however many failures came before.
        public var maximumBackoff: TimeSpan
        /// How long one run keeps retrying an unavailable transport before leaving the rest for later.
        public var reconnectFor: TimeSpan

        /// A policy with these limits: by default 8 attempts, waits from 1 minute doubling up to 6 hours, and
        /// 30 seconds of reconnecting per outage.
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
            Backoff(first: backoff.timeInterval, maximum: maximumBackoff.timeInterval)
                .delay(afterFailures: max(1, attempt))
        }

        /// Reconnecting to an unavailable transport: 1 s, 2 s, 4 s … within `reconnectFor`.
        var reconnection: Backoff { Backoff(first: 1, maximum: reconnectFor.timeInterval) }
    }

    /// Where the outbox is read and each message's outcome recorded.
    public let store: any OrganizationStore
    /// The transport the messages are handed to.
    public let mailer: any Mailer
    /// How temporary failures and outages are retried.
    public var policy: RetryPolicy
    /// Waits between reconnection tries; tests pass one that returns at once.
    public var sleep: @Sendable (TimeSpan) async -> Void

    /// Delivery of `store`'s outbox through `mailer`; `sleep` waits between reconnections (real time by default).
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
        /// Messages the transport accepted, now marked sent.
        public var sent = 0
        /// Messages that failed temporarily and stay pending until their next attempt time.
        public var retryLater = 0
        /// Messages marked failed in this pass (refused, or out of attempts), with the reason recorded.
        public var failed: [(recipient: EmailAddress, reason: String)] = []
        /// Pending messages not tried because their next attempt time is still to come.
        public var notYetDue = 0
        /// Why the run stopped early, when the transport stayed unavailable.
        public var unavailable: String?
        /// Messages that were due but left pending because the transport was unavailable.
        public var leftPending = 0
        /// Times the run waited for an unavailable transport and tried again.
        public var reconnections = 0

        /// The report of a pass that has done nothing yet.
        public init() {}

        /// Whether the two passes did the same; failures compare by recipient only, not by reason.
        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.sent == rhs.sent && lhs.retryLater == rhs.retryLater && lhs.notYetDue == rhs.notYetDue
                && lhs.failed.map(\.recipient) == rhs.failed.map(\.recipient) && lhs.unavailable == rhs.unavailable
                && lhs.leftPending == rhs.leftPending && lhs.reconnections == rhs.reconnections
        }
    }

    /// Delivers every pending message of `organization` (all organizations when nil) that is due at `now()`; with
    /// a `fence`, each batch only while that delivery lease is still the caller's (`LeaseKeeper.Lost` otherwise).
    public func deliverPending(
        in organization: Organization.ID?, fence: LeaseFence? = nil, now: @Sendable () -> Date
    ) async throws -> Report {
        let pending = try await store.read { db in try db.outbox(in: organization, statuses: [.pending]) }
        var run = Run(policy: policy)
        do {
            try await deliver(pending, fence: fence, now: now, run: &run)
        } catch {
            await mailer.finish()
            throw error
        }
        await mailer.finish()
        return run.report
    }

    /// The state of one pass: its report and how much of the reconnection budget the current outage has spent.
    private struct Run {
        var report = Report()
        /// Seconds the current outage has waited, and its failed reconnections so far.
        var waited = 0
        var failures = 0
        let budget: Int
        let backoff: Backoff

        init(policy: RetryPolicy) {
            budget = policy.reconnectFor.seconds
            backoff = policy.reconnection
        }

        /// The next wait before reconnecting, or nil when the budget is spent.
        mutating func takeWait() -> TimeSpan? {
            guard waited < budget else { return nil }
            failures += 1
            let next = Int(exactly: backoff.delay(afterFailures: failures).rounded(.up)) ?? budget
            let wait = max(1, min(next, budget - waited))
            waited += wait
            report.reconnections += 1
            return TimeSpan(seconds: wait)
        }

        /// The transport took a message: the outage is over, and the next one gets the whole budget again,
        /// starting from the shortest wait.
        mutating func transportAnswered() {
            waited = 0
            failures = 0
        }
    }

    private func deliver(
        _ pending: [OutboxMessage], fence: LeaseFence?, now: @Sendable () -> Date, run: inout Run
    ) async throws {
        var due: [OutboxMessage.ID] = []
        for listed in pending {
            if let next = listed.nextAttemptAt, next > now() {
                run.report.notYetDue += 1
            } else {
                due.append(listed.id)
            }
        }
        let size = max(1, mailer.batchSize)
        var start = 0
        while start < due.count {
            let ids = Array(due[start..<min(start + size, due.count)])
            // Read them again: since the list was read, a resend or revoke may have voided one, or another run
            // delivered it. Under a lease, only while it is still this process's: a deliverer that stalled past its
            // lease sends nothing once another has taken over. (What it sent before is marked sent whatever
            // happened since, so that nobody sends it again.)
            let checked = now()
            let batch = try await store.read { db in
                try fence?.check(reading: db, at: checked)
                return try ids.compactMap { id in try db.outboxMessage(id) }
            }
            var updates: [OutboxMessage] = []
            var stopped: (position: Int, reason: String)?
            for message in batch where message.status == .pending {
                guard let content = message.content else { continue }
                switch await attempt(message, content: content, now: now, run: &run) {
                case .finished(let updated):
                    updates.append(updated)
                case .stopped(let updated, let reason):
                    updates.append(updated)
                    stopped = (start + (ids.firstIndex(of: message.id) ?? 0), reason)
                }
                if stopped != nil { break }
            }
            // What the transport accepted is marked sent only once it is durable there.
            do {
                try await mailer.flush()
            } catch {
                updates.removeAll { $0.status == .sent }
                stopped = (start, error.reason)
            }
            run.report.sent += updates.count { $0.status == .sent }
            let records = updates
            if !records.isEmpty {
                try await store.write { db in for record in records { try db.updateOutboxMessage(record) } }
            }
            if let stopped {
                run.report.unavailable = stopped.reason
                run.report.leftPending = due.count - stopped.position
                return
            }
            start += ids.count
        }
    }

    private enum Outcome {
        /// Delivered, or failed in a way recorded on the message; the run goes on.
        case finished(OutboxMessage)
        /// The transport takes no message: this one (which keeps its attempts) and the rest stay pending.
        case stopped(OutboxMessage, reason: String)
    }

    /// Hands one message to the transport, waiting and reconnecting while it is unavailable and the run's
    /// budget lasts.
    private func attempt(_ message: OutboxMessage, content: String, now: @Sendable () -> Date, run: inout Run) async
        -> Outcome
    {
        var updated = message
        while true {
            do {
                try await mailer.deliver(content, messageID: message.messageID, to: message.recipient)
                run.transportAnswered()
                updated.attempts += 1
                updated.status = .sent
                updated.sentAt = now()
                updated.content = nil
                updated.lastError = nil
                updated.nextAttemptAt = nil
            } catch {
                switch error {
                case .unavailable(let reason):
                    if let wait = run.takeWait() {
                        await mailer.finish()
                        await sleep(wait)
                        continue
                    }
                    // An outage is nobody's fault: the message keeps its attempts, and records why it is still here.
                    updated.lastError = reason
                    return .stopped(updated, reason: reason)
                case .misconfigured(let reason):
                    updated.lastError = reason
                    return .stopped(updated, reason: reason)
                case .temporary(let reason):
                    run.transportAnswered()
                    updated.attempts += 1
                    updated.lastError = reason
                    if updated.attempts < policy.maximumAttempts {
                        updated.nextAttemptAt = now().addingTimeInterval(policy.backoff(afterAttempt: updated.attempts))
                        run.report.retryLater += 1
                    } else {
                        updated.status = .failed
                        updated.lastError = "gave up after \(Plural.count(updated.attempts, "attempt")): \(reason)"
                        updated.nextAttemptAt = nil
                        run.report.failed.append((message.recipient, updated.lastError ?? reason))
                    }
                case .permanent(let reason):
                    run.transportAnswered()
                    updated.attempts += 1
                    updated.status = .failed
                    updated.lastError = reason
                    updated.nextAttemptAt = nil
                    run.report.failed.append((message.recipient, reason))
                }
            }
            return .finished(updated)
        }
    }
}
