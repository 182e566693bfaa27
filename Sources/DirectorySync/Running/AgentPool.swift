import Foundation
import Logging
import ServiceLifecycle

/// Many organizations, many agents: each agent of a pool (`dirsync run --all-organizations`, on any number of
/// processes and machines sharing one store) claims the registered organizations that are due and free, runs
/// each, and hands it back with its next due time.
///
/// - A claim is one write transaction: the due organizations whose apply lease is free or expired, soonest due
///   first, at most as many as this agent has room for (`capacity`), each leased to this agent with a new fencing
///   token. On PostgreSQL the registration rows are read `FOR UPDATE SKIP LOCKED`, so agents claiming at once take
///   different organizations; on SQLite writers take turns.
/// - While an organization runs, its lease is renewed (the run's own `LeaseKeeper`); every write of the run checks
///   the fence. An agent that dies leaves leases that expire, and its organizations, still due, are claimed by
///   the others then.
/// - The transaction that records the run's end also sets the next due time (`every` after it; sooner after a
///   failure), so a period is reconciled once whenever an agent dies; then the lease is released, if this agent
///   still holds it (a run that lost its lease leaves both to the new holder).
/// - No session state: the lease rows are the only coordination, so it works behind PgBouncer.
public struct AgentPool: Service, CustomStringConvertible {
    /// The store the pool's organizations and leases are in.
    public let store: any OrganizationStore
    /// This agent's holder name (`host:pid:nonce`), on every lease it takes.
    public let holder: String
    /// How many organizations this agent runs at once: it claims no more, so one agent cannot hoard the due ones.
    public let capacity: Int
    /// How long a claim lasts before the run's own keeper renews it.
    public let claimDuration: TimeSpan
    /// With `once`, the agent stops when nothing due is left for it to take and its runs have ended.
    public let once: Bool
    /// How often it looks for due organizations while it has room.
    public let pollInterval: Duration
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let runOrganization: @Sendable (PoolRegistration, Organization, LeaseFence) async -> Void

    /// A pool agent over `store`; `runOrganization` runs one claimed organization under the lease the claim took
    /// (its fence; renewed as `holder`, never claimed again: a run that lost the lease must not take it back) and
    /// returns when it is done, whatever the outcome.
    public init(
        store: any OrganizationStore, holder: String = Lease.holderName(), capacity: Int, claimDuration: TimeSpan,
        once: Bool, pollInterval: Duration = .seconds(1), clock: @escaping @Sendable () -> Date, logger: Logger,
        runOrganization: @escaping @Sendable (PoolRegistration, Organization, LeaseFence) async -> Void
    ) {
        self.store = store
        self.holder = holder
        self.capacity = max(1, capacity)
        self.claimDuration = claimDuration
        self.once = once
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
        self.runOrganization = runOrganization
    }

    /// Names the agent, never what it holds.
    public var description: String { "dirsync pool agent \(holder)" }

    /// Claims up to `limit` due organizations for this agent, in one transaction.
    public func claim(limit: Int, at now: Date) async throws -> [(PoolRegistration, Organization, LeaseFence)] {
        let (holder, duration) = (self.holder, claimDuration)
        return try await store.writeLeases { db in
            var claimed: [(PoolRegistration, Organization, LeaseFence)] = []
            for id in try db.dueOrganizations(at: now, limit: limit) {
                guard let registration = try db.poolRegistration(of: id), let organization = try db.organization(id: id)
                else { continue }
                let current = try db.lease(in: id, for: .apply)
                let dead = current.flatMap { Lease.isDeadLocalHolder($0.holder) ? $0.holder : nil }
                guard
                    case .acquired(let lease) = try db.claimLease(
                        in: id, for: .apply, holder: holder, at: now, lasting: duration, replacing: dead)
                else { continue }
                try LeaseKeeper.closeAbandonedRuns(of: organization, db: db, at: now)
                claimed.append(
                    (registration, organization, LeaseFence(lease, purpose: .apply, organization: organization)))
            }
            return claimed
        }
    }

    /// Releases the lease, if this agent still holds it. The run's end set the next due time; a run that never
    /// started (its registered configuration no longer loads) is tried again a sixteenth of a period later.
    public func hand(back claimed: PoolRegistration, at now: Date) async throws {
        let holder = self.holder
        try await store.writeLeases { db in
            guard try db.lease(in: claimed.organization, for: .apply)?.holder == holder else { return }
            if let current = try db.poolRegistration(of: claimed.organization), current.nextDueAt <= claimed.nextDueAt {
                try db.setNextDue(of: claimed.organization, at: current.nextDue(after: .failed, at: now))
            }
            try db.releaseLease(in: claimed.organization, for: .apply, holder: holder)
        }
    }

    /// Claims and runs due organizations until a shutdown request (or, with `once`, until nothing is left for it),
    /// then waits for the runs it started.
    public func run() async throws {
        logger.info("pool agent started", metadata: ["holder": "\(holder)", "capacity": "\(capacity)"])
        try await withThrowingTaskGroup(of: Organization.ID?.self) { group in
            var running = Set<Organization.ID>()
            var ticking = false
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var claimed: [(PoolRegistration, Organization, LeaseFence)] = []
                if running.count < capacity {
                    do {
                        claimed = try await claim(limit: capacity - running.count, at: clock())
                    } catch {
                        logger.error("cannot claim organizations", metadata: ["error": "\(error)"])
                    }
                }
                for (registration, organization, fence) in claimed {
                    running.insert(organization.id)
                    logger.info(
                        "claimed", metadata: ["organization": "\(organization.name)", "holder": "\(holder)"])
                    group.addTask { [self] in
                        await runOrganization(registration, organization, fence)
                        do {
                            try await hand(back: registration, at: clock())
                        } catch {
                            logger.error(
                                "cannot hand the organization back; its lease will expire",
                                metadata: ["organization": "\(organization.name)", "error": "\(error)"])
                        }
                        return organization.id
                    }
                }
                if once && claimed.isEmpty && running.isEmpty { break }
                if !ticking {
                    ticking = true
                    group.addTask { [pollInterval] in
                        try? await Task.sleep(for: pollInterval)
                        return nil
                    }
                }
                // Wait for a run to end or the next look, whichever comes first (so a shutdown request is seen
                // within `pollInterval`).
                let finished = try await group.next() ?? nil
                if let finished {
                    running.remove(finished)
                } else {
                    ticking = false
                }
            }
            // A shutdown request: no more claims; the runs in progress stop at their next checkpoint.
            while let finished = try await group.next() {
                if let finished { running.remove(finished) }
            }
        }
        logger.info("pool agent stopped", metadata: ["holder": "\(holder)"])
    }
}
