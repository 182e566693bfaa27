import Foundation

/// The one exponential back-off of dirsync: `first` seconds after the first failure, doubled after each further
/// one, never more than `maximum`. SCIM requests, mail delivery (each message, and reconnecting to the
/// transport) and the agent's runs after failures all wait by it; each names its own settings.
public struct Backoff: Sendable, Equatable {
    /// How much of each wait is random, so that clients that failed together do not retry together.
    public enum Jitter: Sendable, Equatable {
        /// None: the wait is exactly the back-off.
        case none
        /// Half fixed, half random ("equal jitter"): between half the back-off and all of it.
        case equal
    }

    /// The wait after the first failure, in seconds.
    public var first: Double
    /// The longest wait, in seconds.
    public var maximum: Double
    /// How much of the wait is random.
    public var jitter: Jitter

    /// A back-off from `first` up to `maximum` seconds.
    public init(first: Double, maximum: Double, jitter: Jitter = .none) {
        self.first = max(0, first)
        self.maximum = max(0, maximum)
        self.jitter = jitter
    }

    /// The wait after `failures` consecutive failures (0 or fewer: no wait), with `unit` a random number in
    /// 0…1 for the jitter. Computed in floating point, so no count of failures can overflow.
    public func delay(afterFailures failures: Int, unit: Double = 0) -> Double {
        guard failures > 0 else { return 0 }
        let exponential = min(maximum, first * pow(2, Double(min(failures - 1, 62))))
        switch jitter {
        case .none: return exponential
        case .equal: return exponential / 2 + exponential / 2 * min(max(unit, 0), 1)
        }
    }
}
