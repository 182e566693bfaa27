import Foundation

/// One entry of an organization's audit log: who did what to whom, when.
public struct AuditEvent: Sendable, Equatable {
    /// What happened. The raw values are the event names of the audit log.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case organizationCreated = "ORGANIZATION_CREATED"
        case organizationSettingsChanged = "ORGANIZATION_SETTINGS_CHANGED"
        case invitationSent = "TEAM_INVITATION_SENT"
        case invitationResent = "TEAM_INVITATION_RESENT"
        case invitationRevoked = "TEAM_INVITATION_REVOKED"
        case invitationAccepted = "TEAM_INVITATION_ACCEPTED"
        case memberJoined = "TEAM_MEMBER_JOINED"
        case memberRoleChanged = "TEAM_MEMBER_ROLE_CHANGED"
        case memberRemoved = "TEAM_MEMBER_REMOVED"
        /// A member's email or directory anchor changed, or dirsync adopted the member.
        case memberUpdated = "TEAM_MEMBER_UPDATED"
        /// dirsync adopted an invitation sent by hand.
        case invitationAdopted = "TEAM_INVITATION_ADOPTED"
        /// An account was added to the organization.
        case accountAdded = "ACCOUNT_ADDED"
        /// An account without grants was removed.
        case accountRemoved = "ACCOUNT_REMOVED"
        /// A member was given grants (by a sync, or by hand).
        case accessGranted = "TEAM_ACCESS_GRANTED"
        /// Grants were taken from a member.
        case accessRemoved = "TEAM_ACCESS_REMOVED"
        /// Every role and grant was taken from a member, who keeps their profile and holds no seat.
        case memberAccessRemoved = "TEAM_MEMBER_ACCESS_REMOVED"
        /// A member whose access was removed has a role (and a seat) again.
        case memberAccessRestored = "TEAM_MEMBER_ACCESS_RESTORED"
        /// A member was offered new access (grants, perhaps a higher role), effective once accepted.
        case accessOffered = "TEAM_ACCESS_OFFERED"
        /// An offer was resent with a new link.
        case accessOfferResent = "TEAM_ACCESS_OFFER_RESENT"
        /// A pending offer was revoked (by hand, by a sync, or replaced by a newer one).
        case accessOfferRevoked = "TEAM_ACCESS_OFFER_REVOKED"
        /// The member accepted an offer: its grants (and role) are theirs.
        case accessAccepted = "TEAM_ACCESS_ACCEPTED"
        /// The member declined an offer.
        case accessDeclined = "TEAM_ACCESS_DECLINED"
        /// Someone requested access with the code of their account invitation (the account-first flow).
        case accessRequested = "ACCESS_REQUESTED"
        /// A wrong code was typed for an account invitation's code (counted; the code locks at the limit).
        case accessCodeRejected = "ACCESS_CODE_REJECTED"
        /// A request for access was approved: the organization invitation was sent.
        case accessApproved = "ACCESS_APPROVED"
        /// A request for access was denied: the account invitation was revoked.
        case accessDenied = "ACCESS_DENIED"
        case syncRunCompleted = "SYNC_RUN_COMPLETED"
        case syncRunBlocked = "SYNC_RUN_BLOCKED"
        case syncRunFailed = "SYNC_RUN_FAILED"
        /// A shutdown request (SIGTERM, SIGINT) stopped a run between two batches.
        case syncRunInterrupted = "SYNC_RUN_INTERRUPTED"

        /// The keys an event of this kind has in its details, whichever path wrote it (the CLI, a sync, an
        /// acceptance): the audit log's schema. A key that does not apply is null in JSON, never left out.
        public var detailKeys: [String] {
            let sync = ["via", "reason", "rule", "anchor", "run_id"]
            switch self {
            case .organizationCreated: return ["seats", "invitation_validity"]
            case .organizationSettingsChanged: return ["seats", "inviter", "invitation_validity", "parent", "via"]
            case .invitationSent:
                return ["role", "invitation_id", "username", "expires_at", "personal_message", "grants", "flow"] + sync
            case .invitationResent:
                return ["role", "invitation_id", "expires_at", "previous_expires_at", "resend_count"] + sync
            case .invitationRevoked: return ["role", "invitation_id", "was_expired"] + sync
            case .invitationAccepted: return ["role", "invitation_id", "invited_by", "joined_at"]
            case .memberJoined:
                // `via` here is how the member came: founder, invitation or domain-auto-join.
                return [
                    "role", "via", "joined_at", "invitation_id", "invited_by", "reason", "rule", "anchor", "run_id",
                ]
            case .memberRoleChanged: return ["from_role", "to_role", "offer_id"] + sync
            case .memberRemoved: return ["role"] + sync
            case .memberUpdated, .invitationAdopted: return ["from_email", "managed", "fields", "invitation_id"] + sync
            case .accountAdded, .accountRemoved: return []
            case .accessGranted: return ["grants", "managed", "offer_id", "inherit"] + sync
            case .accessRemoved: return ["grants"] + sync
            case .memberAccessRemoved: return ["role"] + sync
            case .memberAccessRestored: return ["role"] + sync
            case .accessOffered: return ["offer_id", "grants", "role", "expires_at", "replaces"] + sync
            case .accessOfferResent: return ["offer_id", "expires_at", "resend_count"] + sync
            case .accessOfferRevoked: return ["offer_id", "was_expired"] + sync
            case .accessAccepted, .accessDeclined: return ["offer_id", "grants", "role", "offered_by"]
            case .accessRequested: return ["invitation_id", "username", "request_id", "expires_at", "notified"]
            case .accessCodeRejected: return ["invitation_id", "attempts", "locked"]
            case .accessApproved: return ["request_id", "username", "role", "invitation_id", "grants"] + sync
            case .accessDenied: return ["request_id", "username", "reason"] + sync
            case .syncRunCompleted, .syncRunBlocked, .syncRunFailed, .syncRunInterrupted:
                return ["run_id", "trigger", "source_users", "reason"] + Plan.Action.allCases.map(\.rawValue)
            }
        }
    }

    /// The operating-system user of this process: recorded with every event it writes, beside the acting
    /// address (a cron sync acts as the configured inviter, run by `dirsync` or `root`).
    public static let processUser: String = ProcessInfo.processInfo.userName

    /// The organization whose log the event belongs to.
    public let organization: Organization.ID
    /// When it happened: the `now` of the transaction that wrote it.
    public let time: Date
    /// What happened; it decides which keys `details` has (`Kind.detailKeys`).
    public let kind: Kind
    /// Who acted: an email address (a sync, like a command, acts as the configured inviter).
    public let actor: String
    /// Who or what was acted on, usually an email address.
    public let subject: String
    /// Facts about the change (role, expiry, the rule that decided…), keyed in snake_case.
    public let details: [String: String]
    /// The operating-system user whose command wrote the event, when known.
    public let osUser: String?

    /// An event to record; `details` should hold the keys of `kind.detailKeys` that apply.
    public init(
        organization: Organization.ID, time: Date, kind: Kind, actor: String, subject: String,
        details: [String: String] = [:], osUser: String? = nil
    ) {
        self.organization = organization
        self.time = time
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.details = details
        self.osUser = osUser
    }
}
