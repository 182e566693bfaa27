/// A change's data in the flat form the plan's JSON layout and its text view show: which role it gives, from
/// and to, which record it acts on, the previous address, the name. Derived from `effect`, never stored.
extension Plan.Change {
    /// The role of a join, invite, resend, adoption, revocation, update or deferral; the new role of a reinvite;
    /// the member's organization role for a grant, ungrant or offer change.
    public var role: Role? {
        switch effect {
        case .adoptMember(_, let role), .adoptInvitation(_, let role), .revoke(_, let role), .join(let role, _),
            .invite(let role, _), .resend(_, let role), .updateEmail(_, _, let role), .updateAnchor(_, let role),
            .updateProfile(_, let role), .updateInvitation(_, let role),
            .grant(_, let role), .ungrant(_, let role), .offer(_, let role, _, _), .resendOffer(_, _, let role),
            .revokeOffer(_, _, let role), .restoreAccess(_, let role), .approve(_, _, let role):
            role
        case .reinvite(_, _, let to, _): to
        case .deferred(let deferral): deferral.role
        case .remove, .downgrade, .changeRole, .removeAccess: nil
        }
    }

    /// The role a member or invitation has before the change.
    public var fromRole: Role? {
        switch effect {
        case .remove(_, let role), .downgrade(_, let role), .changeRole(_, let role, _), .reinvite(_, let role, _, _),
            .removeAccess(_, let role):
            role
        default: nil
        }
    }

    /// The role a member or invitation has after the change.
    public var toRole: Role? {
        switch effect {
        case .downgrade: .viewer
        case .changeRole(_, _, let to), .reinvite(_, _, let to, _): to
        case .offer(_, _, let to, _): to
        default: nil
        }
    }

    /// The member the change acts on.
    public var memberID: Member.ID? {
        switch effect {
        case .adoptMember(let id, _), .remove(let id, _), .downgrade(let id, _), .updateEmail(let id, _, _),
            .updateAnchor(let id, _), .updateProfile(let id, _), .changeRole(let id, _, _), .grant(let id, _),
            .ungrant(let id, _),
            .offer(let id, _, _, _), .resendOffer(_, let id, _), .revokeOffer(_, let id, _), .removeAccess(let id, _),
            .restoreAccess(let id, _):
            id
        case .deferred(let deferral): deferral.member
        default: nil
        }
    }

    /// The invitation the change acts on.
    public var invitationID: Invitation.ID? {
        switch effect {
        case .adoptInvitation(let id, _), .revoke(let id, _), .reinvite(let id, _, _, _), .resend(let id, _),
            .updateInvitation(let id, _), .approve(_, let id, _):
            id
        case .deferred(let deferral): deferral.invitation
        default: nil
        }
    }

    /// The offer the change acts on: the one an offer replaces, or the one resent or revoked.
    public var offerID: Offer.ID? {
        switch effect {
        case .offer(_, _, _, let replacing): replacing
        case .resendOffer(let id, _, _), .revokeOffer(let id, _, _): id
        default: nil
        }
    }

    /// The request for access an `approve` change approves.
    public var requestID: AccessRequest.ID? {
        if case .approve(let id, _, _) = effect { return id }
        return nil
    }

    /// The address before an email change (an update, or a reinvite to the new address).
    public var fromEmail: EmailAddress? {
        switch effect {
        case .updateEmail(_, let from, _): from
        case .reinvite(_, _, _, let previous): previous
        case .deferred(let deferral): deferral.previousEmail
        default: nil
        }
    }

    /// The display name of someone joining or invited.
    public var name: String? {
        switch effect {
        case .join(_, let name), .invite(_, let name): name
        case .deferred(let deferral): deferral.name
        default: nil
        }
    }
}
