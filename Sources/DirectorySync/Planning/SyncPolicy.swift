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

    /// A policy with dirsync's defaults for every value not given. Nothing is range-checked here: the
    /// configuration reader checks what `dirsync.yaml` sets.
    public init(
        invitationValidity: TimeSpan? = nil, resendAfter: TimeSpan = .days(3), maxResends: Int = 3, batchSize: Int = 50,
        offboarding: Offboarding = .remove, adoptExisting: Bool = false, maxDeletions: Int = 50,
        maxDeletionRatio: Double = 0.10, maxShrinkRatio: Double = 0.10
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
    }

    /// The most deletions a plan may carry when dirsync manages `managed` people.
    public func deletionLimit(managed: Int) -> Int {
        min(maxDeletions, Int((maxDeletionRatio * Double(managed)).rounded(.down)))
    }
}
