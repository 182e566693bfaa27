import Foundation

/// An offer of new access to an existing member: grants (and perhaps a higher organization role) that take
/// effect only when the member accepts, through a one-time link (`policy.new_access: offer`).
///
/// Only `pending`, `accepted`, `declined` and `revoked` are stored; "expired" is derived from the clock
/// (`state(at:)`). A member has at most one pending offer: a new one revokes and replaces it.
public struct Offer: Sendable, Equatable, Identifiable {
    /// The store's identifier for an offer.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The offer's primary key in the store.
        public let rawValue: Int64
        /// The identifier for primary key `rawValue`.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The key in decimal, as listings and audit details (`offer_id`) show it.
        public var description: String { String(rawValue) }
    }

    /// The stored status.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, accepted, declined, revoked
    }

    /// What a person sees: the stored status, with `expired` for a pending offer past its expiry.
    public enum State: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        case pending, expired, accepted, declined, revoked
        /// The raw value.
        public var description: String { rawValue }
    }

    /// One grant an offer carries, and whether a sync offered it (from the grant rules) or a person did.
    public struct Item: Sendable, Equatable, Hashable, Comparable {
        /// The role and the account it is limited to.
        public let grant: Grant
        /// Whether the grant rules offered it: accepted, it is managed (a sync may take it away again).
        public let isManaged: Bool
        /// Whether, accepted, it applies in the child organizations too (`grants add --inherit`).
        public let inherits: Bool

        /// An offered grant.
        public init(grant: Grant, isManaged: Bool, inherits: Bool = false) {
            self.grant = grant
            self.isManaged = isManaged
            self.inherits = inherits
        }

        /// By grant.
        public static func < (lhs: Item, rhs: Item) -> Bool { lhs.grant < rhs.grant }
    }

    /// The store's identifier; a resend keeps it, a replacement makes a new one.
    public let id: ID
    /// The organization the access is in.
    public let organization: Organization.ID
    /// The member offered the access; nil once that member has left (the offer was closed first).
    public let member: Member.ID?
    /// The member's address when the offer was made, where its mail went.
    public let email: EmailAddress
    /// A higher organization role offered with it; nil when only grants are offered.
    public let role: Role?
    /// The grants offered, sorted; accepting activates exactly these.
    public let items: [Item]
    /// The stored status; `state(at:)` is what a person sees.
    public var status: Status
    /// When the offer was made.
    public let createdAt: Date
    /// When the current link was sent (the offer or its latest resend).
    public var sentAt: Date
    /// When the current link stops working.
    public var expiresAt: Date
    /// How many times it has been resent.
    public var resendCount: Int
    /// Who offered: the address the command or sync acted as.
    public let offeredBy: String
    /// Whether a sync made it (from the rules) and may revoke or replace it.
    public let isManaged: Bool
    /// When it was accepted, declined or revoked.
    public var closedAt: Date?

    /// An offer from its parts, as the store reads it; nothing is checked here.
    public init(
        id: ID, organization: Organization.ID, member: Member.ID?, email: EmailAddress, role: Role?, items: [Item],
        status: Status, createdAt: Date, sentAt: Date, expiresAt: Date, resendCount: Int, offeredBy: String,
        isManaged: Bool, closedAt: Date? = nil
    ) {
        self.id = id
        self.organization = organization
        self.member = member
        self.email = email
        self.role = role
        self.items = items.sorted()
        self.status = status
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.expiresAt = expiresAt
        self.resendCount = resendCount
        self.offeredBy = offeredBy
        self.isManaged = isManaged
        self.closedAt = closedAt
    }

    /// The grants offered, sorted.
    public var grants: [Grant] { items.map(\.grant) }

    /// The grants the rules offered (a sync compares these with what the rules give now).
    public var managedGrants: [Grant] { items.filter(\.isManaged).map(\.grant) }

    /// Whether the offer is pending and its link stopped working at `now` (the window is `[sentAt, expiresAt)`).
    public func isExpired(at now: Date) -> Bool { status == .pending && now >= expiresAt }

    /// The status as shown to people at `now`.
    public func state(at now: Date) -> State {
        switch status {
        case .pending: isExpired(at: now) ? .expired : .pending
        case .accepted: .accepted
        case .declined: .declined
        case .revoked: .revoked
        }
    }

    /// What is offered in words: `admin (organization role), signer, template-editor@Sales US`.
    public var summary: String {
        ((role.map { ["\($0) (organization role)"] } ?? []) + grants.map(\.description)).joined(separator: ", ")
    }
}

extension Offer {
    /// An offer before the store gives it an identifier; always pending.
    public struct Draft: Sendable, Equatable {
        /// The organization.
        public var organization: Organization.ID
        /// The member offered the access.
        public var member: Member.ID
        /// The member's address.
        public var email: EmailAddress
        /// A higher organization role offered, if any.
        public var role: Role?
        /// When it is sent; also its creation time.
        public var sentAt: Date
        /// When its link stops working.
        public var expiresAt: Date
        /// Who offers.
        public var offeredBy: String
        /// Whether a sync makes it.
        public var isManaged: Bool

        /// An offer to insert with `LedgerWriter.insertOffer`; its grants are inserted one by one after it.
        public init(
            organization: Organization.ID, member: Member.ID, email: EmailAddress, role: Role?, sentAt: Date,
            expiresAt: Date, offeredBy: String, isManaged: Bool
        ) {
            self.organization = organization
            self.member = member
            self.email = email
            self.role = role
            self.sentAt = sentAt
            self.expiresAt = expiresAt
            self.offeredBy = offeredBy
            self.isManaged = isManaged
        }
    }
}
