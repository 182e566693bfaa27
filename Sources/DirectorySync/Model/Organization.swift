import Foundation

/// The tenant: a named organization with a seat limit, holding members and invitations.
public struct Organization: Sendable, Equatable, Identifiable {
    /// The store's identifier for an organization.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        public let rawValue: Int64
        public init(rawValue: Int64) { self.rawValue = rawValue }
        public var description: String { String(rawValue) }
    }

    /// What an organization's administrators configure.
    public struct Settings: Sendable, Equatable {
        /// The name shown in invitations; unique in a store, compared case-insensitively.
        public var name: String
        /// Members plus live pending invitations may not exceed this.
        public var seats: Int
        /// Who is named as the inviter in invitation emails and audit events.
        public var inviter: EmailAddress
        /// How long an invitation link stays valid after it is sent or resent.
        public var invitationValidity: TimeSpan

        /// The default invitation validity: 7 days (168 hours).
        public static let defaultValidity = TimeSpan.days(7)

        /// Settings checked for the rules the store relies on.
        public init(name: String, seats: Int, inviter: EmailAddress, invitationValidity: TimeSpan = defaultValidity)
            throws(LedgerError)
        {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 200 else { throw .invalidOrganizationName(name) }
            guard seats >= 1 else { throw .invalidSeats(seats) }
            guard invitationValidity.seconds >= 60 else { throw .invalidValidity(invitationValidity) }
            self.name = trimmed
            self.seats = seats
            self.inviter = inviter
            self.invitationValidity = invitationValidity
        }
    }

    public let id: ID
    public var settings: Settings
    public let createdAt: Date

    public init(id: ID, settings: Settings, createdAt: Date) {
        self.id = id
        self.settings = settings
        self.createdAt = createdAt
    }

    /// The organization's name.
    public var name: String { settings.name }
}
