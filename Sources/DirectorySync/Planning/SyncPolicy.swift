/// How a sync behaves: the `policy` section of `dirsync.yaml`.
public struct SyncPolicy: Sendable, Equatable {
    /// What happens to a managed member who is no longer wanted.
    public enum Offboarding: String, Sendable, Codable, CaseIterable {
        /// Removed from the organization.
        case remove
        /// Kept, with the role viewer.
        case downgrade
        /// Kept as is; the plan only reports it.
        case keep
        /// Every role and grant taken away, the profile kept; the person holds no seat (Signicat keeps a departed
        /// user's profile unless support deletes it).
        case removeAccess = "remove_access"
    }

    /// How a sync registers the people it invites (`policy.registration`).
    public enum Registration: String, Sendable, Codable, CaseIterable {
        /// The account first; the identity may follow (the default).
        case account
        /// Account and identity in one step: the directory must give every required identity field.
        case complete
    }

    /// What happens when an existing member gains grants or a higher organization role (`policy.new_access`).
    public enum NewAccess: String, Sendable, Codable, CaseIterable {
        /// The member is sent an offer and the access takes effect when they accept it.
        case offer
        /// The access takes effect at once.
        case apply
    }

    /// The nudge intervals a policy may set: 1m to 365d.
    public static let resendAfterRange = TimeSpan.minutes(1)...TimeSpan.days(365)

    /// Overrides the organization's invitation validity when set.
    public var invitationValidity: TimeSpan?
    /// A pending invitation unaccepted this long after it was sent is resent (a nudge).
    public var resendAfter: TimeSpan
    /// Resends (nudges and renewals) per invitation.
    public var maxResends: Int
    /// Changes per apply transaction, and invitations per batch (at most 50).
    public var batchSize: Int
    /// What happens to a managed member who is no longer wanted (`policy.offboarding`); a managed invitation no
    /// longer wanted is revoked whatever this says.
    public var offboarding: Offboarding
    /// Manage members and invitations dirsync did not create, matched by email.
    public var adoptExisting: Bool
    /// Revocations + removals + downgrades per plan, at most.
    public var maxDeletions: Int
    /// …and at most this share of the people dirsync manages.
    public var maxDeletionRatio: Double
    /// Block when the source has this share fewer users than at the last successful run.
    public var maxShrinkRatio: Double
    /// Whether new access for existing members is offered (the default) or applied at once. Removing grants
    /// or lowering a role always applies at once.
    public var newAccess: NewAccess
    /// How long an offer's link works (`policy.offer_validity`, default 3 days, as an invitation's).
    public var offerValidity: TimeSpan
    /// Whether a sync's invitations are complete registrations (`policy.registration`).
    public var registration: Registration = .account
    /// What a complete registration needs: `organization.identity.required`, copied here when the
    /// configuration is read.
    public var identityRequired = Identity.defaultRequired
    /// How invitations get people in (`policy.invitation_flow`): by the link, or account first (a code, a request
    /// for access, an approval); an allowed domain may name its own (`AccessRules.domainFlows`).
    public var invitationFlow: Invitation.Flow = .link
    /// The allowed domains' own flows (`AccessRules.domainFlows`), copied here when the configuration is read.
    public var domainFlows: [String: Invitation.Flow] = [:]

    /// The flow an invitation to `email` follows: its allowed domain's, else `invitationFlow`.
    public func flow(for email: EmailAddress) -> Invitation.Flow {
        for (domain, flow) in domainFlows where DomainPattern.matches(domain, email.domain) { return flow }
        return invitationFlow
    }
    /// How long a request for access waits for approval (`policy.access_request_validity`, default 14 days).
    public var accessRequestValidity: TimeSpan = .days(14)

    /// A policy with dirsync's defaults for every value not given. Nothing is range-checked here: the
    /// configuration reader checks what `dirsync.yaml` sets.
    public init(
        invitationValidity: TimeSpan? = nil, resendAfter: TimeSpan = .days(3), maxResends: Int = 3, batchSize: Int = 50,
        offboarding: Offboarding = .remove, adoptExisting: Bool = false, maxDeletions: Int = 50,
        maxDeletionRatio: Double = 0.10, maxShrinkRatio: Double = 0.10, newAccess: NewAccess = .offer,
        offerValidity: TimeSpan = .days(3)
    ) {
        self.invitationValidity = invitationValidity
        self.resendAfter = resendAfter
        self.maxResends = maxResends
        self.batchSize = batchSize
        self.offboarding = offboarding
        self.adoptExisting = adoptExisting
        self.maxDeletions = maxDeletions
        self.maxDeletionRatio = maxDeletionRatio
        self.maxShrinkRatio = maxShrinkRatio
        self.newAccess = newAccess
        self.offerValidity = offerValidity
    }

    /// The most deletions a plan may carry when dirsync manages `managed` people.
    public func deletionLimit(managed: Int) -> Int {
        min(maxDeletions, Int((maxDeletionRatio * Double(managed)).rounded(.down)))
    }
}
