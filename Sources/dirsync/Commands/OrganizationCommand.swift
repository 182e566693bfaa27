import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync organization`: the organization's settings.
struct OrganizationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organization",
        abstract: "Show or change the organization's seats, inviter and invitation validity.",
        subcommands: [Show.self, Set.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the organization's settings and seat use.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let (members, live, parent, children) = try await environment.store.read { [now = environment.now] db in
                (
                    try db.memberCount(in: organization.id), try db.livePendingCount(in: organization.id, at: now),
                    try organization.parent.flatMap { try db.organization(id: $0)?.name },
                    try db.children(of: organization.id).map(\.name)
                )
            }
            if format == .json {
                Console.out(
                    try JSONOutput.render(
                        OrganizationJSON(
                            name: organization.name, seats: organization.settings.seats, seats_used: members + live,
                            members: members, pending_invitations: live,
                            inviter: organization.settings.inviter.canonical,
                            invitation_validity: organization.settings.invitationValidity.description,
                            invitation_validity_seconds: organization.settings.invitationValidity.seconds,
                            created_at: DateText.iso8601(organization.createdAt), parent: parent, children: children)))
                return
            }
            Console.out(
                """
                organization         \(organization.name)
                seats                \(members + live) of \(organization.settings.seats) used (\(Plural.count(members, "member")), \(Plural.count(live, "pending invitation")))
                inviter              \(organization.settings.inviter)
                invitation validity  \(organization.settings.invitationValidity)
                created              \(DateText.short(organization.createdAt))
                parent               \(parent ?? "none")
                children             \(children.isEmpty ? "none" : children.joined(separator: ", "))
                """)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the organization's settings.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The new seat limit.") var seats: Int?
        @Option(help: "Who is named as inviter in emails and the audit log.", transform: ArgumentValue.email)
        var inviter: EmailAddress?
        @Option(
            name: .customLong("invitation-validity"), help: "How long new invitation links work, e.g. 7d or 72h.",
            transform: ArgumentValue.validity)
        var invitationValidity: TimeSpan?
        @Option(help: "A partner organization in the store whose owners and admins may manage this one.")
        var parent: String?
        @Flag(name: .customLong("no-parent"), help: "Detach the organization from its partner organization.")
        var noParent = false

        func run() async throws {
            guard seats != nil || inviter != nil || invitationValidity != nil || parent != nil || noParent else {
                throw CommandError.invalidArgument(
                    "nothing to change", hint: "pass --seats, --inviter, --invitation-validity, --parent or --no-parent"
                )
            }
            if parent != nil && noParent {
                throw CommandError.invalidArgument(
                    "--parent and --no-parent contradict each other", hint: "pass one of them")
            }
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let newInviter = inviter
            let validity = invitationValidity
            let actor = try await environment.authorizedActor(for: organization, to: .manageOrganization)
            if parent != nil || noParent {
                let updated = try await environment.ledger.setParent(
                    of: organization.id, to: parent, by: actor, at: environment.now)
                Console.out(
                    updated.parent == nil
                        ? "\(updated.name) has no parent organization."
                        : "\(updated.name) is now a child of \(parent ?? ""): its owners and admins may manage it.")
                guard seats != nil || inviter != nil || invitationValidity != nil else { return }
            }
            let updated = try await environment.ledger.updateSettings(
                of: organization.id, by: actor, at: environment.now
            ) { [seats] settings in
                if let seats { settings.seats = seats }
                if let newInviter { settings.inviter = newInviter }
                if let validity { settings.invitationValidity = validity }
            }
            Console.out(
                "\(updated.name): \(updated.settings.seats) seats, inviter \(updated.settings.inviter), "
                    + "invitations valid \(updated.settings.invitationValidity).")
        }
    }
}

/// `dirsync organization show --format json`.
struct OrganizationJSON: Encodable {
    let name: String
    let seats: Int
    let seats_used: Int
    let members: Int
    let pending_invitations: Int
    let inviter: String
    let invitation_validity: String
    let invitation_validity_seconds: Int
    let created_at: String
    /// The partner (parent) organization's name; null for none.
    let parent: String?
    /// The organizations whose parent this one is.
    let children: [String]
}
