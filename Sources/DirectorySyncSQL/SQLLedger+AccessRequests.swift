import DirectorySync
import Foundation

/// Account invitations' codes and requests for access (the account-first flow, migration v13).
extension SQLLedger {
    package func accessCode(selector: String) throws -> AccessCode.Stored? {
        try fetchRow(
            sql: """
                SELECT id, invitation_id, selector, hash, attempts, expires_at, closed_at, closure
                FROM access_codes WHERE selector = ?
                """, arguments: [selector]
        ) { row in
            try AccessCode.Stored(
                id: row[0], invitation: Invitation.ID(rawValue: row[1]), selector: row[2], hash: row[3],
                attempts: row[4], expiresAt: row[5], closedAt: row[6], closure: row[7])
        }
    }

    package func insertAccessCode(_ code: AccessCode, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date)
        throws
        -> AccessCode.Stored
    {
        let id = try insert(
            sql: """
                INSERT INTO access_codes (invitation_id, selector, hash, issued_at, expires_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                invitation.rawValue, code.selector, code.hash, StoredText.date(issuedAt), StoredText.date(expiresAt),
            ])
        return AccessCode.Stored(
            id: id, invitation: invitation, selector: code.selector, hash: code.hash, attempts: 0,
            expiresAt: expiresAt, closedAt: nil, closure: nil)
    }

    package func updateAccessCode(_ code: AccessCode.Stored) throws {
        try execute(
            sql: "UPDATE access_codes SET attempts = ?, closed_at = ?, closure = ? WHERE id = ?",
            arguments: [code.attempts, code.closedAt.map(StoredText.date), code.closure, code.id])
    }

    package func closeAccessCodes(of invitation: Invitation.ID, as closure: String, at now: Date) throws {
        try execute(
            sql: "UPDATE access_codes SET closed_at = ?, closure = ? WHERE invitation_id = ? AND closed_at IS NULL",
            arguments: [StoredText.date(now), closure, invitation.rawValue])
    }

    package func accessRequests(in organization: Organization.ID, statuses: Set<AccessRequest.Status>) throws
        -> [AccessRequest]
    {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        return try fetchEach(
            sql: """
                SELECT \(LedgerColumns.requestColumns) FROM access_requests
                WHERE organization_id = ? AND status IN (\(placeholders(count: wanted.count)))
                ORDER BY id
                """, arguments: SQLArguments([organization.rawValue]) + SQLArguments(wanted)
        ) { row in
            try AccessRequest(
                id: AccessRequest.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
                invitation: Invitation.ID(rawValue: row[2]), email: EmailAddress(storedCanonical: row[3]),
                username: Username(stored: row[4]), givenName: row[5], familyName: row[6],
                status: try Self.value(row[7], AccessRequest.Status.init(rawValue:)), requestedAt: row[8],
                expiresAt: row[9], closedAt: row[10], closedBy: row[11], reason: row[12])
        }
    }

    package func insertAccessRequest(
        organization: Organization.ID, invitation: Invitation.ID, email: EmailAddress, username: Username,
        givenName: String?, familyName: String?, requestedAt: Date, expiresAt: Date
    ) throws -> AccessRequest {
        let id = try insert(
            sql: """
                INSERT INTO access_requests (organization_id, invitation_id, email, username, given_name, family_name,
                    status, requested_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                organization.rawValue, invitation.rawValue, email.canonical, username.text, givenName, familyName,
                StoredText.date(requestedAt), StoredText.date(expiresAt),
            ])
        return AccessRequest(
            id: AccessRequest.ID(rawValue: id), organization: organization, invitation: invitation,
            email: email, username: username, givenName: givenName, familyName: familyName, status: .pending,
            requestedAt: requestedAt, expiresAt: expiresAt)
    }

    package func updateAccessRequest(_ request: AccessRequest) throws {
        try execute(
            sql: "UPDATE access_requests SET status = ?, closed_at = ?, closed_by = ?, reason = ? WHERE id = ?",
            arguments: [
                request.status.rawValue, request.closedAt.map(StoredText.date), request.closedBy, request.reason,
                request.id.rawValue,
            ])
    }
}
