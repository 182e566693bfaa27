/// Organization settings `dirsync.yaml` declares: a plan is computed with them, and apply writes them
/// to the store, so the configuration file is the source of truth for the values it sets.
public struct SettingsOverride: Sendable, Equatable {
    public var seats: Int?
    public var inviter: EmailAddress?
    public var invitationValidity: TimeSpan?

    public init(seats: Int? = nil, inviter: EmailAddress? = nil, invitationValidity: TimeSpan? = nil) {
        self.seats = seats
        self.inviter = inviter
        self.invitationValidity = invitationValidity
    }

    /// `organization` with these values in place of the stored ones.
    public func applied(to organization: Organization) -> Organization {
        var result = organization
        if let seats { result.settings.seats = seats }
        if let inviter { result.settings.inviter = inviter }
        if let invitationValidity { result.settings.invitationValidity = invitationValidity }
        return result
    }

    /// What would change in the store, in words (`seats 50 → 250`); empty when nothing would.
    public func differences(from organization: Organization) -> [String] {
        let target = applied(to: organization).settings
        let stored = organization.settings
        var result: [String] = []
        if target.seats != stored.seats { result.append("seats \(stored.seats) → \(target.seats)") }
        if target.inviter != stored.inviter { result.append("inviter \(stored.inviter) → \(target.inviter)") }
        if target.invitationValidity != stored.invitationValidity {
            result.append("invitation validity \(stored.invitationValidity) → \(target.invitationValidity)")
        }
        return result
    }
}
