import Foundation

/// An organization registered for the agent pool (`dirsync organizations add`): its configuration kept in the
/// store, so that every agent of the pool, on any machine, runs it with the same source, rules and mail.
///
/// The text is the configuration file as it was registered; relative paths in it resolve against `folder`, which
/// must exist on every agent's machine. Configurations hold no secrets (passwords come from `*_env` or `*_file`
/// keys), but the type still prints nothing of the text.
public struct PoolRegistration: Sendable, Equatable, CustomStringConvertible {
    /// The organization.
    public let organization: Organization.ID
    /// The configuration file's text.
    public let configuration: String
    /// The folder the file was in (absolute): relative paths in it resolve against it.
    public let folder: String
    /// The file as it was named, for messages.
    public let file: String
    /// How often the pool reconciles it (the configuration's `schedule.every`).
    public let every: TimeSpan
    /// When it was registered, or registered again.
    public let registeredAt: Date
    /// Who registered it.
    public let registeredBy: String
    /// When its next run is due: an agent claims it from then on (or once its current holder's lease expires).
    public var nextDueAt: Date

    /// A registration as the store holds it.
    public init(
        organization: Organization.ID, configuration: String, folder: String, file: String, every: TimeSpan,
        registeredAt: Date, registeredBy: String, nextDueAt: Date
    ) {
        self.organization = organization
        self.configuration = configuration
        self.folder = folder
        self.file = file
        self.every = every
        self.registeredAt = registeredAt
        self.registeredBy = registeredBy
        self.nextDueAt = nextDueAt
    }

    /// When the next run is due after a run that ended at `now` with `outcome`: a period later when it
    /// reconciled (or was blocked, which a run cannot fix), a sixteenth of it after a failure, and at once after a
    /// shutdown request interrupted it (another agent may go on).
    public func nextDue(after outcome: SyncRun.Outcome, at now: Date) -> Date {
        switch outcome {
        case .completed, .noChanges, .blocked: now.addingTimeInterval(every.timeInterval)
        case .failed, .running: now.addingTimeInterval(max(1, every.timeInterval / 16))
        case .interrupted: now
        }
    }

    /// The file's name and the schedule, never the text.
    public var description: String { "\(file) (every \(every))" }
}
