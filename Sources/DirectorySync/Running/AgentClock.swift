import Foundation

/// The agent's time, injected: the wall clock that stamps runs, leases and notifications, and the wait
/// between runs. `system` is real time; a test passes a clock that records each wait and returns at once,
/// so the schedule is checked without waiting for it.
public struct AgentClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// Waits `seconds` (never negative); throws when the wait is cut short.
    public var sleep: @Sendable (_ seconds: Double) async throws -> Void

    /// A clock reading `now` and waiting with `sleep`.
    public init(
        now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (_ seconds: Double) async throws -> Void
    ) {
        self.now = now
        self.sleep = sleep
    }

    /// Real time, waiting with `Task.sleep`.
    public static let system = AgentClock(now: Date.init, sleep: AgentClock.realSleep)

    /// Waits `seconds` of real time.
    @Sendable public static func realSleep(_ seconds: Double) async throws {
        let bounded = min(max(seconds, 0), Double(TimeSpan.maximum.seconds))
        try await Task.sleep(for: .milliseconds(Int64((bounded * 1000).rounded())))
    }
}
