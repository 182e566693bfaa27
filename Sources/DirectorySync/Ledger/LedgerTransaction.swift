import Foundation

/// The invitation lifecycle's rules, applied inside one store transaction for one organization.
///
/// Both the CLI's invitation commands and a sync's apply go through these methods, so a rule is
/// enforced the same way whichever path changed the organization. Each change writes its audit
/// event, and each invitation email its outbox message, in the caller's transaction.
///
/// Seat use is counted once per transaction and then kept up to date by the changes made through it, so a
/// batch of changes costs no more seat queries than one.
public final class LedgerTransaction {
    public let db: any LedgerWriter
    public let organization: Organization
    public let now: Date
    let mail: MailSettings?
    let makeToken: @Sendable () -> InvitationToken
    /// Seats in use, once counted.
    private var seatsInUse: Int?

    /// Rules for `organization` at `now`; `mail` is needed only by changes that send mail.
    public init(
        db: any LedgerWriter, organization: Organization, now: Date, mail: MailSettings?,
        makeToken: @escaping @Sendable () -> InvitationToken = InvitationToken.generate
    ) {
        self.db = db
        self.organization = organization
        self.now = now
        self.mail = mail
        self.makeToken = makeToken
    }

    private var orgID: Organization.ID { organization.id }

    // MARK: - Checks

    /// Seats taken at `now`: members plus pending invitations whose link still works.
    public func seatsUsed() throws -> Int {
        if let seatsInUse { return seatsInUse }
        let counted = try db.memberCount(in: orgID) + db.livePendingCount(in: orgID, at: now)
        seatsInUse = counted
        return counted
    }

    private func adjustSeats(by delta: Int) throws {
        seatsInUse = try seatsUsed() + delta
    }

    /// Throws unless `count` more seats are free.
    public func requireSeats(_ count: Int) throws {
        let used = try seatsUsed()
        if used + count > organization.settings.seats {
            throw LedgerError.seatLimitReached(used: used, seats: organization.settings.seats, requested: count)
        }
    }

    /// Throws if `email` is already a member or already has a pending invitation.
    public func requireInvitable(_ email: EmailAddress) throws {
        if let member = try db.member(email, in: orgID) {
            throw LedgerError.alreadyMember(email, role: member.role)
        }
        if let pending = try db.pendingInvitation(for: email, in: orgID) {
            throw LedgerError.alreadyInvited(email, expiresAt: pending.expiresAt, isExpired: pending.isExpired(at: now))
        }
    }

    /// Changes the organization's settings to `settings`: never below the seats in use, never to an inviter who
    /// is not an owner or admin. Writes `ORGANIZATION_SETTINGS_CHANGED` with each change.
    @discardableResult
    public func changeSettings(to settings: Organization.Settings, by actor: String, via: String? = nil) throws
        -> Organization
    {
        let stored = organization.settings
        guard settings != stored else { return organization }
        let inviterRole = settings.inviter == stored.inviter ? nil : try db.member(settings.inviter, in: orgID)?.role
        if let problem = settings.problem(changingFrom: stored, seatsUsed: try seatsUsed(), inviterRole: inviterRole) {
            throw problem
        }
        var updated = organization
        updated.settings = settings
        try db.updateOrganization(updated)
        var details: [String: String] = [:]
        if stored.seats != settings.seats { details["seats"] = "\(stored.seats) -> \(settings.seats)" }
        if stored.inviter != settings.inviter { details["inviter"] = "\(stored.inviter) -> \(settings.inviter)" }
        if stored.invitationValidity != settings.invitationValidity {
            details["invitation_validity"] = "\(stored.invitationValidity) -> \(settings.invitationValidity)"
        }
        if let via { details["via"] = via }
        try audit(.organizationSettingsChanged, actor: actor, subject: organization.name, details)
        return updated
    }

    // MARK: - Invitations

    /// Creates a pending invitation with a fresh token, its audit event and its email.
    /// The caller checks seats (a batch checks them once for all its addresses).
    @discardableResult
    public func invite(
        _ email: EmailAddress, as role: Role, message: String?, by actor: String, anchor: String? = nil,
        isManaged: Bool = false, details: [String: String] = [:]
    ) throws -> Invitation {
        guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
        try requireInvitable(email)
        let expiresAt = now.addingTimeInterval(organization.settings.invitationValidity.timeInterval)
        let invitation = try db.insertInvitation(
            Invitation.Draft(
                organization: orgID, email: email, role: role, sentAt: now, expiresAt: expiresAt, invitedBy: actor,
                message: message, anchor: anchor, isManaged: isManaged))
        try issueToken(for: invitation, occasion: .invitation)
        try adjustSeats(by: 1)
        var facts = details
        facts["role"] = role.rawValue
        facts["invitation_id"] = invitation.id.description
        facts["expires_at"] = DateText.iso8601(expiresAt)
        if message != nil { facts["personal_message"] = "yes" }
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
        try issueToken(for: updated, occasion: .reminder)
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
        try db.voidPendingMail(of: invitation.id)
        if invitation.isLive(at: now) { try adjustSeats(by: -1) }
        var facts = details
        facts["role"] = invitation.role.rawValue
        facts["invitation_id"] = invitation.id.description
        facts["was_expired"] = invitation.isExpired(at: now) ? "yes" : "no"
        try audit(.invitationRevoked, actor: actor, subject: invitation.email.canonical, facts)
        return updated
    }

    // MARK: - Members

    /// Adds a member directly (the organization's founder, or a domain auto-join).
    @discardableResult
    public func join(
        _ email: EmailAddress, name: String?, as role: Role, origin: Member.Origin, by actor: String,
        anchor: String? = nil, isManaged: Bool = false, details: [String: String] = [:]
    ) throws -> Member {
        if let existing = try db.member(email, in: orgID) {
            throw LedgerError.alreadyMember(email, role: existing.role)
        }
        let member = try db.insertMember(
            Member.Draft(
                organization: orgID, email: email, name: Member.directoryName(name), role: role, joinedAt: now,
                invitedBy: nil,
                origin: origin,
                anchor: anchor, isManaged: isManaged))
        try adjustSeats(by: 1)
        var facts = details
        facts["role"] = role.rawValue
        facts["via"] = origin.rawValue
        facts["joined_at"] = DateText.iso8601(now)
        try audit(.memberJoined, actor: actor, subject: email.canonical, facts)
        return member
    }

    /// Changes a member's role. Owners are never changed, and nobody becomes owner this way.
    @discardableResult
    public func changeRole(of member: Member, to role: Role, by actor: String, details: [String: String] = [:]) throws
        -> Member
    {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        guard role != .owner else { throw LedgerError.ownerNotAssignable }
        var updated = member
        updated.role = role
        try db.updateMember(updated)
        var facts = details
        facts["from_role"] = member.role.rawValue
        facts["to_role"] = role.rawValue
        try audit(.memberRoleChanged, actor: actor, subject: member.email.canonical, facts)
        return updated
    }

    /// Removes a member. Owners are never removed.
    public func remove(_ member: Member, by actor: String, details: [String: String] = [:]) throws {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        try db.deleteMember(member.id)
        try adjustSeats(by: -1)
        var facts = details
        facts["role"] = member.role.rawValue
        try audit(.memberRemoved, actor: actor, subject: member.email.canonical, facts)
    }

    /// Writes an audit event for this organization at `now`.
    public func audit(_ kind: AuditEvent.Kind, actor: String, subject: String, _ details: [String: String] = [:]) throws
    {
        try db.append(
            AuditEvent(
                organization: orgID, time: now, kind: kind, actor: actor, subject: subject, details: details,
                osUser: AuditEvent.processUser))
    }

    // MARK: - Private

    private func issueToken(for invitation: Invitation, occasion: InvitationMail.Occasion) throws {
        guard let mail else { throw LedgerError.mailNotConfigured }
        let token = makeToken()
        let issued = try db.insertToken(token, for: invitation.id, issuedAt: now, expiresAt: invitation.expiresAt)
        let letter = InvitationMail(
            occasion: occasion, organization: organization.name, inviter: invitation.invitedBy, role: invitation.role,
            acceptLink: token.link(from: mail.acceptURLTemplate), expiresAt: invitation.expiresAt,
            message: invitation.message)
        let messageID = MailMessage.makeMessageID(domain: mail.from.address.domain)
        let rendered = letter.message(to: invitation.email, from: mail, date: now, messageID: messageID).rendered()
        _ = try db.enqueue(
            OutboxMessage.Draft(
                organization: orgID, messageID: messageID, recipient: invitation.email, subject: letter.subject,
                content: rendered, tokenID: issued.id, createdAt: now))
    }
}
