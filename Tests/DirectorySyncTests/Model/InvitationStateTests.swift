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

@Suite struct DateTextTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 +0000"),
        (951_782_400.0, "2000-02-29T00:00:00Z", "Tue, 29 Feb 2000 00:00:00 +0000"),
        (1_795_255_200.0, "2026-11-21T10:00:00Z", "Sat, 21 Nov 2026 10:00:00 +0000"),
        (4_107_542_399.0, "2100-02-28T23:59:59Z", "Sun, 28 Feb 2100 23:59:59 +0000"),
        (-86_401.0, "1969-12-30T23:59:59Z", "Tue, 30 Dec 1969 23:59:59 +0000"),
    ])
    func formatsLikeTheCalendar(seconds: Double, iso: String, rfc5322: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(DateText.iso8601(date) == iso)
        #expect(MailMessage.rfc5322Date(date) == rfc5322)
        #expect(DateText.parse(iso) == date)
    }

    @Test func agreesWithFoundationOnEveryDayOfFourYears() {
        let formatter = ISO8601DateFormatter()
        for day in stride(from: 0, to: 4 * 366, by: 1) {
            let date = Date(timeIntervalSince1970: 1_767_225_600 + Double(day) * 86_400 + 3_723)
            #expect(DateText.iso8601(date) == formatter.string(from: date))
        }
    }
}
