/// When the agent runs: every `interval`, plus up to `jitter` so many agents do not reach one directory at
/// the same moment; after failures, sooner, backing off exponentially up to the interval.
public struct Schedule: Sendable, Equatable {
    /// The wait between runs after a good one, and the longest wait the backoff after failures reaches.
    public var interval: TimeSpan
    /// The most random extra time added to each wait; 0 adds none.
    public var jitter: TimeSpan

    /// Runs every `interval`, with up to `jitter` added to each wait (none by default).
    public init(interval: TimeSpan, jitter: TimeSpan = TimeSpan(seconds: 0)) {
        self.interval = interval
        self.jitter = jitter
    }

    /// The first retry after a failure: a sixteenth of the interval, at least one second, at most the interval.
    public var firstRetry: TimeSpan {
        TimeSpan(seconds: min(interval.seconds, max(1, interval.seconds / 16)))
    }

    /// The wait before the next run, after `failures` consecutive failed runs (0 after a good run), before jitter.
    public func baseDelay(afterFailures failures: Int) -> TimeSpan {
        guard failures > 0 else { return interval }
        let delay = backoff.delay(afterFailures: failures)
        return TimeSpan(seconds: Int(exactly: delay.rounded(.down)) ?? interval.seconds)
    }

    /// Runs after failures back off from `firstRetry` up to the interval.
    public var backoff: Backoff {
        Backoff(first: Double(firstRetry.seconds), maximum: Double(interval.seconds))
    }

    /// The wait before the next run, jitter included, in seconds.
    public func delay(afterFailures failures: Int, using random: inout some RandomNumberGenerator) -> Double {
        let extra = jitter.seconds > 0 ? Double.random(in: 0...Double(jitter.seconds), using: &random) : 0
        return Double(baseDelay(afterFailures: failures).seconds) + extra
    }
}
