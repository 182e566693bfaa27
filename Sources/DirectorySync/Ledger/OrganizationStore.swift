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
    /// Runs `body`, which only claims, renews or releases leases, closes the runs a dead holder left and sets
    /// pool due times, in a write transaction. Each of those statements decides on the latest version of the rows it changes (conditional
    /// upserts and updates, `FOR UPDATE SKIP LOCKED`), so a store whose writers run at once may run it at a
    /// weaker isolation than `write`: PostgreSQL runs it `READ COMMITTED`, so agents' claims and heartbeats take
    /// no part in the serializable conflicts of the ledger's writes (and a write under a lease locks its row).
    func writeLeases<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T
}

extension OrganizationStore {
    /// A store whose writers take turns runs lease work as any other write.
    public func writeLeases<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriter) throws -> T) async throws -> T {
        try await write(body)
    }
}

/// The reads a ledger transaction may make.
public protocol LedgerReader {
    /// Every organization in the store, ordered by name.
    func organizations() throws -> [Organization]
    /// The organization named `name`, ignoring case; nil if there is none.
    func organization(named name: String) throws -> Organization?
    /// The organization with this identifier; nil if there is none.
    func organization(id: Organization.ID) throws -> Organization?

    /// The member with the address `email`; nil if there is none.
    func member(_ email: EmailAddress, in organization: Organization.ID) throws -> Member?
    /// The organization's members, oldest first (by id).
    func members(in organization: Organization.ID) throws -> [Member]
    /// How many members of the organization hold a seat (those whose access was removed do not).
    func memberCount(in organization: Organization.ID) throws -> Int

    /// The invitation with this identifier, whatever its status; nil if there is none.
    func invitation(id: Invitation.ID) throws -> Invitation?
    /// The pending invitation for `email`, expired or not.
    func pendingInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation?
    /// The most recently created invitation for `email`, whatever its status.
    func latestInvitation(for email: EmailAddress, in organization: Organization.ID) throws -> Invitation?
    /// Invitations with one of `statuses`, oldest first.
    func invitations(in organization: Organization.ID, statuses: Set<Invitation.Status>) throws -> [Invitation]
    /// Pending invitations whose link still works at `now`: the ones holding a seat.
    func livePendingCount(in organization: Organization.ID, at now: Date) throws -> Int

    /// The token record with this selector, open or closed; nil if there is none.
    func token(selector: String) throws -> IssuedToken?

    /// Audit events at or after `since`, oldest first.
    func auditEvents(in organization: Organization.ID, since: Date?) throws -> [AuditEvent]

    /// Outbox messages with one of `statuses`, oldest first; all organizations when `organization` is nil.
    func outbox(in organization: Organization.ID?, statuses: Set<OutboxMessage.Status>) throws -> [OutboxMessage]
    /// One outbox message as it is now.
    func outboxMessage(_ id: OutboxMessage.ID) throws -> OutboxMessage?

    /// The member with this identifier.
    func member(id: Member.ID) throws -> Member?
    /// Who holds `username` in the organization: a member's or a pending invitation's address; nil when free.
    func holder(of username: Username, in organization: Organization.ID) throws -> EmailAddress?
    /// Runs, newest first, at most `limit`.
    func runs(in organization: Organization.ID, limit: Int) throws -> [SyncRun]
    /// The newest run that completed (with or without changes).
    func lastSuccessfulRun(in organization: Organization.ID) throws -> SyncRun?
    /// Runs per outcome, and changes applied per action, over the whole history.
    func runTotals(in organization: Organization.ID) throws -> (
        outcomes: [SyncRun.Outcome: Int], changes: [String: Int]
    )

    /// The organization's lease, expired or not.
    func lease(in organization: Organization.ID, for purpose: Lease.Purpose) throws -> Lease?
    /// Every organization registered for the agent pool, soonest due first.
    func poolRegistrations() throws -> [PoolRegistration]
    /// `organization`'s pool registration, if it has one.
    func poolRegistration(of organization: Organization.ID) throws -> PoolRegistration?
    /// Whether `holder` has the lease with fencing token `fence`, unexpired at `now`.
    func holdsLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, fence: Int64, at now: Date
    ) throws -> Bool
    /// The store's own key for signing saved plans (at least 32 random bytes, made when the store was created).
    func planSigningKey() throws -> [UInt8]
    /// What the organization's agent last reported; an empty state if it never reported anything.
    func notificationState(in organization: Organization.ID) throws -> NotificationState

    /// The organization's accounts, by name.
    func accounts(in organization: Organization.ID) throws -> [Account]
    /// Every grant held by a member of the organization, by member, then account and role.
    func grants(in organization: Organization.ID) throws -> [MemberGrant]
    /// The grants one member holds, by account, then role.
    func grants(of member: Member.ID) throws -> [MemberGrant]
    /// How many grants (held by members or carried by invitations) are limited to the account.
    func grantCount(in account: Account.ID) throws -> Int
    /// The grants each pending invitation of the organization carries, by invitation.
    func invitationGrants(in organization: Organization.ID) throws -> [Invitation.ID: [Grant]]
    /// The grants one invitation carries, sorted.
    func grants(of invitation: Invitation.ID) throws -> [Grant]

    /// The organizations whose parent is `organization`, by name.
    func children(of organization: Organization.ID) throws -> [Organization]
    /// The grants members of the organization's parent hold with `inherit`, which apply in the organization too.
    func inheritedGrants(in organization: Organization.ID) throws -> [InheritedGrant]

    /// The offer with this identifier, whatever its status.
    func offer(id: Offer.ID) throws -> Offer?
    /// The member's pending offer, expired or not.
    func pendingOffer(of member: Member.ID) throws -> Offer?
    /// The organization's offers with one of `statuses`, oldest first.
    func offers(in organization: Organization.ID, statuses: Set<Offer.Status>) throws -> [Offer]
    /// Each member's most recent offer, whatever its status: what a sync compares the rules with.
    func latestOffers(in organization: Organization.ID) throws -> [Offer]
    /// The offer token record with this selector, open or closed.
    func offerToken(selector: String) throws -> IssuedToken?

    /// The access code with this selector, whatever its state.
    func accessCode(selector: String) throws -> AccessCode.Stored?
    /// The organization's requests for access with these statuses, oldest first.
    func accessRequests(in organization: Organization.ID, statuses: Set<AccessRequest.Status>) throws
        -> [AccessRequest]
}

/// The writes a ledger transaction may make, in addition to its reads.
public protocol LedgerWriter: LedgerReader {
    /// Stores a new organization created at `now`, and returns it with its identifier.
    func insertOrganization(_ settings: Organization.Settings, at now: Date) throws -> Organization
    /// Stores `organization`'s settings (name, seats, inviter and invitation validity) and its parent.
    func updateOrganization(_ organization: Organization) throws

    /// Stores a new member, and returns it with its identifier.
    func insertMember(_ draft: Member.Draft) throws -> Member
    /// Stores what may change of a member: its email, name, role, anchor, whether it is managed, whether its
    /// access was removed, and its identity (given and family names, profile).
    func updateMember(_ member: Member) throws
    /// Deletes the member with this identifier.
    func deleteMember(_ id: Member.ID) throws

    /// Stores a new pending invitation, created at its `sentAt`, and returns it with its identifier.
    func insertInvitation(_ draft: Invitation.Draft) throws -> Invitation
    /// Stores what may change of an invitation: status, sending and expiry, resend count, closing time, anchor,
    /// whether it is managed, and the invitee's names and profile.
    func updateInvitation(_ invitation: Invitation) throws

    /// Stores a new open token for `invitation` (its selector and hash, never the token), and returns its record.
    func insertToken(_ token: InvitationToken, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date) throws
        -> IssuedToken
    /// Closes every open token of `invitation`.
    func closeTokens(of invitation: Invitation.ID, as closure: IssuedToken.Closure, at now: Date) throws

    /// Adds `event` to the audit log.
    func append(_ event: AuditEvent) throws

    /// Queues a new pending outbox message, and returns it with its identifier.
    func enqueue(_ draft: OutboxMessage.Draft) throws -> OutboxMessage
    /// Voids pending messages that carry a token of `invitation`.
    func voidPendingMail(of invitation: Invitation.ID) throws
    /// Stores a message's delivery state: status, attempts, last error, next attempt and sending time. Its content
    /// is kept only while it is pending.
    func updateOutboxMessage(_ message: OutboxMessage) throws

    /// Records a new `running` run started at `now`, and returns it with its identifier.
    func insertRun(organization: Organization.ID, trigger: SyncRun.Trigger, at now: Date) throws -> SyncRun
    /// Stores what a run found and how it ended: finish time, source, changes, outcome and error.
    func updateRun(_ run: SyncRun) throws
    /// Closes every `running` run of `organization` as `failed` with `error`, finished at `now`; returns them as
    /// closed. Called by the lease's new holder: only a holder runs, so a `running` row then is abandoned.
    func closeRunningRuns(in organization: Organization.ID, as error: String, at now: Date) throws -> [SyncRun]

    /// Takes the lease for `holder` unless someone else holds an unexpired one (other than `deadHolder`, known
    /// to have died); renews it if `holder` has it. Every claim gets the next fencing token.
    func claimLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, at now: Date,
        lasting duration: TimeSpan, replacing deadHolder: String?
    ) throws -> Lease.Claim
    /// Up to `limit` registered organizations due at `now` whose apply lease is free or expired, soonest due
    /// first; on PostgreSQL their registration rows stay locked to this transaction, and rows another
    /// transaction has locked are skipped, so concurrent agents each take different ones.
    func dueOrganizations(at now: Date, limit: Int) throws -> [Organization.ID]
    /// Registers `registration`, replacing an earlier registration of its organization.
    func savePoolRegistration(_ registration: PoolRegistration) throws
    /// Removes `organization`'s registration; false if it had none.
    func deletePoolRegistration(of organization: Organization.ID) throws -> Bool
    /// Sets when `organization`'s next pool run is due.
    func setNextDue(of organization: Organization.ID, at due: Date) throws
    /// Whether `holder` has the lease with fencing token `fence`, unexpired at `now`; and no claim replaces it
    /// until this transaction ends.
    func keepsLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, fence: Int64, at now: Date
    ) throws -> Bool
    /// Extends `holder`'s lease; false if `holder` no longer has it.
    func renewLease(
        in organization: Organization.ID, for purpose: Lease.Purpose, holder: String, at now: Date,
        lasting duration: TimeSpan, nextRunAt: Date?
    ) throws -> Bool
    /// Gives the lease up, if `holder` has it.
    func releaseLease(in organization: Organization.ID, for purpose: Lease.Purpose, holder: String) throws
    /// Replaces the organization's notification state.
    func saveNotificationState(_ state: NotificationState, in organization: Organization.ID) throws

    /// Adds an account called `name` (unique ignoring case; the schema refuses a second).
    func insertAccount(named name: String, in organization: Organization.ID, at now: Date) throws -> Account
    /// Deletes an account; the schema refuses it while grants name it.
    func deleteAccount(_ id: Account.ID) throws
    /// Records a grant `member` holds, limited to `account` when given (the schema refuses a second equal one).
    func insertGrant(_ grant: MemberGrant, account: Account.ID?) throws
    /// Deletes the member's grant of `role` limited to `account` (nil: organization-wide).
    func deleteGrant(of member: Member.ID, role: String, account: Account.ID?) throws
    /// Records a grant the invitation carries.
    func insertGrant(_ role: String, account: Account.ID?, for invitation: Invitation.ID) throws

    /// Stores a new pending offer without grants, and returns it with its identifier.
    func insertOffer(_ draft: Offer.Draft) throws -> Offer
    /// Records a grant the offer carries.
    func insertGrant(_ item: Offer.Item, account: Account.ID?, for offer: Offer.ID) throws
    /// Stores what may change of an offer: status, sending and expiry, resend count and closing time.
    func updateOffer(_ offer: Offer) throws
    /// Stores a new open token for `offer` and returns its record.
    func insertToken(_ token: InvitationToken, for offer: Offer.ID, issuedAt: Date, expiresAt: Date) throws
        -> IssuedToken
    /// Closes every open token of `offer`.
    func closeTokens(of offer: Offer.ID, as closure: IssuedToken.Closure, at now: Date) throws
    /// Voids pending messages that carry a token of `offer`.
    func voidPendingMail(of offer: Offer.ID) throws

    /// Stores an access code (its selector and hash) for an account invitation.
    func insertAccessCode(_ code: AccessCode, for invitation: Invitation.ID, issuedAt: Date, expiresAt: Date) throws
        -> AccessCode.Stored
    /// Saves a code's attempts and closure.
    func updateAccessCode(_ code: AccessCode.Stored) throws
    /// Closes every open code of `invitation` as `closure` (`used`, `replaced`).
    func closeAccessCodes(of invitation: Invitation.ID, as closure: String, at now: Date) throws
    /// Stores a pending request for access; the unique indexes refuse a second pending one per person.
    func insertAccessRequest(
        organization: Organization.ID, invitation: Invitation.ID, email: EmailAddress, username: Username,
        givenName: String?, familyName: String?, requestedAt: Date, expiresAt: Date
    ) throws -> AccessRequest
    /// Saves a request's status, closing time, closer and reason.
    func updateAccessRequest(_ request: AccessRequest) throws
}

extension Member {
    /// A member before the store gives it an identifier.
    public struct Draft: Sendable, Equatable {
        /// The organization the member joins.
        public var organization: Organization.ID
        /// The member's address; one member per address in an organization.
        public var email: EmailAddress
        /// The display name, already cleaned (`Member.typedName` or `Member.directoryName`); nil when unknown.
        public var name: String?
        /// The role the member joins with.
        public var role: Role
        /// When the member joined.
        public var joinedAt: Date
        /// Who sent the invitation the member accepted (its `invitedBy`); nil for a founder or an auto-join.
        public var invitedBy: String?
        /// How the member came in: as founder, by invitation or by Domain Auto-Join.
        public var origin: Origin
        /// The directory anchor the member is matched on, if known.
        public var anchor: String?
        /// Whether dirsync may later re-role or remove the member.
        public var isManaged: Bool
        /// The username; the caller has made sure it is free in the organization.
        public var username: Username
        /// The given and family names and profile fields registered with the account.
        public var identity = Identity()
        /// The profile values a sync gave (`Member.profileSynced`).
        public var profileSynced: [String: String] = [:]

        /// A member to insert with `LedgerWriter.insertMember`; the caller has checked the rules (seats, owners,
        /// a free username: derived from the email when nil).
        public init(
            organization: Organization.ID, email: EmailAddress, name: String?, role: Role, joinedAt: Date,
            invitedBy: String?, origin: Origin, anchor: String?, isManaged: Bool, username: Username? = nil
        ) {
            self.username = username ?? Username.derived(from: email)
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
        /// The organization the invitation is to.
        public var organization: Organization.ID
        /// The address invited.
        public var email: EmailAddress
        /// The role the invitee joins with; never owner.
        public var role: Role
        /// When the link is sent; also stored as the invitation's creation time.
        public var sentAt: Date
        /// When the link stops working.
        public var expiresAt: Date
        /// The acting address that sends it, named in the invitation email and the audit log.
        public var invitedBy: String
        /// The personal message for the invitation email, if any.
        public var message: String?
        /// The directory anchor of the person invited, when a sync creates the invitation.
        public var anchor: String?
        /// Whether dirsync may later revoke it.
        public var isManaged: Bool
        /// The first name the accept page is pre-filled with.
        public var givenName: String?
        /// The last name the accept page is pre-filled with.
        public var familyName: String?
        /// The invitee's username; the caller has made sure it is free.
        public var username: Username
        /// Profile fields pre-filled.
        public var profile: [String: String] = [:]
        /// The profile values a sync gave (`Member.profileSynced`).
        public var profileSynced: [String: String] = [:]
        /// `account-first` for an account invitation.
        public var flow: Invitation.Flow = .link
        /// Whether account and identity are registered in one step.
        public var isComplete = false

        /// An invitation to insert with `LedgerWriter.insertInvitation`; the caller has checked the rules (seats,
        /// a free username: derived from the email when nil).
        public init(
            organization: Organization.ID, email: EmailAddress, role: Role, sentAt: Date, expiresAt: Date,
            invitedBy: String, message: String?, anchor: String?, isManaged: Bool, givenName: String? = nil,
            familyName: String? = nil, username: Username? = nil
        ) {
            self.username = username ?? Username.derived(from: email)
            self.givenName = givenName
            self.familyName = familyName
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
        /// The organization whose outbox holds the message.
        public var organization: Organization.ID
        /// The RFC 5322 Message-ID, angle brackets included, fixed as the message is queued.
        public var messageID: String
        /// Who the message goes to.
        public var recipient: EmailAddress
        /// The subject, for listings (`content` holds the full header).
        public var subject: String
        /// The whole RFC 5322 message, with CRLF line endings.
        public var content: String
        /// The `IssuedToken.id` of the invitation token the message carries, so a resend or revoke voids it; nil
        /// for other mail.
        public var tokenID: Int64?
        /// The `IssuedToken.id` of the offer token the message carries, voided the same way.
        public var offerTokenID: Int64?
        /// When the message was queued.
        public var createdAt: Date

        /// A message to queue with `LedgerWriter.enqueue`.
        public init(
            organization: Organization.ID, messageID: String, recipient: EmailAddress, subject: String, content: String,
            tokenID: Int64?, offerTokenID: Int64? = nil, createdAt: Date
        ) {
            self.organization = organization
            self.messageID = messageID
            self.recipient = recipient
            self.subject = subject
            self.content = content
            self.tokenID = tokenID
            self.offerTokenID = offerTokenID
            self.createdAt = createdAt
        }
    }
}
