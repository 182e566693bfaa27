import Foundation

/// Carries out a plan, batch by batch. Each batch is one store transaction holding its changes, their
/// audit events and their outbox messages, so a crash loses nothing and a re-run sends nothing twice.
///
/// Every change goes through the same lifecycle rules as the CLI's invitation commands, and is checked
/// again against the store as it is applied: owners are never touched, only records dirsync manages are
/// re-roled, removed or revoked, and seats are never exceeded, whatever a (possibly edited) plan file says.
public struct Applier: Sendable {
    public let store: any OrganizationStore
    public let mail: MailSettings?
    public let settings: SettingsOverride
    private let makeToken: @Sendable () -> InvitationToken

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
        public let applied: [Plan.Action: Int]
        public let cause: any Error
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

        public init(rules: AccessRules, policy: SyncPolicy, allowDeletions: Bool) {
            self.rules = rules
            self.policy = policy
            self.allowDeletions = allowDeletions
        }
    }

    /// Why a plan was not (completely) applied.
    public enum Failure: Error, Equatable, UserFacingError {
        case blocked(String)
        case stale(organization: String)
        /// A change breaks a rule of the organization whatever the plan says; nothing was applied.
        case refused(index: Int, action: Plan.Action, email: EmailAddress, problem: String)
        case conflict(action: Plan.Action, email: EmailAddress, problem: String)

        public var description: String {
            switch self {
            case .blocked(let reason): "the plan is blocked: \(reason)"
            case .stale(let organization):
                "the organization \(organization) changed since this plan was made; nothing was applied"
            case .refused(let index, let action, let email, let problem):
                "the plan cannot be applied: changes[\(index)] (\(action.rawValue) \(email)): \(problem); nothing was applied"
            case .conflict(let action, let email, let problem):
                "cannot \(action.rawValue.replacingOccurrences(of: "_", with: "-")) \(email): \(problem); the changes before it were applied"
            }
        }

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
    /// the first. Returns the changes applied per action.
    ///
    /// `checkpoint` is called with the number of changes applied so far and the total: before the first batch
    /// (with 0) and after each one. It may throw to stop between batches (a shutdown, a lost lease): what was
    /// committed stays.
    public func apply(
        _ plan: Plan, to organizationID: Organization.ID, actor: String, batchSize: Int, safeguards: Safeguards,
        details: [String: String] = [:],
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
                    let organization = settings.applied(to: stored)
                    if isFirst {
                        let snapshot = try Self.checkBasis(plan, organization: organization, db: db, now: moment)
                        try Self.check(plan, against: snapshot, safeguards: safeguards, db: db)
                        try LedgerTransaction(db: db, organization: stored, now: moment, mail: nil)
                            .changeSettings(to: organization.settings, by: actor, via: "sync")
                    }
                    let rules = LedgerTransaction(
                        db: db, organization: organization, now: moment, mail: mail, makeToken: makeToken)
                    for change in batch { try Self.apply(change, with: rules, actor: actor, details: details) }
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
        let snapshot = OrganizationSnapshot(
            organization: organization, members: try db.members(in: organization.id),
            invitations: try db.invitations(in: organization.id, statuses: [.pending]))
        guard plan.basis.organization.caseInsensitiveCompare(organization.name) == .orderedSame,
            snapshot.fingerprint == plan.basis.snapshot
        else { throw Failure.stale(organization: organization.name) }
        return snapshot
    }

    /// The safety rules and the domain and owner rules, checked in the first batch's transaction against the
    /// organization as it is, before any change: a plan that breaks one changes nothing.
    private static func check(
        _ plan: Plan, against snapshot: OrganizationSnapshot, safeguards: Safeguards, db: any LedgerWriter
    ) throws {
        if !safeguards.allowDeletions {
            let lastUsers = try db.lastSuccessfulRun(in: snapshot.organization.id)?.sourceUsers
            let recomputed = Planner.block(
                deletions: plan.deletionCount, snapshot: snapshot, policy: safeguards.policy,
                sourceUsers: plan.basis.sourceUsers, lastSourceUsers: lastUsers)
            if let blocked = recomputed ?? plan.blocked { throw Failure.blocked(blocked.reason) }
        }
        var members = Dictionary(snapshot.members.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let invitations = Dictionary(snapshot.invitations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rules = safeguards.rules
        func inAutoJoin(_ email: EmailAddress) -> Bool {
            rules.autoJoinDomains.contains { DomainPattern.matches($0, email.domain) }
        }
        func invitable(_ email: EmailAddress) -> Bool {
            inAutoJoin(email) || rules.allowedDomains.contains { DomainPattern.matches($0, email.domain) }
        }
        for (index, change) in plan.changes.enumerated() where change.action != .defer {
            func refuse(_ problem: String) -> Failure {
                .refused(index: index, action: change.action, email: change.email, problem: problem)
            }
            if [change.role, change.fromRole, change.toRole].contains(.owner) {
                throw refuse("owners are never made, changed or removed by dirsync")
            }
            func member() throws -> Member {
                guard let id = change.memberID, var member = members[id] else {
                    throw refuse("it names no member of the organization")
                }
                guard member.email == (change.action == .update ? change.fromEmail ?? change.email : change.email)
                else { throw refuse("member \(id) is \(member.email), not the address the change names") }
                // Later changes (a role change after an email update) name the member by its new address.
                if change.action == .update {
                    member.email = change.email
                    members[id] = member
                }
                return member
            }
            func invitation() throws -> Invitation {
                guard let id = change.invitationID, let invitation = invitations[id] else {
                    throw refuse("it names no pending invitation of the organization")
                }
                let named = change.action == .reinvite ? change.fromEmail ?? change.email : change.email
                guard invitation.email == named else {
                    throw refuse("invitation \(id) is for \(invitation.email), not the address the change names")
                }
                return invitation
            }
            switch change.action {
            case .join:
                guard change.memberID == nil, change.invitationID == nil else { throw refuse("a join names no record") }
                guard inAutoJoin(change.email) else {
                    throw refuse("\(change.email.domain) is not an auto-join domain (organization.auto_join.domains)")
                }
            case .invite:
                guard change.memberID == nil, change.invitationID == nil else {
                    throw refuse("an invitation names no record")
                }
                guard invitable(change.email) else {
                    throw refuse("\(change.email.domain) is neither an auto-join nor an allowed domain")
                }
            case .reinvite:
                _ = try invitation()
                guard invitable(change.email) else {
                    throw refuse("\(change.email.domain) is neither an auto-join nor an allowed domain")
                }
            case .resend, .revoke:
                _ = try invitation()
            case .adopt:
                if change.memberID != nil { _ = try member() } else { _ = try invitation() }
            case .update, .remove, .changeRole:
                let found = try member()
                if found.role == .owner { throw refuse("owners are never changed or removed by dirsync") }
            case .downgrade:
                let found = try member()
                if found.role == .owner { throw refuse("owners are never changed or removed by dirsync") }
                guard change.toRole == .viewer else { throw refuse("a downgrade is to viewer") }
            case .defer:
                break
            }
        }
    }

    // MARK: - One change

    private static func apply(
        _ change: Plan.Change, with rules: LedgerTransaction, actor: String, details: [String: String]
    )
        throws
    {
        let db = rules.db
        var facts = details
        facts["via"] = "sync"
        facts["reason"] = change.reason
        if let rule = change.rule { facts["rule"] = rule }
        if let anchor = change.anchor { facts["anchor"] = anchor }
        func conflict(_ problem: String) -> Failure {
            .conflict(action: change.action, email: change.email, problem: problem)
        }
        func member() throws -> Member {
            guard let id = change.memberID, let member = try db.member(id: id) else {
                throw conflict("the member no longer exists")
            }
            guard member.role != .owner else { throw conflict("an owner is never changed by dirsync") }
            return member
        }
        func managedMember() throws -> Member {
            let found = try member()
            guard found.isManaged else { throw conflict("the member was added by hand and is not managed by dirsync") }
            return found
        }
        func invitation(managed: Bool = true) throws -> Invitation {
            guard let id = change.invitationID, let invitation = try db.invitation(id: id) else {
                throw conflict("the invitation no longer exists")
            }
            guard invitation.status == .pending else { throw conflict("the invitation is no longer pending") }
            guard !managed || invitation.isManaged else {
                throw conflict("the invitation was sent by hand and is not managed by dirsync")
            }
            return invitation
        }
        func requireRole(_ current: Role, _ expected: Role?) throws {
            if let expected, current != expected { throw conflict("its role is now \(current), not \(expected)") }
        }

        switch change.action {
        case .update:
            var updated = try managedMember()
            if let previous = change.fromEmail {
                guard updated.email == previous else { throw conflict("its email is no longer \(previous)") }
                if try db.member(change.email, in: rules.organization.id) != nil {
                    throw conflict("\(change.email) is already a member")
                }
                facts["from_email"] = previous.canonical
                updated.email = change.email
            }
            updated.anchor = change.anchor ?? updated.anchor
            try db.updateMember(updated)
            try rules.audit(.memberUpdated, actor: actor, subject: updated.email.canonical, facts)
        case .adopt:
            facts["managed"] = "yes"
            if change.memberID != nil {
                var adopted = try member()
                adopted.isManaged = true
                adopted.anchor = change.anchor ?? adopted.anchor
                try db.updateMember(adopted)
                try rules.audit(.memberUpdated, actor: actor, subject: adopted.email.canonical, facts)
            } else {
                var adopted = try invitation(managed: false)
                adopted.isManaged = true
                adopted.anchor = change.anchor ?? adopted.anchor
                try db.updateInvitation(adopted)
                try rules.audit(.invitationAdopted, actor: actor, subject: adopted.email.canonical, facts)
            }
        case .revoke:
            try rules.revoke(try invitation(), by: actor, details: facts)
        case .remove:
            try rules.remove(try managedMember(), by: actor, details: facts)
        case .downgrade, .changeRole:
            let target = try managedMember()
            try requireRole(target.role, change.fromRole)
            guard let role = change.toRole else { throw conflict("the plan names no new role") }
            try rules.changeRole(of: target, to: role, by: actor, details: facts)
        case .reinvite:
            let previous = try invitation()
            try rules.revoke(previous, by: actor, details: facts)
            // A live invitation hands its seat to its replacement; an expired one held none.
            if previous.isExpired(at: rules.now) { try rules.requireSeats(1) }
            try rules.invite(
                change.email, as: change.toRole ?? change.role ?? previous.role, message: nil, by: actor,
                anchor: change.anchor ?? previous.anchor, isManaged: true, details: facts)
        case .join:
            try rules.requireSeats(1)
            try rules.join(
                change.email, name: change.name, as: change.role ?? .member, origin: .domainAutoJoin, by: actor,
                anchor: change.anchor, isManaged: true, details: facts)
        case .invite:
            try rules.requireSeats(1)
            try rules.invite(
                change.email, as: change.role ?? .member, message: nil, by: actor, anchor: change.anchor,
                isManaged: true,
                details: facts)
        case .resend:
            try rules.resend(try invitation(), by: actor, details: facts)
        case .defer:
            break
        }
    }
}
