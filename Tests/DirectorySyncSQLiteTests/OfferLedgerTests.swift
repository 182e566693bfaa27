import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Offers of new access in the ledger: every state (pending, accepted, declined, expired, revoked), a resend
/// voiding the old link, one pending offer per person, exactly the offered grants activated, and the member's
/// leaving closing the offer.
@Suite struct OfferLedgerTests {
    static let catalog = AccessCatalog(roles: [.init(name: "signer"), .init(name: "editor")], accounts: ["Sales US"])
    static let signer = Grant(role: "signer")
    static let editor = Grant(role: "editor", account: "Sales US")

    /// A fixture with `bo@acme.com` as a managed member.
    private func fixture() async throws -> (LedgerFixture, Member) {
        let fixture = try await LedgerFixture.make()
        let member = try await fixture.store.write { [organization = fixture.organization] db in
            try LedgerTransaction(db: db, organization: organization, now: testEpoch, mail: nil)
                .join(
                    try EmailAddress("bo@acme.com"), name: "Bo", as: .member, origin: .domainAutoJoin,
                    by: "owner@acme.com", isManaged: true)
        }
        return (fixture, member)
    }

    private func offer(
        _ fixture: LedgerFixture, _ grant: Grant, at time: Date = testEpoch, validity: TimeSpan = .days(3)
    ) async throws -> Offer {
        try await fixture.ledger.offer(
            grant, to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, catalog: Self.catalog,
            validity: validity, mail: fixture.mail, by: fixture.owner.canonical, at: time)
    }

    private func held(_ fixture: LedgerFixture, _ member: Member) async throws -> [Grant] {
        try await fixture.read { db in try db.grants(of: member.id).map(\.grant) }
    }

    private func events(_ fixture: LedgerFixture) async throws -> [String] {
        try await fixture.ledger.auditEvents(in: fixture.organization.id, since: nil).map(\.kind.rawValue)
    }

    @Test func anOfferChangesNothingUntilAcceptedAndThenExactlyWhatItOffered() async throws {
        let (fixture, member) = try await fixture()
        let offer = try await offer(fixture, Self.editor)
        #expect(try await held(fixture, member).isEmpty)
        #expect(offer.state(at: testEpoch) == .pending && offer.grants == [Self.editor])
        let mail = try #require(try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]) }.last)
        #expect(mail.subject == "owner@acme.com offers you new access in Acme Corp")
        #expect(mail.content?.contains("editor (account Sales US)") == true)
        #expect(mail.content?.contains("https://app.example.com/accept?token=") == true)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let (accepted, after) = try await fixture.ledger.answerOffer(
            token, accept: true, at: testEpoch.adding(hours: 1))
        #expect(accepted.status == .accepted && after.role == .member)
        #expect(try await held(fixture, member) == [Self.editor])
        let grant = try #require(try await fixture.read { db in try db.grants(of: member.id) }.first)
        #expect(!grant.isManaged, "a grant offered by hand is not managed once accepted")
        #expect(
            try await events(fixture).suffix(3) == [
                "TEAM_ACCESS_OFFERED", "TEAM_ACCESS_ACCEPTED", "TEAM_ACCESS_GRANTED",
            ])
        // A link works once.
        await #expect(throws: OfferError.used(at: testEpoch.adding(hours: 1))) {
            _ = try await fixture.ledger.answerOffer(token, accept: true, at: testEpoch.adding(hours: 2))
        }
    }

    @Test func aDeclinedOfferGrantsNothing() async throws {
        let (fixture, member) = try await fixture()
        _ = try await offer(fixture, Self.signer)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let (declined, _) = try await fixture.ledger.answerOffer(token, accept: false, at: testEpoch.adding(hours: 1))
        #expect(declined.status == .declined)
        #expect(try await held(fixture, member).isEmpty)
        #expect(try await events(fixture).last == "TEAM_ACCESS_DECLINED")
        let listed = try await fixture.ledger.offers(in: fixture.organization.id, states: [.declined], at: testEpoch)
        #expect(listed.map(\.id) == [declined.id])
    }

    @Test func anOfferExpiresAtTheEndOfItsValidity() async throws {
        let (fixture, _) = try await fixture()
        let offer = try await offer(fixture, Self.signer, validity: .days(3))
        let token = try await fixture.latestToken(for: "bo@acme.com")
        #expect(offer.state(at: testEpoch.adding(hours: 72)) == .expired)
        #expect(offer.state(at: testEpoch.adding(hours: 72, seconds: -1)) == .pending)
        await #expect(throws: OfferError.expired(at: testEpoch.adding(hours: 72))) {
            _ = try await fixture.ledger.answerOffer(token, accept: true, at: testEpoch.adding(hours: 72))
        }
        let expired = try await fixture.ledger.offers(
            in: fixture.organization.id, states: [.expired], at: testEpoch.adding(hours: 72))
        #expect(expired.map(\.id) == [offer.id])
    }

    @Test func aResendVoidsTheOldLinkAndTheNewOneWorks() async throws {
        let (fixture, member) = try await fixture()
        _ = try await offer(fixture, Self.signer)
        let old = try await fixture.latestToken(for: "bo@acme.com")
        let later = testEpoch.adding(hours: 80)
        let resent = try await fixture.ledger.resendOffer(
            to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, validity: .days(3), mail: fixture.mail,
            by: fixture.owner.canonical, at: later)
        #expect(resent.resendCount == 1 && resent.state(at: later) == .pending)
        let new = try await fixture.latestToken(for: "bo@acme.com")
        #expect(new != old)
        await #expect(throws: OfferError.replaced(at: later)) {
            _ = try await fixture.ledger.answerOffer(old, accept: true, at: later.adding(hours: 1))
        }
        _ = try await fixture.ledger.answerOffer(new, accept: true, at: later.adding(hours: 1))
        #expect(try await held(fixture, member) == [Self.signer])
        let voided = try await fixture.read { db in try db.outbox(in: nil, statuses: [.voided]) }
        #expect(
            voided.count == 2,
            "each queued mail is voided with its link: the first by the resend, the second on accepting")
    }

    @Test func aRevokedOfferCannotBeAnswered() async throws {
        let (fixture, member) = try await fixture()
        _ = try await offer(fixture, Self.signer)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        let revoked = try await fixture.ledger.revokeOffer(
            to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, by: fixture.owner.canonical,
            at: testEpoch.adding(hours: 1))
        #expect(revoked.status == .revoked)
        await #expect(throws: OfferError.revoked(at: testEpoch.adding(hours: 1))) {
            _ = try await fixture.ledger.answerOffer(token, accept: true, at: testEpoch.adding(hours: 2))
        }
        #expect(try await held(fixture, member).isEmpty)
        await #expect(throws: OfferError.noPendingOffer(try EmailAddress("bo@acme.com"))) {
            _ = try await fixture.ledger.revokeOffer(
                to: try EmailAddress("bo@acme.com"), in: fixture.organization.id, by: fixture.owner.canonical,
                at: testEpoch.adding(hours: 2))
        }
    }

    @Test func aSecondOfferReplacesThePendingOneAndCarriesBothGrants() async throws {
        let (fixture, member) = try await fixture()
        let first = try await offer(fixture, Self.signer)
        let firstToken = try await fixture.latestToken(for: "bo@acme.com")
        let second = try await offer(fixture, Self.editor, at: testEpoch.adding(hours: 1))
        #expect(second.grants == [Self.signer, Self.editor])
        let pending = try await fixture.ledger.offers(in: fixture.organization.id, states: [.pending], at: testEpoch)
        #expect(pending.map(\.id) == [second.id], "one pending offer per person")
        let revoked = try await fixture.ledger.offers(in: fixture.organization.id, states: [.revoked], at: testEpoch)
        #expect(revoked.map(\.id) == [first.id])
        await #expect(throws: OfferError.revoked(at: testEpoch.adding(hours: 1))) {
            _ = try await fixture.ledger.answerOffer(firstToken, accept: true, at: testEpoch.adding(hours: 2))
        }
        _ = try await fixture.ledger.answerOffer(
            try await fixture.latestToken(for: "bo@acme.com"), accept: true, at: testEpoch.adding(hours: 2))
        #expect(try await held(fixture, member) == [Self.signer, Self.editor])
    }

    @Test func aGrantAlreadyHeldIsNotOffered() async throws {
        let (fixture, member) = try await fixture()
        _ = try await fixture.ledger.grant(
            Self.signer, to: member.email, in: fixture.organization.id, catalog: Self.catalog, by: "owner@acme.com",
            at: testEpoch)
        await #expect(throws: AccessError.grantHeld(member.email, Self.signer)) {
            _ = try await offer(fixture, Self.signer)
        }
    }

    @Test func theSchemaRefusesASecondPendingOfferForOneMember() async throws {
        let (fixture, member) = try await fixture()
        _ = try await offer(fixture, Self.signer)
        await #expect(throws: (any Error).self) {
            try await fixture.store.write { [organization = fixture.organization] db in
                _ = try db.insertOffer(
                    Offer.Draft(
                        organization: organization.id, member: member.id, email: member.email, role: nil,
                        sentAt: testEpoch, expiresAt: testEpoch.adding(hours: 1), offeredBy: "x", isManaged: false))
            }
        }
    }

    @Test func aMemberWhoLeavesTakesTheirPendingOfferWithThem() async throws {
        let (fixture, member) = try await fixture()
        _ = try await offer(fixture, Self.signer)
        let token = try await fixture.latestToken(for: "bo@acme.com")
        _ = try await fixture.ledger.removeMember(
            member.email, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch.adding(hours: 1))
        #expect(try await events(fixture).suffix(2) == ["TEAM_ACCESS_OFFER_REVOKED", "TEAM_MEMBER_REMOVED"])
        await #expect(throws: OfferError.revoked(at: testEpoch.adding(hours: 1))) {
            _ = try await fixture.ledger.answerOffer(token, accept: true, at: testEpoch.adding(hours: 2))
        }
    }

    @Test func anAccountAnOfferNamesCannotBeRemoved() async throws {
        let (fixture, _) = try await fixture()
        _ = try await offer(fixture, Self.editor)
        await #expect(throws: AccessError.accountHasGrants("Sales US", count: 1)) {
            try await fixture.ledger.removeAccount(
                "Sales US", in: fixture.organization.id, by: "owner@acme.com", at: testEpoch)
        }
    }

    @Test func aSyncOfferOfAHigherRoleRaisesTheRoleOnAcceptance() async throws {
        let (fixture, member) = try await fixture()
        try await fixture.store.write { [organization = fixture.organization, mail = fixture.mail] db in
            _ = try LedgerTransaction(db: db, organization: organization, now: testEpoch, mail: mail)
                .offer(
                    [Offer.Item(grant: Self.signer, isManaged: true)], role: .admin, to: member, managed: true,
                    by: "owner@acme.com", validity: .days(3))
        }
        let content = try #require(
            try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]) }.last?.content)
        #expect(content.contains("admin (your role in the organization)"))
        let (_, after) = try await fixture.ledger.answerOffer(
            try await fixture.latestToken(for: "bo@acme.com"), accept: true, at: testEpoch.adding(hours: 1))
        #expect(after.role == .admin)
        let grant = try #require(try await fixture.read { db in try db.grants(of: member.id) }.first)
        #expect(grant.isManaged, "a grant the rules offered is managed once accepted")
    }

    @Test func theOfferLinkFollowsTheAcceptLinkOrItsOwnTemplate() throws {
        let from = Mailbox(displayName: nil, address: Build.email("no-reply@acme.com"))
        #expect(
            MailSettings(from: from, acceptURLTemplate: "https://s.example/invitations/accept?token={token}")
                .offerURLTemplate == "https://s.example/offers/accept?token={token}")
        #expect(
            MailSettings(
                from: from, acceptURLTemplate: "https://s.example/a?token={token}",
                offerURLTemplate: "https://s.example/o?t={token}"
            ).offerURLTemplate == "https://s.example/o?t={token}")
    }

    @Test func anOfferMailEscapesWhatItInterpolates() {
        let mail = OfferMail(
            isReminder: false, organization: "<b>Acme</b>", offeredBy: "a&b", role: nil,
            grants: [Grant(role: "signer", account: "\"Sales\"")], link: "https://x/?token=t", expiresAt: testEpoch)
        #expect(mail.html.contains("&lt;b&gt;Acme&lt;/b&gt;") && mail.html.contains("a&amp;b"))
        #expect(mail.html.contains("&quot;Sales&quot;") && !mail.html.contains("<b>Acme"))
    }
}

/// Removing all access (`policy.offboarding: remove_access`, `members remove-access`): the profile stays, every
/// role and grant goes with the pending offer, the seat is freed, and nothing can be given or done until the
/// access is restored.
@Suite struct AccessRemovalLedgerTests {
    @Test func removingAccessKeepsTheProfileAndFreesTheSeat() async throws {
        let fixture = try await LedgerFixture.make(seats: 2)
        let bo = try EmailAddress("bo@acme.com")
        let member = try await fixture.store.write { [organization = fixture.organization] db in
            let rules = LedgerTransaction(db: db, organization: organization, now: testEpoch, mail: nil)
            let member = try rules.join(bo, name: "Bo", as: .admin, origin: .domainAutoJoin, by: "owner@acme.com")
            try rules.grant(
                [Grant(role: "signer"), Grant(role: "editor", account: "Sales US")], to: member, managed: false,
                by: "owner@acme.com", addingAccounts: true)
            return member
        }
        _ = try await fixture.ledger.offer(
            Grant(role: "approver"), to: bo, in: fixture.organization.id,
            catalog: AccessCatalog(roles: [.init(name: "approver")]), validity: .days(3), mail: fixture.mail,
            by: "owner@acme.com", at: testEpoch)
        let removed = try await fixture.ledger.removeAccess(
            of: bo, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch.adding(hours: 1))
        #expect(!removed.hasAccess && removed.name == "Bo")
        #expect(try await fixture.read { db in try db.grants(of: member.id) }.isEmpty)
        #expect(try await fixture.read { db in try db.pendingOffer(of: member.id) } == nil)
        #expect(try await fixture.read { db in try db.memberCount(in: fixture.organization.id) } == 1)
        let kinds = try await fixture.ledger.auditEvents(in: fixture.organization.id, since: nil).map(\.kind)
        #expect(kinds.suffix(3) == [.accessOfferRevoked, .accessRemoved, .memberAccessRemoved])

        // The freed seat can be taken; then there is none left to restore the access with.
        _ = try await fixture.invite("cy@acme.com", at: testEpoch.adding(hours: 2))
        await #expect(throws: LedgerError.seatLimitReached(used: 2, seats: 2, requested: 1)) {
            _ = try await fixture.ledger.restoreAccess(
                of: bo, as: .member, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch.adding(hours: 3))
        }
        // Nothing can be given, and the person cannot act, while the access is removed.
        await #expect(throws: LedgerError.accessRemoved(bo, at: testEpoch.adding(hours: 1))) {
            _ = try await fixture.ledger.changeRole(
                of: bo, to: .admin, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch.adding(hours: 3))
        }
        await #expect(throws: Permissions.Refusal.self) {
            _ = try await fixture.ledger.authorize(bo, to: .manageOrganization, in: fixture.organization.id)
        }
        _ = try await fixture.ledger.revoke(
            to: try EmailAddress("cy@acme.com"), in: fixture.organization.id, by: "owner@acme.com",
            at: testEpoch.adding(hours: 4))
        let restored = try await fixture.ledger.restoreAccess(
            of: bo, as: .member, in: fixture.organization.id, by: "owner@acme.com", at: testEpoch.adding(hours: 5))
        #expect(restored.hasAccess && restored.role == .member)
        #expect(try await fixture.read { db in try db.memberCount(in: fixture.organization.id) } == 2)
    }
}
