import Foundation

/// The invitation lifecycle: invite, resend, revoke, adopt and accept, each with its audit event (and its
/// email) in the transaction.
extension LedgerTransaction {
    /// Creates a pending invitation with a fresh token, its audit event and its email, if a seat is free (a
    /// batch checks them once for all its addresses first, for one error naming the whole batch).
    @discardableResult
    public func invite(
        _ email: EmailAddress, as role: Role, grants: [Grant] = [], message: String?, by actor: String,
        anchor: String? = nil, isManaged: Bool = false, addingAccounts: Bool? = nil, givenName: String? = nil,
        familyName: String? = nil, username: Username? = nil, profile: [String: String] = [:],
        profileSynced: [String: String] = [:], complete: Bool = false, flow: Invitation.Flow = .link,
        details: [String: String] = [:]
    ) throws -> Invitation {
        try makeInvitation(
            email, as: role, grants: grants, message: message, by: actor, anchor: anchor, isManaged: isManaged,
            addingAccounts: addingAccounts ?? isManaged, names: (givenName, familyName), username: username,
            profile: (profile, profileSynced), complete: complete, flow: flow,
            details: details, takesASeat: true)
    }

    /// Replaces a pending invitation with one to `email` (the directory's address now) with `role`: the old one
    /// is revoked, and its link stops working. A live invitation hands its seat to its replacement, so this
    /// works even in an organization over its seat limit; an expired one held none, and the replacement needs a
    /// free seat. `fields` are the directory's changes to the pre-filled profile.
    @discardableResult
    public func reinvite(
        _ previous: Invitation, to email: EmailAddress, as role: Role, grants: [Grant] = [], by actor: String,
        anchor: String?, givenName: String? = nil, familyName: String? = nil, fields: [Plan.FieldChange] = [],
        details: [String: String] = [:]
    ) throws -> Invitation {
        let heldASeat = previous.isLive(at: now)
        try revoke(previous, by: actor, details: details)
        return try makeInvitation(
            email, as: role, grants: grants, message: nil, by: actor, anchor: anchor ?? previous.anchor,
            isManaged: true, addingAccounts: true,
            names: (givenName ?? previous.givenName, familyName ?? previous.familyName), username: previous.username,
            profile: (
                Plan.FieldChange.applying(fields, to: previous.profile),
                Plan.FieldChange.recording(fields, in: previous.profileSynced)
            ), complete: previous.isComplete, flow: previous.flow, details: details, takesASeat: !heldASeat)
    }

    /// Accounts the grants name are added when missing if `addingAccounts` (the configuration lists them). An
    /// account invitation (`flow: .accountFirst`) mails a code instead of a link.
    func makeInvitation(
        _ email: EmailAddress, as role: Role, grants: [Grant], message: String?, by actor: String, anchor: String?,
        isManaged: Bool, addingAccounts: Bool, names: (given: String?, family: String?), username: Username?,
        profile: (fields: [String: String], synced: [String: String]) = ([:], [:]), complete: Bool = false,
        flow: Invitation.Flow = .link, details: [String: String], takesASeat: Bool
    ) throws -> Invitation {
        guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
        for grant in grants { try Self.check(grant) }
        try requireInvitable(email)
        try requireDeliverable(email)
        if let message, let problem = InvitationMail.problem(in: message) { throw LedgerError.invalidMessage(problem) }
        if takesASeat { try requireSeats(1) }
        let expiresAt = now.addingTimeInterval(organization.settings.invitationValidity.timeInterval)
        var draft =
            Invitation.Draft(
                organization: orgID, email: email, role: role, sentAt: now, expiresAt: expiresAt, invitedBy: actor,
                message: message, anchor: anchor, isManaged: isManaged, givenName: names.given,
                familyName: names.family, username: try self.username(for: email, wanted: username))
        draft.profile = profile.fields
        draft.profileSynced = profile.synced
        draft.flow = flow
        draft.isComplete = complete
        let invitation = try db.insertInvitation(draft)
        for grant in Set(grants).sorted() {
            try db.insertGrant(
                grant.role, account: try accountID(for: grant, adding: addingAccounts, by: actor), for: invitation.id)
        }
        switch flow {
        case .link: try issueToken(for: invitation, occasion: .invitation)
        case .accountFirst: try issueCode(for: invitation)
        }
        try adjustSeats(by: 1)
        var facts = details
        facts["role"] = role.rawValue
        facts["invitation_id"] = invitation.id.description
        facts["username"] = invitation.username.text
        facts["expires_at"] = DateText.iso8601(expiresAt)
        if message != nil { facts["personal_message"] = "yes" }
        facts["flow"] = flow.rawValue
        if !grants.isEmpty { facts["grants"] = Set(grants).sorted().map(\.description).joined(separator: ", ") }
        try audit(.invitationSent, actor: actor, subject: email.canonical, facts)
        return invitation
    }

    /// Issues a new token with a fresh validity window; the old token stops working at once and
    /// mail still queued with it is voided. Works on expired invitations too, if a seat is free.
    @discardableResult
    public func resend(_ invitation: Invitation, by actor: String, details: [String: String] = [:]) throws -> Invitation
    {
        guard invitation.status == .pending else {
            throw LedgerError.noPendingInvitation(
                invitation.email, latest: invitation.status, closedAt: invitation.closedAt)
        }
        // An expired invitation holds no seat; bringing it back takes one.
        if invitation.isExpired(at: now) {
            try requireSeats(1)
            try adjustSeats(by: 1)
        }
        try db.closeTokens(of: invitation.id, as: .replaced, at: now)
        try db.voidPendingMail(of: invitation.id)
        var updated = invitation
        let previousExpiry = invitation.expiresAt
        updated.sentAt = now
        updated.expiresAt = now.addingTimeInterval(organization.settings.invitationValidity.timeInterval)
        updated.resendCount += 1
        try db.updateInvitation(updated)
        switch updated.flow {
        case .link: try issueToken(for: updated, occasion: .reminder)
        case .accountFirst:
            try db.closeAccessCodes(of: updated.id, as: "replaced", at: now)
            try issueCode(for: updated)
        }
        var facts = details
        facts["role"] = updated.role.rawValue
        facts["invitation_id"] = updated.id.description
        facts["expires_at"] = DateText.iso8601(updated.expiresAt)
        facts["previous_expires_at"] = DateText.iso8601(previousExpiry)
        facts["resend_count"] = String(updated.resendCount)
        try audit(.invitationResent, actor: actor, subject: updated.email.canonical, facts)
        return updated
    }

    /// Revokes a pending invitation: immediate and permanent; its link stops working and queued mail is voided.
    @discardableResult
    public func revoke(_ invitation: Invitation, by actor: String, details: [String: String] = [:]) throws -> Invitation
    {
        guard invitation.status == .pending else {
            throw LedgerError.noPendingInvitation(
                invitation.email, latest: invitation.status, closedAt: invitation.closedAt)
        }
        var updated = invitation
        updated.status = .revoked
        updated.closedAt = now
        try db.updateInvitation(updated)
        try db.closeTokens(of: invitation.id, as: .revoked, at: now)
        try db.closeAccessCodes(of: invitation.id, as: "replaced", at: now)
        try db.voidPendingMail(of: invitation.id)
        if invitation.isLive(at: now) { try adjustSeats(by: -1) }
        var facts = details
        facts["role"] = invitation.role.rawValue
        facts["invitation_id"] = invitation.id.description
        facts["was_expired"] = invitation.isExpired(at: now) ? "yes" : "no"
        try audit(.invitationRevoked, actor: actor, subject: invitation.email.canonical, facts)
        return updated
    }

    /// An invitation sent by hand is managed by dirsync from now on, matched to the directory by `anchor`.
    @discardableResult
    public func adopt(_ invitation: Invitation, anchor: String?, by actor: String, details: [String: String] = [:])
        throws -> Invitation
    {
        guard invitation.status == .pending else {
            throw LedgerError.noPendingInvitation(
                invitation.email, latest: invitation.status, closedAt: invitation.closedAt)
        }
        var adopted = invitation
        adopted.isManaged = true
        adopted.anchor = anchor ?? invitation.anchor
        try db.updateInvitation(adopted)
        var facts = details
        facts["managed"] = "yes"
        try audit(.invitationAdopted, actor: actor, subject: adopted.email.canonical, facts)
        return adopted
    }

    /// Accepts `invitation` with `issued`, the token presented: the invitee becomes a member with the
    /// invitation's role, taking over the seat the invitation held; the token is used up and mail still queued
    /// with it voided. A link works only in the half-open window `[issued, expires)`. Names typed on the accept
    /// page (`givenName`, `familyName`) replace what the invitation pre-filled; nil keeps it.
    public func accept(
        _ invitation: Invitation, with issued: IssuedToken, name: String?, givenName: String? = nil,
        familyName: String? = nil
    ) throws -> Member {
        try issued.checkOpen(at: now)
        guard invitation.status == .pending, invitation.organization == orgID else { throw LedgerError.unknownToken }
        if let existing = try db.member(invitation.email, in: orgID) {
            throw LedgerError.alreadyMember(invitation.email, role: existing.role)
        }
        let givenName = try Member.typedName(givenName) ?? invitation.givenName
        let familyName = try Member.typedName(familyName) ?? invitation.familyName
        var draft =
            Member.Draft(
                organization: orgID, email: invitation.email,
                name: try Member.typedName(name)
                    ?? Member.directoryName([givenName, familyName].compactMap { $0 }.joined(separator: " ")),
                role: invitation.role, joinedAt: now, invitedBy: invitation.invitedBy, origin: .invitation,
                anchor: invitation.anchor, isManaged: invitation.isManaged, username: invitation.username)
        // What the invitation registered of the identity is the member's now.
        draft.identity = Identity(givenName: givenName, familyName: familyName, fields: invitation.profile)
        draft.profileSynced = invitation.profileSynced
        let member = try db.insertMember(draft)
        var accepted = invitation
        accepted.status = .accepted
        accepted.closedAt = now
        try db.updateInvitation(accepted)
        try db.closeTokens(of: invitation.id, as: .used, at: now)
        try db.voidPendingMail(of: invitation.id)
        let facts = [
            "role": invitation.role.rawValue, "invitation_id": invitation.id.description,
            "invited_by": invitation.invitedBy, "joined_at": DateText.iso8601(now),
        ]
        try audit(.invitationAccepted, actor: invitation.email.canonical, subject: invitation.email.canonical, facts)
        try audit(
            .memberJoined, actor: invitation.email.canonical, subject: invitation.email.canonical,
            facts.merging(["via": Member.Origin.invitation.rawValue]) { $1 })
        // The invitation's grants are the member's now, managed when the invitation was.
        try grant(
            try db.grants(of: invitation.id), to: member, managed: invitation.isManaged,
            by: invitation.email.canonical, details: ["via": Member.Origin.invitation.rawValue])
        return member
    }
}
