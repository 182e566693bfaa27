import Foundation

/// Takes, renews and gives up an organization's lease for one holder.
public struct LeaseKeeper: Sendable {
    public let store: any OrganizationStore
    public let organization: Organization
    public let holder: String
    public let duration: TimeSpan

    public init(
        store: any OrganizationStore, organization: Organization, holder: String = Lease.holderName(),
        duration: TimeSpan
    ) {
        self.store = store
        self.organization = organization
        self.holder = holder
        self.duration = duration
    }

    /// Another holder has the lease.
    public struct Held: Error, Equatable, UserFacingError {
        public let organization: String
        public let lease: Lease

        public var description: String {
            "another dirsync (\(lease.holder)) is applying changes to \(organization); its lease runs until \(DateText.short(lease.expiresAt))"
        }

        public var hint: String? {
            "wait for it to finish; if that process died, its lease expires at \(DateText.iso8601(lease.expiresAt)) and is taken over then"
        }
    }

    /// The lease was taken over while this holder was working (it expired, e.g. after the process stalled).
    public struct Lost: Error, Equatable, UserFacingError {
        public let organization: String
        public var description: String { "the lease on \(organization) was lost; stopped applying" }
    }

    /// The error recorded on a run whose process ended (`kill -9`, a crash, a power cut) while it was running.
    public static let abandonedRunError = "abandoned: the process ended before the run finished"

    /// Takes the lease if it is free, expired, ours, or held by a process of this host that no longer exists
    /// (a `kill -9`ed apply need not block the next one until its lease expires).
    ///
    /// Only the lease's holder runs, so a run still `running` when the lease is taken was abandoned by a
    /// process that died: in the same transaction it is closed as failed (`abandonedRunError`), with its
    /// `SYNC_RUN_FAILED` audit event.
    public func claim(at now: Date) async throws -> Lease.Claim {
        let (organization, holder, duration) = (self.organization, self.holder, self.duration)
        return try await store.write { db in
            let current = try db.lease(in: organization.id)
            let dead = current.flatMap { Lease.isDeadLocalHolder($0.holder) ? $0.holder : nil }
            let claim = try db.claimLease(in: organization.id, holder: holder, at: now, for: duration, replacing: dead)
            if case .acquired = claim { try Self.closeAbandonedRuns(of: organization, db: db, at: now) }
            return claim
        }
    }

    private static func closeAbandonedRuns(of organization: Organization, db: any LedgerWriter, at now: Date) throws {
        let closed = try db.closeRunningRuns(in: organization.id, as: abandonedRunError, at: now)
        let ledger = LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
        for run in closed {
            try ledger.audit(
                .syncRunFailed, actor: organization.settings.inviter.canonical, subject: organization.name,
                ["run_id": run.id.description, "trigger": run.trigger.rawValue, "reason": abandonedRunError])
        }
    }

    /// Claims the lease or throws `Held`.
    public func acquire(at now: Date) async throws {
        if case .heldElsewhere(let lease) = try await claim(at: now) {
            throw Held(organization: organization.name, lease: lease)
        }
    }

    /// Extends the lease; throws `Lost` if another holder has it now.
    public func renew(at now: Date, nextRunAt: Date? = nil) async throws {
        let (organization, holder, duration) = (self.organization.id, self.holder, self.duration)
        let kept = try await store.write { db in
            try db.renewLease(in: organization, holder: holder, at: now, for: duration, nextRunAt: nextRunAt)
        }
        if !kept { throw Lost(organization: self.organization.name) }
    }

    public func release() async {
        let (organization, holder) = (self.organization.id, self.holder)
        try? await store.write { db in try db.releaseLease(in: organization, holder: holder) }
    }

    /// Runs `body` while a child task renews the lease every third of its duration.
    public func whileHolding<T: Sendable>(
        clock: @escaping @Sendable () -> Date, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(max(1, Double(duration.seconds) / 3)))
                    try await renew(at: clock())
                }
            }
            group.addTask { try await body() }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }
}
