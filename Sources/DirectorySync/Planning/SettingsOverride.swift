/// Organization settings `dirsync.yaml` declares: a plan is computed with them, and apply writes them
/// to the store, so the configuration file is the source of truth for the values it sets.
public struct SettingsOverride: Sendable, Equatable {
    /// The seat limit `organization.seats` declares; nil keeps the stored one.
    public var seats: Int?
    /// The inviter `organization.inviter` declares; nil keeps the stored one.
    public var inviter: EmailAddress?
    /// The invitation validity `policy.invitation_validity` declares; nil keeps the stored one.
    public var invitationValidity: TimeSpan?
    /// The configuration file that declares them, as the user named it, for messages.
    public var file: String

    /// Overrides for the values given; nil ones are left as stored.
    public init(
        seats: Int? = nil, inviter: EmailAddress? = nil, invitationValidity: TimeSpan? = nil,
        file: String = "dirsync.yaml"
    ) {
        self.seats = seats
        self.inviter = inviter
        self.invitationValidity = invitationValidity
        self.file = file
    }

    /// The configuration asks for settings the organization may not have (seats below use, an inviter who is not
    /// an owner or admin): no plan is made.
    public struct Refused: Error, Equatable, UserFacingError {
        /// The configuration file that declares the values, as the user named it.
        public let file: String
        /// `organization.seats` or `organization.inviter`.
        public let key: String
        /// Why the organization may not take the value: `seatsBelowUse` or `inviterNotAdmin`.
        public let problem: LedgerError

        /// `FILE: KEY: problem`.
        public var description: String { "\(file): \(key): \(problem.description)" }
        /// The hint of `problem`.
        public var hint: String? { problem.hint }
    }

    /// Throws unless `organization` may take these values with `seatsUsed` seats in use and `inviterRole` the
    /// role of the configured inviter (nil when not a member).
    public func check(_ organization: Organization, seatsUsed: Int, inviterRole: Role?) throws(Refused) {
        let target = applied(to: organization).settings
        guard
            let problem = target.problem(
                changingFrom: organization.settings, seatsUsed: seatsUsed, inviterRole: inviterRole)
        else { return }
        let key = if case .seatsBelowUse = problem { "organization.seats" } else { "organization.inviter" }
        throw Refused(file: file, key: key, problem: problem)
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
