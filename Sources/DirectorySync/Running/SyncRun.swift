import Foundation

/// One read → plan → apply cycle, as recorded in the run history.
public struct SyncRun: Sendable, Equatable, Identifiable {
    /// The store's identifier for a run.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The store's row number for the run.
        public let rawValue: Int64
        /// Wraps a row number read from the store.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The row number in decimal, as the audit log's `run_id` gives it.
        public var description: String { String(rawValue) }
    }

    /// What started the run.
    public enum Trigger: String, Sendable, Codable, CaseIterable {
        /// `dirsync apply` (a saved or fresh plan).
        case apply
        /// `dirsync sync`.
        case sync
        /// `dirsync run`, the scheduled agent.
        case run
    }

    /// How it ended.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Still going, or the process died (shown as interrupted once it is not the latest).
        case running
        /// Finished, having applied at least one change.
        case completed
        /// Finished with nothing to apply.
        case noChanges = "no-changes"
        /// A safety rule (a deletion limit, the shrink guard) blocked the plan; nothing was applied, `error` says why.
        case blocked
        /// The source read, the plan or a change failed, or the process died mid-run; `error` says which.
        case failed
        /// A shutdown request (SIGTERM, SIGINT) stopped it between two batches; `changes` says what was applied.
        case interrupted

        /// Whether the source read of this run counts as the last good one (for the shrink guard).
        public var isSuccess: Bool { self == .completed || self == .noChanges }
    }

    /// The store's identifier, given when the run is recorded as it starts.
    public let id: ID
    /// The organization the run reconciled.
    public let organization: Organization.ID
    /// The command that started the run.
    public let trigger: Trigger
    /// When the command began, its directory read included.
    public let startedAt: Date
    /// When the run was recorded as finished; nil while it is `running`.
    public var finishedAt: Date?
    /// The kind of source the plan was made from; nil when the run failed before it had a plan.
    public var sourceKind: SourceKind?
    /// A digest of the source read and the rules' decisions (`Plan.Basis.desired`); nil without a plan.
    public var sourceFingerprint: String?
    /// Users read from the source, which the shrink guard compares with the last good run; nil without a plan.
    public var sourceUsers: Int?
    /// Changes applied, per action (`join`, `invite`, `change_role`…).
    public var changes: [String: Int]
    /// How the run ended; `running` until it is recorded as finished.
    public var outcome: Outcome
    /// Why the run failed, was blocked or was interrupted, in one line; nil when it completed or is still running.
    public var error: String?

    /// A run as the store records or reads it: `running`, with no changes, unless said otherwise.
    public init(
        id: ID, organization: Organization.ID, trigger: Trigger, startedAt: Date, finishedAt: Date? = nil,
        sourceKind: SourceKind? = nil, sourceFingerprint: String? = nil, sourceUsers: Int? = nil,
        changes: [String: Int] = [:], outcome: Outcome = .running, error: String? = nil
    ) {
        self.id = id
        self.organization = organization
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.sourceKind = sourceKind
        self.sourceFingerprint = sourceFingerprint
        self.sourceUsers = sourceUsers
        self.changes = changes
        self.outcome = outcome
        self.error = error
    }
}
