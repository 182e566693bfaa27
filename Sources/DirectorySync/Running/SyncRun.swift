import Foundation

/// One read → plan → apply cycle, as recorded in the run history.
public struct SyncRun: Sendable, Equatable, Identifiable {
    /// The store's identifier for a run.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        public let rawValue: Int64
        public init(rawValue: Int64) { self.rawValue = rawValue }
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
        case completed
        case noChanges = "no-changes"
        case blocked
        case failed
        /// A shutdown request (SIGTERM, SIGINT) stopped it between two batches; `changes` says what was applied.
        case interrupted

        /// Whether the source read of this run counts as the last good one (for the shrink guard).
        public var isSuccess: Bool { self == .completed || self == .noChanges }
    }

    public let id: ID
    public let organization: Organization.ID
    public let trigger: Trigger
    public let startedAt: Date
    public var finishedAt: Date?
    public var sourceKind: SourceKind?
    public var sourceFingerprint: String?
    public var sourceUsers: Int?
    /// Changes applied, per action (`join`, `invite`, `change_role`…).
    public var changes: [String: Int]
    public var outcome: Outcome
    public var error: String?

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
