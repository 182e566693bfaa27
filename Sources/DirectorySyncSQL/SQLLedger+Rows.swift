import DirectorySync
import Foundation

/// Rows decoded into the ledger's values.
extension SQLLedger {
    package static func run<R: SQLRow>(from row: R) throws -> SyncRun {
        let changes = try Self.changes(row["changes"])
        return try SyncRun(
            id: SyncRun.ID(rawValue: row["id"]), organization: Organization.ID(rawValue: row["organization_id"]),
            trigger: try Self.value(row["trigger"], SyncRun.Trigger.init(rawValue:)), startedAt: row["started_at"],
            finishedAt: row["finished_at"],
            sourceKind: (row["source_kind"] as String?).flatMap(SourceKind.init(rawValue:)),
            sourceFingerprint: row["source_fingerprint"], sourceUsers: row["source_users"], changes: changes,
            outcome: try Self.value(row["outcome"], SyncRun.Outcome.init(rawValue:)), error: row["error"])
    }

    /// A run's changes per action, as `updateRun` stores them.
    package static func changes(_ text: String) throws -> [String: Int] {
        try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
    }

    package static func organization<R: SQLRow>(from row: R) throws -> Organization {
        let settings = try Organization.Settings(
            storedName: row["name"], seats: row["seats"], inviter: EmailAddress(storedCanonical: row["inviter"]),
            invitationValidity: TimeSpan(seconds: row["invitation_validity_seconds"]))
        return try Organization(
            id: Organization.ID(rawValue: row["id"]), settings: settings, createdAt: row["created_at"],
            parent: (row["parent_id"] as Int64?).map(Organization.ID.init(rawValue:)))
    }

    package static func member<R: SQLRow>(from row: R) throws -> Member {
        let (profile, synced) = try profiles(row[14], row[15])
        return try Member(
            id: Member.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
            email: EmailAddress(storedCanonical: row[2]), name: row[3], role: try Self.role(row[4]), joinedAt: row[5],
            invitedBy: row[6], origin: try Self.value(row[7], Member.Origin.init(rawValue:)), anchor: row[8],
            isManaged: row[9], accessRemovedAt: row[10], username: (row[11] as String?).map(Username.init(stored:)),
            givenName: row[12], familyName: row[13], profile: profile, profileSynced: synced)
    }

    package static func invitation<R: SQLRow>(from row: R) throws -> Invitation {
        var invitation = try Invitation(
            id: Invitation.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]),
            email: EmailAddress(storedCanonical: row[2]), role: try Self.role(row[3]),
            status: try Self.value(row[4], Invitation.Status.init(rawValue:)), createdAt: row[5], sentAt: row[6],
            expiresAt: row[7], resendCount: row[8], invitedBy: row[9], message: row[10], anchor: row[11],
            isManaged: row[12], closedAt: row[13], givenName: row[14], familyName: row[15],
            username: (row[16] as String?).map(Username.init(stored:)))
        (invitation.profile, invitation.profileSynced) = try profiles(row[17], row[19])
        invitation.isComplete = try row[18]
        invitation.flow = try Self.value(row[20], Invitation.Flow.init(rawValue:))
        return invitation
    }

    /// A stored profile (a JSON object of strings); anything else reads as empty. What `StoredText.json`
    /// wrote is read by `StoredText.flatObject` (`JSONParser`); anything else, such as a hand-edited row, by
    /// `JSONDecoder`.
    /// A record's profile and the values a sync last gave it. After a sync they are usually the same text: then
    /// it is read once and both share one dictionary (a million records hold half as many).
    package static func profiles(_ profile: String?, _ synced: String?) -> ([String: String], [String: String]) {
        let held = Self.profile(profile)
        return (held, profile == synced ? held : Self.profile(synced))
    }

    package static func profile(_ text: String?) -> [String: String] {
        guard let text, text != "{}" else { return [:] }
        if let read = StoredText.flatObject(text) { return read }
        guard let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    package static func token<R: SQLRow>(from row: R) throws -> IssuedToken {
        try IssuedToken(
            id: row["id"],
            holder: row.hasColumn("offer_id")
                ? .offer(Offer.ID(rawValue: row["offer_id"]))
                : .invitation(Invitation.ID(rawValue: row["invitation_id"])),
            selector: row["selector"],
            hash: row["hash"], issuedAt: row["issued_at"], expiresAt: row["expires_at"],
            closure: (row["closure"] as String?).flatMap(IssuedToken.Closure.init(rawValue:)),
            closedAt: row["closed_at"])
    }

    package static func auditEvent<R: SQLRow>(from row: R) throws -> AuditEvent {
        let details = try JSONDecoder().decode([String: String].self, from: Data((row["details"] as String).utf8))
        return try AuditEvent(
            organization: Organization.ID(rawValue: row["organization_id"]), time: row["time"],
            kind: try Self.value(row["event"], AuditEvent.Kind.init(rawValue:)), actor: row["actor"],
            subject: row["subject"], details: details, osUser: row["os_user"])
    }

    package static func outboxMessage<R: SQLRow>(from row: R) throws -> OutboxMessage {
        try OutboxMessage(
            id: OutboxMessage.ID(rawValue: row["id"]), organization: Organization.ID(rawValue: row["organization_id"]),
            messageID: row["message_id"], recipient: try EmailAddress(row["recipient"] as String),
            subject: row["subject"], content: row["content"], tokenID: row["token_id"],
            status: try Self.value(row["status"], OutboxMessage.Status.init(rawValue:)), attempts: row["attempts"],
            lastError: row["last_error"], createdAt: row["created_at"], nextAttemptAt: row["next_attempt_at"],
            sentAt: row["sent_at"])
    }

    package static func role(_ text: String) throws -> Role { try value(text, Role.init(rawValue:)) }

    package static func value<T>(_ text: String, _ make: (String) -> T?) throws -> T {
        guard let value = make(text) else { throw StoreError.database("unexpected value '\(text)' in the store") }
        return value
    }
}
