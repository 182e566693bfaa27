import Foundation

/// The tenant: a named organization with a seat limit, holding members and invitations.
public struct Organization: Sendable, Equatable, Identifiable {
    /// The store's identifier for an organization.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The organization's primary key in the store.
        public let rawValue: Int64
        /// The identifier for primary key `rawValue`; it names an organization only if the store gave it out.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The key in decimal, as listings and messages show it.
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
        /// The invitation validities an organization may have: 1m to 365d.
        public static let validityRange = TimeSpan.minutes(1)...TimeSpan.days(365)
        /// The seat limits an organization may have.
        public static let seatRange = 1...10_000_000

        /// Settings checked for the rules the store relies on.
        public init(name: String, seats: Int, inviter: EmailAddress, invitationValidity: TimeSpan = defaultValidity)
            throws(LedgerError)
        {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 200 else { throw .invalidOrganizationName(name) }
            if let control = Self.firstControl(in: trimmed) { throw .controlCharacterInName(name, control) }
            guard Self.seatRange.contains(seats) else { throw .invalidSeats(seats) }
            guard Self.validityRange.contains(invitationValidity) else { throw .invalidValidity(invitationValidity) }
            self.name = trimmed
            self.seats = seats
            self.inviter = inviter
            self.invitationValidity = invitationValidity
        }

        /// Settings read back from the store, which checked them when they were written. A value an older dirsync
        /// let through (a validity of 300000000000d) is read as the nearest bound, so it can never break a
        /// command; `organization set` corrects it.
        package init(storedName name: String, seats: Int, inviter: EmailAddress, invitationValidity: TimeSpan) {
            self.name = name
            self.seats = min(max(seats, Self.seatRange.lowerBound), Self.seatRange.upperBound)
            self.inviter = inviter
            self.invitationValidity = min(
                max(invitationValidity, Self.validityRange.lowerBound), Self.validityRange.upperBound)
        }

        /// Why the organization may not change from `stored` to these settings, if it may not: a seat limit
        /// lowered below the seats in use, or an inviter who is not an owner or admin (`inviterRole` is the
        /// inviter's role in the organization, nil when not a member). Values that did not change are not checked.
        public func problem(changingFrom stored: Settings, seatsUsed: Int, inviterRole: Role?) -> LedgerError? {
            if seats != stored.seats, seats < seatsUsed { return .seatsBelowUse(seats: seats, used: seatsUsed) }
            if inviter != stored.inviter, inviterRole.map({ $0 < .admin }) ?? true {
                return .inviterNotAdmin(inviter, role: inviterRole)
            }
            return nil
        }

        /// The first control character (C0, DEL, C1, or a line or paragraph separator) in a name, if any.
        public static func firstControl(in name: String) -> Unicode.Scalar? {
            name.unicodeScalars.first { scalar in
                scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
            }
        }
    }

    /// The store's identifier for this organization, fixed when it is created.
    public let id: ID
    /// The name, seat limit, inviter and invitation validity currently in force.
    public var settings: Settings
    /// When the organization was created.
    public let createdAt: Date
    /// The partner (parent) organization, whose owners and admins may manage this one and whose inherited grants
    /// apply here; nil for none.
    public var parent: ID?

    /// Assembles an organization from its parts, as the store does when it reads one; nothing is checked here.
    public init(id: ID, settings: Settings, createdAt: Date, parent: ID? = nil) {
        self.parent = parent
        self.id = id
        self.settings = settings
        self.createdAt = createdAt
    }

    /// The organization's name.
    public var name: String { settings.name }
}
