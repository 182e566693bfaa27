import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct InvitationStateTests {
    private func invitation(status: Invitation.Status = .pending, sentAt: Date = testEpoch) throws -> Invitation {
        Invitation(
            id: .init(rawValue: 1), organization: .init(rawValue: 1), email: try EmailAddress("bo@acme.com"),
            role: .member, status: status, createdAt: sentAt, sentAt: sentAt,
            expiresAt: sentAt.addingTimeInterval(TimeSpan.days(7).timeInterval), resendCount: 0,
            invitedBy: "owner@acme.com")
    }

    @Test func isValidUntilOneSecondBefore168HoursAndExpiredFromThenOn() throws {
        let pending = try invitation()
        #expect(pending.state(at: testEpoch.adding(hours: 168, seconds: -1)) == .pending)
        #expect(pending.isLive(at: testEpoch.adding(hours: 168, seconds: -1)))
        #expect(pending.state(at: testEpoch.adding(hours: 168)) == .expired)
        #expect(pending.state(at: testEpoch.adding(hours: 168, seconds: 1)) == .expired)
        #expect(!pending.isLive(at: testEpoch.adding(hours: 168)))
    }

    @Test(arguments: [Invitation.Status.accepted, .revoked])
    func closedInvitationsNeverExpire(status: Invitation.Status) throws {
        let closed = try invitation(status: status)
        #expect(closed.state(at: testEpoch.adding(hours: 10_000)).rawValue == status.rawValue)
        #expect(!closed.isExpired(at: testEpoch.adding(hours: 10_000)))
    }
}
