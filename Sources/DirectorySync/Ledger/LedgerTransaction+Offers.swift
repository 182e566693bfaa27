import Foundation

/// Offers of new access: made, replaced, resent, revoked, accepted and declined, each with its audit event (and
/// its mail) in the transaction. Nothing offered takes effect before the member accepts; what they accept is
/// exactly what was offered.
extension LedgerTransaction {
    /// Offers `member` the grants of `items` (none of which they may hold) and `role` when it is above theirs.
    /// A pending offer is revoked and replaced: a sync's replacement (`managed`) keeps the replaced offer's grants
    /// made by hand, a person's keeps all of them (and its role). Accounts named must exist unless
    /// `addingAccounts`.
    @discardableResult
    public func offer(
        _ items: [Offer.Item], role: Role?, to member: Member, managed: Bool, by actor: String, validity: TimeSpan,
        addingAccounts: Bool = false, details: [String: String] = [:]
    ) throws -> Offer {
        guard role != .owner else { throw LedgerError.ownerNotAssignable }
        try requireAccess(member)
        let held = Set(try grants(of: member).map(\.grant))
        var offered: [Grant: Offer.Item] = [:]
        for item in items {
            try Self.check(item.grant)
            if item.inherits, item.grant.account != nil { throw AccessError.inheritedGrantScoped(item.grant) }
            if held.contains(item.grant) { throw AccessError.grantHeld(member.email, item.grant) }
            offered[item.grant] = item
        }
        var role = role.flatMap { $0 > member.role ? $0 : nil }
        var facts = details
        if let previous = try db.pendingOffer(of: member.id) {
            for item in previous.items where offered[item.grant] == nil && !held.contains(item.grant) {
                if !managed || !item.isManaged { offered[item.grant] = item }
            }
            if !managed, role == nil { role = previous.role.flatMap { $0 > member.role ? $0 : nil } }
            try revokeOffer(previous, by: actor, details: details.merging(["replaced": "yes"]) { $1 })
            facts["replaces"] = previous.id.description
        }
        guard !offered.isEmpty || role != nil else { throw OfferError.nothingToOffer(member.email) }
        let expiresAt = now.addingTimeInterval(validity.timeInterval)
        let stored = try db.insertOffer(
            Offer.Draft(
                organization: orgID, member: member.id, email: member.email, role: role, sentAt: now,
                expiresAt: expiresAt, offeredBy: actor, isManaged: managed))
        let sorted = offered.values.sorted()
        for item in sorted {
            try db.insertGrant(
                item, account: try accountID(for: item.grant, adding: addingAccounts, by: actor), for: stored.id)
        }
        let offer = Offer(
            id: stored.id, organization: orgID, member: member.id, email: member.email, role: role, items: sorted,
            status: .pending, createdAt: now, sentAt: now, expiresAt: expiresAt, resendCount: 0, offeredBy: actor,
            isManaged: managed)
        try issueToken(for: offer, to: member.email, isReminder: false)
        facts["offer_id"] = offer.id.description
        if !offer.grants.isEmpty { facts["grants"] = offer.grants.map(\.description).joined(separator: ", ") }
        facts["role"] = role?.rawValue
        facts["expires_at"] = DateText.iso8601(expiresAt)
        try audit(.accessOffered, actor: actor, subject: member.email.canonical, facts)
        return offer
    }

    /// Sends a pending offer again with a new link and validity window; the old link stops working at once.
    @discardableResult
    public func resendOffer(_ offer: Offer, by actor: String, validity: TimeSpan, details: [String: String] = [:])
        throws -> Offer
    {
        guard offer.status == .pending, let memberID = offer.member, let member = try db.member(id: memberID) else {
            throw OfferError.noPendingOffer(offer.email)
        }
        try db.closeTokens(of: offer.id, as: .replaced, at: now)
        try db.voidPendingMail(of: offer.id)
        var updated = offer
        updated.sentAt = now
        updated.expiresAt = now.addingTimeInterval(validity.timeInterval)
        updated.resendCount += 1
        try db.updateOffer(updated)
        try issueToken(for: updated, to: member.email, isReminder: true)
        var facts = details
        facts["offer_id"] = offer.id.description
        facts["expires_at"] = DateText.iso8601(updated.expiresAt)
        facts["resend_count"] = String(updated.resendCount)
        try audit(.accessOfferResent, actor: actor, subject: member.email.canonical, facts)
        return updated
    }

    /// Withdraws a pending offer: its link stops working and queued mail with it is voided.
    @discardableResult
    public func revokeOffer(_ offer: Offer, by actor: String, details: [String: String] = [:]) throws -> Offer {
        guard offer.status == .pending else { throw OfferError.noPendingOffer(offer.email) }
        var updated = offer
        updated.status = .revoked
        updated.closedAt = now
        try db.updateOffer(updated)
        try db.closeTokens(of: offer.id, as: .revoked, at: now)
        try db.voidPendingMail(of: offer.id)
        var facts = details
        facts["offer_id"] = offer.id.description
        facts["was_expired"] = offer.isExpired(at: now) ? "yes" : "no"
        try audit(.accessOfferRevoked, actor: actor, subject: offer.email.canonical, facts)
        return updated
    }

    /// Answers `offer` with `issued`, the token presented: accepting activates exactly the offered grants (those
    /// the member gained meanwhile by other means are skipped) and the offered role if it is still above theirs;
    /// declining changes nothing but the offer. Either way the token is used up.
    public func answer(_ offer: Offer, with issued: IssuedToken, accept: Bool) throws -> (Offer, Member) {
        do { try issued.checkOpen(at: now) } catch { throw OfferError.token(error) }
        guard offer.status == .pending, offer.organization == orgID, let memberID = offer.member else {
            throw OfferError.unknownToken
        }
        guard var member = try db.member(id: memberID) else { throw OfferError.memberGone(offer.email) }
        var answered = offer
        answered.status = accept ? .accepted : .declined
        answered.closedAt = now
        try db.updateOffer(answered)
        try db.closeTokens(of: offer.id, as: .used, at: now)
        try db.voidPendingMail(of: offer.id)
        let person = member.email.canonical
        try audit(
            accept ? .accessAccepted : .accessDeclined, actor: person, subject: person,
            [
                "offer_id": offer.id.description,
                "grants": offer.grants.isEmpty ? nil : offer.grants.map(\.description).joined(separator: ", "),
                "role": offer.role?.rawValue, "offered_by": offer.offeredBy,
            ].compactMapValues { $0 })
        guard accept else { return (answered, member) }
        let held = Set(try grants(of: member).map(\.grant))
        let fresh = offer.items.filter { !held.contains($0.grant) }
        let facts = ["via": "offer", "offer_id": offer.id.description]
        try grant(fresh.filter(\.isManaged).map(\.grant), to: member, managed: true, by: person, details: facts)
        try grant(
            fresh.filter { !$0.isManaged && !$0.inherits }.map(\.grant), to: member, managed: false, by: person,
            details: facts)
        try grant(
            fresh.filter { !$0.isManaged && $0.inherits }.map(\.grant), to: member, managed: false, by: person,
            inherits: true, details: facts)
        if let role = offer.role, role > member.role, member.role != .owner {
            member = try changeRole(of: member, to: role, by: person, details: facts)
        }
        return (answered, member)
    }

    /// Closes the member's pending offer before the member goes (removal), so no link outlives them.
    func closeOffer(of member: Member, by actor: String, details: [String: String]) throws {
        if let pending = try db.pendingOffer(of: member.id) { try revokeOffer(pending, by: actor, details: details) }
    }

    /// A new token for `offer` and its mail to `recipient`, queued in the outbox.
    func issueToken(for offer: Offer, to recipient: EmailAddress, isReminder: Bool) throws {
        guard let mail else { throw LedgerError.mailNotConfigured }
        let token = makeToken()
        let issued = try db.insertToken(token, for: offer.id, issuedAt: now, expiresAt: offer.expiresAt)
        let letter = OfferMail(
            isReminder: isReminder, organization: organization.name, offeredBy: offer.offeredBy, role: offer.role,
            grants: offer.grants, link: token.link(from: mail.offerURLTemplate), expiresAt: offer.expiresAt)
        let messageID = MailMessage.makeMessageID(domain: mail.from.address.asciiDomain)
        let rendered = letter.message(to: recipient, from: mail, date: now, messageID: messageID).rendered()
        _ = try db.enqueue(
            OutboxMessage.Draft(
                organization: orgID, messageID: messageID, recipient: recipient, subject: letter.subject,
                content: rendered, tokenID: nil, offerTokenID: issued.id, createdAt: now))
    }
}
