import Foundation

/// Counts links and codes that did not work, per client address, and refuses an address that had too many
/// in the window: guessing tokens or codes from one place stops after `limit` tries per `window`.
actor AttemptLimiter {
    /// Failures an address may have in one window.
    let limit: Int
    /// The window, in seconds, from the first failure counted.
    let window: TimeInterval
    /// At most this many addresses are tracked; past it, windows that ended are dropped, then the oldest.
    private let capacity: Int
    private var failures: [String: (count: Int, since: Date)] = [:]

    init(limit: Int = 10, window: TimeInterval = 900, capacity: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Seconds until `address` may try again, or nil when it may now.
    func retryAfter(_ address: String, at now: Date) -> Int? {
        guard let entry = failures[address] else { return nil }
        let ends = entry.since.addingTimeInterval(window)
        if now >= ends {
            failures[address] = nil
            return nil
        }
        return entry.count >= limit ? max(1, Int(ends.timeIntervalSince(now).rounded(.up))) : nil
    }

    /// Records a link or code from `address` that did not work.
    func fail(_ address: String, at now: Date) {
        if let entry = failures[address], now < entry.since.addingTimeInterval(window) {
            failures[address] = (entry.count + 1, entry.since)
            return
        }
        if failures.count >= capacity { evict(at: now) }
        failures[address] = (1, now)
    }

    private func evict(at now: Date) {
        failures = failures.filter { now < $0.value.since.addingTimeInterval(window) }
        while failures.count >= capacity, let oldest = failures.min(by: { $0.value.since < $1.value.since }) {
            failures[oldest.key] = nil
        }
    }
}
