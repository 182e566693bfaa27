import Foundation

/// One organization's reconciliation: read the directory, plan against the organization, apply, and
/// record the run. The composition root gives it the live source, store and settings.
public struct SyncEngine: Sendable, CustomStringConvertible, CustomReflectable {
    /// The store the organization is read from and the run is recorded in.
    public let store: any OrganizationStore
    /// The directory; a failed or partial read throws (no partial result exists).
    public let source: any DirectorySource
    /// Who may be in the organization and with which role; apply checks every change against them again.
    public let rules: AccessRules
    /// The `policy` section: deletion limits, shrink guard, batch size, resends and offboarding.
    public let policy: SyncPolicy
    /// The configuration's organization settings: plans use them, apply writes them. Without an invitation
    /// validity of its own, it has the policy's (if any).
    public let settings: SettingsOverride
    /// The sender and accept link of invitation mail; nil when mail is not configured, and a plan that invites or
    /// resends then fails to apply.
    public let mail: MailSettings?
    private let makeToken: @Sendable () -> InvitationToken

    /// An engine over one organization's configuration. `makeToken` makes each new invitation token (tests pass a
    /// predictable one).
    public init(
        store: any OrganizationStore, source: any DirectorySource,
        rules: AccessRules, policy: SyncPolicy, settings: SettingsOverride, mail: MailSettings?,
        makeToken: @escaping @Sendable () -> InvitationToken = InvitationToken.generate
    ) {
        self.store = store
        self.source = source
        self.rules = rules
        self.policy = policy
        var settings = settings
        if settings.invitationValidity == nil { settings.invitationValidity = policy.invitationValidity }
        self.settings = settings
        self.mail = mail
        self.makeToken = makeToken
    }

    /// Never what the engine holds (its source may hold the environment).
    public var description: String { "sync engine" }
    /// No children, so a dump never shows the source, the store or the mail settings.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// A plan and what it was computed from.
    public struct Preview: Sendable {
        /// What would change, with the plan's diagnostics, and why it is blocked if a safety rule applies.
        public let plan: Plan
        /// Who the directory and the rules want in the organization, and who they turned away: the plan's input.
        public let desired: DesiredState
        /// The organization with the configuration's settings applied.
        public let organization: Organization
    }

    /// Reads the source and plans, writing nothing. The organization is loaded while the source is read; of each
    /// user read, only the rules' decision is kept.
    public func preview(_ organization: Organization, now: Date) async throws -> Preview {
        let effective = settings.applied(to: organization)
        async let current = store.read { db in
            (
                try OrganizationSnapshot.load(effective, from: db),
                try db.lastSuccessfulRun(in: organization.id)?.sourceUsers
            )
        }
        var desired = DesiredState(
            try await source.read(
                keeping: { [rules] in DesiredState.decide($0, rules: rules) }, groupsMatter: rules.testsGroups))
        desired.profileKeys = source.profileKeys
        let (snapshot, lastUsers) = try await current
        let inviter = effective.settings.inviter
        try settings.check(
            organization, seatsUsed: snapshot.members.count + snapshot.invitations.count { $0.isLive(at: now) },
            inviterRole: snapshot.members.first { $0.email == inviter }?.role)
        var plan = try Planner.plan(
            desired: desired, snapshot: snapshot, policy: policy, lastSourceUsers: lastUsers, now: now,
            mail: mail?.capabilities ?? .folder)
        let differences = settings.differences(from: organization)
        if !differences.isEmpty {
            plan.diagnostics.append(
                Diagnostic(
                    .info,
                    "\(settings.file) changes the organization's \(differences.joined(separator: ", ")); apply records it"
                ))
        }
        return Preview(plan: plan, desired: desired, organization: effective)
    }

    /// Applies `plan` and records the run. Whether the plan is blocked is decided again by the applier from the
    /// store and the policy (whatever the plan says): a blocked plan is recorded as blocked and refused unless
    /// `allowDeletions`; a failure is recorded as failed and rethrown.
    ///
    /// `startedAt` is when the command began (its read included), so a run's duration counts the whole of it.
    /// A `checkpoint` that throws `SyncService.Stopped` (a shutdown request) ends the run as `interrupted`, with
    /// the changes committed before it.
    ///
    /// Under a lease, `fence` is checked first in every transaction the run writes (its record, each batch, its
    /// end): once the lease is another holder's, nothing more of this run is stored.
    public func apply(
        _ plan: Plan, to organization: Organization, trigger: SyncRun.Trigger, allowDeletions: Bool,
        startedAt: Date? = nil, fence: LeaseFence? = nil, now: @escaping @Sendable () -> Date,
        checkpoint: @Sendable (Int, Int) async throws -> Void = { _, _ in }
    ) async throws -> SyncRun {
        let started = startedAt ?? now()
        let opened = now()
        var run = try await store.write { db in
            try fence?.check(db, at: opened)
            return try db.insertRun(organization: organization.id, trigger: trigger, at: started)
        }
        run.sourceKind = plan.basis.sourceKind
        run.sourceFingerprint = plan.basis.desired
        run.sourceUsers = plan.basis.sourceUsers
        let actor = (settings.inviter ?? organization.settings.inviter).canonical
        do {
            let applied = try await Applier(store: store, mail: mail, settings: settings, makeToken: makeToken).apply(
                plan, to: organization.id, actor: actor, batchSize: policy.batchSize,
                safeguards: Applier.Safeguards(rules: rules, policy: policy, allowDeletions: allowDeletions),
                details: ["run_id": run.id.description], fence: fence, now: now, checkpoint: checkpoint)
            run.changes = Dictionary(uniqueKeysWithValues: applied.map { ($0.key.rawValue, $0.value) })
            run.outcome = applied.values.reduce(0, +) == 0 ? .noChanges : .completed
            return try await finish(run, organization: organization, actor: actor, fence: fence, at: now())
        } catch let interrupted as Applier.Interrupted {
            if case .blocked(let reason)? = interrupted.cause as? Applier.Failure {
                run.outcome = .blocked
                run.error = reason
                try await finish(run, organization: organization, actor: actor, fence: fence, at: now())
                throw interrupted.cause
            }
            // Record what was committed before the interruption, then report its cause as it was.
            run.changes = Dictionary(uniqueKeysWithValues: interrupted.applied.map { ($0.key.rawValue, $0.value) })
            run.outcome = interrupted.cause is SyncService.Stopped ? .interrupted : .failed
            run.error = "\(interrupted.cause)"
            _ = try? await finish(run, organization: organization, actor: actor, fence: fence, at: now())
            throw interrupted.cause
        } catch {
            run.outcome = .failed
            run.error = "\(error)"
            _ = try? await finish(run, organization: organization, actor: actor, fence: fence, at: now())
            throw error
        }
    }

    /// Plans and applies in one go, recording a failed read as a failed run.
    public func sync(
        _ organization: Organization, trigger: SyncRun.Trigger, allowDeletions: Bool, fence: LeaseFence? = nil,
        now: @escaping @Sendable () -> Date,
        checkpoint: @Sendable (Int, Int) async throws -> Void = { _, _ in }
    ) async throws -> (Preview, SyncRun) {
        let started = now()
        let preview: Preview
        do {
            preview = try await self.preview(organization, now: started)
        } catch {
            try await recordFailure(error, organization: organization, trigger: trigger, startedAt: started, at: now())
            throw error
        }
        let run = try await apply(
            preview.plan, to: organization, trigger: trigger, allowDeletions: allowDeletions, startedAt: started,
            fence: fence, now: now, checkpoint: checkpoint)
        return (preview, run)
    }

    /// Records a run that failed before it had a plan (a failed source read), in one transaction: a lease taken
    /// meanwhile never sees it `running`.
    public func recordFailure(
        _ error: any Error, organization: Organization, trigger: SyncRun.Trigger, startedAt: Date? = nil, at now: Date
    ) async throws {
        let actor = (settings.inviter ?? organization.settings.inviter).canonical
        let message = "\(error)"
        try await store.write { db in
            var run = try db.insertRun(organization: organization.id, trigger: trigger, at: startedAt ?? now)
            run.outcome = .failed
            run.error = message
            _ = try Self.finish(run, organization: organization, actor: actor, at: now, in: db)
        }
    }

    /// Records `run` as finished at `now`, with its audit event; returns it as recorded.
    @discardableResult
    private func finish(
        _ run: SyncRun, organization: Organization, actor: String, fence: LeaseFence?, at now: Date
    ) async throws -> SyncRun {
        try await store.write { db in
            try fence?.check(db, at: now)
            return try Self.finish(run, organization: organization, actor: actor, at: now, in: db)
        }
    }

    private static func finish(
        _ run: SyncRun, organization: Organization, actor: String, at now: Date, in db: any LedgerWriter
    ) throws -> SyncRun {
        var record = run
        record.finishedAt = now
        try db.updateRun(record)
        var details = ["run_id": record.id.description, "trigger": record.trigger.rawValue]
        for (action, count) in record.changes where count > 0 { details[action] = String(count) }
        if let users = record.sourceUsers { details["source_users"] = String(users) }
        if let error = record.error { details["reason"] = error }
        let kind: AuditEvent.Kind =
            switch record.outcome {
            case .blocked: .syncRunBlocked
            case .failed, .running: .syncRunFailed
            case .interrupted: .syncRunInterrupted
            case .completed, .noChanges: .syncRunCompleted
            }
        try LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
            .audit(kind, actor: actor, subject: organization.name, details)
        // In the agent pool, the run's end and the next due time commit together: an agent killed after this
        // leaves nothing due to run again, one killed before leaves it due for whoever takes the lease over.
        if let registration = try db.poolRegistration(of: organization.id) {
            try db.setNextDue(of: organization.id, at: registration.nextDue(after: record.outcome, at: now))
        }
        return record
    }
}
