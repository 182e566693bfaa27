import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import Foundation

/// `dirsync organizations`: the organizations registered for the agent pool (`dirsync run --all-organizations`).
struct OrganizationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organizations",
        abstract: "Register organizations for the agent pool (run --all-organizations), list or remove them.",
        subcommands: [Add.self, List.self, Remove.self], defaultSubcommand: List.self)

    /// The largest configuration file a registration keeps.
    static let largestConfiguration = 1 << 20

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the organization a configuration file is about, with its source, rules and mail.",
            discussion: """
                The file is checked as every command checks it and kept in the store; relative paths in it \
                resolve against its folder, which must exist on every agent's machine. Adding it again \
                replaces the registration. It needs schedule.every, and is due at once.
                """)
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            guard let file = global.config else {
                throw CommandError.invalidArgument(
                    "organizations add needs --config FILE: the configuration of the organization to register",
                    hint: "for example: dirsync organizations add --config orgs/acme.yaml")
            }
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let configuration = environment.configuration
            guard let every = configuration.schedule.every else {
                throw CommandError.invalidArgument(
                    "\(file): schedule.every is not set; the pool runs each organization on its own schedule",
                    hint: "add 'schedule: { every: 15m }' to \(file)")
            }
            let path = CommandEnvironment.absolute(file)
            let text: String
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                guard data.count <= OrganizationsCommand.largestConfiguration else {
                    throw CommandError.invalidArgument(
                        "\(file) is larger than 1 MiB, too large to register", hint: nil)
                }
                text = String(decoding: data, as: UTF8.self)
            } catch let error as CommandError {
                throw error
            } catch {
                throw CommandError.invalidArgument("cannot read \(file)", hint: nil)
            }
            let organization = try await environment.organization()
            let actor = try environment.actingAddress(for: organization).canonical
            let registration = PoolRegistration(
                organization: organization.id, configuration: text,
                folder: URL(fileURLWithPath: path).deletingLastPathComponent().path, file: file, every: every,
                registeredAt: environment.now, registeredBy: actor, nextDueAt: environment.now)
            let replaced = try await environment.store.write { db in
                let existed = try db.poolRegistration(of: organization.id) != nil
                try db.savePoolRegistration(registration)
                return existed
            }
            Console.out(
                "\(replaced ? "Registered again" : "Registered") \(organization.name) for the agent pool from \(file) "
                    + "(every \(every)); it is due now.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The registered organizations: schedule, next due time, lease holder and last run.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        struct Entry: Encodable {
            let organization: String
            let file: String
            let folder: String
            let every: String
            let every_seconds: Int
            let registered_at: String
            let registered_by: String
            let next_due_at: String
            let lease_holder: String?
            let lease_expires_at: String?
            let last_run_outcome: String?
            let last_run_finished_at: String?
        }

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let now = environment.now
            let entries = try await environment.store.read { db in
                try db.poolRegistrations().map { registration in
                    let organization = try db.organization(id: registration.organization)
                    let lease = try db.lease(in: registration.organization, for: .apply).flatMap {
                        $0.expiresAt > now ? $0 : nil
                    }
                    let run = try db.runs(in: registration.organization, limit: 1).first
                    return Entry(
                        organization: organization?.name ?? "#\(registration.organization.rawValue)",
                        file: registration.file, folder: registration.folder, every: registration.every.description,
                        every_seconds: registration.every.seconds,
                        registered_at: DateText.iso8601(registration.registeredAt),
                        registered_by: registration.registeredBy, next_due_at: DateText.iso8601(registration.nextDueAt),
                        lease_holder: lease?.holder, lease_expires_at: lease.map { DateText.iso8601($0.expiresAt) },
                        last_run_outcome: run?.outcome.rawValue,
                        last_run_finished_at: run?.finishedAt.map(DateText.iso8601))
                }
            }
            if format == .json {
                Console.out(try JSONOutput.render(entries))
                return
            }
            guard !entries.isEmpty else {
                Console.out(
                    "No organization is registered for the agent pool (dirsync organizations add --config FILE).")
                return
            }
            for entry in entries {
                let holder = entry.lease_holder.map { "running on \($0)" } ?? "idle"
                let last = entry.last_run_outcome.map { "last run \($0)" } ?? "never run"
                Console.out(
                    "\(entry.organization)  every \(entry.every)  due \(entry.next_due_at)  \(holder)  \(last)  "
                        + "(\(entry.file))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take an organization out of the agent pool (the organization and its records stay).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The organization's name.") var name: String

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.ledger.organization(named: name)
            let removed = try await environment.store.write { db in
                try db.deletePoolRegistration(of: organization.id)
            }
            guard removed else {
                throw CommandError.invalidArgument(
                    "\(organization.name) is not registered for the agent pool",
                    hint: "'dirsync organizations list' shows the registered ones")
            }
            Console.out(
                "Removed \(organization.name) from the agent pool; a run in progress finishes, no new one starts.")
        }
    }
}
