import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync members`: the organization's members.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List, remove and re-role the organization's members.",
        subcommands: [
            List.self, Show.self, IdentityCommand.self, Remove.self, RemoveAccess.self, RestoreAccess.self,
            SetRole.self,
        ],
        defaultSubcommand: List.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a member's or pending invitee's registration: the account, then the identity and what it lacks.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let (member, invitation) = try await environment.store.read { [email] db in
                (try db.member(email, in: organization.id), try db.pendingInvitation(for: email, in: organization.id))
            }
            let required = environment.configuration.organization.identityRequired
            let registration: RegistrationJSON
            if let member {
                registration = RegistrationJSON(member: member, required: required)
            } else if let invitation {
                registration = RegistrationJSON(invitation: invitation, required: required, now: environment.now)
            } else {
                throw LedgerError.memberNotFound(email)
            }
            switch format {
            case .json: Console.out(try JSONOutput.render(registration))
            case .text:
                var lines = [
                    "Account   \(registration.email) (username \(registration.username)): \(registration.account)"
                        + (registration.role.map { ", role \($0)" } ?? ""),
                    "Identity  \(registration.identity.complete ? "complete" : "incomplete: missing \(registration.identity.missing.joined(separator: ", "))")",
                ]
                let identity = registration.identity
                for (key, value) in [
                    ("given_name", identity.given_name), ("family_name", identity.family_name),
                    ("display_name", identity.display_name),
                ] {
                    lines.append("  \(key)  \(value ?? "—")")
                }
                for key in identity.fields.keys.sorted() { lines.append("  \(key)  \(identity.fields[key] ?? "")") }
                Console.out(lines.joined(separator: "\n"))
            }
        }
    }

    struct IdentityCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "identity", abstract: "Register personal information for a member or a pending invitee.",
            subcommands: [SetIdentity.self])
    }

    struct SetIdentity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Register or change given and family names, the display name and profile fields.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress
        @Option(name: .customLong("given-name"), help: "The given (first) name.") var givenName: String?
        @Option(name: .customLong("family-name"), help: "The family (last) name.") var familyName: String?
        @Option(name: .customLong("display-name"), help: "The name shown.") var displayName: String?
        @Option(
            name: .customLong("field"), help: ArgumentHelp("A profile field (repeatable).", valueName: "key=value"))
        var fields: [String] = []

        func run() async throws {
            let parsed = try ArgumentValue.profileFields(fields)
            guard givenName != nil || familyName != nil || displayName != nil || !parsed.isEmpty else {
                throw CommandError.invalidArgument(
                    "nothing to register", hint: "pass --given-name, --family-name, --display-name or --field KEY=VALUE"
                )
            }
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let identity = try await environment.ledger.registerIdentity(
                of: email, givenName: givenName, familyName: familyName, displayName: displayName, fields: parsed,
                in: organization.id, by: actor, at: environment.now)
            let missing = identity.missing(environment.configuration.organization.identityRequired)
            Console.out(
                "Registered \(email)'s identity in \(organization.name): "
                    + (missing.isEmpty ? "complete." : "still missing \(missing.joined(separator: ", "))."))
        }
    }

    struct RemoveAccess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-access",
            abstract: "Take every role and grant from a member but keep the profile; they hold no seat.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let member = try await environment.ledger.removeAccess(
                of: email, in: organization.id, by: actor, at: environment.now)
            Console.out(
                "\(member.email) no longer has any role or grant in \(organization.name); the profile is kept and "
                    + "holds no seat.")
        }
    }

    struct RestoreAccess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore-access", abstract: "Give a member whose access was removed a role (and a seat) again."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress
        @Option(help: "admin, member or viewer.", transform: ArgumentValue.role) var role: Role

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let member = try await environment.ledger.restoreAccess(
                of: email, as: role, in: organization.id, by: actor, at: environment.now)
            Console.out("\(member.email) is \(member.role) in \(organization.name) again.")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a member by hand (owners are never removed).",
            discussion: """
                A member dirsync manages who is still wanted by the directory is added again by the next sync; \
                change the directory, or the rules, to keep them out.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let address = email
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let member = try await environment.ledger.removeMember(
                address, in: organization.id, by: actor, at: environment.now)
            Console.out("Removed \(member.email) (\(member.role)) from \(organization.name).")
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role", abstract: "Give a member another role: admin, member or viewer (never owner).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress
        @Argument(help: ArgumentHelp("admin, member or viewer.", valueName: "role"), transform: ArgumentValue.role)
        var role: Role

        func run() async throws {
            let address = email
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            let (before, after) = try await environment.ledger.changeRole(
                of: address, to: role, in: organization.id, by: actor, at: environment.now)
            Console.out("\(after.email) is now \(after.role) in \(organization.name) (was \(before.role)).")
        }
    }

    struct List: AsyncParsableCommand {
        /// `complete`, or `missing given_name, …`.
        static func identityState(_ identity: Identity, _ required: [String]) -> String {
            let missing = identity.missing(required)
            return missing.isEmpty ? "complete" : "missing " + missing.joined(separator: ", ")
        }

        static let configuration = CommandConfiguration(abstract: "List members with their roles.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let members = try await environment.ledger.members(in: organization.id)
            let grants = Dictionary(
                grouping: try await environment.store.read { db in try db.grants(in: organization.id) }, by: \.member)
            // Grants inherited from the parent organization: shown beside the member, or as their own row for
            // someone who is not a member here (inherited access takes no seat in a child).
            let inherited = Dictionary(
                grouping: try await environment.store.read { db in try db.inheritedGrants(in: organization.id) },
                by: \.email)
            let memberEmails = Set(members.map(\.email))
            let required = environment.configuration.organization.identityRequired
            let inheritedOnly = inherited.keys.filter { !memberEmails.contains($0) }.sorted {
                $0.canonical < $1.canonical
            }
            switch format {
            case .json:
                Console.out(
                    try JSONOutput.render(
                        members.map {
                            MemberJSON(
                                $0, organization: organization, grants: grants[$0.id] ?? [],
                                inherited: inherited[$0.email] ?? [], required: required)
                        } + inheritedOnly.map { MemberJSON(inherited: inherited[$0] ?? [], organization: organization) }
                    ))
            case .text:
                let style = Style.stdout
                let anyGrants = !grants.isEmpty || !inherited.isEmpty
                func inheritedText(_ email: EmailAddress) -> [String] {
                    (inherited[email] ?? []).map { "\($0.grant) (inherited from \($0.from))" }
                }
                var table = TextTable(
                    ["EMAIL", "USERNAME", "ROLE", "NAME", "IDENTITY", "JOINED", "VIA"] + (anyGrants ? ["GRANTS"] : []))
                table.paint = { column, text in column == 2 && text == "owner" ? style.bold(text) : text }
                for member in members {
                    let held =
                        (grants[member.id] ?? []).map {
                            $0.grant.description + ($0.isManaged ? "" : " (by hand)")
                                + ($0.inherits ? ", inherited by children" : "")
                        } + inheritedText(member.email)
                    table.append(
                        [
                            member.email.canonical, member.username.text,
                            member.hasAccess ? member.role.rawValue : "— (access removed)",
                            member.name ?? "", Self.identityState(member.identity, required),
                            DateText.short(member.joinedAt),
                            member.origin.rawValue + (member.isManaged ? " (managed)" : ""),
                        ] + (anyGrants ? [held.joined(separator: ", ")] : []))
                }
                for email in inheritedOnly {
                    table.append(
                        [
                            email.canonical, "", "— (inherited)", inherited[email]?.first?.name ?? "", "", "",
                            "inherited",
                        ] + [inheritedText(email).joined(separator: ", ")])
                }
                Console.out(table.render(style: style))
                let live = try await environment.store.read { [now = environment.now] db in
                    try db.livePendingCount(in: organization.id, at: now)
                }
                let seated = members.count { $0.hasAccess }
                let without = members.count - seated
                Console.out(
                    "\n\(Plural.count(seated, "member")) in \(organization.name)"
                        + (without > 0 ? " (and \(without) whose access was removed)" : "")
                        + (inheritedOnly.isEmpty ? "" : " (and \(inheritedOnly.count) with inherited access)")
                        + "; \(seated + live) of "
                        + "\(organization.settings.seats) seats used (\(Plural.count(live, "pending invitation"))).")
            }
        }
    }
}
