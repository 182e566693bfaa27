import Foundation

/// The right to apply changes to one organization: held by one agent (or one `apply`/`sync`) at a time,
/// with an expiry renewed while it works, so an agent that dies is taken over once its lease runs out.
public struct Lease: Sendable, Equatable {
    /// What a lease is for: each organization has one lease of each kind.
    public enum Purpose: String, Sendable, CaseIterable {
        /// The right to apply changes (an agent's run, `apply`, `sync`).
        case apply
        /// The right to deliver the organization's mail, so two processes never send the same message at once.
        case delivery
    }

    /// Who holds it: `host:pid:nonce`.
    public let holder: String
    /// When the holder claimed it; renewals keep it, a new claim (even by the same holder) sets it again.
    public let acquiredAt: Date
    /// When it lapses unless renewed; from then on another process may take it.
    public var expiresAt: Date
    /// When the holder, an agent, plans to run next (for `dirsync status`).
    public var nextRunAt: Date?
    /// The fencing token: larger with every claim of this organization's lease of this purpose, by anyone. Every
    /// write made under the lease checks, in its own transaction, that the lease still has this holder and token
    /// and has not expired, so a holder that stalled and lost the lease cannot write after its successor.
    public let fence: Int64

    /// A lease as the store holds it.
    public init(holder: String, acquiredAt: Date, expiresAt: Date, nextRunAt: Date? = nil, fence: Int64 = 0) {
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.nextRunAt = nextRunAt
        self.fence = fence
    }

    /// A holder name unique to this process: host, process id and a random part.
    public static func holderName() -> String {
        let host = ProcessInfo.processInfo.hostName
        let nonce = String(UInt32.random(in: .min ... .max), radix: 36)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(nonce)"
    }

    /// Whether `holder` names a process of this host that no longer exists. A holder on another host, or a
    /// process that exists (even a recycled process id), is taken as alive: the lease then simply expires.
    public static func isDeadLocalHolder(_ holder: String) -> Bool {
        let parts = holder.split(separator: ":")
        guard parts.count == 3, parts[0] == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]),
            pid != ProcessInfo.processInfo.processIdentifier
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The outcome of asking for a lease.
    public enum Claim: Sendable, Equatable {
        /// The lease is now the caller's: taken, or renewed if the caller already held it.
        case acquired(Lease)
        /// Someone else holds an unexpired lease.
        case heldElsewhere(Lease)
    }
}

/// What a write made under a lease carries: which organization's lease, of which purpose, whose, with which
/// fencing token.
public struct LeaseFence: Sendable, Equatable {
    /// The organization the lease is on.
    public let organization: Organization.ID
    /// Its name, for the error.
    public let organizationName: String
    /// The lease's purpose.
    public let purpose: Lease.Purpose
    /// The holder that claimed it.
    public let holder: String
    /// The token its claim was given.
    public let token: Int64

    /// The fence of `lease`, claimed on `organization` for `purpose`.
    public init(_ lease: Lease, purpose: Lease.Purpose, organization: Organization) {
        self.organization = organization.id
        organizationName = organization.name
        self.purpose = purpose
        holder = lease.holder
        token = lease.fence
    }

    /// Throws `LeaseKeeper.Lost` unless the lease is still this one and unexpired at `now`: called first in every
    /// transaction that writes under the lease, so the check and the write commit together (no claim replaces
    /// the lease before that transaction ends).
    public func check(_ db: any LedgerWriter, at now: Date) throws {
        guard try db.keepsLease(in: organization, for: purpose, holder: holder, fence: token, at: now) else {
            throw LeaseKeeper.Lost(organization: organizationName)
        }
    }

    /// Throws `LeaseKeeper.Lost` unless the lease is still this one and unexpired at `now`, as a read: for work
    /// that acts outside the transaction (a delivery batch checks before it sends).
    public func check(reading db: any LedgerReader, at now: Date) throws {
        guard try db.holdsLease(in: organization, for: purpose, holder: holder, fence: token, at: now) else {
            throw LeaseKeeper.Lost(organization: organizationName)
        }
    }
}

/// What an organization's agent last told people about, so a stuck agent does not send the same alert
/// every run, and a recovery is announced once.
public struct NotificationState: Sendable, Equatable {
    /// When the current run of problems began; nil when the last run succeeded.
    public var problemSince: Date?
    /// Consecutive failed or blocked runs.
    public var consecutiveProblems: Int
    /// When the last problem notification went out.
    public var lastNotifiedAt: Date?

    /// A state with no problem on record, unless said otherwise.
    public init(problemSince: Date? = nil, consecutiveProblems: Int = 0, lastNotifiedAt: Date? = nil) {
        self.problemSince = problemSince
        self.consecutiveProblems = consecutiveProblems
        self.lastNotifiedAt = lastNotifiedAt
    }
}
