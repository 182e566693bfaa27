import DirectorySync
import Foundation

/// Offers of new access, their grants and their tokens (migration v9).
extension SQLLedger {
    /// Offers from rows of `offerColumns`, each with its grants (read in one more query for all of them).
    private func offers(sql: String, arguments: SQLArguments) throws -> [Offer] {
        let offers = try fetchEach(sql: sql, arguments: arguments) { row in
            try Offer(
                id: Offer.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
                member: (row[2] as Int64?).map(Member.ID.init(rawValue:)),
                email: EmailAddress(storedCanonical: row[3]), role: try (row[4] as String?).map(Self.role),
                items: [], status: try Self.value(row[5], Offer.Status.init(rawValue:)),
                createdAt: row[6], sentAt: row[7], expiresAt: row[8], resendCount: row[9], offeredBy: row[10],
                isManaged: row[11], closedAt: row[12])
        }
        guard !offers.isEmpty else { return [] }
        let ids = offers.map(\.id.rawValue)
        var items: [Int64: [Offer.Item]] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
            let found = try fetchEach(
                sql: """
                    SELECT g.offer_id, g.role, a.name, g.managed, g.inherit FROM offer_grants g
                    LEFT JOIN accounts a ON a.id = g.account_id
                    WHERE g.offer_id IN (\(placeholders(count: part.count)))
                    """, arguments: SQLArguments(part)
            ) { row -> (Int64, Offer.Item) in
                try (
                    row[0], Offer.Item(grant: Grant(role: row[1], account: row[2]), isManaged: row[3], inherits: row[4])
                )
            }
            for (offer, item) in found { items[offer, default: []].append(item) }
        }
        return offers.map { offer in offer.with(items: items[offer.id.rawValue] ?? []) }
    }

    package func offer(id: Offer.ID) throws -> Offer? {
        try offers(sql: "SELECT \(LedgerColumns.offerColumns) FROM offers o WHERE o.id = ?", arguments: [id.rawValue])
            .first
    }

    package func pendingOffer(of member: Member.ID) throws -> Offer? {
        try offers(
            sql: "SELECT \(LedgerColumns.offerColumns) FROM offers o WHERE o.member_id = ? AND o.status = 'pending'",
            arguments: [member.rawValue]
        ).first
    }

    package func offers(in organization: Organization.ID, statuses: Set<Offer.Status>) throws -> [Offer] {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        return try offers(
            sql: """
                SELECT \(LedgerColumns.offerColumns) FROM offers o
                WHERE o.organization_id = ? AND o.status IN (\(placeholders(count: wanted.count)))
                ORDER BY o.id
                """, arguments: SQLArguments([organization.rawValue]) + SQLArguments(wanted))
    }

    package func latestOffers(in organization: Organization.ID) throws -> [Offer] {
        try offers(
            sql: """
                SELECT \(LedgerColumns.offerColumns) FROM offers o
                WHERE o.organization_id = ? AND o.member_id IS NOT NULL
                  AND o.id = (SELECT max(id) FROM offers WHERE member_id = o.member_id)
                ORDER BY o.id
                """, arguments: [organization.rawValue])
    }

    package func offerToken(selector: String) throws -> IssuedToken? {
        try fetchRow(sql: "SELECT * FROM offer_tokens WHERE selector = ?", arguments: [selector], Self.token(from:))
    }

    package func insertOffer(_ draft: Offer.Draft) throws -> Offer {
        let id = try insert(
            sql: """
                INSERT INTO offers (organization_id, member_id, email, role, status, created_at, sent_at, expires_at,
                    offered_by, managed)
                VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.member.rawValue, draft.email.canonical, draft.role?.rawValue,
                StoredText.date(draft.sentAt), StoredText.date(draft.sentAt), StoredText.date(draft.expiresAt),
                draft.offeredBy, draft.isManaged,
            ])
        return Offer(
            id: Offer.ID(rawValue: id), organization: draft.organization, member: draft.member,
            email: draft.email, role: draft.role, items: [], status: .pending, createdAt: draft.sentAt,
            sentAt: draft.sentAt, expiresAt: draft.expiresAt, resendCount: 0, offeredBy: draft.offeredBy,
            isManaged: draft.isManaged)
    }

    package func insertGrant(_ item: Offer.Item, account: Account.ID?, for offer: Offer.ID) throws {
        try execute(
            sql: "INSERT INTO offer_grants (offer_id, role, account_id, managed, inherit) VALUES (?, ?, ?, ?, ?)",
            arguments: [offer.rawValue, item.grant.role, account?.rawValue, item.isManaged, item.inherits])
    }

    package func updateOffer(_ offer: Offer) throws {
        try execute(
            sql: """
                UPDATE offers SET status = ?, sent_at = ?, expires_at = ?, resend_count = ?, closed_at = ?
                WHERE id = ?
                """,
            arguments: [
                offer.status.rawValue, StoredText.date(offer.sentAt), StoredText.date(offer.expiresAt),
                offer.resendCount, offer.closedAt.map(StoredText.date), offer.id.rawValue,
            ])
    }

    package func insertToken(_ token: InvitationToken, for offer: Offer.ID, issuedAt: Date, expiresAt: Date) throws
        -> IssuedToken
    {
        let id = try insert(
            sql: "INSERT INTO offer_tokens (offer_id, selector, hash, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                offer.rawValue, token.selector, token.hash, StoredText.date(issuedAt), StoredText.date(expiresAt),
            ])
        return IssuedToken(
            id: id, holder: .offer(offer), selector: token.selector, hash: token.hash,
            issuedAt: issuedAt, expiresAt: expiresAt)
    }

    package func closeTokens(of offer: Offer.ID, as closure: IssuedToken.Closure, at now: Date) throws {
        try execute(
            sql: "UPDATE offer_tokens SET closure = ?, closed_at = ? WHERE offer_id = ? AND closure IS NULL",
            arguments: [closure.rawValue, StoredText.date(now), offer.rawValue])
    }

    package func voidPendingMail(of offer: Offer.ID) throws {
        try execute(
            sql: """
                UPDATE outbox SET status = 'voided', content = NULL
                WHERE status = 'pending'
                  AND offer_token_id IN (SELECT id FROM offer_tokens WHERE offer_id = ?)
                """,
            arguments: [offer.rawValue])
    }
}

extension Offer {
    /// The same offer with `items`: offers are read first, their grants after.
    fileprivate func with(items: [Item]) -> Offer {
        Offer(
            id: id, organization: organization, member: member, email: email, role: role, items: items,
            status: status, createdAt: createdAt, sentAt: sentAt, expiresAt: expiresAt, resendCount: resendCount,
            offeredBy: offeredBy, isManaged: isManaged, closedAt: closedAt)
    }
}
