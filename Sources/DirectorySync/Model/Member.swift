import Foundation

/// A person who belongs to an organization, with a role.
public struct Member: Sendable, Equatable, Identifiable {
    /// The store's identifier for a member.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The member's primary key in the store.
        public let rawValue: Int64
        /// The identifier for primary key `rawValue`; it names a member only if the store gave it out.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The key in decimal, as listings and messages show it.
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

    /// The store's identifier for this member, kept when the email or role changes.
    public let id: ID
    /// The organization the member belongs to.
    public let organization: Organization.ID
    /// The canonical address the member is keyed on: unique within the organization. A sync changes it when the
    /// directory's address for the member's anchor changes.
    public var email: EmailAddress
    /// The display name, as the directory gave it or the person typed it when joining; nil when unknown.
    public var name: String?
    /// The member's role. Only the founder is made `owner`, and owners are never re-roled or removed.
    public var role: Role
    /// When the member joined: accepted the invitation, was auto-joined, or founded the organization.
    public let joinedAt: Date
    /// Who sent the invitation the member accepted (its `invitedBy`); nil for founders and auto-joins.
    public var invitedBy: String?
    /// How the member came into the organization.
    public var origin: Origin
    /// The directory anchor (objectGUID, entryUUID, SCIM id…) this member is matched on, if known.
    public var anchor: String?
    /// Whether dirsync created or adopted this member and may therefore re-role or remove it.
    public var isManaged: Bool
    /// The given name, as registered (the directory, an invitation's, or `members identity set`).
    public var givenName: String?
    /// The family name, as registered.
    public var familyName: String?
    /// Profile fields, by key.
    public var profile: [String: String] = [:]
    /// The value a sync last gave each profile field it manages (`""` for one it cleared): a field whose value
    /// differs was edited by hand since, which the next sync overrides with a diagnostic.
    public var profileSynced: [String: String] = [:]
    /// The username, unique in the organization (with pending invitations' usernames); it never changes once
    /// the account exists.
    public var username: Username
    /// When every role and grant was taken away (`policy.offboarding: remove_access`, `members remove-access`):
    /// the profile stays, the person holds no seat, no grants and no say; nil while they have access.
    public var accessRemovedAt: Date?

    /// Whether the member has access (a role that counts, a seat); false once their access was removed.
    public var hasAccess: Bool { accessRemovedAt == nil }

    /// A display name typed by a person (`--owner-name`, `invitations accept --name`): trimmed, at most 200
    /// characters, no control characters; nil when blank.
    public static func typedName(_ raw: String?) throws(LedgerError) -> String? {
        guard let trimmed = raw?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        if let control = Organization.Settings.firstControl(in: trimmed) {
            throw .controlCharacterInName(trimmed, control)
        }
        guard trimmed.count <= 200 else { throw .nameTooLong(trimmed.count) }
        return trimmed
    }

    /// A display name as a directory gives it: control characters become spaces and it is cut at 200
    /// characters, so a hostile name never breaks a mail header or a listing; nil when blank.
    public static func directoryName(_ raw: String?) -> String? { directoryText(raw, limit: 200) }

    /// A directory value cleaned as a name is, but kept up to `limit` characters (a profile field's 1,000).
    public static func directoryText(_ raw: String?, limit: Int) -> String? {
        guard let raw else { return nil }
        // Most directory values are printable ASCII with nothing to trim: they are kept as they are.
        let utf8 = raw.utf8
        if utf8.count <= limit, let first = utf8.first, first != 0x20, utf8.last != 0x20,
            utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        {
            return raw
        }
        var scalars = Array(raw.unicodeScalars)
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029 {
                scalars[index] = " "
            }
        }
        // Trimmed as `CharacterSet.whitespaces` would: space separators and U+200B (tabs are controls, made
        // spaces above).
        let isSpace = { (scalar: Unicode.Scalar) in
            scalar.properties.generalCategory == .spaceSeparator || scalar.value == 0x200B
        }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }),
            let end = scalars.lastIndex(where: { !isSpace($0) })
        else { return nil }
        var cleaned = String.UnicodeScalarView()
        cleaned.append(contentsOf: scalars[start...end])
        return String(String(cleaned).prefix(limit))
    }

    /// Assembles a member from its parts, as the store does when it reads one; nothing is checked here.
    public init(
        id: ID, organization: Organization.ID, email: EmailAddress, name: String? = nil, role: Role,
        joinedAt: Date, invitedBy: String? = nil, origin: Origin, anchor: String? = nil, isManaged: Bool = false,
        accessRemovedAt: Date? = nil, username: Username? = nil, givenName: String? = nil, familyName: String? = nil,
        profile: [String: String] = [:], profileSynced: [String: String] = [:]
    ) {
        self.profileSynced = profileSynced
        self.givenName = givenName
        self.familyName = familyName
        self.profile = profile
        self.accessRemovedAt = accessRemovedAt
        self.username = username ?? Username.derived(from: email)
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

extension Member {
    /// The member's personal information: names, display name and profile fields.
    public var identity: Identity {
        Identity(givenName: givenName, familyName: familyName, displayName: name, fields: profile)
    }
}
