import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync init`: creates the store, the organization and its owner, and a starter `dirsync.yaml`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an organization with its owner, in a new or existing store, and a starter dirsync.yaml.",
        discussion: """
            The configuration file is written beside the store (or at --config) unless one exists already.
            A store can hold several organizations: run init again with another --org.
            """)

    @Option(help: ArgumentHelp("The organization's name.", valueName: "name"))
    var org: String

    @Option(help: ArgumentHelp("Members plus pending invitations may not exceed this.", valueName: "n"))
    var seats: Int

    @Option(
        help: ArgumentHelp("The owner's email address; the owner is the first member.", valueName: "email"),
        transform: ArgumentValue.email)
    var owner: EmailAddress

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

    func run() async throws {
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
