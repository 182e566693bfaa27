import ArgumentParser
import DirectorySync
import DirectorySyncSQLite
import Foundation

/// `dirsync invitations`: send, resend, revoke, accept and list invitations.
struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations", abstract: "Send, resend, revoke, accept and list invitations.",
        subcommands: [List.self, Send.self, Resend.self, Revoke.self, Accept.self], defaultSubcommand: List.self)

    /// The states `list --status` can select.
    enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
        case pending, expired, accepted, revoked, all

        var states: Swift.Set<Invitation.State> {
            switch self {
            case .pending: [.pending]
            case .expired: [.expired]
            case .accepted: [.accepted]
            case .revoked: [.revoked]
            case .all: Swift.Set(Invitation.State.allCases)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List invitations (default: pending and expired, i.e. not yet accepted or revoked).")

        @OptionGroup var global: GlobalOptions
        @Option(help: "pending, expired, accepted, revoked or all.") var status: StatusFilter?
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let states = status?.states ?? [.pending, .expired]
            let now = environment.now
            let invitations = try await environment.ledger.invitations(in: organization.id, states: states, at: now)
            let grants = try await environment.store.read { [ids = invitations.map(\.id)] db in
                try Dictionary(uniqueKeysWithValues: ids.map { ($0, try db.grants(of: $0)) })
            }
            switch format {
            case .json:
                Console.out(
                    try JSONOutput.render(invitations.map { InvitationJSON($0, now: now, grants: grants[$0.id] ?? []) })
                )
            case .text:
                let style = Style.stdout
                let anyGrants = grants.values.contains { !$0.isEmpty }
                var table = TextTable(
                    ["ID", "EMAIL", "ROLE", "STATUS", "SENT", "EXPIRES", "RESENDS", "INVITED BY"]
                        + (anyGrants ? ["GRANTS"] : []))
                table.paint = { column, text in
                    guard column == 3 else { return text }
                    switch text {
                    case "pending": return style.green(text)
                    case "expired": return style.yellow(text)
                    case "revoked": return style.red(text)
                    default: return text
                    }
                }
                for invitation in invitations {
                    table.append(
                        [
                            invitation.id.description, invitation.email.canonical, invitation.role.rawValue,
                            invitation.state(at: now).rawValue, DateText.short(invitation.sentAt),
                            DateText.short(invitation.expiresAt), String(invitation.resendCount), invitation.invitedBy,
                        ]
                            + (anyGrants
                                ? [(grants[invitation.id] ?? []).map(\.description).joined(separator: ", ")] : []))
                }
                Console.out(table.render(style: style))
                Console.out("\n\(Plural.count(invitations.count, "invitation")).")
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite up to 50 addresses with one role; all are invited, or (on any problem) none.",
            discussion: "Addresses are separated by commas: a@x.com,b@x.com. The batch must fit in the free seats.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Email addresses, comma-separated.", valueName: "emails")) var emails: [String]
        @Option(help: "admin, member or viewer.", transform: ArgumentValue.role) var role: Role
        @Option(help: "A personal note included in the email.", transform: ArgumentValue.personalMessage)
        var message: String?
        @Option(
            name: .customLong("grant"),
            help: ArgumentHelp(
                "A role of access.roles the invitee also holds on accepting, for the organization or one account (repeatable).",
                valueName: "role[@account]"))
        var grants: [String] = []
        @Option(
            help: ArgumentHelp(
                "The account every --grant that names none is limited to.", valueName: "name"))
        var account: String?
        @Option(help: ArgumentHelp("The invitee's first name, pre-filled on the accept page (one address only)."))
        var firstName: String?
        @Option(help: ArgumentHelp("The invitee's last name, pre-filled on the accept page (one address only)."))
        var lastName: String?

        func run() async throws {
            guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
            if account != nil, grants.isEmpty {
                throw CommandError.invalidArgument(
                    "--account limits the invitation's grants, and it has none", hint: "add --grant ROLE")
            }
            let batch = try InvitationBatch(parsing: emails.flatMap(InvitationBatch.split))
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            var parsed: [Grant] = []
            for text in grants {
                let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
                guard let role = parts.first, !role.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
                    throw CommandError.invalidArgument(
                        "--grant: '\(text)' is not ROLE or ROLE@ACCOUNT", hint: "for example --grant signer@Sales US")
                }
                parsed.append(
                    try await environment.spelled(
                        Grant(role: role, account: parts.count == 2 ? parts[1] : account), in: organization))
            }
            let actor = try await environment.authorizedActor(
                for: organization, to: .invite(count: batch.addresses.count, role: role, grants: parsed))
            let invitations = try await environment.ledger.invite(
                batch, as: role, grants: parsed, catalog: environment.configuration.rules.catalog, message: message,
                givenName: firstName, familyName: lastName, in: organization.id, mail: try environment.mailSettings(),
                by: actor, at: environment.now)
            let until = invitations.first.map { DateText.short($0.expiresAt) } ?? ""
            let with = parsed.isEmpty ? "" : " with \(Set(parsed).sorted().map(\.description).joined(separator: ", "))"
            Console.out(
                "Invited \(invitations.count) as \(role)\(with) to \(organization.name), valid until \(until):")
            for invitation in invitations { Console.out("  \(invitation.email)") }
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a pending or expired invitation again with a new link; the old link stops working.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The invited address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let address = email
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(
                for: organization, to: .manageInvitation(grants: []), invitation: address)
            let invitation = try await environment.ledger.resend(
                to: address, in: organization.id, mail: try environment.mailSettings(), by: actor, at: environment.now)
            Console.out(
                "Resent the invitation to \(invitation.email) (resend \(invitation.resendCount)); the new link is valid until "
                    + "\(DateText.short(invitation.expiresAt)) and the previous one no longer works.")
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a pending invitation: immediate and permanent.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The invited address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let address = email
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(
                for: organization, to: .manageInvitation(grants: []), invitation: address)
            let invitation = try await environment.ledger.revoke(
                to: address, in: organization.id, by: actor, at: environment.now)
            Console.out("Revoked the invitation to \(invitation.email); its link no longer works.")
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept an invitation with its token or accept link, as the invitee would.",
            discussion:
                "Give '-' (or nothing) to read the token from standard input, which keeps it out of the process list.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The token, the accept link, or - for standard input.", valueName: "token"))
        var token: String?
        @Option(help: "The new member's display name.") var name: String?

        func run() async throws {
            var text = token ?? "-"
            if text == "-" {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CommandError.invalidArgument(
                        "no token on standard input",
                        hint: "pipe the token or the accept link into 'dirsync invitations accept -'")
                }
                text = line
            }
            let parsed = try InvitationToken(parsing: text)
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let member = try await environment.ledger.accept(parsed, name: name, at: environment.now)
            let organization = try await environment.store.read { db in try db.organization(id: member.organization) }
            Console.out("\(member.email) joined \(organization?.name ?? "the organization") as \(member.role).")
        }
    }
}
