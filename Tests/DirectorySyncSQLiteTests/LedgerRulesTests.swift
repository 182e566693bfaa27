import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The invitation lifecycle's rules, each checked through the ledger on the real SQLite engine.
@Suite struct LedgerRulesTests {
    /// Everything a refused command could have written.
    struct Footprint: Equatable, Sendable {
        let invitations: Int
        let members: Int
        let auditEvents: Int
        let outbox: Int
    }

    private func footprint(_ fixture: LedgerFixture) async throws -> Footprint {
        let org = fixture.organization.id
        return try await fixture.read { db in
            Footprint(
                invitations: try db.invitations(in: org, statuses: Set(Invitation.Status.allCases)).count,
                members: try db.memberCount(in: org), auditEvents: try db.auditEvents(in: org, since: nil).count,
                outbox: try db.outbox(in: org, statuses: Set(OutboxMessage.Status.allCases)).count)
        }
    }

    // MARK: - Sending

    @Test func invitingCreatesAPendingInvitationItsAuditEventAndItsEmail() async throws {
        let fixture = try await LedgerFixture.make()
        let sent = try await fixture.invite("bo@acme.com", as: .admin, message: "Welcome")
        let invitation = try #require(sent.first)
        #expect(invitation.state(at: testEpoch) == .pending)
        #expect(invitation.expiresAt == testEpoch.adding(hours: 168))
        #expect(invitation.invitedBy == "owner@acme.com")

        let events = try await fixture.ledger.auditEvents(in: fixture.organization.id, since: testEpoch)
        let event = try #require(events.last)
        #expect(event.kind == .invitationSent)
        #expect(event.actor == "owner@acme.com")
        #expect(event.subject == "bo@acme.com")
        #expect(event.details["role"] == "admin")
        #expect(event.details["expires_at"] == "2026-11-28T10:00:00Z")

        let mail = try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]) }
        #expect(mail.map(\.recipient.canonical) == ["bo@acme.com"])
        #expect(mail.first?.content?.contains("Welcome") == true)
        #expect(mail.first?.content?.contains("expires on 2026-11-28 10:00 UTC") == true)
    }

    @Test func storesTheTokenOnlyAsAHash() async throws {
        let store = try SQLiteStore.inMemory()
        let fixture = try await LedgerFixture.make(store: store)
        try await fixture.invite("bo@acme.com")
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let issued = try #require(try await fixture.read { db in try db.token(selector: token.selector) })
        #expect(issued.hash == Digest.sha256Hex(token.text))
        #expect(issued.hash != token.text)
        #expect(!issued.hash.contains(token.text.dropFirst(12)))
    }

    @Test func aBatchOfFiftyOneIsRefusedAndNothingIsWritten() async throws {
        let fixture = try await LedgerFixture.make(seats: 100)
        let before = try await footprint(fixture)
        let list = (1...51).map { "p\($0)@acme.com" }.joined(separator: ",")
        await #expect(throws: LedgerError.batchTooLarge(count: 51, limit: 50)) { try await fixture.invite(list) }
        #expect(try await footprint(fixture) == before)
        // Fifty fit.
        let fifty = (1...50).map { "p\($0)@acme.com" }.joined(separator: ",")
        #expect(try await fixture.invite(fifty).count == 50)
    }

    @Test func aBatchThatDoesNotFitTheSeatsIsRefusedWhole() async throws {
        let fixture = try await LedgerFixture.make(seats: 5)
        try await fixture.invite("a@acme.com,b@acme.com")  // owner + 2 = 3 of 5
        let before = try await footprint(fixture)
        await #expect(throws: LedgerError.seatLimitReached(used: 3, seats: 5, requested: 3)) {
            try await fixture.invite("c@acme.com,d@acme.com,e@acme.com")
        }
        #expect(try await footprint(fixture) == before)
        try await fixture.invite("c@acme.com,d@acme.com")
        do {
            try await fixture.invite("e@acme.com")
            Issue.record("a sixth seat was granted")
        } catch {
            #expect("\(error)" == "seat limit reached: 5 of 5 seats used")
        }
    }

    @Test func aBatchWithOneConflictingAddressWritesNothing() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let before = try await footprint(fixture)
        await #expect(throws: LedgerError.self) { try await fixture.invite("new1@acme.com,BO@acme.com,new2@acme.com") }
        #expect(try await footprint(fixture) == before)
    }

    @Test func theOwnerRoleCannotBeInvited() async throws {
        let fixture = try await LedgerFixture.make()
        await #expect(throws: LedgerError.ownerNotInvitable) { try await fixture.invite("bo@acme.com", as: .owner) }
        #expect(try await footprint(fixture).invitations == 0)
    }

    @Test func aSecondPendingInvitationForTheSameEmailIsRefused() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        await #expect(
            throws: LedgerError.alreadyInvited(
                try EmailAddress("bo@acme.com"), expiresAt: testEpoch.adding(hours: 168), isExpired: false)
        ) {
            try await fixture.invite("Bo@Acme.com", as: .admin, at: testEpoch.adding(hours: 1))
        }
        // Still refused once expired: resend or revoke it instead.
        await #expect(
            throws: LedgerError.alreadyInvited(
                try EmailAddress("bo@acme.com"), expiresAt: testEpoch.adding(hours: 168), isExpired: true)
        ) {
            try await fixture.invite("bo@acme.com", at: testEpoch.adding(hours: 200))
        }
    }

    @Test func invitingAnExistingMemberIsRefusedNamingTheRole() async throws {
        let fixture = try await LedgerFixture.make()
        do {
            try await fixture.invite("owner@acme.com")
            Issue.record("the owner was invited")
        } catch {
            #expect("\(error)" == "owner@acme.com is already a member of this organization (role owner)")
        }
    }

    // MARK: - Expiry

    @Test func aLinkWorksUntilOneSecondBefore168Hours() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let member = try await fixture.ledger.accept(token, name: "Bo", at: testEpoch.adding(hours: 168, seconds: -1))
        #expect(member.role == .member)
    }

    @Test(arguments: [0.0, 1.0])
    func aLinkFailsAt168HoursAndAfter(extraSeconds: Double) async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let token = try await fixture.latestToken(for: "bo@acme.com")
        await #expect(throws: LedgerError.tokenExpired(at: testEpoch.adding(hours: 168))) {
            try await fixture.ledger.accept(token, name: nil, at: testEpoch.adding(hours: 168, seconds: extraSeconds))
        }
        #expect(try await fixture.ledger.members(in: fixture.organization.id).count == 1)
    }

    @Test func validityIsConfigurablePerOrganization() async throws {
        let fixture = try await LedgerFixture.make(validity: .days(3))
        let invitation = try #require(try await fixture.invite("bo@acme.com").first)
        #expect(invitation.expiresAt == testEpoch.adding(hours: 72))
    }

    @Test func expiredInvitationsFreeTheirSeat() async throws {
        let fixture = try await LedgerFixture.make(seats: 2)
        try await fixture.invite("a@acme.com")
        await #expect(throws: LedgerError.self) {
            try await fixture.invite("b@acme.com", at: testEpoch.adding(hours: 1))
        }
        try await fixture.invite("b@acme.com", at: testEpoch.adding(hours: 168))
    }

    // MARK: - Resend

    @Test func resendVoidsTheOldTokenAtOnceAndIssuesAFreshWindow() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let old = try await fixture.latestToken(for: "bo@acme.com")
        let later = testEpoch.adding(hours: 50)
        let resent = try await fixture.ledger.resend(
            to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, mail: fixture.mail, by: "owner@acme.com",
            at: later)
        #expect(resent.resendCount == 1)
        #expect(resent.expiresAt == later.adding(hours: 168))
        await #expect(throws: LedgerError.tokenReplaced(at: later)) {
            try await fixture.ledger.accept(old, name: nil, at: later.adding(seconds: 1))
        }
        let fresh = try await fixture.latestToken(for: "bo@acme.com")
        #expect(fresh != old)
        let member = try await fixture.ledger.accept(fresh, name: nil, at: later.adding(hours: 167))
        #expect(member.email.canonical == "bo@acme.com")
    }

    @Test func resendWorksOnAnExpiredInvitation() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let afterExpiry = testEpoch.adding(hours: 200)
        let resent = try await fixture.ledger.resend(
            to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, mail: fixture.mail, by: "owner@acme.com",
            at: afterExpiry)
        #expect(resent.state(at: afterExpiry) == .pending)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        #expect(try await fixture.ledger.accept(token, name: nil, at: afterExpiry.adding(hours: 1)).role == .member)
    }

    @Test func resendVoidsMailStillQueuedWithTheOldToken() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        _ = try await fixture.ledger.resend(
            to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, mail: fixture.mail, by: "owner@acme.com",
            at: testEpoch.adding(hours: 1))
        let outbox = try await fixture.read { db in try db.outbox(in: nil, statuses: Set(OutboxMessage.Status.allCases))
        }
        #expect(outbox.map(\.status) == [.voided, .pending])
        #expect(outbox[0].content == nil)
        #expect(outbox[1].subject.hasPrefix("Reminder:"))
    }

    // MARK: - Revoke and accept

    @Test func revokeIsImmediateAndPermanent() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let bo = try EmailAddress("bo@acme.com")
        let at = testEpoch.adding(hours: 2)
        _ = try await fixture.ledger.revoke(to: bo, in: fixture.organization.id, by: "owner@acme.com", at: at)
        await #expect(throws: LedgerError.tokenRevoked(at: at)) {
            try await fixture.ledger.accept(token, name: nil, at: at)
        }
        await #expect(throws: LedgerError.noPendingInvitation(bo, latest: .revoked, closedAt: at)) {
            try await fixture.ledger.resend(
                to: bo, in: fixture.organization.id, mail: fixture.mail, by: "o@acme.com", at: at)
        }
        // To bring the person back: a new invitation.
        #expect(try await fixture.invite("bo@acme.com", at: at.adding(seconds: 1)).count == 1)
    }

    @Test func acceptingTwiceFailsSayingTheLinkWasUsed() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com", as: .viewer)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let at = testEpoch.adding(hours: 3)
        let member = try await fixture.ledger.accept(token, name: "Bo", at: at)
        #expect(member.role == .viewer)
        #expect(member.name == "Bo")
        #expect(member.invitedBy == "owner@acme.com")
        await #expect(throws: LedgerError.tokenUsed(at: at)) {
            try await fixture.ledger.accept(token, name: nil, at: at)
        }
    }

    @Test func aTokenWithTheRightSelectorButWrongSecretIsUnknown() async throws {
        let fixture = try await LedgerFixture.make()
        try await fixture.invite("bo@acme.com")
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let forged = try InvitationToken(parsing: token.selector + String(repeating: "A", count: 32))
        await #expect(throws: LedgerError.unknownToken) {
            try await fixture.ledger.accept(forged, name: nil, at: testEpoch)
        }
        var generator = SeededGenerator(seed: 9)
        await #expect(throws: LedgerError.unknownToken) {
            try await fixture.ledger.accept(InvitationToken.generate(using: &generator), name: nil, at: testEpoch)
        }
    }

    @Test func acceptanceCountsTowardSeatsOnceAndIsAudited() async throws {
        let fixture = try await LedgerFixture.make(seats: 3)
        try await fixture.invite("a@acme.com,b@acme.com")
        let token = try await fixture.latestToken(for: "a@acme.com")
        _ = try await fixture.ledger.accept(token, name: nil, at: testEpoch.adding(hours: 1))
        let members = try await fixture.ledger.members(in: fixture.organization.id)
        #expect(members.map(\.email.canonical) == ["a@acme.com", "owner@acme.com"])
        let pending = try await fixture.ledger.invitations(
            in: fixture.organization.id, states: [.pending], at: testEpoch)
        #expect(pending.map(\.email.canonical) == ["b@acme.com"])
        await #expect(throws: LedgerError.seatLimitReached(used: 3, seats: 3, requested: 1)) {
            try await fixture.invite("c@acme.com", at: testEpoch.adding(hours: 2))
        }
        let events = try await fixture.ledger.auditEvents(
            in: fixture.organization.id, since: testEpoch.adding(hours: 1))
        #expect(events.map(\.kind) == [.invitationAccepted, .memberJoined])
        #expect(events[0].details["invited_by"] == "owner@acme.com")
        #expect(events[0].details["joined_at"] == "2026-11-21T11:00:00Z")
    }

    // MARK: - Several organizations

    @Test func oneEmailCanBeAMemberOfTwoOrganizations() async throws {
        let acme = try await LedgerFixture.make(name: "Acme")
        let globex = try await LedgerFixture.make(name: "Globex", store: acme.store)
        try await acme.invite("bo@partner.io")
        try await globex.invite("bo@partner.io", as: .admin)
        let tokens = try await acme.read { db in try db.outbox(in: nil, statuses: [.pending]) }.compactMap {
            $0.content.flatMap(LedgerFixture.token(in:))
        }
        #expect(tokens.count == 2)
        for token in tokens { _ = try await acme.ledger.accept(token, name: nil, at: testEpoch.adding(hours: 1)) }
        let roles = try await [acme, globex].asyncMap { fixture in
            try await fixture.ledger.members(in: fixture.organization.id).first {
                $0.email.canonical == "bo@partner.io"
            }?.role
        }
        #expect(roles == [.member, .admin])
    }

    @Test func organizationNamesAreUniqueIgnoringCase() async throws {
        let acme = try await LedgerFixture.make(name: "Acme")
        await #expect(throws: LedgerError.organizationExists("ACME")) {
            try await acme.ledger.createOrganization(
                Organization.Settings(name: "ACME", seats: 1, inviter: acme.owner), owner: acme.owner, ownerName: nil,
                at: testEpoch)
        }
    }

    @Test func anOrganizationIsFoundByNameOrAsTheOnlyOne() async throws {
        let acme = try await LedgerFixture.make(name: "Acme")
        #expect(try await acme.ledger.organization(named: nil).name == "Acme")
        #expect(try await acme.ledger.organization(named: "acme").name == "Acme")
        await #expect(throws: LedgerError.organizationNotFound("Initech", known: ["Acme"])) {
            try await acme.ledger.organization(named: "Initech")
        }
        _ = try await LedgerFixture.make(name: "Globex", store: acme.store)
        await #expect(throws: LedgerError.ambiguousOrganization(["Acme", "Globex"])) {
            try await acme.ledger.organization(named: nil)
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
