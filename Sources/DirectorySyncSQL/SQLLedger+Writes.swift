import DirectorySync
import Foundation

/// The writes of the ledger primitives, each inside the transaction the store opened.
extension SQLLedger {
    /// The table of a purpose's leases (a name from this file, never from input).
    package static func leaseTable(_ purpose: Lease.Purpose) -> String {
        switch purpose {
        case .apply: "leases"
        case .delivery: "delivery_leases"
        }
    }

    package func claimLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, at now: Date,
        lasting duration: TimeSpan, replacing deadHolder: String?
    ) throws -> Lease.Claim {
        if let current = try lease(in: organization, for: purpose), current.holder != holder,
            current.holder != deadHolder, current.expiresAt > now
        {
            return .heldElsewhere(current)
        }
        let expiresAt = now.addingTimeInterval(duration.timeInterval)
        // The counter outlives the lease rows (a release deletes its row), so a token is never given twice.
        try execute(
            sql: """
                INSERT INTO lease_fences (organization_id, purpose, last_fence) VALUES (?, ?, 1)
                ON CONFLICT (organization_id, purpose) DO UPDATE SET last_fence = lease_fences.last_fence + 1
                """,
            arguments: [organization.rawValue, purpose.rawValue])
        let fence =
            try fetchRow(
                sql: "SELECT last_fence FROM lease_fences WHERE organization_id = ? AND purpose = ?",
                arguments: [organization.rawValue, purpose.rawValue]
            ) { row in try row[0] as Int64 } ?? 1
        // The row is taken only if, in its latest version, it is still free, expired, ours or the dead holder's:
        // decided in this one statement, so two claims at once cannot both win at any isolation level (the pool's
        // claims run READ COMMITTED, where the check above may have read a version another claim has replaced).
        let table = Self.leaseTable(purpose)
        let taken = try execute(
            sql: """
                INSERT INTO \(table) (organization_id, holder, acquired_at, expires_at, fence) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (organization_id) DO UPDATE SET holder = excluded.holder,
                    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, next_run_at = NULL,
                    fence = excluded.fence
                WHERE \(table).holder = excluded.holder OR \(table).holder = ? OR \(table).expires_at <= ?
                """,
            arguments: [
                organization.rawValue, holder, StoredText.date(now), StoredText.date(expiresAt), fence, deadHolder,
                StoredText.date(now),
            ])
        guard taken == 1 else {
            // Another claim took it since the check (the token this claim drew is never given again, which is
            // all a token promises): its lease as it is now, or, released again meanwhile, a fresh try.
            guard let current = try lease(in: organization, for: purpose) else {
                return try claimLease(
                    in: organization, for: purpose, holder: holder, at: now, lasting: duration, replacing: deadHolder)
            }
            return .heldElsewhere(current)
        }
        return .acquired(Lease(holder: holder, acquiredAt: now, expiresAt: expiresAt, fence: fence))
    }

    package func holdsLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, fence: Int64, at now: Date
    ) throws -> Bool {
        try holdsLease(in: organization, for: purpose, holder: holder, fence: fence, at: now, lock: "")
    }

    package func keepsLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, fence: Int64, at now: Date
    ) throws -> Bool {
        // On PostgreSQL a share lock: a claim's upsert waits for this transaction, and a claim that replaced the
        // row after this transaction's snapshot makes it fail to serialize (and run again, to find the lease lost).
        try holdsLease(
            in: organization, for: purpose, holder: holder, fence: fence, at: now,
            lock: session.locksRows ? "FOR SHARE" : "")
    }

    private func holdsLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, fence: Int64, at now: Date,
        lock: String
    ) throws -> Bool {
        try fetchRow(
            sql: """
                SELECT count(*) FROM (
                    SELECT 1 FROM \(Self.leaseTable(purpose))
                    WHERE organization_id = ? AND holder = ? AND fence = ? AND expires_at > ? \(lock)) held
                """,
            arguments: [organization.rawValue, holder, fence, StoredText.date(now)]
        ) { row in try row[0] as Int64 } == 1
    }

    package func dueOrganizations(at now: Date, limit: Int) throws -> [Organization.ID] {
        let moment = StoredText.date(now)
        return try fetchEach(
            sql: """
                SELECT p.organization_id FROM pool_organizations p
                LEFT JOIN leases l ON l.organization_id = p.organization_id
                WHERE p.next_due_at <= ? AND (l.organization_id IS NULL OR l.expires_at <= ?)
                ORDER BY p.next_due_at, p.organization_id LIMIT ? \(session.locksRows ? "FOR UPDATE OF p SKIP LOCKED" : "")
                """,
            arguments: [moment, moment, max(0, limit)]
        ) { row in Organization.ID(rawValue: try row[0]) }
    }

    package func savePoolRegistration(_ registration: PoolRegistration) throws {
        try execute(
            sql: """
                INSERT INTO pool_organizations (organization_id, configuration, folder, file, every_seconds,
                    registered_at, registered_by, next_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (organization_id) DO UPDATE SET configuration = excluded.configuration,
                    folder = excluded.folder, file = excluded.file, every_seconds = excluded.every_seconds,
                    registered_at = excluded.registered_at, registered_by = excluded.registered_by,
                    next_due_at = excluded.next_due_at
                """,
            arguments: [
                registration.organization.rawValue, registration.configuration, registration.folder, registration.file,
                registration.every.seconds, StoredText.date(registration.registeredAt), registration.registeredBy,
                StoredText.date(registration.nextDueAt),
            ])
    }

    package func deletePoolRegistration(of organization: Organization.ID) throws -> Bool {
        try execute(
            sql: "DELETE FROM pool_organizations WHERE organization_id = ?", arguments: [organization.rawValue]) == 1
    }

    package func setNextDue(of organization: Organization.ID, at due: Date) throws {
        try execute(
            sql: "UPDATE pool_organizations SET next_due_at = ? WHERE organization_id = ?",
            arguments: [StoredText.date(due), organization.rawValue])
    }

    package func renewLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, at now: Date,
        lasting duration: TimeSpan, nextRunAt: Date?
    ) throws -> Bool {
        try execute(
            sql: """
                UPDATE \(Self.leaseTable(purpose)) SET expires_at = ?, next_run_at = ?
                WHERE organization_id = ? AND holder = ?
                """,
            arguments: [
                StoredText.date(now.addingTimeInterval(duration.timeInterval)), nextRunAt.map(StoredText.date),
                organization.rawValue, holder,
            ]) == 1
    }

    package func releaseLease(in organization: Organization.ID, for purpose: Lease.Purpose, holder: String) throws {
        try execute(
            sql: "DELETE FROM \(Self.leaseTable(purpose)) WHERE organization_id = ? AND holder = ?",
            arguments: [organization.rawValue, holder])
    }

    package func saveNotificationState(_ state: NotificationState, in organization: Organization.ID) throws {
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

    package func insertOrganization(_ settings: Organization.Settings, at now: Date) throws -> Organization {
        let id = try insert(
            sql: """
                INSERT INTO organizations (name, seats, inviter, invitation_validity_seconds, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                settings.name, settings.seats, settings.inviter.canonical, settings.invitationValidity.seconds,
                StoredText.date(now),
            ])
        return Organization(id: Organization.ID(rawValue: id), settings: settings, createdAt: now)
    }

    package func updateOrganization(_ organization: Organization) throws {
        try execute(
            sql:
                """
                UPDATE organizations SET name = ?, seats = ?, inviter = ?, invitation_validity_seconds = ?, parent_id = ?
                WHERE id = ?
                """,
            arguments: [
                organization.settings.name, organization.settings.seats, organization.settings.inviter.canonical,
                organization.settings.invitationValidity.seconds, organization.parent?.rawValue,
                organization.id.rawValue,
            ])
    }

    package func insertMember(_ draft: Member.Draft) throws -> Member {
        let id = try insert(
            sql: """
                INSERT INTO members (organization_id, email, name, role, joined_at, invited_by, origin, anchor, managed,
                    username, given_name, family_name, profile, profile_synced)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.email.canonical, draft.name, draft.role.rawValue,
                StoredText.date(draft.joinedAt),
                draft.invitedBy, draft.origin.rawValue, draft.anchor, draft.isManaged, draft.username.text,
                draft.identity.givenName, draft.identity.familyName, StoredText.json(draft.identity.fields),
                StoredText.json(draft.profileSynced),
            ])
        return Member(
            id: Member.ID(rawValue: id), organization: draft.organization, email: draft.email,
            name: draft.name, role: draft.role, joinedAt: draft.joinedAt, invitedBy: draft.invitedBy,
            origin: draft.origin, anchor: draft.anchor, isManaged: draft.isManaged, username: draft.username,
            givenName: draft.identity.givenName, familyName: draft.identity.familyName, profile: draft.identity.fields,
            profileSynced: draft.profileSynced)
    }

    package func updateMember(_ member: Member) throws {
        try execute(
            sql: """
                UPDATE members SET email = ?, name = ?, role = ?, anchor = ?, managed = ?, access_removed_at = ?,
                    given_name = ?, family_name = ?, profile = ?, profile_synced = ?
                WHERE id = ?
                """,
            arguments: [
                member.email.canonical, member.name, member.role.rawValue, member.anchor, member.isManaged,
                member.accessRemovedAt.map(StoredText.date), member.givenName, member.familyName,
                StoredText.json(member.profile), StoredText.json(member.profileSynced), member.id.rawValue,
            ])
    }

    package func deleteMember(_ id: Member.ID) throws {
        try execute(sql: "DELETE FROM members WHERE id = ?", arguments: [id.rawValue])
    }

    package func insertInvitation(_ draft: Invitation.Draft) throws -> Invitation {
        let id = try insert(
            sql: """
                INSERT INTO invitations (organization_id, email, role, status, created_at, sent_at, expires_at,
                    resend_count, invited_by, message, anchor, managed, given_name, family_name, username, profile,
                    complete, profile_synced, flow)
                VALUES (?, ?, ?, 'pending', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.email.canonical, draft.role.rawValue, StoredText.date(draft.sentAt),
                StoredText.date(draft.sentAt), StoredText.date(draft.expiresAt), draft.invitedBy, draft.message,
                draft.anchor, draft.isManaged, draft.givenName, draft.familyName, draft.username.text,
                StoredText.json(draft.profile), draft.isComplete, StoredText.json(draft.profileSynced),
                draft.flow.rawValue,
            ])
        var invitation = Invitation(
            id: Invitation.ID(rawValue: id), organization: draft.organization, email: draft.email,
            role: draft.role, status: .pending, createdAt: draft.sentAt, sentAt: draft.sentAt,
            expiresAt: draft.expiresAt, resendCount: 0, invitedBy: draft.invitedBy, message: draft.message,
            anchor: draft.anchor, isManaged: draft.isManaged, givenName: draft.givenName, familyName: draft.familyName,
            username: draft.username)
        invitation.profile = draft.profile
        invitation.profileSynced = draft.profileSynced
        invitation.flow = draft.flow
        invitation.isComplete = draft.isComplete
        return invitation
    }

    package func updateInvitation(_ invitation: Invitation) throws {
        try execute(
            sql: """
                UPDATE invitations SET status = ?, sent_at = ?, expires_at = ?, resend_count = ?, closed_at = ?,
                    anchor = ?, managed = ?, given_name = ?, family_name = ?, profile = ?, profile_synced = ?
                WHERE id = ?
                """,
            arguments: [
                invitation.status.rawValue, StoredText.date(invitation.sentAt), StoredText.date(invitation.expiresAt),
                invitation.resendCount, invitation.closedAt.map(StoredText.date), invitation.anchor,
                invitation.isManaged, invitation.givenName, invitation.familyName, StoredText.json(invitation.profile),
                StoredText.json(invitation.profileSynced), invitation.id.rawValue,
            ])
    }

    package func insertToken(_ token: InvitationToken, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date)
        throws
        -> IssuedToken
    {
        let id = try insert(
            sql:
                "INSERT INTO invitation_tokens (invitation_id, selector, hash, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                invitation.rawValue, token.selector, token.hash, StoredText.date(issuedAt), StoredText.date(expiresAt),
            ])
        return IssuedToken(
            id: id, holder: .invitation(invitation), selector: token.selector, hash: token.hash,
            issuedAt: issuedAt, expiresAt: expiresAt)
    }

    package func closeTokens(of invitation: Invitation.ID, as closure: IssuedToken.Closure, at now: Date) throws {
        try execute(
            sql: "UPDATE invitation_tokens SET closure = ?, closed_at = ? WHERE invitation_id = ? AND closure IS NULL",
            arguments: [closure.rawValue, StoredText.date(now), invitation.rawValue])
    }

    package func append(_ event: AuditEvent) throws {
        let details = StoredText.json(event.details)
        try execute(
            sql:
                "INSERT INTO audit_events (organization_id, time, event, actor, subject, details, os_user) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                event.organization.rawValue, StoredText.date(event.time), event.kind.rawValue, event.actor,
                event.subject, details, event.osUser,
            ])
    }

    package func enqueue(_ draft: OutboxMessage.Draft) throws -> OutboxMessage {
        let id = try insert(
            sql: """
                INSERT INTO outbox
                    (organization_id, message_id, recipient, subject, content, token_id, offer_token_id, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [
                draft.organization.rawValue, draft.messageID, draft.recipient.canonical, draft.subject, draft.content,
                draft.tokenID, draft.offerTokenID, StoredText.date(draft.createdAt),
            ])
        return OutboxMessage(
            id: OutboxMessage.ID(rawValue: id), organization: draft.organization,
            messageID: draft.messageID, recipient: draft.recipient, subject: draft.subject, content: draft.content,
            tokenID: draft.tokenID, status: .pending, createdAt: draft.createdAt)
    }

    package func voidPendingMail(of invitation: Invitation.ID) throws {
        try execute(
            sql: """
                UPDATE outbox SET status = 'voided', content = NULL
                WHERE status = 'pending'
                  AND token_id IN (SELECT id FROM invitation_tokens WHERE invitation_id = ?)
                """,
            arguments: [invitation.rawValue])
    }

    package func updateOutboxMessage(_ message: OutboxMessage) throws {
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

    package func insertRun(organization: Organization.ID, trigger: SyncRun.Trigger, at now: Date) throws -> SyncRun {
        let id = try insert(
            sql: "INSERT INTO runs (organization_id, trigger, started_at, outcome) VALUES (?, ?, ?, 'running')",
            arguments: [organization.rawValue, trigger.rawValue, StoredText.date(now)])
        return SyncRun(
            id: SyncRun.ID(rawValue: id), organization: organization, trigger: trigger, startedAt: now
        )
    }

    package func updateRun(_ run: SyncRun) throws {
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

    package func closeRunningRuns(in organization: Organization.ID, as error: String, at now: Date) throws -> [SyncRun]
    {
        let running = try fetchEach(
            sql: "SELECT * FROM runs WHERE organization_id = ? AND outcome = 'running' ORDER BY id",
            arguments: [organization.rawValue], Self.run(from:))
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
}
