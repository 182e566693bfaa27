import Foundation

/// A person who belongs to an organization, with a role.
public struct Member: Sendable, Equatable, Identifiable {
    /// The store's identifier for a member.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        public let rawValue: Int64
        public init(rawValue: Int64) { self.rawValue = rawValue }
        public var description: String { String(rawValue) }
    }

    /// How a member came into the organization.
    public enum Origin: String, Sendable, Codable, CaseIterable {
        /// Created with the organization by `dirsync init`.
        case founder
        /// Accepted an invitation.
        case invitation
        /// Joined directly because their email domain is an auto-join domain.
        case domainAutoJoin = "domain-auto-join"
    }

    public let id: ID
    public let organization: Organization.ID
    public var email: EmailAddress
    public var name: String?
    public var role: Role
    public let joinedAt: Date
    public var invitedBy: String?
    public var origin: Origin
    /// The directory anchor (objectGUID, entryUUID, SCIM id…) this member is matched on, if known.
    public var anchor: String?
    /// Whether dirsync created or adopted this member and may therefore re-role or remove it.
    public var isManaged: Bool

    public init(
        id: ID, organization: Organization.ID, email: EmailAddress, name: String? = nil, role: Role,
        joinedAt: Date, invitedBy: String? = nil, origin: Origin, anchor: String? = nil, isManaged: Bool = false
    ) {
        self.id = id
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
