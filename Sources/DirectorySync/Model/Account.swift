import Foundation

/// A named part of an organization that grants can be limited to (`Legal EU`, `Sales US`).
public struct Account: Sendable, Equatable, Identifiable {
    /// The store's identifier for an account.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable {
        /// The account's primary key in the store.
        public let rawValue: Int64
        /// The identifier for primary key `rawValue`.
        public init(rawValue: Int64) { self.rawValue = rawValue }
    }

    /// The store's identifier.
    public let id: ID
    /// The organization it belongs to.
    public let organization: Organization.ID
    /// Its name, unique in the organization ignoring case.
    public let name: String
    /// When it was added.
    public let createdAt: Date

    /// An account from its parts, as the store reads it.
    public init(id: ID, organization: Organization.ID, name: String, createdAt: Date) {
        self.id = id
        self.organization = organization
        self.name = name
        self.createdAt = createdAt
    }
}

/// A grant a member holds, as the store keeps it: whether dirsync made it (and may take it away) and when.
public struct MemberGrant: Sendable, Equatable {
    /// Who holds it.
    public let member: Member.ID
    /// The role and the account it is limited to (by name).
    public let grant: Grant
    /// Whether dirsync made it from the grant rules; a grant made by hand is never taken away by a sync.
    public let isManaged: Bool
    /// When it was made.
    public let grantedAt: Date
    /// Whether it applies in every child (partner) organization too (`grants add --inherit`); only an
    /// organization-wide grant made by hand can be inherited.
    public let inherits: Bool

    /// A held grant from its parts.
    public init(member: Member.ID, grant: Grant, isManaged: Bool, grantedAt: Date, inherits: Bool = false) {
        self.inherits = inherits
        self.member = member
        self.grant = grant
        self.isManaged = isManaged
        self.grantedAt = grantedAt
    }
}

/// A grant a member of the parent organization holds with `inherit`, as a child organization sees it.
public struct InheritedGrant: Sendable, Equatable {
    /// The holder's address (a member of the parent).
    public let email: EmailAddress
    /// The holder's display name in the parent.
    public let name: String?
    /// The grant (organization-wide).
    public let grant: Grant
    /// The parent organization's name, where it can be changed.
    public let from: String

    /// An inherited grant from its parts.
    public init(email: EmailAddress, name: String?, grant: Grant, from: String) {
        self.email = email
        self.name = name
        self.grant = grant
        self.from = from
    }
}
