import Foundation

/// Carries out a plan, batch by batch. Each batch is one store transaction holding its changes, their
/// audit events and their outbox messages, so a crash loses nothing and a re-run sends nothing twice.
///
/// Every change goes through the same lifecycle rules as the CLI's invitation commands, and is checked
/// again against the store as it is applied: owners are never touched, only records dirsync manages are
/// re-roled, removed or revoked, and seats are never exceeded, whatever a (possibly edited) plan file says.
public struct Applier: Sendable {
    /// The store the changes are written to, batch by batch.
    public let store: any OrganizationStore
    /// The sender and accept link of invitation mail; nil when mail is not configured, and an invitation or a
    /// resend then fails (`LedgerError.mailNotConfigured`).
    public let mail: MailSettings?
    /// The configuration's organization settings: the changes are checked under them, and the first batch writes
    /// them to the store.
    public let settings: SettingsOverride
    private let makeToken: @Sendable () -> InvitationToken

    /// An applier writing to `store`. `makeToken` makes each new invitation token (tests pass a predictable one).
    public init(
        store: any OrganizationStore, mail: MailSettings?, settings: SettingsOverride = SettingsOverride(),
        makeToken: @escaping @Sendable () -> InvitationToken = InvitationToken.generate
    ) {
        self.store = store
        self.mail = mail
        self.settings = settings
        self.makeToken = makeToken
    }

    /// Applying stopped part-way: `applied` changes were committed before `cause` stopped it.
    public struct Interrupted: Error, CustomStringConvertible {
        /// Changes per action in the batches committed before the stop.
        public let applied: [Plan.Action: Int]
        /// What stopped it: a `Failure`, the checkpoint's error (a shutdown, a lost lease), or the store's.
        public let cause: any Error
        /// The cause's description, unchanged.
        public var description: String { "\(cause)" }
    }

    /// What apply checks on its own before the first change, whatever the plan says: the safety rules
    /// computed again from the store and the configuration, and the domain and owner rules for every change.
    public struct Safeguards: Sendable {
        /// Domain Auto-Join and allowed domains: a join must be in an auto-join domain, an invitation in one of
        /// the two.
        public var rules: AccessRules
        /// The deletion limits and the shrink guard.
        public var policy: SyncPolicy
        /// The operator's override of a blocked plan (`--allow-deletions`).
        public var allowDeletions: Bool

        /// Safeguards from the configuration's rules and policy, and the operator's `--allow-deletions`.
        public init(rules: AccessRules, policy: SyncPolicy, allowDeletions: Bool) {
            self.rules = rules
            self.policy = policy
            self.allowDeletions = allowDeletions
        }
    }

    /// Why a plan was not (completely) applied.
    public enum Failure: Error, Equatable, UserFacingError {
        /// A safety rule blocks the plan (its own verdict, or the one computed again from the store), for the reason
        /// given; nothing was applied.
        case blocked(String)
        /// The store's organization (named here) is not as the plan saw it: it changed since, or it is another
        /// organization; nothing was applied.
        case stale(organization: String)
        /// A change breaks a rule of the organization whatever the plan says; nothing was applied.
        case refused(index: Int, action: Plan.Action, email: EmailAddress, problem: String)
        /// What a change acts on is no longer as the plan saw it (the organization changed between batches). Earlier
        /// batches stay applied; the batch holding this change was rolled back.
        case conflict(action: Plan.Action, email: EmailAddress, problem: String)

        /// One line for `error: …`, naming the change at fault when there is one.
        public var description: String {
            switch self {
            case .blocked(let reason): "the plan is blocked: \(reason)"
            case .stale(let organization):
                "the organization \(organization) changed since this plan was made; nothing was applied"
            case .refused(let index, let action, let email, let problem):
                "the plan cannot be applied: changes[\(index)] (\(action.rawValue) \(email)): \(problem); nothing was applied"
            case .conflict(let action, let email, let problem):
                "cannot \(action.rawValue) \(email): \(problem); its batch was rolled back and nothing after it was "
                    + "applied (earlier batches stay applied)"
            }
        }

        /// What to do next: review the plan, plan again, or apply with `--allow-deletions`.
        public var hint: String? {
            switch self {
            case .blocked: "review the plan; if the deletions are intended, apply it with --allow-deletions"
            case .stale: "run 'dirsync plan' again and apply the new plan"
            case .refused: "make a new plan with 'dirsync plan'; a plan file must not be edited"
            case .conflict: "run 'dirsync plan' again: it plans only what is still needed"
            }
        }
    }

    /// Applies every change but `defer`, `batchSize` changes per transaction, checking the plan's basis in
    /// the first. Returns the changes applied per action. With a `fence`, each batch's transaction first checks
    /// that the lease is still the caller's (`LeaseKeeper.Lost` otherwise, and that batch writes nothing).
    ///
    /// `checkpoint` is called with the number of changes applied so far and the total: before the first batch
    /// (with 0) and after each one. It may throw to stop between batches (a shutdown, a lost lease): what was
    /// committed stays.
    public func apply(
        _ plan: Plan, to organizationID: Organization.ID, actor: String, batchSize: Int, safeguards: Safeguards,
        details: [String: String] = [:], fence: LeaseFence? = nil,
        now: @escaping @Sendable () -> Date, checkpoint: @Sendable (Int, Int) async throws -> Void = { _, _ in }
    ) async throws -> [Plan.Action: Int] {
        let changes = plan.applicableChanges
        let size = max(1, min(batchSize, InvitationBatch.maximumSize))
        var applied: [Plan.Action: Int] = [:]
        var start = 0
        do {
            try await checkpoint(0, changes.count)
            try await applyBatches()
        } catch {
            throw Interrupted(applied: applied, cause: error)
        }
        return applied

        func applyBatches() async throws {
            repeat {
                let batch = Array(changes[start..<min(start + size, changes.count)])
                let isFirst = start == 0
                let moment = now()
                try await store.write { [settings, mail, makeToken] db in
                    guard let stored = try db.organization(id: organizationID) else { throw LedgerError.noOrganization }
                    try fence?.check(db, at: moment)
                    let organization = settings.applied(to: stored)
                    if isFirst {
                        let snapshot = try Self.checkBasis(plan, organization: organization, db: db, now: moment)
                        try Self.check(plan, against: snapshot, safeguards: safeguards, db: db)
                        try LedgerTransaction(db: db, organization: stored, now: moment, mail: nil)
                            .changeSettings(to: organization.settings, by: actor, via: "sync")
                    }
                    let rules = LedgerTransaction(
                        db: db, organization: organization, now: moment, mail: mail, makeToken: makeToken)
                    for change in batch {
                        try Self.apply(
                            change, with: rules, actor: actor, offerValidity: safeguards.policy.offerValidity,
                            registration: safeguards.policy.registration, details: details)
                    }
                }
                for change in batch { applied[change.action, default: 0] += 1 }
                start += batch.count
                try await checkpoint(start, changes.count)
            } while start < changes.count
        }
    }

    private static func checkBasis(_ plan: Plan, organization: Organization, db: any LedgerWriter, now: Date) throws
        -> OrganizationSnapshot
    {
        let snapshot = try OrganizationSnapshot.load(organization, from: db)
        guard plan.basis.organization.caseInsensitiveCompare(organization.name) == .orderedSame,
            snapshot.fingerprint == plan.basis.snapshot
        else { throw Failure.stale(organization: organization.name) }
        return snapshot
    }
}
