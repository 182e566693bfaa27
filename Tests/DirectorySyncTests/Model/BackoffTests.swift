import Foundation
import Testing

@testable import DirectorySync

/// The one back-off: doubling from the first wait up to the maximum, equal jitter within its half, and no
/// count of failures or size of setting that can overflow or trap.
@Suite struct BackoffTests {
    @Test func doublesFromTheFirstWaitUpToTheMaximum() {
        let backoff = Backoff(first: 60, maximum: 600)
        #expect((0...6).map { backoff.delay(afterFailures: $0) } == [0, 60, 120, 240, 480, 600, 600])
    }

    @Test(arguments: [0, 1, 2, 30, 31, 62, 63, 64, 1000, Int.max, Int.min, -1])
    func anyCountOfFailuresGivesAWaitWithinTheBounds(_ failures: Int) {
        for (first, maximum) in [(0.5, 30.0), (1, Double(TimeSpan.maximum.seconds)), (3_153_600_000, 1e300)] {
            let delay = Backoff(first: first, maximum: maximum).delay(afterFailures: failures)
            #expect(delay.isFinite)
            #expect(delay >= 0 && delay <= maximum)
            if failures > 0 { #expect(delay >= min(first, maximum)) } else { #expect(delay == 0) }
        }
    }

    @Test func equalJitterKeepsHalfTheWaitFixed() {
        let backoff = Backoff(first: 4, maximum: 100, jitter: .equal)
        #expect(backoff.delay(afterFailures: 2, unit: 0) == 4)
        #expect(backoff.delay(afterFailures: 2, unit: 1) == 8)
        #expect(backoff.delay(afterFailures: 2, unit: 0.5) == 6)
        #expect(backoff.delay(afterFailures: 2, unit: 7) == 8, "a unit outside 0…1 is clamped")
    }

    @Test func everyPolicyWaitsByIt() {
        let schedule = Schedule(interval: .hours(1))
        #expect((1...6).map { schedule.baseDelay(afterFailures: $0).seconds } == [225, 450, 900, 1800, 3600, 3600])
        let mail = OutboxDelivery.RetryPolicy(backoff: .minutes(1), maximumBackoff: .minutes(5))
        #expect((1...4).map { mail.backoff(afterAttempt: $0) } == [60, 120, 240, 300])
        let scim = SCIMTransport.RetryPolicy(baseDelay: 0.5, maxDelay: 4)
        #expect((1...5).map { scim.backOff(after: $0, unit: 1) } == [0.5, 1, 2, 4, 4])
    }
}
