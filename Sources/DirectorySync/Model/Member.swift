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
    public static func directoryName(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            let isControl =
                scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
            scalars.append(isControl ? " " : scalar)
        }
        let cleaned = String(scalars).trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : String(cleaned.prefix(200))
    }

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
