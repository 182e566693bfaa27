import Foundation

/// What a link in a mail opens, read without changing anything: the page a GET shows before the person acts
/// (mail scanners open links before people do, so looking must never consume a token).
extension Ledger {
    /// An invitation as its accept page shows it.
    public struct OpenedInvitation: Sendable {
        /// The pending invitation the token opens.
        public let invitation: Invitation
        /// The organization inviting.
        public let organization: Organization
        /// The grants the invitee holds on accepting, sorted.
        public let grants: [Grant]
    }

    /// An offer of new access as its page shows it.
    public struct OpenedOffer: Sendable {
        /// The pending offer the token opens.
        public let offer: Offer
        /// The member it was made to.
        public let member: Member
        /// The organization offering.
        public let organization: Organization
    }

    /// The pending invitation `token` would accept at `now`, checked as `accept` checks it (the same errors), in
    /// a read that changes nothing.
    public func openInvitation(_ token: InvitationToken, at now: Date) async throws -> OpenedInvitation {
        try await store.read { db in
            guard let issued = try db.token(selector: token.selector), token.matches(storedHash: issued.hash),
                let id = issued.invitation, let invitation = try db.invitation(id: id),
                let organization = try db.organization(id: invitation.organization)
            else { throw LedgerError.unknownToken }
            try issued.checkOpen(at: now)
            guard invitation.status == .pending else { throw LedgerError.unknownToken }
            if let member = try db.member(invitation.email, in: organization.id) {
                throw LedgerError.alreadyMember(invitation.email, role: member.role)
            }
            return OpenedInvitation(
                invitation: invitation, organization: organization, grants: try db.grants(of: invitation.id).sorted())
        }
    }

    /// The pending offer `token` would answer at `now`, checked as `answerOffer` checks it, in a read that
    /// changes nothing.
    public func openOffer(_ token: InvitationToken, at now: Date) async throws -> OpenedOffer {
        try await store.read { db in
            guard let issued = try db.offerToken(selector: token.selector), token.matches(storedHash: issued.hash),
                let id = issued.offer, let offer = try db.offer(id: id),
                let organization = try db.organization(id: offer.organization)
            else { throw OfferError.unknownToken }
            do throws(LedgerError) { try issued.checkOpen(at: now) } catch { throw OfferError.token(error) }
            guard offer.status == .pending, let memberID = offer.member else { throw OfferError.unknownToken }
            guard let member = try db.member(id: memberID) else { throw OfferError.memberGone(offer.email) }
            return OpenedOffer(offer: offer, member: member, organization: organization)
        }
    }
}
