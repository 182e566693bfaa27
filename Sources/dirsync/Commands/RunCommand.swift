import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `dirsync run`: the scheduled agent.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Reconcile on a schedule, one agent per organization at a time (SIGTERM or SIGINT to stop).",
        discussion: """
            Runs every --every (default: schedule.every), plus up to schedule.jitter. A failed run is retried \
            sooner, backing off up to the interval; a blocked plan is never applied and is reported every run. \
            With --once, runs once and exits with 0 (completed or no changes), 1 (failed), 3 (blocked) or 5 \
            (skipped: another agent holds the lease).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(
        help: ArgumentHelp("How often to run, e.g. 15m (default: schedule.every).", valueName: "duration"),
        transform: ArgumentValue.interval)
    var every: TimeSpan?
    @Flag(help: "Run once and exit.") var once = false
    @Option(help: ArgumentHelp("Write Prometheus metrics here after each run.", valueName: "path")) var metricsFile:
        String?
    @Option(help: "Log format: text or json.") var logFormat: LogFormat = .text
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: LogLevel = .info

    @Flag(
        name: .customLong("all-organizations"),
        help: "Be one agent of a pool: run every organization registered with 'dirsync organizations add'.")
    var allOrganizations = false
    @Option(
        name: .customLong("max-concurrent"),
        help: ArgumentHelp(
            "With --all-organizations: organizations this agent runs at once, 1-64 (default 4).", valueName: "n"))
    var maxConcurrent: Int?

    func run() async throws {
        let format = logFormat
        let level = logLevel.level
        let logger = Logger(label: "dirsync") { label in LineLogHandler(label: label, format: format, logLevel: level) }
        if allOrganizations { return try await runPool(logger: logger) }
        if maxConcurrent != nil {
            throw CommandError.invalidArgument(
                "--max-concurrent is for the agent pool", hint: "add --all-organizations, or leave it out")
        }
        let environment = try CommandEnvironment.open(global, access: .readWrite)
        let configuration = environment.configuration
        let interval = every ?? configuration.schedule.every
        guard let interval = interval ?? (once ? TimeSpan.minutes(15) : nil) else {
            throw CommandError.invalidArgument(
                "no schedule: pass --every (e.g. --every 15m) or set schedule.every in the configuration", hint: nil)
        }
        let organization = try await environment.organization()
        let stopRecord = SyncService.StopRecord()
        let service = try Self.service(
            environment, organization: organization, holder: Lease.holderName(), interval: interval, once: once,
            metricsFile: metricsFile, logger: logger, stopRecord: stopRecord)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if once && stopRecord.lastAttemptWasSkipped { throw ExitCode(5) }
        if once && !stopRecord.stoppedByShutdown {
            let last = try await environment.store.read { db in try db.runs(in: organization.id, limit: 1).first }
            switch last?.outcome {
            case .failed?: throw ExitCode(1)
            case .blocked?: throw ExitCode(3)
            default: break
            }
        }
    }
}

/// `dirsync status`: the organization at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the last run, the next run, seats, invitations and mail.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let report = try await StatusReport.load(
            from: environment.store, organization: organization, at: environment.now)
        switch format {
        case .json: Console.out(try JSONOutput.render(StatusJSON(report)))
        case .text: Console.out(StatusJSON(report).text)
        }
    }
}

/// `dirsync status --format json`.
struct StatusJSON: Encodable {
    let organization: String
    let last_run: RunJSON?
    let last_success_at: String?
    let next_run_at: String?
    let agent: String?
    let agent_lease_expires_at: String?
    let seats: Int
    let seats_used: Int
    let members: Int
    let pending_invitations: Int
    let expired_invitations: Int
    let failed_mail: Int
    let pending_mail: Int
    let runs: [String: Int]

    init(_ report: StatusReport) {
        organization = report.organization.name
        last_run = report.lastRun.map(RunJSON.init)
        last_success_at = report.lastSuccess?.finishedAt.map(DateText.iso8601)
        let live = report.lease.flatMap { $0.expiresAt > report.at ? $0 : nil }
        next_run_at = live?.nextRunAt.map(DateText.iso8601)
        agent = live?.holder
        agent_lease_expires_at = live.map { DateText.iso8601($0.expiresAt) }
        seats = report.organization.settings.seats
        seats_used = report.seatsUsed
        members = report.members
        pending_invitations = report.pendingInvitations
        expired_invitations = report.expiredInvitations
        failed_mail = report.failedMail
        pending_mail = report.pendingMail
        // Every outcome, zero included: a key is never left out (README, "JSON formats").
        runs = Dictionary(
            uniqueKeysWithValues: SyncRun.Outcome.allCases.filter { $0 != .running }.map {
                ($0.rawValue, report.runsByOutcome[$0] ?? 0)
            })
    }

    var text: String {
        var lines = [("organization", organization)]
        if let run = last_run {
            let changes = run.changes.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append(
                (
                    "last run",
                    "#\(run.id) \(run.trigger) \(run.outcome) at \(DateText.short(DateText.parse(run.started_at) ?? Date()))"
                        + (changes.isEmpty ? "" : ": " + changes.joined(separator: " "))
                        + (run.error.map { " — \($0)" } ?? "")
                ))
        } else {
            lines.append(("last run", "none yet"))
        }
        lines.append(("last success", last_success_at.flatMap(DateText.parse).map(DateText.short) ?? "never"))
        if let agent {
            lines.append(
                (
                    "next run",
                    (next_run_at.flatMap(DateText.parse).map(DateText.short) ?? "running now") + " (agent \(agent))"
                ))
        } else {
            lines.append(("next run", "no agent is running ('dirsync run')"))
        }
        lines.append(
            (
                "seats",
                "\(seats_used) of \(seats) used (\(Plural.count(members, "member")), \(Plural.count(pending_invitations, "pending invitation")))"
            )
        )
        lines.append(("invitations", "\(pending_invitations) pending, \(expired_invitations) expired"))
        lines.append(("mail", "\(failed_mail) failed, \(pending_mail) waiting"))
        let history = ["completed", "no-changes", "blocked", "failed", "interrupted"].map { "\(runs[$0] ?? 0) \($0)" }
        lines.append(("runs", history.joined(separator: ", ")))
        return lines.map { $0.0.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

}

extension RunCommand {
    /// The agent of one organization, as its configuration describes it, leasing it as `holder`.
    static func service(
        _ environment: CommandEnvironment, organization: Organization, holder: String, interval: TimeSpan, once: Bool,
        metricsFile: String?, logger: Logger, stopRecord: SyncService.StopRecord
    ) throws -> SyncService {
        let configuration = environment.configuration
        let engine = try environment.syncEngine()
        var notifiers: [any Notifier] = []
        if let url = configuration.notify.webhook { notifiers.append(WebhookNotifier(url: url, http: DirSync.http)) }
        if let email = configuration.notify.email {
            guard let from = configuration.mail.from else {
                throw CommandError.mailNotConfigured(environment.configFile)
            }
            notifiers.append(
                MailNotifier(
                    store: environment.store, from: from, to: email, organization: organization.id))
        }
        let mailer = try environment.mailer()
        let store = environment.store
        let retry = configuration.mail.retry
        let clock = environment.liveClock
        return SyncService(
            engine: engine, organization: organization,
            keeper: LeaseKeeper(
                store: store, organization: organization, holder: holder, duration: configuration.schedule.lease),
            notifiers: notifiers,
            options: SyncService.Options(
                schedule: Schedule(interval: interval, jitter: configuration.schedule.jitter),
                once: once,
                metricsFile: metricsFile.map { URL(fileURLWithPath: CommandEnvironment.absolute($0)) },
                notificationPolicy: NotificationPolicy(every: configuration.notify.every)),
            logger: logger, clock: AgentClock(now: clock, sleep: AgentClock.realSleep), stopRecord: stopRecord,
            deliverMail: {
                guard let mailer else { return }
                do {
                    let report = try await OutboxDelivery(store: store, mailer: mailer, policy: retry)
                        .deliverHoldingLease(for: organization, now: clock)
                    if report.sent + report.failed.count + report.retryLater > 0 {
                        logger.info(
                            "mail delivered",
                            metadata: [
                                "organization": "\(organization.name)", "mail.sent": "\(report.sent)",
                                "mail.failed": "\(report.failed.count)", "mail.retry": "\(report.retryLater)",
                            ])
                    }
                    if let reason = report.unavailable {
                        logger.warning(
                            "mail transport unavailable",
                            metadata: ["mail.reason": "\(reason)", "mail.queued": "\(report.leftPending)"])
                    }
                } catch {
                    logger.error("mail delivery failed", metadata: ["error": "\(error)"])
                }
            })
    }

    /// `--all-organizations`: one agent of the pool over the store `--store` (or the configuration) names.
    private func runPool(logger: Logger) async throws {
        let capacity = maxConcurrent ?? 4
        guard (1...64).contains(capacity) else {
            throw CommandError.invalidArgument("--max-concurrent: \(capacity) is not between 1 and 64", hint: nil)
        }
        if every != nil || metricsFile != nil {
            throw CommandError.invalidArgument(
                "--all-organizations runs each organization on its own schedule.every; --every and --metrics-file "
                    + "are for one organization", hint: nil)
        }
        let environment = try CommandEnvironment.open(global, access: .readWrite)
        let holder = Lease.holderName()
        let (options, store, storePath) = (global, environment.store, environment.storePath)
        let pool = AgentPool(
            store: store, holder: holder, capacity: capacity,
            claimDuration: environment.configuration.schedule.lease, once: once, clock: environment.liveClock,
            logger: logger,
            runOrganization: { registration, organization, fence in
                var logger = logger
                logger[metadataKey: "organization"] = "\(organization.name)"
                do {
                    // The agent's one store (one connection, on PostgreSQL), shared by its runs: a connection per
                    // run would log in (SCRAM's key stretching) after the claim, eating into the claim's lease.
                    let registered = try CommandEnvironment.registered(
                        registration, options: options, store: store, storePath: storePath)
                    let service = try Self.service(
                        registered, organization: organization, holder: holder, interval: registration.every,
                        once: true, metricsFile: nil, logger: logger, stopRecord: SyncService.StopRecord())
                    _ = await service.attempt(holding: fence)
                } catch {
                    logger.error(
                        "cannot run the organization from its registered configuration",
                        metadata: ["file": "\(registration.file)", "error": "\(error)"])
                }
            })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: pool, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
