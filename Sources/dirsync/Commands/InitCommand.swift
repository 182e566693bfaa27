import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync init`: creates the store, the organization and its owner, and a starter `dirsync.yaml`; with
/// `--migrate-only`, only brings an existing store's schema up to date (a PostgreSQL store is migrated by this
/// command alone, so agents upgraded to a newer dirsync wait for it instead of racing to migrate).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an organization with its owner, in a new or existing store, and a starter dirsync.yaml.",
        discussion: """
            The configuration file is written beside the store (or at --config) unless one exists already.
            A store can hold several organizations: run init again with another --org.
            With --migrate-only, no organization is created: the store named by --store or the configuration
            gets the migrations it lacks (the only way a PostgreSQL store is migrated), and nothing else.
            """)

    @Option(help: ArgumentHelp("The organization's name (required unless --migrate-only).", valueName: "name"))
    var org: String?

    @Option(help: ArgumentHelp("Members plus pending invitations may not exceed this.", valueName: "n"))
    var seats: Int?

    @Option(
        help: ArgumentHelp("The owner's email address; the owner is the first member.", valueName: "email"),
        transform: ArgumentValue.email)
    var owner: EmailAddress?

    @Flag(
        name: .customLong("migrate-only"),
        help: "Only apply the migrations the store lacks; create no organization and write no configuration.")
    var migrateOnly = false

    @Option(name: .customLong("owner-name"), help: ArgumentHelp("The owner's display name.", valueName: "name"))
    var ownerName: String?

    @Option(
        name: .customLong("invitation-validity"),
        help: ArgumentHelp("How long invitation links work (default 7d).", valueName: "duration"),
        transform: ArgumentValue.validity)
    var invitationValidity: TimeSpan?

    @Option(
        help: ArgumentHelp(
            "A partner organization in the same store whose owners and admins may manage this one.",
            valueName: "name"))
    var parent: String?

    @Option(
        help: ArgumentHelp(
            "The store: an SQLite file (default: ./dirsync.sqlite) or postgresql://USER@HOST:PORT/DATABASE.",
            valueName: "path"))
    var store: String?

    @Option(help: ArgumentHelp("Where to write the configuration (default: beside the store).", valueName: "path"))
    var config: String?

    @Option(
        help: ArgumentHelp("Run as if it were this moment.", valueName: "iso8601"), transform: ArgumentValue.instant)
    var now: Date?

    func validate() throws {
        if migrateOnly {
            let given = [
                ("--org", org != nil), ("--seats", seats != nil), ("--owner", owner != nil),
                ("--owner-name", ownerName != nil), ("--invitation-validity", invitationValidity != nil),
                ("--parent", parent != nil),
            ].filter(\.1).map(\.0)
            if let first = given.first {
                throw ValidationError("--migrate-only creates no organization: leave out \(first)")
            }
        } else {
            for (flag, value) in [
                ("--org <name>", org != nil), ("--seats <n>", seats != nil), ("--owner <email>", owner != nil),
            ]
            where !value {
                throw ValidationError(
                    "Missing expected argument '\(flag)' (or --migrate-only to only migrate the store)")
            }
        }
    }

    func run() async throws {
        if migrateOnly { return try await migrate() }
        guard let org, let seats, let owner else {
            // validate() refused this already; never end without a word.
            throw CommandError.invalidArgument("init needs --org, --seats and --owner", hint: nil)
        }
        let ownerEmail = owner
        let ownerName = try parsed("--owner-name") { try Member.typedName(self.ownerName) }
        let validity = invitationValidity ?? Organization.Settings.defaultValidity
        let settings = try Organization.Settings(
            name: org, seats: seats, inviter: ownerEmail, invitationValidity: validity)
        let moment = try moment()

        let configPath = CommandEnvironment.absolute(
            config ?? store.flatMap {
                PostgresLocation.isPostgres($0)
                    ? nil
                    : URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("dirsync.yaml").path
            }
                ?? CommandEnvironment.defaultConfigFile)
        let existing = try existingConfiguration(at: configPath)
        let storePath =
            store.map(StoreOpener.resolved) ?? existing?.storePath
            ?? CommandEnvironment.absolute("dirsync.sqlite")

        // The one command that may create a store or migrate a PostgreSQL one; it too refuses a file or a
        // database that is not a dirsync store.
        let ledger = Ledger(
            store: try StoreOpener.open(storePath, password: existing?.storePassword, access: .create))
        let organization = try await ledger.createOrganization(
            settings, owner: ownerEmail, ownerName: ownerName, parent: parent, at: moment)
        Console.out(
            "Created organization \(organization.name) (\(organization.settings.seats) seats, invitations valid "
                + "\(organization.settings.invitationValidity)) with owner \(ownerEmail).")
        Console.out("Store: \(StoreOpener.shown(storePath))")

        if let existing {
            let names = existing.organization.name.map { " (it names organization \($0))" } ?? ""
            Console.out("Kept the existing configuration \(CommandEnvironment.relative(configPath))\(names).")
            if let named = existing.organization.name, named.caseInsensitiveCompare(organization.name) != .orderedSame {
                Console.out(
                    "Commands about \(organization.name) need its own configuration: copy "
                        + "\(CommandEnvironment.relative(configPath)), set organization.name to \(organization.name), "
                        + "and pass --config FILE.")
            }
        } else {
            let text = StarterConfiguration.text(
                organization: organization.name, owner: ownerEmail,
                storePath: PostgresLocation.isPostgres(storePath)
                    ? StoreOpener.shown(storePath)
                    : Self.path(
                        storePath, relativeTo: URL(fileURLWithPath: configPath).deletingLastPathComponent().path),
                createdAt: moment)
            try PrivateFile.write(text, to: configPath)
            Console.out("Wrote \(CommandEnvironment.relative(configPath)); set mail.accept_url to your accept page.")
        }
    }

    private func moment() throws -> Date { now ?? GlobalOptions.wallClock() }

    /// Applies the migrations the store at `--store`, or the configuration's `store:`, lacks. An SQLite file
    /// must exist already: creating a store is `init --org`'s.
    private func migrate() async throws {
        let configPath = CommandEnvironment.absolute(config ?? CommandEnvironment.defaultConfigFile)
        let existing = try existingConfiguration(at: configPath)
        if let config, existing == nil { throw CommandError.noConfig(config) }
        guard let storePath = store.map(StoreOpener.resolved) ?? existing?.storePath else {
            throw CommandError.invalidArgument(
                "--migrate-only needs the store", hint: "pass --store PATH_OR_URL, or --config FILE with store:")
        }
        if !PostgresLocation.isPostgres(storePath), !FileManager.default.fileExists(atPath: storePath) {
            throw CommandError.invalidArgument(
                "there is no store at \(StoreOpener.shown(storePath)) to migrate",
                hint: "dirsync init --org NAME --seats N --owner EMAIL creates one")
        }
        let opened = try StoreOpener.open(storePath, password: existing?.storePassword, access: .create)
        // Opening an SQLite store migrates it; a PostgreSQL store migrates on its first transaction.
        _ = try await opened.read { db in try db.organizations().count }
        Console.out("The store at \(StoreOpener.shown(storePath)) has every migration this dirsync knows.")
    }

    private func existingConfiguration(at path: String) throws -> Configuration? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Configuration.load(URL(fileURLWithPath: path), file: CommandEnvironment.relative(path))
    }

    /// `path` relative to `directory` when inside it, else absolute.
    static func path(_ path: String, relativeTo directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
