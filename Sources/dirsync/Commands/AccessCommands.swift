import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync accounts`: the named accounts within the organization that grants can be limited to.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "List, add and remove the organization's accounts.",
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts with how many grants each holds.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        /// One account in `accounts list --format json`.
        struct AccountJSON: Encodable {
            let name: String
            let grants: Int
            let created_at: String
        }

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let accounts = try await environment.ledger.accounts(in: organization.id)
            if format == .json {
                Console.out(
                    try JSONOutput.render(
                        accounts.map {
                            AccountJSON(
                                name: $0.account.name, grants: $0.grants,
                                created_at: DateText.iso8601($0.account.createdAt))
                        }))
                return
            }
            guard !accounts.isEmpty else {
                Console.out("\(organization.name) has no accounts ('dirsync accounts add NAME' adds one).")
                return
            }
            var table = TextTable(["ACCOUNT", "GRANTS", "ADDED"])
            for (account, grants) in accounts {
                table.append([account.name, String(grants), DateText.short(account.createdAt)])
            }
            Console.out(table.render(style: .stdout))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The account's name (up to 64 characters, no '@').", valueName: "name"))
        var name: String

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let account = try await environment.ledger.addAccount(
                name, in: organization.id, by: actor, at: environment.now)
            Console.out("Added account \(account.name) to \(organization.name).")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account; refused while grants are limited to it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The account's name.", valueName: "name")) var name: String

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            try await environment.ledger.removeAccount(name, in: organization.id, by: actor, at: environment.now)
            Console.out("Removed account \(name) from \(organization.name).")
        }
    }
}

/// `dirsync grants`: grants given and taken by hand (a sync never takes away a grant made here).
struct GrantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grants", abstract: "Give or take a member's grants by hand.",
        subcommands: [Add.self, Remove.self])

    /// The grant named on the command line.
    struct GrantOptions: ParsableArguments {
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress
        @Argument(help: ArgumentHelp("A role of access.roles, or account-admin or can_bulk_invite.", valueName: "role"))
        var role: String
        @Option(help: ArgumentHelp("Limit the grant to this account.", valueName: "name")) var account: String?
        @Flag(
            help: "Make the grant apply in every child (partner) organization too (organization-wide grants only).")
        var inherit = false

        var grant: Grant { Grant(role: role, account: account) }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a member a grant: offered for them to accept, or at once with policy.new_access: apply.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: GrantOptions

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let grant = try await environment.spelled(options.grant, in: organization)
            let actor = try await environment.authorizedActor(for: organization, to: .changeGrant(grant))
            let catalog = environment.configuration.rules.catalog
            let policy = environment.configuration.policy
            guard policy.newAccess == .offer else {
                let member = try await environment.ledger.grant(
                    grant, to: options.email, in: organization.id, catalog: catalog, inherits: options.inherit,
                    by: actor, at: environment.now)
                let children = options.inherit ? " and, inherited, in its child organizations" : ""
                Console.out("\(member.email) now holds \(grant) in \(organization.name)\(children).")
                return
            }
            let offer = try await environment.ledger.offer(
                grant, to: options.email, in: organization.id, catalog: catalog, inherits: options.inherit,
                validity: policy.offerValidity,
                mail: try environment.mailSettings(), by: actor, at: environment.now)
            Console.out(
                "Offered \(offer.summary) to \(offer.email) in \(organization.name); it applies when they accept "
                    + "(the link is valid until \(DateText.short(offer.expiresAt))).")
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a grant from a member (at once).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: GrantOptions

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            guard !options.inherit else {
                throw CommandError.invalidArgument(
                    "--inherit is for grants add", hint: "grants remove takes the grant away, inherited or not")
            }
            let grant = try await environment.spelled(options.grant, in: organization)
            let actor = try await environment.authorizedActor(for: organization, to: .changeGrant(grant))
            let member = try await environment.ledger.ungrant(
                grant, from: options.email, in: organization.id, by: actor, at: environment.now)
            Console.out("\(member.email) no longer holds \(grant) in \(organization.name).")
        }
    }
}
