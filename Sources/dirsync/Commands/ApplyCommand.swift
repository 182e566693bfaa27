import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync apply`: carries out a saved plan, or a fresh one after confirmation.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a saved plan, or plan and apply after confirmation.",
        discussion: """
            With PLANFILE, applies that plan if the organization has not changed since it was made. Without, \
            plans now, shows the plan and asks for confirmation on a terminal (--yes skips it; without a \
            terminal, --yes is required). A blocked plan is refused unless --allow-deletions is given.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("A plan saved with 'dirsync plan --out'.", valueName: "planfile")) var planFile:
        String?
    @Flag(help: "Apply without asking.") var yes = false
    @Flag(help: "Apply even if a safety rule (deletions, shrink) blocked the plan.") var allowDeletions = false

    func run() async throws {
        // Without --yes, only a person at a terminal can say yes: check that before anything is read or printed.
        if !yes && !Console.stdinIsTerminal {
            throw CommandError.notATerminal(
                "refusing to apply without confirmation: standard input is not a terminal; pass --yes (or use 'dirsync sync' in scripts)"
            )
        }
        let environment = try CommandEnvironment.open(global, access: .readWrite)
        let organization = try await environment.organization()
        let engine = try environment.syncEngine()
        try await GracefulCommand.run { [self] in
            try await applyPlan(environment: environment, organization: organization, engine: engine)
        }
    }

    private func applyPlan(environment: CommandEnvironment, organization: Organization, engine: SyncEngine)
        async throws
    {
        let plan: Plan
        if let planFile {
            let key = try await environment.store.read { db in try db.planSigningKey() }
            plan = try Self.load(planFile, signingKey: key)
            guard plan.basis.organization.caseInsensitiveCompare(organization.name) == .orderedSame else {
                throw CommandError.invalidArgument(
                    "\(planFile) is a plan for \(plan.basis.organization), not \(organization.name)",
                    hint: "pass --org \"\(plan.basis.organization)\"")
            }
        } else {
            plan = try await engine.preview(organization, now: environment.now).plan
            Console.out(PlanTextView(plan: plan, style: .stdout).render())
        }
        // A blocked plan is refused (exit 3) without asking: a yes could not apply it.
        let isRefused = plan.blocked != nil && !allowDeletions
        if plan.hasChanges && !yes && !isRefused { try confirm(plan, organization: organization) }
        try await SyncReport.apply(
            plan, with: engine, environment: environment, organization: organization,
            trigger: .apply, allowDeletions: allowDeletions, startedAt: environment.now)
    }

    static func load(_ path: String, signingKey: [UInt8]) throws -> Plan {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandError.invalidArgument(
                "cannot read the plan \(path)", hint: "make one with 'dirsync plan --out \(path)'")
        }
        return try PlanFile.decode(data, file: path, signingKey: signingKey)
    }

    /// Asks on stderr, so `apply | tail` still shows the question; the answer comes from the terminal.
    private func confirm(_ plan: Plan, organization: Organization) throws {
        let count = plan.applicableChanges.count
        Console.prompt(
            "\nApply \(count == 1 ? "this change" : "these \(count) changes") to \(organization.name)? Only 'yes' is accepted: "
        )
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw CommandError.invalidArgument("apply cancelled; nothing was changed", hint: nil)
        }
    }
}

/// `dirsync sync`: plan and apply in one, for cron and scripts. Never asks.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Plan and apply in one go, without asking (for cron and scripts).",
        discussion: "Exit codes: 0 applied (or nothing to do), 1 error, 3 the plan is blocked by a safety rule.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Apply even if a safety rule (deletions, shrink) blocked the plan.") var allowDeletions = false

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readWrite)
        let organization = try await environment.organization()
        let engine = try environment.syncEngine()
        try await GracefulCommand.run { [allowDeletions] in
            let preview: SyncEngine.Preview
            do {
                preview = try await engine.preview(organization, now: environment.now)
            } catch {
                try? await engine.recordFailure(
                    error, organization: organization, trigger: .sync, startedAt: environment.now,
                    at: environment.liveClock())
                throw error
            }
            Console.out(PlanTextView(plan: preview.plan, style: .stdout).render())
            try await SyncReport.apply(
                preview.plan, with: engine, environment: environment, organization: organization,
                trigger: .sync, allowDeletions: allowDeletions, startedAt: environment.now)
        }
    }
}

/// Applying a plan from the command line: progress on a terminal, mail delivered, a one-line result.
enum SyncReport {
    static func apply(
        _ plan: Plan, with engine: SyncEngine, environment: CommandEnvironment, organization: Organization,
        trigger: SyncRun.Trigger, allowDeletions: Bool, startedAt: Date
    ) async throws {
        // A mail transport that cannot be set up (a secret's variable unset) stops here, before any change.
        _ = try environment.mailer()
        let total = plan.applicableChanges.count
        let showProgress = Console.stderrIsTerminal && total > 200
        let keeper = LeaseKeeper(
            store: environment.store, organization: organization, duration: environment.configuration.schedule.lease)
        let clock = environment.liveClock
        let fence = try await keeper.acquire(at: clock())
        let run: SyncRun
        do {
            run = try await keeper.whileHolding(clock: clock) {
                try await engine.apply(
                    plan, to: organization, trigger: trigger, allowDeletions: allowDeletions, startedAt: startedAt,
                    fence: fence, now: clock,
                    checkpoint: { done, total in
                        if showProgress && done > 0 { Console.progress("applied \(done) of \(total) changes") }
                        try GracefulCommand.stopOnShutdown(done: done, total: total)
                    })
            }
            await keeper.release()
        } catch let stop as SyncService.Stopped {
            // Asked to stop: what was committed stays, its mail waits for the next delivery.
            await keeper.release()
            if showProgress { Console.progress(nil) }
            let queued = try? await environment.store.read { db in
                try db.outbox(in: organization.id, statuses: [.pending]).count
            }
            if let queued, queued > 0 {
                Console.note(
                    "mail: \(Plural.count(queued, "message")) \(queued == 1 ? "stays" : "stay") queued for 'dirsync outbox deliver' or the next run"
                )
            }
            throw stop
        } catch let error as Applier.Failure {
            await keeper.release()
            if showProgress { Console.progress(nil) }
            if case .blocked = error {
                Console.error(error.description, hint: error.hint)
                throw ExitCode(3)
            }
            _ = try? await environment.deliverQueuedMail(for: organization)
            throw error
        } catch {
            await keeper.release()
            _ = try? await environment.deliverQueuedMail(for: organization)
            throw error
        }
        if showProgress { Console.progress(nil) }
        let report = try await environment.deliverQueuedMail(for: organization)
        let applied = Plan.Action.allCases.compactMap { action -> String? in
            guard let count = run.changes[action.rawValue], count > 0 else { return nil }
            return "\(count) \(PlanTextView.name(action))"
        }
        Console.out(
            applied.isEmpty
                ? "Nothing to apply: the organization matches the directory (run \(run.id))."
                : "Applied \(applied.joined(separator: ", ")) to \(organization.name) (run \(run.id)).")
        if let code = CommandEnvironment.exitCode(after: report) { throw code }
    }
}
