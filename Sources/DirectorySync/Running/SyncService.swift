import Foundation
import Logging
import ServiceLifecycle

/// The scheduled agent (`dirsync run`): one organization, reconciled every interval, one agent at a time.
///
/// It holds the organization's lease while it lives, renewing it during runs and between them, so a second
/// agent skips (and says so) until this one stops or dies and its lease expires. A shutdown request
/// (SIGTERM, SIGINT) finishes the batch in flight, records the run and returns; a failed run is retried
/// sooner, backing off exponentially up to the interval; a blocked plan is never applied and is reported
/// every run until resolved; people are told about problems at most once per `notify.every`, and once more
/// when it recovers.
public struct SyncService: Service, CustomStringConvertible, CustomReflectable {
    /// How the agent behaves.
    public struct Options: Sendable {
        /// How often the agent runs, and how it backs off after failures.
        public var schedule: Schedule
        /// Run once and return.
        public var once: Bool
        /// Where the Prometheus textfile is written after each run; nil writes none.
        public var metricsFile: URL?
        /// How often people are told about problems.
        public var notificationPolicy: NotificationPolicy

        /// Options for an agent on `schedule`; by default it runs until stopped, writes no metrics and notifies at
        /// most hourly.
        public init(
            schedule: Schedule, once: Bool = false, metricsFile: URL? = nil,
            notificationPolicy: NotificationPolicy = NotificationPolicy()
        ) {
            self.schedule = schedule
            self.once = once
            self.metricsFile = metricsFile
            self.notificationPolicy = notificationPolicy
        }
    }

    /// How one scheduled attempt ended.
    public enum Attempt: Sendable, Equatable {
        /// The run took place and was recorded, whatever its outcome.
        case ran(SyncRun)
        /// Another agent holds the lease.
        case skipped(Lease)
        /// No run to report: a shutdown request stopped it between batches, or the lease or the run's record
        /// could not be read (the error is logged).
        case stopped
    }

    /// A shutdown request stopped a run between two batches (or before the first).
    public struct Stopped: Error, Equatable, UserFacingError {
        /// Changes committed before the stop.
        public let applied: Int
        /// Changes the plan had to apply (`defer` excluded).
        public let total: Int
        /// How far the run got before the stop.
        public var description: String {
            applied == 0
                ? "stopped by a shutdown request before any change was applied"
                : "stopped by a shutdown request after \(applied) of \(Plural.count(total, "change")); the rest is planned again at the next run"
        }
        /// Run again: the next plan holds only what is still needed.
        public var hint: String? { "run it again: it plans only what is still needed" }

        /// A stop after `applied` of `total` changes.
        public init(applied: Int, total: Int) {
            self.applied = applied
            self.total = total
        }
    }

    /// Set when a shutdown request ended the agent, so a caller can exit 0 whatever the last run's outcome.
    public final class StopRecord: @unchecked Sendable {
        // Guarded by `lock`: set by the service's task, read by the command after the service group returns.
        private let lock = NSLock()
        private var stopped = false
        private var skipped = false
        /// A record of an agent that has not been stopped.
        public init() {}
        /// Whether a shutdown request ended the agent; set as `run()` returns.
        public var stoppedByShutdown: Bool { lock.withLock { stopped } }
        /// Whether the last attempt was skipped because another agent held the lease.
        public var lastAttemptWasSkipped: Bool { lock.withLock { skipped } }
        func markStopped() { lock.withLock { stopped = true } }
        func recordAttempt(skipped: Bool) { lock.withLock { self.skipped = skipped } }
    }

    /// The reconciliation each attempt runs: `sync` with trigger `run`; a plan a safety rule blocks is never applied.
    public let engine: SyncEngine
    /// The organization the agent syncs, as loaded when it started.
    public let organization: Organization
    /// The organization's apply lease: held while the agent lives, renewed during runs and between them.
    public let keeper: LeaseKeeper
    /// Who is told about problems and recoveries, as `options.notificationPolicy` allows; a failing one is logged.
    public let notifiers: [any Notifier]
    /// How the agent behaves.
    public let options: Options
    /// Where the agent logs its starts, runs, waits and problems.
    public let logger: Logger
    private let time: AgentClock
    /// The current time (the injected clock's).
    private var clock: @Sendable () -> Date { time.now }
    /// Delivers mail the run queued (invitations, notification emails).
    private let deliverMail: @Sendable () async -> Void
    private let stopRecord: StopRecord

    /// An agent for `organization`. `clock` gives the time and the waits; `stopRecord` tells the caller how it
    /// ended; `deliverMail` delivers what a run queued, after every attempt that took the lease.
    public init(
        engine: SyncEngine, organization: Organization, keeper: LeaseKeeper, notifiers: [any Notifier],
        options: Options,
        logger: Logger, clock: AgentClock = .system, stopRecord: StopRecord = StopRecord(),
        deliverMail: @escaping @Sendable () async -> Void
    ) {
        self.engine = engine
        self.organization = organization
        self.keeper = keeper
        self.notifiers = notifiers
        self.options = options
        self.logger = logger
        self.time = clock
        self.deliverMail = deliverMail
        self.stopRecord = stopRecord
    }

    /// What ServiceLifecycle's logs name the service by: the organization only, never what the service holds
    /// (its source's environment, its mailer's login).
    public var description: String { "dirsync agent for \(organization.name)" }
    /// Only the organization's name, for the same reason as `description`.
    public var customMirror: Mirror {
        Mirror(self, children: ["organization": organization.name], displayStyle: .struct)
    }

    /// Runs the agent until a shutdown request (or for one attempt, with `options.once`), holding the lease while it
    /// waits between attempts, and gives the lease up on the way out. A failed run is recorded and retried sooner,
    /// never thrown.
    public func run() async throws {
        var failures = 0
        var random = SystemRandomNumberGenerator()
        logger.info(
            "agent started",
            metadata: [
                "organization": "\(organization.name)", "every": "\(options.schedule.interval)",
                "holder": "\(keeper.holder)",
            ])
        while !Task.isShuttingDownGracefully {
            let attempt = await attempt()
            stopRecord.recordAttempt(skipped: { if case .skipped = attempt { true } else { false } }())
            switch attempt {
            case .ran(let run):
                failures = run.outcome == .failed ? failures + 1 : 0
            case .skipped, .stopped:
                break
            }
            if options.once || Task.isShuttingDownGracefully { break }
            let delay = options.schedule.delay(afterFailures: failures, using: &random)
            let next = clock().addingTimeInterval(delay)
            try? await keeper.renew(at: clock(), nextRunAt: next)
            logger.info(
                "next run scheduled",
                metadata: ["run.next": "\(DateText.iso8601(next))", "run.delay_s": "\(Int(delay))"])
            do {
                try await sleepHoldingLease(until: next)
            } catch {
                break  // a shutdown request cut the wait short
            }
        }
        await keeper.release()
        if Task.isShuttingDownGracefully { stopRecord.markStopped() }
        logger.info("agent stopped", metadata: ["organization": "\(organization.name)"])
    }

    /// One scheduled run: take the lease, sync, report. Never throws: every outcome is recorded or logged.
    /// With `claimed`, the lease was taken already (by the agent pool) and is not claimed again: a run whose lease
    /// was taken over while it stalled must stop, not take the lease back.
    public func attempt(holding claimed: LeaseFence? = nil) async -> Attempt {
        let fence: LeaseFence
        if let claimed {
            fence = claimed
        } else {
            switch await claimLease() {
            case .left(let outcome): return outcome
            case .right(let mine): fence = mine
            }
        }
        return await attempt(fenced: fence)
    }

    private enum Either<Left, Right> {
        case left(Left)
        case right(Right)
    }

    private func claimLease() async -> Either<Attempt, LeaseFence> {
        let fence: LeaseFence
        do {
            switch try await keeper.claim(at: clock()) {
            case .acquired(let lease):
                fence = LeaseFence(lease, purpose: .apply, organization: organization)
            case .heldElsewhere(let lease):
                logger.notice(
                    "another agent holds the lease; skipping this run",
                    metadata: [
                        "lease.holder": "\(lease.holder)", "lease.expires": "\(DateText.iso8601(lease.expiresAt))",
                    ])
                return .left(.skipped(lease))
            }
        } catch {
            logger.error("cannot take the lease", metadata: ["error": "\(error)"])
            return .left(.stopped)
        }
        return .right(fence)
    }

    private func attempt(fenced fence: LeaseFence) async -> Attempt {
        let engine = self.engine
        let organization = self.organization
        let clock = self.clock
        var stopped = false
        do {
            _ = try await keeper.whileHolding(clock: clock) {
                try await engine.sync(
                    organization, trigger: .run, allowDeletions: false, fence: fence, now: clock,
                    checkpoint: { done, total in
                        if Task.isShuttingDownGracefully, done < total { throw Stopped(applied: done, total: total) }
                    })
            }
        } catch let stop as Stopped {
            stopped = true
            logger.notice("run stopped by a shutdown request", metadata: ["changes.applied": "\(stop.applied)"])
        } catch {
            logger.warning("run did not complete", metadata: ["error": "\(Self.withoutAddresses(error))"])
        }
        await deliverMail()
        guard
            let run = try? await engine.store.read({ [organization] db in
                try db.runs(in: organization.id, limit: 1).first
            })
        else { return .stopped }
        if stopped { return .stopped }
        logger.info(
            "run finished",
            metadata: [
                "run.id": "\(run.id)", "run.outcome": "\(run.outcome.rawValue)",
                "source.users": "\(run.sourceUsers ?? 0)",
                "changes":
                    "\(run.changes.filter { $0.value > 0 }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))",
            ])
        await notify(after: run)
        await writeMetrics()
        return .ran(run)
    }

    private func notify(after run: SyncRun) async {
        let organization = self.organization
        let now = clock()
        do {
            let state = try await engine.store.read { db in try db.notificationState(in: organization.id) }
            let (next, kind) = options.notificationPolicy.after(run.outcome, state: state, at: now)
            try await engine.store.write { db in try db.saveNotificationState(next, in: organization.id) }
            guard let kind else { return }
            let notification = AgentNotification(
                kind: kind, organization: organization.name, time: now, run: run,
                consecutiveProblems: kind == .recovered ? state.consecutiveProblems : next.consecutiveProblems,
                problemSince: kind == .recovered ? state.problemSince : next.problemSince)
            for notifier in notifiers {
                do {
                    try await notifier.send(notification)
                    logger.info("notification sent", metadata: ["notify.event": "\(kind.rawValue)"])
                } catch {
                    logger.error(
                        "notification failed", metadata: ["notify.event": "\(kind.rawValue)", "error": "\(error)"])
                }
            }
            // A notification email was only queued: deliver it now, as any mail, under the delivery lease.
            await deliverMail()
        } catch {
            logger.error("cannot update the notification state", metadata: ["error": "\(error)"])
        }
    }

    private func writeMetrics() async {
        guard let url = options.metricsFile else { return }
        do {
            try await StatusReport.load(from: engine.store, organization: organization, at: clock()).writeMetrics(
                to: url)
        } catch {
            logger.error("cannot write the metrics file", metadata: ["path": "\(url.path)", "error": "\(error)"])
        }
    }

    /// Sleeps until `deadline`, holding the lease (renewed as during a run, saying when the next run is); a
    /// shutdown request ends it.
    private func sleepHoldingLease(until deadline: Date) async throws {
        let time = self.time
        try await cancelWhenGracefulShutdown { [keeper] in
            try await keeper.whileHolding(clock: time.now, nextRunAt: deadline) {
                let remaining = deadline.timeIntervalSince(time.now())
                if remaining > 0 { try await time.sleep(remaining) }
            }
        }
    }

    /// An error's description with email addresses masked, for logs above debug level.
    static func withoutAddresses(_ error: any Error) -> String {
        "\(error)".replacingOccurrences(of: #"[^\s@'"(]+@[^\s@'")]+"#, with: "<email>", options: .regularExpression)
    }
}
