import DirectorySync
import Foundation

/// The reads of the ledger primitives.
extension SQLLedger {
    package func organizations() throws -> [Organization] {
        try fetchEach(sql: "SELECT * FROM organizations ORDER BY lower(name), name", Self.organization(from:))
    }

    package func organization(named name: String) throws -> Organization? {
        try fetchRow(
            sql: "SELECT * FROM organizations WHERE lower(name) = lower(?)", arguments: [name], Self.organization(from:)
        )
    }

    package func organization(id: Organization.ID) throws -> Organization? {
        try fetchRow(
            sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id.rawValue], Self.organization(from:))
    }

    package func member(_ email: EmailAddress, in organization: Organization.ID) throws -> Member? {
        try fetchRow(
            sql: "SELECT \(LedgerColumns.memberColumns) FROM members WHERE organization_id = ? AND email = ?",
            arguments: [organization.rawValue, email.canonical], Self.member(from:))
    }

    package func members(in organization: Organization.ID) throws -> [Member] {
        try fetchEach(
            sql: "SELECT \(LedgerColumns.memberColumns) FROM members WHERE organization_id = ? ORDER BY id",
            arguments: [organization.rawValue], Self.member(from:))
    }

    package func holder(of username: Username, in organization: Organization.ID) throws -> EmailAddress? {
        try fetchRow(
            sql: """
                SELECT email FROM members WHERE organization_id = ? AND username = ?
                UNION ALL
                SELECT email FROM invitations WHERE organization_id = ? AND username = ? AND status = 'pending'
                LIMIT 1
                """, arguments: [organization.rawValue, username.text, organization.rawValue, username.text]
        ) { row in try EmailAddress(storedCanonical: try row[0]) }
    }

    package func memberCount(in organization: Organization.ID) throws -> Int {
        try fetchInt(
            sql: "SELECT count(*) FROM members WHERE organization_id = ? AND access_removed_at IS NULL",
            arguments: [organization.rawValue]) ?? 0
    }

    package func invitation(id: Invitation.ID) throws -> Invitation? {
        try fetchRow(
            sql: "SELECT \(LedgerColumns.invitationColumns) FROM invitations WHERE id = ?", arguments: [id.rawValue],
            Self.invitation(from:))
    }

    package func pendingInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation? {
        try fetchRow(
            sql:
                "SELECT \(LedgerColumns.invitationColumns) FROM invitations WHERE organization_id = ? AND email = ? AND status = 'pending'",
            arguments: [organization.rawValue, email.canonical], Self.invitation(from:))
    }

    package func latestInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation? {
        try fetchRow(
            sql:
                "SELECT \(LedgerColumns.invitationColumns) FROM invitations WHERE organization_id = ? AND email = ? ORDER BY id DESC LIMIT 1",
            arguments: [organization.rawValue, email.canonical], Self.invitation(from:))
    }

    package func invitations(in organization: Organization.ID, statuses: Set<Invitation.Status>) throws -> [Invitation]
    {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        return try fetchEach(
            sql: """
                SELECT \(LedgerColumns.invitationColumns) FROM invitations WHERE organization_id = ? AND status IN (\(placeholders(count: wanted.count)))
                ORDER BY id
                """,
            arguments: SQLArguments([organization.rawValue]) + SQLArguments(wanted), Self.invitation(from:))
    }

    package func livePendingCount(in organization: Organization.ID, at now: Date) throws -> Int {
        try fetchInt(
            sql: "SELECT count(*) FROM invitations WHERE organization_id = ? AND status = 'pending' AND expires_at > ?",
            arguments: [organization.rawValue, StoredText.date(now)]) ?? 0
    }

    package func token(selector: String) throws -> IssuedToken? {
        try fetchRow(
            sql: "SELECT * FROM invitation_tokens WHERE selector = ?", arguments: [selector], Self.token(from:))
    }

    package func auditEvents(in organization: Organization.ID, since: Date?) throws -> [AuditEvent] {
        try fetchEach(
            sql: "SELECT * FROM audit_events WHERE organization_id = ? AND time >= ? ORDER BY id",
            arguments: [organization.rawValue, StoredText.date(since ?? Date(timeIntervalSince1970: 0))],
            Self.auditEvent(from:))
    }

    package func outbox(in organization: Organization.ID?, statuses: Set<OutboxMessage.Status>) throws
        -> [OutboxMessage]
    {
        guard !statuses.isEmpty else { return [] }
        let wanted = statuses.map(\.rawValue)
        var sql = "SELECT * FROM outbox WHERE status IN (\(placeholders(count: wanted.count)))"
        var arguments = SQLArguments(wanted)
        if let organization {
            sql += " AND organization_id = ?"
            arguments += [organization.rawValue]
        }
        return try fetchEach(sql: sql + " ORDER BY id", arguments: arguments, Self.outboxMessage(from:))
    }

    package func outboxMessage(_ id: OutboxMessage.ID) throws -> OutboxMessage? {
        try fetchRow(sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id.rawValue], Self.outboxMessage(from:))
    }

    package func member(id: Member.ID) throws -> Member? {
        try fetchRow(
            sql: "SELECT \(LedgerColumns.memberColumns) FROM members WHERE id = ?", arguments: [id.rawValue],
            Self.member(from:))
    }

    package func runs(in organization: Organization.ID, limit: Int) throws -> [SyncRun] {
        try fetchEach(
            sql: "SELECT * FROM runs WHERE organization_id = ? ORDER BY id DESC LIMIT ?",
            arguments: [organization.rawValue, limit], Self.run(from:))
    }

    package func lastSuccessfulRun(in organization: Organization.ID) throws -> SyncRun? {
        try fetchRow(
            sql: """
                SELECT * FROM runs WHERE organization_id = ? AND outcome IN ('completed', 'no-changes')
                ORDER BY id DESC LIMIT 1
                """,
            arguments: [organization.rawValue], Self.run(from:))
    }

    package func runTotals(in organization: Organization.ID) throws -> (
        outcomes: [SyncRun.Outcome: Int], changes: [String: Int]
    ) {
        var outcomes: [SyncRun.Outcome: Int] = [:]
        var changes: [String: Int] = [:]
        // Summed here rather than with an engine's JSON functions, which SQLite and PostgreSQL spell differently.
        try session.each(
            "SELECT outcome, changes FROM runs WHERE organization_id = ?", [organization.rawValue]
        ) { row in
            if let outcome = SyncRun.Outcome(rawValue: try row[0]) { outcomes[outcome, default: 0] += 1 }
            for (action, count) in try Self.changes(row[1]) { changes[action, default: 0] += count }
        }
        return (outcomes, changes)
    }

    package func lease(in organization: Organization.ID, for purpose: Lease.Purpose) throws -> Lease? {
        try fetchRow(
            sql: "SELECT * FROM \(Self.leaseTable(purpose)) WHERE organization_id = ?",
            arguments: [organization.rawValue]
        ) { row in
            try Lease(
                holder: try row["holder"], acquiredAt: try row["acquired_at"], expiresAt: try row["expires_at"],
                nextRunAt: try row["next_run_at"], fence: try row["fence"])
        }
    }

    package func poolRegistrations() throws -> [PoolRegistration] {
        try fetchEach(sql: "SELECT * FROM pool_organizations ORDER BY next_due_at, organization_id", Self.registration)
    }

    package func poolRegistration(of organization: Organization.ID) throws -> PoolRegistration? {
        try fetchRow(
            sql: "SELECT * FROM pool_organizations WHERE organization_id = ?", arguments: [organization.rawValue],
            Self.registration)
    }

    private static func registration<R: SQLRow>(_ row: R) throws -> PoolRegistration {
        try PoolRegistration(
            organization: Organization.ID(rawValue: row["organization_id"]), configuration: row["configuration"],
            folder: row["folder"], file: row["file"], every: TimeSpan(seconds: row["every_seconds"]),
            registeredAt: row["registered_at"], registeredBy: row["registered_by"], nextDueAt: row["next_due_at"])
    }

    package func planSigningKey() throws -> [UInt8] {
        guard
            let key = try fetchRow(
                sql: "SELECT value FROM store_secrets WHERE name = 'plan-signing'", { row in try row[0] as [UInt8] })
        else { throw StoreError.database("the store has no plan-signing key") }
        return key
    }

    package func notificationState(in organization: Organization.ID) throws -> NotificationState {
        try fetchRow(
            sql: "SELECT * FROM notification_state WHERE organization_id = ?", arguments: [organization.rawValue]
        ) { row in
            try NotificationState(
                problemSince: try row["problem_since"], consecutiveProblems: try row["consecutive_problems"],
                lastNotifiedAt: try row["last_notified_at"])
        } ?? NotificationState()
    }
}
