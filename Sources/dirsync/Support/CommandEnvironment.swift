import ArgumentParser
import DirectorySync
import DirectorySyncFolderMailer
import DirectorySyncSMTP
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// The composition root: the configuration, store, clock and mailer a command runs with, built from the
/// global options.
struct CommandEnvironment {
    let options: GlobalOptions
    let configuration: Configuration
    /// The configuration file as the user would name it; nil when running without one.
    let configFile: String?
    /// The store as the command names it: an absolute SQLite path or a PostgreSQL URL.
    let storePath: String
    let store: any OrganizationStore
    let now: Date

    var ledger: Ledger { Ledger(store: store) }

    static let defaultConfigFile = "dirsync.yaml"

    /// Loads the configuration (if any) and opens the store: an existing dirsync store, never created here
    /// (`.readWrite` migrates an older one, `.readOnly` writes nothing); only `init` creates stores.
    static func open(_ options: GlobalOptions, access: StoreAccess) throws -> CommandEnvironment {
        let (configuration, configFile) = try loadConfiguration(options)
        guard let storePath = options.store.map(StoreOpener.resolved) ?? configuration.storePath else {
            throw CommandError.noStore(configFile: configFile)
        }
        let store = try StoreOpener.open(storePath, password: configuration.storePassword, access: access)
        return CommandEnvironment(
            options: options, configuration: configuration, configFile: configFile, storePath: storePath, store: store,
            now: options.clock)
    }

    /// The environment of an organization registered for the agent pool: its configuration as registered (paths
    /// resolved against the folder it was in), over the pool's `store`.
    static func registered(
        _ registration: PoolRegistration, options: GlobalOptions, store: any OrganizationStore, storePath: String
    ) throws -> CommandEnvironment {
        let document = try YAMLValue.parse(registration.configuration, file: registration.file)
        var configuration = try Configuration.parse(
            document, directory: URL(fileURLWithPath: registration.folder, isDirectory: true))
        configuration.file = registration.file
        return CommandEnvironment(
            options: options, configuration: configuration, configFile: registration.file, storePath: storePath,
            store: store, now: options.clock)
    }

    /// The configuration named by `--config`, or `./dirsync.yaml` when it exists; without either, an empty one
    /// unless one is `required` (by default, when no `--store` says where the organization is).
    static func loadConfiguration(_ options: GlobalOptions, required: Bool? = nil) throws -> (Configuration, String?) {
        if let explicit = options.config {
            guard FileManager.default.fileExists(atPath: explicit) else { throw CommandError.noConfig(explicit) }
            return (try Configuration.load(URL(fileURLWithPath: absolute(explicit)), file: explicit), explicit)
        }
        guard FileManager.default.fileExists(atPath: defaultConfigFile) else {
            if required ?? (options.store == nil) { throw CommandError.noConfig(nil) }
            return (Configuration(), nil)
        }
        return (
            try Configuration.load(URL(fileURLWithPath: absolute(defaultConfigFile)), file: defaultConfigFile),
            defaultConfigFile
        )
    }

    /// The organization this command is about: `--org`, else `organization.name`, else the store's only one.
    /// `--org` must agree with the configuration's `organization.name`: its directory, rules and mail are that
    /// organization's, never another's.
    func organization() async throws -> Organization {
        if let org = options.org, let named = configuration.organization.name,
            org.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(named) != .orderedSame
        {
            throw CommandError.invalidArgument(
                "--org '\(org)' is not the organization \(configFile ?? "the configuration") is about ('\(named)')",
                hint: "pass --config with \(org)'s own configuration, or leave --org out")
        }
        return try await ledger.organization(named: options.org ?? configuration.organization.name)
    }

    /// `grant` with its account named as the store (or `organization.accounts`) spells it, so `signer@sales us`
    /// is limited to the account `Sales US`; an account neither has is refused, naming those there are.
    func spelled(_ grant: Grant, in organization: Organization) async throws -> Grant {
        guard let name = grant.account else { return grant }
        var known = try await ledger.accounts(in: organization.id).map(\.account.name)
        for name in configuration.rules.catalog.accounts
        where !known.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
            known.append(name)
        }
        guard let account = known.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
            throw AccessError.unknownAccount(name, known: known)
        }
        return Grant(role: grant.role, account: account)
    }

    /// Who a command that changes the organization acts as: `--as`, else `DIRSYNC_ACTOR`, else the inviter.
    func actingAddress(for organization: Organization) throws -> EmailAddress {
        if let actor = options.actor { return actor }
        if let variable = ProcessInfo.processInfo.environment["DIRSYNC_ACTOR"], !variable.isEmpty {
            do { return try EmailAddress(variable) } catch {
                throw CommandError.invalidArgument("DIRSYNC_ACTOR: \(error.description)", hint: nil)
            }
        }
        return configuration.organization.inviter ?? organization.settings.inviter
    }

    /// The acting address, once `Permissions` allow it `action` (refused with one line naming the actor, the
    /// permission and the scope); for resending or revoking, `invitation` names the invitation.
    func authorizedActor(
        for organization: Organization, to action: Permissions.Action, invitation: EmailAddress? = nil
    ) async throws -> String {
        try await ledger.authorize(
            try actingAddress(for: organization), to: action, in: organization.id, invitation: invitation)
    }

    /// The sender and accept-link template for invitation mail. Also checks that the mail transport can be
    /// set up (its secrets are there), so a command fails before it changes anything rather than after.
    func mailSettings() throws -> MailSettings {
        guard let settings = configuration.mail.settings else { throw CommandError.mailNotConfigured(configFile) }
        _ = try mailer()
        return settings
    }

    /// The configured transport, if any: a mail server or a folder.
    func mailer() throws -> (any Mailer)? {
        if let smtp = configuration.mail.smtp {
            guard let from = configuration.mail.from else { throw CommandError.mailNotConfigured(configFile) }
            do {
                return try SMTPMailer(
                    settings: smtp, sender: from.address, environment: ProcessInfo.processInfo.environment)
            } catch {
                // Name the file, as configuration errors do.
                throw CommandError.invalidArgument(
                    configFile.map { "\($0): \(error.description)" } ?? error.description, hint: error.hint)
            }
        }
        return configuration.mail.outboxFolder.map { FolderMailer(folder: URL(fileURLWithPath: $0, isDirectory: true)) }
    }

    /// Where mail goes, for messages: `smtp://host:port` or the folder.
    var mailDestination: String? {
        configuration.mail.smtp?.url ?? configuration.mail.outboxFolder.map(Self.relative)
    }

    /// Delivers what is queued and due, and says what happened to it; nil when no transport is configured.
    ///
    /// Every command that queues mail calls this after its change is committed. One delivery runs at a time
    /// per store (a lock beside it), so two commands finishing together never send the same message twice.
    @discardableResult
    func deliverQueuedMail(for organization: Organization) async throws -> OutboxDelivery.Report? {
        guard let mailer = try mailer(), let destination = mailDestination else {
            let queued = try await store.read { db in try db.outbox(in: organization.id, statuses: [.pending]).count }
            if queued > 0 {
                Console.note(
                    "\(Plural.count(queued, "message")) queued in the outbox; set mail.smtp or mail.outbox in the configuration to "
                        + "deliver them")
            }
            return nil
        }
        let clock = options
        let delivery = OutboxDelivery(
            store: store, mailer: mailer, policy: configuration.mail.retry,
            sleep: { span in
                Console.note("mail: cannot reach \(destination); trying again in \(span)")
                try? await Task.sleep(for: .seconds(span.seconds))
            })
        let report = try await delivery.deliverHoldingLease(for: organization, now: { clock.clock })
        if report.sent > 0 {
            let verb = configuration.mail.smtp == nil ? "written to" : "sent to"
            Console.note("mail: \(Plural.count(report.sent, "message")) \(verb) \(destination)")
        }
        if report.reconnections > 0, report.unavailable == nil {
            Console.note(
                "mail: \(destination) was unreachable at first; delivered after retrying \(Plural.count(report.reconnections, "time"))"
            )
        }
        if report.retryLater > 0 {
            Console.note("mail: \(Plural.count(report.retryLater, "message")) will be retried ('dirsync outbox list')")
        }
        for failure in report.failed { Console.note("mail: not delivered to \(failure.recipient): \(failure.reason)") }
        if let reason = report.unavailable {
            Console.note(
                "mail: cannot deliver now: \(reason); \(Plural.count(report.leftPending, "message")) \(report.leftPending == 1 ? "stays" : "stay") queued for "
                    + "'dirsync outbox deliver'")
        }
        return report
    }

    /// Exit code 4 when a command's changes are committed but some of its mail was not delivered: the server was
    /// unreachable or refused the login (the mail stays queued), or a message failed or waits for a retry. Cron
    /// sees it; nil when every due message went out.
    static func exitCode(after report: OutboxDelivery.Report?) -> ExitCode? {
        guard let report else { return nil }
        let undelivered = report.unavailable != nil || !report.failed.isEmpty || report.retryLater > 0
        return undelivered ? ExitCode(4) : nil
    }

    /// `path` made absolute against the working directory.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
            .standardizedFileURL.path
    }

    /// `path` relative to the working directory when it is inside it, for messages.
    static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}

/// Errors in how a command was set up, as opposed to what it was asked to do.
enum CommandError: Error, UserFacingError {
    case noConfig(String?)
    case noStore(configFile: String?)
    case mailNotConfigured(String?)
    case invalidArgument(String, hint: String?)
    case notATerminal(String)

    var description: String {
        switch self {
        case .noConfig(let file?): "no configuration file at \(file)"
        case .noConfig(nil): "no dirsync.yaml in this folder"
        case .noStore(let file?): "\(file) names no store"
        case .noStore(nil): "no store given"
        case .mailNotConfigured(let file):
            "invitation mail is not configured\(file.map { " in \($0)" } ?? ""): mail.from and mail.accept_url are needed"
        case .invalidArgument(let message, _): message
        case .notATerminal(let message): message
        }
    }

    var hint: String? {
        switch self {
        case .noConfig: "create one with 'dirsync init --org NAME --seats N --owner EMAIL', or pass --config PATH"
        case .noStore(let file?): "add 'store: dirsync.sqlite' to \(file), or pass --store PATH"
        case .noStore(nil): "pass --store PATH or --config PATH"
        case .mailNotConfigured:
            "add a mail section with from, accept_url and smtp or outbox (see README, Configuration)"
        case .invalidArgument(_, let hint): hint
        case .notATerminal: nil
        }
    }
}
