import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync invitations`: send, resend, revoke, accept and list invitations.
struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations", abstract: "Send, resend, revoke, accept and list invitations.",
        subcommands: [List.self, Send.self, Import.self, Check.self, Resend.self, Revoke.self, Accept.self],
        defaultSubcommand: List.self)

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Invite everyone in a CSV (the csv-template columns): every row checked first, then sent in batches of 50.",
            discussion: """
                Each batch of 50 rows is sent all or nothing: a row with a problem keeps its batch back, and the \
                summary says which rows were sent. --dry-run stops after the checks. Needs can_bulk_invite.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file")) var file: String
        @Option(
            help: "The role of rows whose role column is empty (admin, member or viewer).",
            transform: ArgumentValue.role)
        var role: Role?
        @Flag(name: .customLong("dry-run"), help: "Check every row and send nothing.") var dryRun = false

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: dryRun ? .readOnly : .readWrite)
            let organization = try await environment.organization()
            var rows: [InvitationImport.Row] = []
            let reader = try CSVReader(path: CommandEnvironment.absolute(file), file: file)
            try reader.read { entry in
                func column(_ name: String) -> String { entry.values(name).first?.text ?? "" }
                rows.append(
                    InvitationImport.Row(
                        location: entry.location, email: column("email"), username: column("username"),
                        givenName: column("first_name"), familyName: column("last_name"), role: column("role")))
            }
            guard !rows.isEmpty else {
                throw CommandError.invalidArgument(
                    "\(file) has no rows", hint: "start from 'dirsync csv-template --example'")
            }
            let now = environment.now
            let state = try await environment.store.read { db in
                let members = try db.members(in: organization.id)
                let pending = try db.invitations(in: organization.id, statuses: [.pending])
                var usernames: [Username: EmailAddress] = [:]
                for member in members { usernames[member.username] = member.email }
                for invitation in pending { usernames[invitation.username] = invitation.email }
                let used = members.count(where: \.hasAccess) + pending.count { $0.isLive(at: now) }
                return InvitationImport.Organization(
                    members: Dictionary(members.map { ($0.email, $0.role) }, uniquingKeysWith: { first, _ in first }),
                    invited: Swift.Set(pending.map(\.email)), usernames: usernames,
                    freeSeats: max(0, organization.settings.seats - used))
            }
            let checked = InvitationImport.check(rows, defaultRole: role, against: state)
            let invitees = checked.compactMap(\.invitee)
            let highest = invitees.map(\.role).max() ?? .viewer
            let actor = try await environment.authorizedActor(
                for: organization, to: .invite(count: max(invitees.count, 2), role: highest, grants: []))
            var table = TextTable(["LINE", "EMAIL", "ROLE", "USERNAME", "CHECK"])
            for row in checked {
                table.append([
                    row.row.location.description, row.row.email, row.invitee?.role.rawValue ?? row.row.role,
                    row.invitee?.username?.text ?? row.row.username, row.problem ?? "ok",
                ])
            }
            Console.out(table.render(style: .stdout))
            let problems = checked.filter { $0.problem != nil }.count
            if dryRun {
                Console.out(
                    "\n\(Plural.count(checked.count, "row")) checked: \(checked.count - problems) ok, "
                        + "\(Plural.count(problems, "problem")); nothing was sent (--dry-run).")
                if problems > 0 { throw ExitCode(1) }
                return
            }
            var sent: [String] = []
            var held: [String] = []
            let mail = try environment.mailSettings()
            for batch in InvitationImport.batches(checked) {
                let lines = Self.lines(batch)
                if let bad = batch.first(where: { $0.problem != nil }) {
                    held.append("\(lines) (\(bad.row.location) has a problem)")
                    continue
                }
                do {
                    _ = try await environment.ledger.invite(
                        batch.compactMap(\.invitee), in: organization.id, mail: mail, by: actor, at: now)
                    sent.append(lines)
                } catch let error as any UserFacingError {
                    held.append("\(lines) (\(error.description))")
                }
            }
            Console.out("")
            Console.out(sent.isEmpty ? "Nothing was sent." : "Sent: \(sent.joined(separator: ", ")).")
            if !held.isEmpty { Console.out("Not sent: \(held.joined(separator: "; ")).") }
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
            if !held.isEmpty { throw ExitCode(1) }
        }

        /// `rows 2–51` of a batch, by line.
        static func lines(_ batch: [InvitationImport.Checked]) -> String {
            let first = batch.first?.row.location.line ?? 0
            let last = batch.last?.row.location.line ?? 0
            return first == last ? "row \(first)" : "rows \(first)–\(last)"
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say for each address (and username) whether it is free or already used; exit 1 if any is used.",
            discussion: "Addresses are comma-separated, each EMAIL or EMAIL:USERNAME; without one, the username the "
                + "address would get is checked.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("EMAIL[:USERNAME], comma-separated.", valueName: "emails")) var emails: [String]
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let batch = try InvitationBatch(
                parsing: emails.flatMap(InvitationBatch.split), limit: InvitationBatch.maximumSize * 20)
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let rows = try await environment.store.read { [batch] db in
                try batch.addresses.map { email -> UsageJSON in
                    let member = try db.member(email, in: organization.id)
                    let invited = try db.pendingInvitation(for: email, in: organization.id)
                    let username =
                        batch.usernames[email] ?? member?.username ?? invited?.username ?? Username.derived(from: email)
                    let holder = try db.holder(of: username, in: organization.id)
                    return UsageJSON(
                        email: email.canonical,
                        email_used_by: member != nil ? "member" : invited != nil ? "invited" : nil,
                        username: username.text, username_used_by: holder.flatMap { $0 == email ? nil : $0.canonical },
                        username_is_theirs: holder == email)
                }
            }
            switch format {
            case .json:
                Console.out(try JSONOutput.render(rows))
            case .text:
                var table = TextTable(["EMAIL", "EMAIL IS", "USERNAME", "USERNAME IS"])
                for row in rows {
                    table.append([
                        row.email, row.email_used_by.map { "used (\($0))" } ?? "free", row.username,
                        row.username_used_by.map { "used by \($0)" } ?? (row.username_is_theirs ? "theirs" : "free"),
                    ])
                }
                Console.out(table.render(style: .stdout))
            }
            if rows.contains(where: { $0.email_used_by != nil || $0.username_used_by != nil }) { throw ExitCode(1) }
        }
    }

    /// One row of `invitations check --format json`.
    struct UsageJSON: Encodable {
        let email: String
        /// `member` or `invited` (a pending invitation); null when the address is free.
        let email_used_by: String?
        /// The username checked: the one given, the person's own, or the one the address would get.
        let username: String
        /// Who else holds the username; null when it is free or the person's own.
        let username_used_by: String?
        /// Whether the person (a member or invitee) holds it already.
        let username_is_theirs: Bool
    }

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
                    ["ID", "EMAIL", "USERNAME", "ROLE", "STATUS", "SENT", "EXPIRES", "RESENDS", "INVITED BY"]
                        + (anyGrants ? ["GRANTS"] : []))
                table.paint = { column, text in
                    guard column == 4 else { return text }
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
                            invitation.id.description, invitation.email.canonical, invitation.username.text,
                            invitation.role.rawValue,
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
        @Flag(
            help: ArgumentHelp(
                "Complete registration: account and identity in one step (needs organization.identity.required)."))
        var complete = false
        @Option(
            name: .customLong("field"),
            help: ArgumentHelp("A profile field the invitee has on accepting (repeatable).", valueName: "key=value"))
        var fields: [String] = []
        @Option(help: ArgumentHelp("The invitee's first name, pre-filled on the accept page (one address only)."))
        var firstName: String?
        @Option(help: ArgumentHelp("The invitee's last name, pre-filled on the accept page (one address only)."))
        var lastName: String?
        @Option(
            help: ArgumentHelp(
                "link (the accept link) or account-first (a code to request access with); default: the domain's "
                    + "flow in allowed_domains, else policy.invitation_flow."))
        var flow: Invitation.Flow?

        /// `--grant ROLE[@ACCOUNT]` options as grants, spelled as the organization spells its accounts.
        static func grants(
            _ texts: [String], account: String?, environment: CommandEnvironment, organization: Organization
        ) async throws -> [Grant] {
            if account != nil, texts.isEmpty {
                throw CommandError.invalidArgument(
                    "--account limits the invitation's grants, and it has none", hint: "add --grant ROLE")
            }
            var parsed: [Grant] = []
            for text in texts {
                let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let role = parts.first, !role.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
                    throw CommandError.invalidArgument(
                        "--grant: '\(text)' is not ROLE or ROLE@ACCOUNT", hint: "for example --grant signer@Sales US")
                }
                parsed.append(
                    try await environment.spelled(
                        Grant(role: role, account: parts.count == 2 ? parts[1] : account), in: organization))
            }
            return parsed
        }

        func run() async throws {
            guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
            if account != nil, grants.isEmpty {
                throw CommandError.invalidArgument(
                    "--account limits the invitation's grants, and it has none", hint: "add --grant ROLE")
            }
            let batch = try InvitationBatch(parsing: emails.flatMap(InvitationBatch.split))
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let parsed = try await Self.grants(
                grants, account: account, environment: environment, organization: organization)
            let rules = environment.configuration.rules
            let fallback = environment.configuration.policy.invitationFlow
            let chosen = flow
            let actor = try await environment.authorizedActor(
                for: organization, to: .invite(count: batch.addresses.count, role: role, grants: parsed))
            let invitations = try await environment.ledger.invite(
                batch, as: role, grants: parsed, catalog: environment.configuration.rules.catalog, message: message,
                givenName: firstName, familyName: lastName, profile: try ArgumentValue.profileFields(fields),
                complete: complete ? environment.configuration.organization.identityRequired : nil,
                flow: { chosen ?? rules.flow(for: $0, otherwise: fallback) }, in: organization.id,
                mail: try environment.mailSettings(), by: actor, at: environment.now)
            let until = invitations.first.map { DateText.short($0.expiresAt) } ?? ""
            let with = parsed.isEmpty ? "" : " with \(Set(parsed).sorted().map(\.description).joined(separator: ", "))"
            Console.out(
                "Invited \(invitations.count) as \(role)\(with) to \(organization.name), valid until \(until):")
            for invitation in invitations {
                Console.out(
                    "  \(invitation.email)"
                        + (invitation.flow == .accountFirst
                            ? " (account invitation: a code to request access with, no link)" : ""))
            }
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
                "Resent the invitation to \(invitation.email) (resend \(invitation.resendCount)); the new "
                    + (invitation.flow == .accountFirst ? "code" : "link") + " is valid until "
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
            let parsed = try OffersCommand.TokenOptions.read(token, link: "accept link", command: "invitations accept")
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let member = try await environment.ledger.accept(parsed, name: name, at: environment.now)
            let organization = try await environment.store.read { db in try db.organization(id: member.organization) }
            Console.out("\(member.email) joined \(organization?.name ?? "the organization") as \(member.role).")
        }
    }
}
