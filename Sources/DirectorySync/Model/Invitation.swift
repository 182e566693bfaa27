import Foundation

/// An offer to join an organization with a role, sent to one email address.
///
/// Only `pending`, `accepted` and `revoked` are stored. "Expired" is derived from the clock
/// (`state(at:)`), so it can never go stale.
public struct Invitation: Sendable, Equatable, Identifiable {
    /// The store's identifier for an invitation.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The invitation's primary key in the store.
        public let rawValue: Int64
        /// The identifier for primary key `rawValue`; it names an invitation only if the store gave it out.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The key in decimal, as listings and audit details (`invitation_id`) show it.
        public var description: String { String(rawValue) }
    }

    /// The stored status.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, accepted, revoked
    }

    /// How the invitee gets in: by the link (`link`), or, for an account invitation (`account-first`), by
    /// requesting access with the code it carries and being approved.
    public enum Flow: String, Sendable, Codable, CaseIterable {
        case link
        case accountFirst = "account-first"
    }

    /// What a person sees: the stored status, with `expired` for a pending invitation past its expiry.
    public enum State: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        case pending, expired, accepted, revoked
        /// The raw value: `pending`, `expired`, `accepted` or `revoked`.
        public var description: String { rawValue }
    }

    /// The store's identifier for this invitation. A resend keeps it; a re-invitation makes a new one.
    public let id: ID
    /// The organization the invitation is to join.
    public let organization: Organization.ID
    /// The canonical address the invitation was sent to. An organization has at most one pending invitation per
    /// address.
    public let email: EmailAddress
    /// The role the invitee joins with. Never `owner`; never changed in place.
    public let role: Role
    /// The stored status; `state(at:)` is what a person sees, with expiry taken into account.
    public var status: Status
    /// When the invitation was first sent; unlike `sentAt`, a resend does not change it.
    public let createdAt: Date
    /// When the current link was sent (the first send or the latest resend).
    public var sentAt: Date
    /// When the current link stops working.
    public var expiresAt: Date
    /// How many times the invitation has been resent: 0 until the first resend.
    public var resendCount: Int
    /// Who sent it: the address the sending command or sync acted as (normally the organization's inviter).
    public let invitedBy: String
    /// The personal message the inviter added to the invitation email, if any (`--message`); syncs never add one.
    public let message: String?
    /// The directory anchor of the person invited, when a sync created or adopted the invitation.
    public var anchor: String?
    /// Whether dirsync created (or adopted) this invitation and may revoke it.
    public var isManaged: Bool
    /// When the invitation was accepted or revoked.
    public var closedAt: Date?
    /// Profile fields the member will have on accepting (pre-filled, or registered for the pending invitee).
    public var profile: [String: String] = [:]
    /// The value a sync last gave each profile field it manages, as for a member (`Member.profileSynced`).
    public var profileSynced: [String: String] = [:]
    /// `link`, or `account-first` for an account invitation (its mail carries a code, not a link).
    public var flow: Flow = .link
    /// Whether it is a complete registration (`--complete`, `policy.registration: complete`): account and
    /// identity in one step.
    public var isComplete = false
    /// The username the invitee will have, unique in the organization with members' usernames.
    public var username: Username
    /// The first name the accept page is pre-filled with, when known (the directory, or `--first-name`).
    public var givenName: String?
    /// The last name the accept page is pre-filled with, when known.
    public var familyName: String?

    /// Assembles an invitation from its parts, as the store does when it reads one; nothing is checked here.
    public init(
        id: ID, organization: Organization.ID, email: EmailAddress, role: Role, status: Status, createdAt: Date,
        sentAt: Date, expiresAt: Date, resendCount: Int, invitedBy: String, message: String? = nil,
        anchor: String? = nil, isManaged: Bool = false, closedAt: Date? = nil, givenName: String? = nil,
        familyName: String? = nil, username: Username? = nil
    ) {
        self.username = username ?? Username.derived(from: email)
        self.givenName = givenName
        self.familyName = familyName
        self.id = id
        self.organization = organization
        self.email = email
        self.role = role
        self.status = status
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.expiresAt = expiresAt
        self.resendCount = resendCount
        self.invitedBy = invitedBy
        self.message = message
        self.anchor = anchor
        self.isManaged = isManaged
        self.closedAt = closedAt
    }

    /// Whether the invitation is pending and its link has stopped working at `now`.
    ///
    /// A link is valid for the half-open window `[sentAt, expiresAt)`: at exactly `expiresAt` it has expired.
    public func isExpired(at now: Date) -> Bool { status == .pending && now >= expiresAt }

    /// Whether the invitation is pending, unexpired, and so holds a seat at `now`.
    public func isLive(at now: Date) -> Bool { status == .pending && now < expiresAt }

    /// The status as shown to people at `now`.
    public func state(at now: Date) -> State {
        switch status {
        case .pending: isExpired(at: now) ? .expired : .pending
        case .accepted: .accepted
        case .revoked: .revoked
        }
    }
}

extension Invitation {
    /// The invitee's personal information as registered so far.
    public var identity: Identity {
        let display = [givenName, familyName].compactMap { $0 }.joined(separator: " ")
        return Identity(
            givenName: givenName, familyName: familyName, displayName: display.isEmpty ? nil : display,
            fields: profile)
    }
}
