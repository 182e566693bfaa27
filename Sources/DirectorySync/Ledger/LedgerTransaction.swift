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
    /// The store transaction every read and write goes through.
    public let db: any LedgerWriter
    /// The organization the rules apply to, with the settings (seats, inviter, validity) they enforce.
    public let organization: Organization
    /// The moment every change is stamped with, and at which expiry and seat use are judged.
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

    var orgID: Organization.ID { organization.id }

    // MARK: - Checks

    /// Seats taken at `now`: members plus pending invitations whose link still works.
    public func seatsUsed() throws -> Int {
        if let seatsInUse { return seatsInUse }
        let counted = try db.memberCount(in: orgID) + db.livePendingCount(in: orgID, at: now)
        seatsInUse = counted
        return counted
    }

    func adjustSeats(by delta: Int) throws {
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
            if let removed = member.accessRemovedAt { throw LedgerError.accessRemoved(email, at: removed) }
            throw LedgerError.alreadyMember(email, role: member.role)
        }
        if let pending = try db.pendingInvitation(for: email, in: orgID) {
            throw LedgerError.alreadyInvited(email, expiresAt: pending.expiresAt, isExpired: pending.isExpired(at: now))
        }
    }

    /// Throws unless the mail transport can deliver to `email` (see `MailCapabilities`).
    public func requireDeliverable(_ email: EmailAddress) throws {
        if let reason = mail?.capabilities.refusal(of: email) {
            throw LedgerError.undeliverableAddress(email, reason: reason)
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

    /// Writes an audit event for this organization at `now`.
    public func audit(_ kind: AuditEvent.Kind, actor: String, subject: String, _ details: [String: String] = [:]) throws
    {
        try db.append(
            AuditEvent(
                organization: orgID, time: now, kind: kind, actor: actor, subject: subject, details: details,
                osUser: AuditEvent.processUser))
    }

    // MARK: - Mail

    func issueToken(for invitation: Invitation, occasion: InvitationMail.Occasion) throws {
        guard let mail else { throw LedgerError.mailNotConfigured }
        let token = makeToken()
        let issued = try db.insertToken(token, for: invitation.id, issuedAt: now, expiresAt: invitation.expiresAt)
        var letter = InvitationMail(
            occasion: occasion, organization: organization.name, inviter: invitation.invitedBy, role: invitation.role,
            acceptLink: token.link(
                from: mail.acceptURLTemplate,
                prefilling: mail.prefillsNames
                    ? [("first_name", invitation.givenName), ("last_name", invitation.familyName)] : []),
            expiresAt: invitation.expiresAt,
            message: invitation.message)
        letter.grants = try db.grants(of: invitation.id)
        let messageID = MailMessage.makeMessageID(domain: mail.from.address.asciiDomain)
        let rendered = letter.message(to: invitation.email, from: mail, date: now, messageID: messageID).rendered()
        _ = try db.enqueue(
            OutboxMessage.Draft(
                organization: orgID, messageID: messageID, recipient: invitation.email, subject: letter.subject,
                content: rendered, tokenID: issued.id, createdAt: now))
    }
}
