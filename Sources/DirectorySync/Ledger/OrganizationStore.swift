import Foundation

/// Where organizations, members, invitations, the audit log and the outbox live.
///
/// A store offers transactions over a small set of primitive reads and writes; the rules of the
/// invitation lifecycle are written once, in `Ledger`, on top of them. Every `write` is one
/// transaction: all of it is stored, or none.
public protocol OrganizationStore: Sendable {
    /// Runs `body` in a read-only transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerReader) throws -> T) async throws -> T
    /// Runs `body` in a write transaction; a thrown error rolls all of it back.
    func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T
}

/// The reads a ledger transaction may make.
public protocol LedgerReader {
    func organizations() throws -> [Organization]
    func organization(named name: String) throws -> Organization?
    func organization(id: Organization.ID) throws -> Organization?

    func member(_ email: EmailAddress, in organization: Organization.ID) throws -> Member?
    /// The organization's members, oldest first (by id).
    func members(in organization: Organization.ID) throws -> [Member]
    func memberCount(in organization: Organization.ID) throws -> Int

    func invitation(id: Invitation.ID) throws -> Invitation?
    /// The pending invitation for `email`, expired or not.
    func pendingInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation?
    /// The most recently created invitation for `email`, whatever its status.
    func latestInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation?
    /// Invitations with one of `statuses`, oldest first.
    func invitations(in organization: Organization.ID, statuses: Set<Invitation.Status>) throws -> [Invitation]
    /// Pending invitations whose link still works at `now`: the ones holding a seat.
    func livePendingCount(in organization: Organization.ID, at now: Date) throws -> Int

    func token(selector: String) throws -> IssuedToken?

    /// Audit events at or after `since`, oldest first.
    func auditEvents(in organization: Organization.ID, since: Date?) throws -> [AuditEvent]

    /// Outbox messages with one of `statuses`, oldest first; all organizations when `organization` is nil.
    func outbox(in organization: Organization.ID?, statuses: Set<OutboxMessage.Status>) throws -> [OutboxMessage]
    /// One outbox message as it is now.
    func outboxMessage(_ id: OutboxMessage.ID) throws -> OutboxMessage?

    /// The member with this identifier.
    func member(id: Member.ID) throws -> Member?
    /// Runs, newest first, at most `limit`.
    func runs(in organization: Organization.ID, limit: Int) throws -> [SyncRun]
    /// The newest run that completed (with or without changes).
    func lastSuccessfulRun(in organization: Organization.ID) throws -> SyncRun?
    /// Runs per outcome, and changes applied per action, over the whole history.
    func runTotals(in organization: Organization.ID) throws -> (
        outcomes: [SyncRun.Outcome: Int], changes: [String: Int]
    )

    /// The organization's lease, expired or not.
    func lease(in organization: Organization.ID) throws -> Lease?
    /// The store's own key for signing saved plans (at least 32 random bytes, made when the store was created).
    func planSigningKey() throws -> [UInt8]
    func notificationState(in organization: Organization.ID) throws -> NotificationState
}

/// The writes a ledger transaction may make, in addition to its reads.
public protocol LedgerWriter: LedgerReader {
    func insertOrganization(_ settings: Organization.Settings, at now: Date) throws -> Organization
    func updateOrganization(_ organization: Organization) throws

    func insertMember(_ draft: Member.Draft) throws -> Member
    func updateMember(_ member: Member) throws
    func deleteMember(_ id: Member.ID) throws

    func insertInvitation(_ draft: Invitation.Draft) throws -> Invitation
    func updateInvitation(_ invitation: Invitation) throws

    func insertToken(_ token: InvitationToken, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date) throws
        -> IssuedToken
    /// Closes every open token of `invitation`.
    func closeTokens(of invitation: Invitation.ID, as closure: IssuedToken.Closure, at now: Date) throws

    func append(_ event: AuditEvent) throws

    func enqueue(_ draft: OutboxMessage.Draft) throws -> OutboxMessage
    /// Voids pending messages that carry a token of `invitation`.
    func voidPendingMail(of invitation: Invitation.ID) throws
    func updateOutboxMessage(_ message: OutboxMessage) throws

    func insertRun(organization: Organization.ID, trigger: SyncRun.Trigger, at now: Date) throws -> SyncRun
    func updateRun(_ run: SyncRun) throws
    /// Closes every `running` run of `organization` as `failed` with `error`, finished at `now`; returns them as
    /// closed. Called by the lease's new holder: only a holder runs, so a `running` row then is abandoned.
    func closeRunningRuns(in organization: Organization.ID, as error: String, at now: Date) throws -> [SyncRun]

    /// Takes the lease for `holder` unless someone else holds an unexpired one (other than `deadHolder`, known
    /// to have died); renews it if `holder` has it.
    func claimLease(
        in organization: Organization.ID, holder: String, at now: Date, for duration: TimeSpan,
        replacing deadHolder: String?
    ) throws -> Lease.Claim
    /// Extends `holder`'s lease; false if `holder` no longer has it.
    func renewLease(
        in organization: Organization.ID, holder: String, at now: Date, for duration: TimeSpan, nextRunAt: Date?
    )
        throws -> Bool
    /// Gives the lease up, if `holder` has it.
    func releaseLease(in organization: Organization.ID, holder: String) throws
    func saveNotificationState(_ state: NotificationState, in organization: Organization.ID) throws
}

extension Member {
    /// A member before the store gives it an identifier.
    public struct Draft: Sendable, Equatable {
        public var organization: Organization.ID
        public var email: EmailAddress
        public var name: String?
        public var role: Role
        public var joinedAt: Date
        public var invitedBy: String?
        public var origin: Origin
        public var anchor: String?
        public var isManaged: Bool

        public init(
            organization: Organization.ID, email: EmailAddress, name: String?, role: Role, joinedAt: Date,
            invitedBy: String?, origin: Origin, anchor: String?, isManaged: Bool
        ) {
            self.organization = organization
            self.email = email
            self.name = name
            self.role = role
            self.joinedAt = joinedAt
            self.invitedBy = invitedBy
            self.origin = origin
            self.anchor = anchor
            self.isManaged = isManaged
        }
    }
}

extension Invitation {
    /// An invitation before the store gives it an identifier; always pending.
    public struct Draft: Sendable, Equatable {
        public var organization: Organization.ID
        public var email: EmailAddress
        public var role: Role
        public var sentAt: Date
        public var expiresAt: Date
        public var invitedBy: String
        public var message: String?
        public var anchor: String?
        public var isManaged: Bool

        public init(
            organization: Organization.ID, email: EmailAddress, role: Role, sentAt: Date, expiresAt: Date,
            invitedBy: String, message: String?, anchor: String?, isManaged: Bool
        ) {
            self.organization = organization
            self.email = email
            self.role = role
            self.sentAt = sentAt
            self.expiresAt = expiresAt
            self.invitedBy = invitedBy
            self.message = message
            self.anchor = anchor
            self.isManaged = isManaged
        }
    }
}

extension OutboxMessage {
    /// A message before the store gives it an identifier; always pending.
    public struct Draft: Sendable, Equatable {
        public var organization: Organization.ID
        public var messageID: String
        public var recipient: EmailAddress
        public var subject: String
        public var content: String
        public var tokenID: Int64?
        public var createdAt: Date

        public init(
            organization: Organization.ID, messageID: String, recipient: EmailAddress, subject: String, content: String,
            tokenID: Int64?, createdAt: Date
        ) {
            self.organization = organization
            self.messageID = messageID
            self.recipient = recipient
            self.subject = subject
            self.content = content
            self.tokenID = tokenID
            self.createdAt = createdAt
        }
    }
}
