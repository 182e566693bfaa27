import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct ScheduleTests {
    @Test func backsOffExponentiallyFromASixteenthOfTheIntervalUpToIt() {
        let schedule = Schedule(interval: .minutes(16))
        #expect((0...6).map { schedule.baseDelay(afterFailures: $0).seconds } == [960, 60, 120, 240, 480, 960, 960])
        #expect(schedule.baseDelay(afterFailures: 500).seconds == 960)
    }

    @Test func shortIntervalsRetryAfterAtLeastOneSecond() {
        #expect(
            (0...3).map { Schedule(interval: .init(seconds: 4)).baseDelay(afterFailures: $0).seconds } == [4, 1, 2, 4])
        #expect(Schedule(interval: .init(seconds: 1)).baseDelay(afterFailures: 1).seconds == 1)
    }

    @Test func jitterAddsUpToItsLength() {
        var random = SeededGenerator(seed: 3)
        let schedule = Schedule(interval: .minutes(15), jitter: .minutes(1))
        let delays = (0..<500).map { _ in schedule.delay(afterFailures: 0, using: &random) }
        #expect(delays.allSatisfy { $0 >= 900 && $0 <= 960 })
        #expect(Set(delays.map { Int($0) }).count > 30)
    }
}

@Suite struct NotificationPolicyTests {
    let policy = NotificationPolicy(every: .hours(1))

    @Test func aStuckAgentNotifiesOncePerIntervalAndOnceMoreWhenItRecovers() {
        var state = NotificationState()
        var sent: [NotificationPolicy.Kind?] = []
        for (minutes, outcome) in [
            (0, SyncRun.Outcome.failed), (15, .failed), (30, .blocked), (61, .failed), (75, .completed),
            (90, .noChanges),
        ] {
            let (next, kind) = policy.after(outcome, state: state, at: testEpoch.adding(hours: Double(minutes) / 60))
            state = next
            sent.append(kind)
        }
        #expect(sent == [.failed, nil, nil, .failed, .recovered, nil])
        #expect(
            state
                == NotificationState(
                    problemSince: nil, consecutiveProblems: 0, lastNotifiedAt: testEpoch.adding(hours: 61.0 / 60)))
    }

    @Test func aBlockedPlanSaysBlocked() {
        let (state, kind) = policy.after(.blocked, state: NotificationState(), at: testEpoch)
        #expect(kind == .blocked)
        #expect(state.consecutiveProblems == 1 && state.problemSince == testEpoch)
    }

    @Test func aFlappingAgentDoesNotAnnounceRecoveriesOfUnreportedProblems() {
        var state = NotificationState()
        var sent: [NotificationPolicy.Kind?] = []
        for (minutes, outcome) in [(0, SyncRun.Outcome.failed), (5, .completed), (10, .failed), (15, .completed)] {
            let (next, kind) = policy.after(outcome, state: state, at: testEpoch.adding(hours: Double(minutes) / 60))
            state = next
            sent.append(kind)
        }
        #expect(sent == [.failed, .recovered, nil, nil])
    }
}
