import DirectorySync
import Foundation
import GRDB

/// The reads of the ledger primitives.
extension SQLiteLedger {
    func organizations() throws -> [Organization] {
        try fetchRows(sql: "SELECT * FROM organizations ORDER BY name").map(Self.organization(from:))
    }

    func organization(named name: String) throws -> Organization? {
        try fetchRow(sql: "SELECT * FROM organizations WHERE name = ? COLLATE NOCASE", arguments: [name])
            .map(Self.organization(from:))
    }

    func organization(id: Organization.ID) throws -> Organization? {
        try fetchRow(sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id.rawValue])
            .map(Self.organization(from:))
    }

    func member(_ email: EmailAddress, in organization: Organization.ID) throws -> Member? {
        try fetchRow(
            sql: "SELECT \(Self.memberColumns) FROM members WHERE organization_id = ? AND email = ?",
            arguments: [organization.rawValue, email.canonical]
        ).map(Self.member(from:))
    }

    func members(in organization: Organization.ID) throws -> [Member] {
        try fetchEach(
            sql: "SELECT \(Self.memberColumns) FROM members WHERE organization_id = ? ORDER BY id",
            arguments: [organization.rawValue], Self.member(from:))
    }

    func holder(of username: Username, in organization: Organization.ID) throws -> EmailAddress? {
        try fetchRow(
            sql: """
                SELECT email FROM members WHERE organization_id = ? AND username = ?
                UNION ALL
                SELECT email FROM invitations WHERE organization_id = ? AND username = ? AND status = 'pending'
                LIMIT 1
                """, arguments: [organization.rawValue, username.text, organization.rawValue, username.text]
        ).map { EmailAddress(storedCanonical: $0[0]) }
    }

    func memberCount(in organization: Organization.ID) throws -> Int {
        try fetchInt(
            sql: "SELECT count(*) FROM members WHERE organization_id = ? AND access_removed_at IS NULL",
            arguments: [organization.rawValue]) ?? 0
    }

    func invitation(id: Invitation.ID) throws -> Invitation? {
        try fetchRow(
            sql: "SELECT \(Self.invitationColumns) FROM invitations WHERE id = ?", arguments: [id.rawValue]
        )
        .map(Self.invitation(from:))
    }

    func pendingInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation? {
        try fetchRow(
            sql:
                "SELECT \(Self.invitationColumns) FROM invitations WHERE organization_id = ? AND email = ? AND status = 'pending'",
            arguments: [organization.rawValue, email.canonical]
        ).map(Self.invitation(from:))
    }

    func latestInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation? {
        try fetchRow(
            sql:
                "SELECT \(Self.invitationColumns) FROM invitations WHERE organization_id = ? AND email = ? ORDER BY id DESC LIMIT 1",
            arguments: [organization.rawValue, email.canonical]
        ).map(Self.invitation(from:))
    }

    func invitations(in organization: Organization.ID, statuses: Set<Invitation.Status>) throws -> [Invitation] {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        return try fetchEach(
            sql: """
                SELECT \(Self.invitationColumns) FROM invitations WHERE organization_id = ? AND status IN (\(databaseQuestionMarks(count: wanted.count)))
                ORDER BY id
                """,
            arguments: StatementArguments([organization.rawValue]) + StatementArguments(wanted), Self.invitation(from:))
    }

    func livePendingCount(in organization: Organization.ID, at now: Date) throws -> Int {
        try fetchInt(
            sql: "SELECT count(*) FROM invitations WHERE organization_id = ? AND status = 'pending' AND expires_at > ?",
            arguments: [organization.rawValue, StoredText.date(now)]) ?? 0
    }

    func token(selector: String) throws -> IssuedToken? {
        try fetchRow(sql: "SELECT * FROM invitation_tokens WHERE selector = ?", arguments: [selector])
            .map(Self.token(from:))
    }

    func auditEvents(in organization: Organization.ID, since: Date?) throws -> [AuditEvent] {
        try fetchRows(
            sql: "SELECT * FROM audit_events WHERE organization_id = ? AND time >= ? ORDER BY id",
            arguments: [organization.rawValue, StoredText.date(since ?? Date(timeIntervalSince1970: 0))]
        ).map(Self.auditEvent(from:))
    }

    func outbox(in organization: Organization.ID?, statuses: Set<OutboxMessage.Status>) throws -> [OutboxMessage] {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        var sql = "SELECT * FROM outbox WHERE status IN (\(databaseQuestionMarks(count: wanted.count)))"
        var arguments = StatementArguments(wanted)
        if let organization {
            sql += " AND organization_id = ?"
            arguments += [organization.rawValue]
        }
        return try fetchRows(sql: sql + " ORDER BY id", arguments: arguments).map(Self.outboxMessage(from:))
    }

    func outboxMessage(_ id: OutboxMessage.ID) throws -> OutboxMessage? {
        try fetchRow(sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id.rawValue]).map(
            Self.outboxMessage(from:))
    }

    func member(id: Member.ID) throws -> Member? {
        try fetchRow(sql: "SELECT \(Self.memberColumns) FROM members WHERE id = ?", arguments: [id.rawValue])
            .map(
                Self.member(from:))
    }

    func runs(in organization: Organization.ID, limit: Int) throws -> [SyncRun] {
        try fetchRows(
            sql: "SELECT * FROM runs WHERE organization_id = ? ORDER BY id DESC LIMIT ?",
            arguments: [organization.rawValue, limit]
        ).map(Self.run(from:))
    }

    func lastSuccessfulRun(in organization: Organization.ID) throws -> SyncRun? {
        try fetchRow(
            sql: """
                SELECT * FROM runs WHERE organization_id = ? AND outcome IN ('completed', 'no-changes')
                ORDER BY id DESC LIMIT 1
                """,
            arguments: [organization.rawValue]
        ).map(Self.run(from:))
    }

    func runTotals(in organization: Organization.ID) throws -> (
        outcomes: [SyncRun.Outcome: Int], changes: [String: Int]
    ) {
        var outcomes: [SyncRun.Outcome: Int] = [:]
        for row in try fetchRows(
            sql: "SELECT outcome, count(*) AS n FROM runs WHERE organization_id = ? GROUP BY outcome",
            arguments: [organization.rawValue])
        {
            if let outcome = SyncRun.Outcome(rawValue: row["outcome"]) { outcomes[outcome] = row["n"] }
        }
        var changes: [String: Int] = [:]
        for row in try fetchRows(
            sql: """
                SELECT key, sum(value) AS n FROM runs, json_each(runs.changes)
                WHERE organization_id = ? GROUP BY key
                """,
            arguments: [organization.rawValue])
        {
            changes[row["key"]] = row["n"]
        }
        return (outcomes, changes)
    }

    func lease(in organization: Organization.ID, for purpose: Lease.Purpose) throws -> Lease? {
        try fetchRow(
            sql: "SELECT * FROM \(Self.leaseTable(purpose)) WHERE organization_id = ?",
            arguments: [organization.rawValue]
        )
        .map { row in
            Lease(
                holder: row["holder"], acquiredAt: row["acquired_at"], expiresAt: row["expires_at"],
                nextRunAt: row["next_run_at"])
        }
    }

    func planSigningKey() throws -> [UInt8] {
        guard
            let key = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM store_secrets WHERE name = 'plan-signing'"))
        else { throw StoreError.database("the store has no plan-signing key") }
        return Array(key)
    }

    func notificationState(in organization: Organization.ID) throws -> NotificationState {
        try fetchRow(
            sql: "SELECT * FROM notification_state WHERE organization_id = ?", arguments: [organization.rawValue]
        ).map { row in
            NotificationState(
                problemSince: row["problem_since"], consecutiveProblems: row["consecutive_problems"],
                lastNotifiedAt: row["last_notified_at"])
        } ?? NotificationState()
    }
}
