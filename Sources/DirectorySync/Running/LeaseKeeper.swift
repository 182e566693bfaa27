import Foundation

/// Takes, renews and gives up one of an organization's leases (to apply, or to deliver mail) for one holder.
public struct LeaseKeeper: Sendable {
    /// The store holding the lease.
    public let store: any OrganizationStore
    /// The organization whose lease is kept; its name appears in errors.
    public let organization: Organization
    /// Which of the organization's leases: the right to apply, or to deliver mail.
    public let purpose: Lease.Purpose
    /// The name this keeper claims the lease as, `host:pid:nonce`; unique to this process by default.
    public let holder: String
    /// How long each claim or renewal lasts: a holder that dies loses the lease this long after its last renewal.
    public let duration: TimeSpan

    /// A keeper of `organization`'s `purpose` lease for `holder`, claiming it for `duration` at a time.
    public init(
        store: any OrganizationStore, organization: Organization, purpose: Lease.Purpose = .apply,
        holder: String = Lease.holderName(), duration: TimeSpan
    ) {
        self.store = store
        self.organization = organization
        self.purpose = purpose
        self.holder = holder
        self.duration = duration
    }

    /// Another holder has the lease.
    public struct Held: Error, Equatable, UserFacingError {
        /// The organization's name.
        public let organization: String
        /// The other holder's lease: who holds it, and until when.
        public let lease: Lease

        /// Which lease is held: the right to apply, or to deliver mail.
        public let purpose: Lease.Purpose

        /// Another holder has `lease`, the `purpose` lease of the organization named `organization`.
        public init(organization: String, lease: Lease, purpose: Lease.Purpose = .apply) {
            self.organization = organization
            self.lease = lease
            self.purpose = purpose
        }

        /// Who holds the lease, what it is doing, and until when.
        public var description: String {
            let doing = purpose == .apply ? "applying changes to" : "delivering the mail of"
            return
                "another dirsync (\(lease.holder)) is \(doing) \(organization); its lease runs until \(DateText.short(lease.expiresAt))"
        }

        /// Wait, or let a dead holder's lease expire; says when it does.
        public var hint: String? {
            "wait for it to finish; if that process died, its lease expires at \(DateText.iso8601(lease.expiresAt)) and is taken over then"
        }
    }

    /// The lease was taken over while this holder was working (it expired, e.g. after the process stalled).
    public struct Lost: Error, Equatable, UserFacingError {
        /// The organization's name.
        public let organization: String
        /// That the lease was lost and applying stopped.
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
        let (organization, purpose, holder, duration) = (self.organization, self.purpose, self.holder, self.duration)
        return try await store.writeLeases { db in
            let current = try db.lease(in: organization.id, for: purpose)
            let dead = current.flatMap { Lease.isDeadLocalHolder($0.holder) ? $0.holder : nil }
            let claim = try db.claimLease(
                in: organization.id, for: purpose, holder: holder, at: now, lasting: duration, replacing: dead)
            if case .acquired = claim, purpose == .apply {
                try Self.closeAbandonedRuns(of: organization, db: db, at: now)
            }
            return claim
        }
    }

    /// Claims the lease, waiting (a claim every 200 ms) while another holder has it, for at most `timeout`; then
    /// throws `Held`.
    @discardableResult
    public func waitAndAcquire(timeout: TimeSpan, clock: @escaping @Sendable () -> Date) async throws -> LeaseFence {
        let deadline = ContinuousClock.now + .seconds(timeout.seconds)
        while true {
            let claim = try await claim(at: clock())
            let lease: Lease
            switch claim {
            case .acquired(let mine): return LeaseFence(mine, purpose: purpose, organization: organization)
            case .heldElsewhere(let other): lease = other
            }
            guard ContinuousClock.now < deadline else {
                throw Held(organization: organization.name, lease: lease, purpose: purpose)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func closeAbandonedRuns(of organization: Organization, db: any LedgerWriter, at now: Date) throws {
        let closed = try db.closeRunningRuns(in: organization.id, as: abandonedRunError, at: now)
        let ledger = LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
        for run in closed {
            try ledger.audit(
                .syncRunFailed, actor: organization.settings.inviter.canonical, subject: organization.name,
                ["run_id": run.id.description, "trigger": run.trigger.rawValue, "reason": abandonedRunError])
        }
    }

    /// Claims the lease or throws `Held`; returns the fence the writes made under it carry.
    @discardableResult
    public func acquire(at now: Date) async throws -> LeaseFence {
        switch try await claim(at: now) {
        case .acquired(let lease): return LeaseFence(lease, purpose: purpose, organization: organization)
        case .heldElsewhere(let lease): throw Held(organization: organization.name, lease: lease, purpose: purpose)
        }
    }

    /// Extends the lease; throws `Lost` if another holder has it now.
    public func renew(at now: Date, nextRunAt: Date? = nil) async throws {
        let (organization, purpose, holder, duration) = (self.organization.id, self.purpose, self.holder, self.duration)
        let kept = try await store.writeLeases { db in
            try db.renewLease(
                in: organization, for: purpose, holder: holder, at: now, lasting: duration, nextRunAt: nextRunAt)
        }
        if !kept { throw Lost(organization: self.organization.name) }
    }

    /// Gives up the lease if this holder still has it, so the next process need not wait for it to expire.
    /// Never fails: a lease that cannot be released simply expires.
    public func release() async {
        let (organization, purpose, holder) = (self.organization.id, self.purpose, self.holder)
        try? await store.writeLeases { db in try db.releaseLease(in: organization, for: purpose, holder: holder) }
    }

    /// Runs `body` while a child task renews the lease every third of its duration (saying, for an agent
    /// between runs, when it runs next). The one renewal loop: runs and the agent's waits both use it.
    public func whileHolding<T: Sendable>(
        clock: @escaping @Sendable () -> Date, nextRunAt: Date? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(max(1, Double(duration.seconds) / 3)))
                    try await renew(at: clock(), nextRunAt: nextRunAt)
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
