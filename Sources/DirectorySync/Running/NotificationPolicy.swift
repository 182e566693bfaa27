import Foundation

/// Decides when an agent tells people something is wrong, so that a stuck agent does not spam: at most one
/// problem notification per `every`, and one more when it recovers from a problem it reported.
public struct NotificationPolicy: Sendable, Equatable {
    /// What a notification says.
    public enum Kind: String, Sendable, Codable, Equatable {
        /// A run failed (`sync.failed`: the raw value is the webhook's `event`).
        case failed = "sync.failed"
        /// A safety rule blocked a run's plan (`sync.blocked`).
        case blocked = "sync.blocked"
        /// A run succeeded after a problem that was reported (`sync.recovered`).
        case recovered = "sync.recovered"
    }

    /// The quiet period: after a problem notification, further problems go unreported until it has passed.
    public var every: TimeSpan

    /// A policy allowing one problem notification per `every` (an hour by default).
    public init(every: TimeSpan = .hours(1)) { self.every = every }

    /// The state after a run that ended with `outcome` at `now`, and the notification to send, if any.
    public func after(_ outcome: SyncRun.Outcome, state: NotificationState, at now: Date) -> (NotificationState, Kind?)
    {
        var next = state
        switch outcome {
        case .failed, .blocked:
            next.consecutiveProblems += 1
            if next.problemSince == nil { next.problemSince = now }
            let quiet = state.lastNotifiedAt.map { now.timeIntervalSince($0) < every.timeInterval } ?? false
            guard !quiet else { return (next, nil) }
            next.lastNotifiedAt = now
            return (next, outcome == .blocked ? .blocked : .failed)
        case .completed, .noChanges:
            guard let since = state.problemSince else { return (next, nil) }
            let reported = state.lastNotifiedAt.map { $0 >= since } ?? false
            next.problemSince = nil
            next.consecutiveProblems = 0
            return (next, reported ? .recovered : nil)
        case .running, .interrupted:
            // Stopped on purpose, or still going: neither a problem nor a recovery.
            return (next, nil)
        }
    }
}
