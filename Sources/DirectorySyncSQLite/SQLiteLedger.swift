import DirectorySync
import Foundation
import GRDB

/// The ledger primitives over one GRDB connection, inside the transaction the store opened.
struct SQLiteLedger: LedgerWriter {
    let db: Database

    // Statements are compiled once per connection and reused: a plan applies thousands of the same few.

    private func fetchRow(sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    private func fetchRows(sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of `sql`, each decoded by `decode` straight from the statement (no `Row` copies): for the
    /// large listings a plan loads.
    private func fetchEach<T>(sql: String, arguments: StatementArguments, _ decode: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() { result.append(try decode(row)) }
        return result
    }

    private func fetchInt(sql: String, arguments: StatementArguments = []) throws -> Int? {
        try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    private func execute(sql: String, arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    // MARK: - Reads

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

    func memberCount(in organization: Organization.ID) throws -> Int {
        try fetchInt(sql: "SELECT count(*) FROM members WHERE organization_id = ?", arguments: [organization.rawValue])
            ?? 0
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

    func lease(in organization: Organization.ID) throws -> Lease? {
        try fetchRow(sql: "SELECT * FROM leases WHERE organization_id = ?", arguments: [organization.rawValue])
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

    // MARK: - Writes

    func claimLease(
        in organization: Organization.ID, holder: String, at now: Date, for duration: TimeSpan,
        replacing deadHolder: String?
    ) throws -> Lease.Claim {
        if let current = try lease(in: organization), current.holder != holder, current.holder != deadHolder,
            current.expiresAt > now
        {
            return .heldElsewhere(current)
        }
        let expiresAt = now.addingTimeInterval(duration.timeInterval)
        try execute(
            sql: """
                INSERT INTO leases (organization_id, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (organization_id) DO UPDATE SET holder = excluded.holder,
                    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, next_run_at = NULL
                """,
            arguments: [organization.rawValue, holder, StoredText.date(now), StoredText.date(expiresAt)])
        return .acquired(Lease(holder: holder, acquiredAt: now, expiresAt: expiresAt))
    }

    func renewLease(
        in organization: Organization.ID, holder: String, at now: Date, for duration: TimeSpan, nextRunAt: Date?
    )
        throws -> Bool
    {
        try execute(
            sql: "UPDATE leases SET expires_at = ?, next_run_at = ? WHERE organization_id = ? AND holder = ?",
            arguments: [
                StoredText.date(now.addingTimeInterval(duration.timeInterval)), nextRunAt.map(StoredText.date),
                organization.rawValue, holder,
            ])
        return db.changesCount == 1
    }

    func releaseLease(in organization: Organization.ID, holder: String) throws {
        try execute(
            sql: "DELETE FROM leases WHERE organization_id = ? AND holder = ?",
            arguments: [organization.rawValue, holder])
    }

    func saveNotificationState(_ state: NotificationState, in organization: Organization.ID) throws {
        try execute(
            sql: """
                INSERT INTO notification_state (organization_id, problem_since, consecutive_problems, last_notified_at)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (organization_id) DO UPDATE SET problem_since = excluded.problem_since,
                    consecutive_problems = excluded.consecutive_problems, last_notified_at = excluded.last_notified_at
                """,
            arguments: [
                organization.rawValue, state.problemSince.map(StoredText.date), state.consecutiveProblems,
                state.lastNotifiedAt.map(StoredText.date),
            ])
    }

    func insertOrganization(_ settings: Organization.Settings, at now: Date) throws -> Organization {
        try execute(
            sql: """
                INSERT INTO organizations (name, seats, inviter, invitation_validity_seconds, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                settings.name, settings.seats, settings.inviter.canonical, settings.invitationValidity.seconds,
                StoredText.date(now),
            ])
        return Organization(id: Organization.ID(rawValue: db.lastInsertedRowID), settings: settings, createdAt: now)
    }

    func updateOrganization(_ organization: Organization) throws {
        try execute(
            sql:
                "UPDATE organizations SET name = ?, seats = ?, inviter = ?, invitation_validity_seconds = ? WHERE id = ?",
            arguments: [
                organization.settings.name, organization.settings.seats, organization.settings.inviter.canonical,
                organization.settings.invitationValidity.seconds, organization.id.rawValue,
            ])
    }

    func insertMember(_ draft: Member.Draft) throws -> Member {
        try execute(
            sql: """
                INSERT INTO members (organization_id, email, name, role, joined_at, invited_by, origin, anchor, managed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.email.canonical, draft.name, draft.role.rawValue,
                StoredText.date(draft.joinedAt),
                draft.invitedBy, draft.origin.rawValue, draft.anchor, draft.isManaged,
            ])
        return Member(
            id: Member.ID(rawValue: db.lastInsertedRowID), organization: draft.organization, email: draft.email,
            name: draft.name, role: draft.role, joinedAt: draft.joinedAt, invitedBy: draft.invitedBy,
            origin: draft.origin, anchor: draft.anchor, isManaged: draft.isManaged)
    }

    func updateMember(_ member: Member) throws {
        try execute(
            sql: "UPDATE members SET email = ?, name = ?, role = ?, anchor = ?, managed = ? WHERE id = ?",
            arguments: [
                member.email.canonical, member.name, member.role.rawValue, member.anchor, member.isManaged,
                member.id.rawValue,
            ])
    }

    func deleteMember(_ id: Member.ID) throws {
        try execute(sql: "DELETE FROM members WHERE id = ?", arguments: [id.rawValue])
    }

    func insertInvitation(_ draft: Invitation.Draft) throws -> Invitation {
        try execute(
            sql: """
                INSERT INTO invitations (organization_id, email, role, status, created_at, sent_at, expires_at,
                    resend_count, invited_by, message, anchor, managed)
                VALUES (?, ?, ?, 'pending', ?, ?, ?, 0, ?, ?, ?, ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.email.canonical, draft.role.rawValue, StoredText.date(draft.sentAt),
                StoredText.date(draft.sentAt), StoredText.date(draft.expiresAt), draft.invitedBy, draft.message,
                draft.anchor, draft.isManaged,
            ])
        return Invitation(
            id: Invitation.ID(rawValue: db.lastInsertedRowID), organization: draft.organization, email: draft.email,
            role: draft.role, status: .pending, createdAt: draft.sentAt, sentAt: draft.sentAt,
            expiresAt: draft.expiresAt, resendCount: 0, invitedBy: draft.invitedBy, message: draft.message,
            anchor: draft.anchor, isManaged: draft.isManaged)
    }

    func updateInvitation(_ invitation: Invitation) throws {
        try execute(
            sql: """
                UPDATE invitations SET status = ?, sent_at = ?, expires_at = ?, resend_count = ?, closed_at = ?,
                    anchor = ?, managed = ?
                WHERE id = ?
                """,
            arguments: [
                invitation.status.rawValue, StoredText.date(invitation.sentAt), StoredText.date(invitation.expiresAt),
                invitation.resendCount, invitation.closedAt.map(StoredText.date), invitation.anchor,
                invitation.isManaged, invitation.id.rawValue,
            ])
    }

    func insertToken(_ token: InvitationToken, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date) throws
        -> IssuedToken
    {
        try execute(
            sql:
                "INSERT INTO invitation_tokens (invitation_id, selector, hash, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                invitation.rawValue, token.selector, token.hash, StoredText.date(issuedAt), StoredText.date(expiresAt),
            ])
        return IssuedToken(
            id: db.lastInsertedRowID, invitation: invitation, selector: token.selector, hash: token.hash,
            issuedAt: issuedAt, expiresAt: expiresAt)
    }

    func closeTokens(of invitation: Invitation.ID, as closure: IssuedToken.Closure, at now: Date) throws {
        try execute(
            sql: "UPDATE invitation_tokens SET closure = ?, closed_at = ? WHERE invitation_id = ? AND closure IS NULL",
            arguments: [closure.rawValue, StoredText.date(now), invitation.rawValue])
    }

    func append(_ event: AuditEvent) throws {
        let details = StoredText.json(event.details)
        try execute(
            sql:
                "INSERT INTO audit_events (organization_id, time, event, actor, subject, details, os_user) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                event.organization.rawValue, StoredText.date(event.time), event.kind.rawValue, event.actor,
                event.subject, details, event.osUser,
            ])
    }

    func enqueue(_ draft: OutboxMessage.Draft) throws -> OutboxMessage {
        try execute(
            sql: """
                INSERT INTO outbox (organization_id, message_id, recipient, subject, content, token_id, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.messageID, draft.recipient.canonical, draft.subject, draft.content,
                draft.tokenID, StoredText.date(draft.createdAt),
            ])
        return OutboxMessage(
            id: OutboxMessage.ID(rawValue: db.lastInsertedRowID), organization: draft.organization,
            messageID: draft.messageID, recipient: draft.recipient, subject: draft.subject, content: draft.content,
            tokenID: draft.tokenID, status: .pending, createdAt: draft.createdAt)
    }

    func voidPendingMail(of invitation: Invitation.ID) throws {
        try execute(
            sql: """
                UPDATE outbox SET status = 'voided', content = NULL
                WHERE status = 'pending'
                  AND token_id IN (SELECT id FROM invitation_tokens WHERE invitation_id = ?)
                """,
            arguments: [invitation.rawValue])
    }

    func updateOutboxMessage(_ message: OutboxMessage) throws {
        try execute(
            sql: """
                UPDATE outbox SET content = ?, status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, sent_at = ?
                WHERE id = ?
                """,
            arguments: [
                message.status == .pending ? message.content : nil, message.status.rawValue, message.attempts,
                message.lastError, message.nextAttemptAt.map(StoredText.date), message.sentAt.map(StoredText.date),
                message.id.rawValue,
            ])
    }

    func insertRun(organization: Organization.ID, trigger: SyncRun.Trigger, at now: Date) throws -> SyncRun {
        try execute(
            sql: "INSERT INTO runs (organization_id, trigger, started_at, outcome) VALUES (?, ?, ?, 'running')",
            arguments: [organization.rawValue, trigger.rawValue, StoredText.date(now)])
        return SyncRun(
            id: SyncRun.ID(rawValue: db.lastInsertedRowID), organization: organization, trigger: trigger, startedAt: now
        )
    }

    func updateRun(_ run: SyncRun) throws {
        let changes = String(decoding: try JSONEncoder.sorted.encode(run.changes), as: UTF8.self)
        try execute(
            sql: """
                UPDATE runs SET finished_at = ?, source_kind = ?, source_fingerprint = ?, source_users = ?, changes = ?,
                    outcome = ?, error = ?
                WHERE id = ?
                """,
            arguments: [
                run.finishedAt.map(StoredText.date), run.sourceKind?.rawValue, run.sourceFingerprint, run.sourceUsers,
                changes,
                run.outcome.rawValue, run.error, run.id.rawValue,
            ])
    }

    func closeRunningRuns(in organization: Organization.ID, as error: String, at now: Date) throws -> [SyncRun] {
        let running = try fetchRows(
            sql: "SELECT * FROM runs WHERE organization_id = ? AND outcome = 'running' ORDER BY id",
            arguments: [organization.rawValue]
        ).map(Self.run(from:))
        guard !running.isEmpty else { return [] }
        try execute(
            sql: """
                UPDATE runs SET outcome = 'failed', error = ?, finished_at = ?
                WHERE organization_id = ? AND outcome = 'running'
                """,
            arguments: [error, StoredText.date(now), organization.rawValue])
        return running.map { run in
            var closed = run
            closed.outcome = .failed
            closed.error = error
            closed.finishedAt = now
            return closed
        }
    }

    // MARK: - Rows

    private static func run(from row: Row) throws -> SyncRun {
        let changes = try JSONDecoder().decode([String: Int].self, from: Data((row["changes"] as String).utf8))
        return SyncRun(
            id: SyncRun.ID(rawValue: row["id"]), organization: Organization.ID(rawValue: row["organization_id"]),
            trigger: try Self.value(row["trigger"], SyncRun.Trigger.init(rawValue:)), startedAt: row["started_at"],
            finishedAt: row["finished_at"],
            sourceKind: (row["source_kind"] as String?).flatMap(SourceKind.init(rawValue:)),
            sourceFingerprint: row["source_fingerprint"], sourceUsers: row["source_users"], changes: changes,
            outcome: try Self.value(row["outcome"], SyncRun.Outcome.init(rawValue:)), error: row["error"])
    }

    private static func organization(from row: Row) throws -> Organization {
        let settings = Organization.Settings(
            storedName: row["name"], seats: row["seats"], inviter: EmailAddress(storedCanonical: row["inviter"]),
            invitationValidity: TimeSpan(seconds: row["invitation_validity_seconds"]))
        return Organization(id: Organization.ID(rawValue: row["id"]), settings: settings, createdAt: row["created_at"])
    }

    /// Columns in a fixed order, decoded by position: plans read every member and invitation.
    static let memberColumns = "id, organization_id, email, name, role, joined_at, invited_by, origin, anchor, managed"

    private static func member(from row: Row) throws -> Member {
        Member(
            id: Member.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
            email: EmailAddress(storedCanonical: row[2]), name: row[3], role: try Self.role(row[4]), joinedAt: row[5],
            invitedBy: row[6], origin: try Self.value(row[7], Member.Origin.init(rawValue:)), anchor: row[8],
            isManaged: row[9])
    }

    static let invitationColumns = """
        id, organization_id, email, role, status, created_at, sent_at, expires_at, resend_count, invited_by, message, \
        anchor, managed, closed_at
        """

    private static func invitation(from row: Row) throws -> Invitation {
        Invitation(
            id: Invitation.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
            email: EmailAddress(storedCanonical: row[2]), role: try Self.role(row[3]),
            status: try Self.value(row[4], Invitation.Status.init(rawValue:)), createdAt: row[5], sentAt: row[6],
            expiresAt: row[7], resendCount: row[8], invitedBy: row[9], message: row[10], anchor: row[11],
            isManaged: row[12], closedAt: row[13])
    }

    private static func token(from row: Row) throws -> IssuedToken {
        IssuedToken(
            id: row["id"], invitation: Invitation.ID(rawValue: row["invitation_id"]), selector: row["selector"],
            hash: row["hash"], issuedAt: row["issued_at"], expiresAt: row["expires_at"],
            closure: (row["closure"] as String?).flatMap(IssuedToken.Closure.init(rawValue:)),
            closedAt: row["closed_at"])
    }

    private static func auditEvent(from row: Row) throws -> AuditEvent {
        let details = try JSONDecoder().decode([String: String].self, from: Data((row["details"] as String).utf8))
        return AuditEvent(
            organization: Organization.ID(rawValue: row["organization_id"]), time: row["time"],
            kind: try Self.value(row["event"], AuditEvent.Kind.init(rawValue:)), actor: row["actor"],
            subject: row["subject"], details: details, osUser: row["os_user"])
    }

    private static func outboxMessage(from row: Row) throws -> OutboxMessage {
        OutboxMessage(
            id: OutboxMessage.ID(rawValue: row["id"]), organization: Organization.ID(rawValue: row["organization_id"]),
            messageID: row["message_id"], recipient: try EmailAddress(row["recipient"] as String),
            subject: row["subject"], content: row["content"], tokenID: row["token_id"],
            status: try Self.value(row["status"], OutboxMessage.Status.init(rawValue:)), attempts: row["attempts"],
            lastError: row["last_error"], createdAt: row["created_at"], nextAttemptAt: row["next_attempt_at"],
            sentAt: row["sent_at"])
    }

    private static func role(_ text: String) throws -> Role { try value(text, Role.init(rawValue:)) }

    private static func value<T>(_ text: String, _ make: (String) -> T?) throws -> T {
        guard let value = make(text) else { throw StoreError.database("unexpected value '\(text)' in the store") }
        return value
    }
}

extension JSONEncoder {
    /// Keys sorted, so stored JSON is stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
