import Foundation

/// The account-first flow: an account invitation mails a code; the person requests access with it and a
/// username; an admin (or the directory) approves, which sends the organization invitation, or denies.
extension LedgerTransaction {
    /// What a request for access came to. A wrong code is counted (and the count committed) before the caller
    /// reports it, so it is a result, not an error thrown out of the transaction.
    public enum AccessRequestOutcome: Sendable, Equatable {
        case requested(AccessRequest, notified: [EmailAddress])
        /// The code opens no account invitation for this person (one answer for every reason).
        case refused
    }

    /// Mails `invitation` (an account invitation) a fresh code, valid until it expires.
    func issueCode(for invitation: Invitation) throws {
        guard let mail else { throw LedgerError.mailNotConfigured }
        let code = AccessCode.generate()
        _ = try db.insertAccessCode(code, for: invitation.id, issuedAt: now, expiresAt: invitation.expiresAt)
        let messageID = MailMessage.makeMessageID(domain: mail.from.address.asciiDomain)
        let letter = AccessMail.accountInvitation(
            organization: organization.name, inviter: invitation.invitedBy, code: code, expiresAt: invitation.expiresAt,
            to: invitation.email, from: mail, date: now, messageID: messageID)
        _ = try db.enqueue(
            OutboxMessage.Draft(
                organization: orgID, messageID: messageID, recipient: invitation.email, subject: letter.subject,
                content: letter.rendered(), tokenID: nil, createdAt: now))
    }

    /// A request for access with `code` and the chosen `username` (and names), by the person the account
    /// invitation went to (`email`, when the sign-up knows it, must be that address). The code works once; a
    /// wrong one is counted against the code it names, which locks after `AccessCode.attemptLimit`. The admins
    /// (`notify`, or every owner and admin with access) are mailed; `ACCESS_REQUESTED` is written.
    public func requestAccess(
        code: AccessCode, email: EmailAddress?, username: Username, givenName: String?, familyName: String?,
        validity: TimeSpan, notify: [EmailAddress]?
    ) throws -> AccessRequestOutcome {
        guard var stored = try db.accessCode(selector: code.selector), stored.closedAt == nil, now < stored.expiresAt,
            let invitation = try db.invitation(id: stored.invitation), invitation.organization == orgID,
            invitation.status == .pending, invitation.flow == .accountFirst, !invitation.isExpired(at: now)
        else { return .refused }
        guard code.matches(storedHash: stored.hash), email == nil || email == invitation.email else {
            stored.attempts += 1
            let locked = stored.attempts >= AccessCode.attemptLimit
            if locked {
                stored.closedAt = now
                stored.closure = "locked"
            }
            try db.updateAccessCode(stored)
            try audit(
                .accessCodeRejected, actor: invitation.email.canonical, subject: invitation.email.canonical,
                [
                    "invitation_id": invitation.id.description, "attempts": String(stored.attempts),
                    "locked": locked ? "yes" : "no",
                ])
            return .refused
        }
        if let waiting = try db.accessRequests(in: orgID, statuses: [.pending]).first(where: {
            $0.email == invitation.email && $0.state(at: now) == .pending
        }) {
            throw LedgerError.accessRequestPending(invitation.email, username: waiting.username)
        }
        // The username must be free: held by nobody else, and asked for by no other pending request.
        if let holder = try db.holder(of: username, in: orgID), holder != invitation.email {
            throw LedgerError.usernameTaken(username, by: holder)
        }
        let pending = try db.accessRequests(in: orgID, statuses: [.pending])
        if let other = pending.first(where: {
            $0.username == username && $0.email != invitation.email && $0.state(at: now) == .pending
        }) {
            throw LedgerError.usernameTaken(username, by: other.email)
        }
        // A lapsed request of this person's is closed, so the new one can wait.
        for lapsed in pending where lapsed.email == invitation.email || lapsed.username == username {
            var closed = lapsed
            closed.status = .denied
            closed.closedAt = now
            closed.closedBy = "dirsync"
            closed.reason = "expired"
            try db.updateAccessRequest(closed)
        }
        let request = try db.insertAccessRequest(
            organization: orgID, invitation: invitation.id, email: invitation.email, username: username,
            givenName: Member.directoryName(givenName), familyName: Member.directoryName(familyName), requestedAt: now,
            expiresAt: now.addingTimeInterval(validity.timeInterval))
        try db.closeAccessCodes(of: invitation.id, as: "used", at: now)
        let admins =
            try notify
            ?? db.members(in: orgID).filter { $0.hasAccess && $0.role >= .admin }.map(\.email).sorted {
                $0.canonical < $1.canonical
            }
        if let mail {
            for admin in admins {
                let messageID = MailMessage.makeMessageID(domain: mail.from.address.asciiDomain)
                let notice = AccessMail.requestNotice(
                    organization: organization.name, request: request, to: admin, from: mail, date: now,
                    messageID: messageID)
                _ = try db.enqueue(
                    OutboxMessage.Draft(
                        organization: orgID, messageID: messageID, recipient: admin, subject: notice.subject,
                        content: notice.rendered(), tokenID: nil, createdAt: now))
            }
        }
        try audit(
            .accessRequested, actor: invitation.email.canonical, subject: invitation.email.canonical,
            [
                "invitation_id": invitation.id.description, "username": username.text,
                "request_id": request.id.description, "expires_at": DateText.iso8601(request.expiresAt),
                "notified": admins.map(\.canonical).joined(separator: ", "),
            ])
        return .requested(request, notified: admins)
    }

    /// The pending request for access with `username`; an expired one is refused as such.
    public func pendingRequest(username: Username) throws -> AccessRequest {
        guard
            let request = try db.accessRequests(in: orgID, statuses: [.pending]).first(where: {
                $0.username == username
            })
        else { throw LedgerError.noAccessRequest(username) }
        guard request.state(at: now) == .pending else {
            throw LedgerError.accessRequestExpired(username, on: request.expiresAt)
        }
        return request
    }

    /// Approves `request`: its account invitation is closed (its seat handed on) and the organization
    /// invitation is sent to that username with `role` and `grants`, pre-filled with the names the person gave.
    /// Writes `ACCESS_APPROVED`.
    @discardableResult
    public func approve(
        _ request: AccessRequest, as role: Role, grants: [Grant] = [], by actor: String, isManaged: Bool = false,
        anchor: String? = nil, details: [String: String] = [:]
    ) throws -> Invitation {
        guard let account = try db.invitation(id: request.invitation), account.status == .pending else {
            throw LedgerError.noPendingInvitation(request.email, latest: nil, closedAt: nil)
        }
        let heldASeat = account.isLive(at: now)
        var closed = account
        closed.status = .accepted
        closed.closedAt = now
        try db.updateInvitation(closed)
        try db.closeAccessCodes(of: account.id, as: "used", at: now)
        if heldASeat { try adjustSeats(by: -1) }
        let invitation = try makeInvitation(
            request.email, as: role, grants: grants, message: nil, by: actor, anchor: anchor ?? account.anchor,
            isManaged: isManaged || account.isManaged, addingAccounts: isManaged,
            names: (request.givenName, request.familyName), username: request.username,
            profile: (account.profile, account.profileSynced), complete: account.isComplete, details: details,
            takesASeat: !heldASeat)
        var approved = request
        approved.status = .approved
        approved.closedAt = now
        approved.closedBy = actor
        try db.updateAccessRequest(approved)
        var facts = details
        facts["request_id"] = request.id.description
        facts["username"] = request.username.text
        facts["role"] = role.rawValue
        facts["invitation_id"] = invitation.id.description
        if !grants.isEmpty { facts["grants"] = Set(grants).sorted().map(\.description).joined(separator: ", ") }
        try audit(.accessApproved, actor: actor, subject: request.email.canonical, facts)
        return invitation
    }

    /// Denies `request`: the account invitation is revoked (its code and seat go). Writes `ACCESS_DENIED`.
    public func deny(_ request: AccessRequest, reason: String?, by actor: String, details: [String: String] = [:])
        throws
    {
        var denied = request
        denied.status = .denied
        denied.closedAt = now
        denied.closedBy = actor
        denied.reason = reason
        try db.updateAccessRequest(denied)
        if let account = try db.invitation(id: request.invitation), account.status == .pending {
            try revoke(account, by: actor, details: details)
        }
        var facts = details
        facts["request_id"] = request.id.description
        facts["username"] = request.username.text
        if let reason { facts["reason"] = reason }
        try audit(.accessDenied, actor: actor, subject: request.email.canonical, facts)
    }
}
