import Foundation

/// Offers by hand (`dirsync grants add` under `policy.new_access: offer`, `dirsync offers`), each in one
/// transaction with its audit event and mail.
extension Ledger {
    /// Offers the member `email` `grant` (not managed: a sync never takes it away once accepted). A pending
    /// offer is replaced by one carrying its grants and this one.
    public func offer(
        _ grant: Grant, to email: EmailAddress, in organization: Organization.ID, catalog: AccessCatalog,
        inherits: Bool = false, validity: TimeSpan, mail: MailSettings, by actor: String, at now: Date
    ) async throws -> Offer {
        try Self.check(grant, in: catalog)
        let makeToken = self.makeTokenFunction
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            return try rules.offer(
                [Offer.Item(grant: grant, isManaged: false, inherits: inherits)], role: nil, to: member, managed: false,
                by: actor,
                validity: validity, addingAccounts: grant.account.flatMap(catalog.account(named:)) != nil,
                details: ["via": "cli"])
        }
    }

    /// The organization's offers whose state at `now` is one of `states`, oldest first.
    public func offers(in organization: Organization.ID, states: Set<Offer.State>, at now: Date) async throws
        -> [Offer]
    {
        var statuses = Set<Offer.Status>()
        if states.contains(.pending) || states.contains(.expired) { statuses.insert(.pending) }
        for (state, status) in [
            (Offer.State.accepted, Offer.Status.accepted), (.declined, .declined), (.revoked, .revoked),
        ]
        where states.contains(state) {
            statuses.insert(status)
        }
        let rows = try await store.read { [statuses] db in try db.offers(in: organization, statuses: statuses) }
        return rows.filter { states.contains($0.state(at: now)) }
    }

    /// Resends the pending offer of the member `email` with a new link and validity window.
    public func resendOffer(
        to email: EmailAddress, in organization: Organization.ID, validity: TimeSpan, mail: MailSettings,
        by actor: String, at now: Date
    ) async throws -> Offer {
        let makeToken = self.makeTokenFunction
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            return try rules.resendOffer(
                try Self.pendingOffer(email, db, organization), by: actor, validity: validity, details: ["via": "cli"])
        }
    }

    /// Withdraws the pending offer of the member `email`.
    public func revokeOffer(to email: EmailAddress, in organization: Organization.ID, by actor: String, at now: Date)
        async throws -> Offer
    {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            return try rules.revokeOffer(
                try Self.pendingOffer(email, db, organization), by: actor, details: ["via": "cli"])
        }
    }

    /// Accepts (or declines) the offer `token` opens, as the member it was made to. A revoked, expired, replaced
    /// or used token fails with its own error.
    public func answerOffer(_ token: InvitationToken, accept: Bool, at now: Date) async throws -> (Offer, Member) {
        try await store.write { db in
            guard let issued = try db.offerToken(selector: token.selector), token.matches(storedHash: issued.hash),
                let id = issued.offer, let offer = try db.offer(id: id),
                let organization = try db.organization(id: offer.organization)
            else {
                if let issued = try db.token(selector: token.selector), token.matches(storedHash: issued.hash) {
                    throw OfferError.invitationToken
                }
                throw OfferError.unknownToken
            }
            return try LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
                .answer(offer, with: issued, accept: accept)
        }
    }

    private static func pendingOffer(_ email: EmailAddress, _ db: any LedgerWriter, _ organization: Organization.ID)
        throws -> Offer
    {
        guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
        guard let pending = try db.pendingOffer(of: member.id) else { throw OfferError.noPendingOffer(email) }
        return pending
    }
}
