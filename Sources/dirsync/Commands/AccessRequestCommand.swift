import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

extension Invitation.Flow: ExpressibleByArgument {}

/// `dirsync access`: the account-first flow's requests for access — made with a code, approved or denied.
struct AccessRequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access", abstract: "Request access with an account invitation's code; approve, deny and list.",
        subcommands: [Request.self, Approve.self, Deny.self, List.self], defaultSubcommand: List.self)

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Request access with the code of an account invitation and the username you chose.",
            discussion:
                "The code is read from standard input unless --code gives it ('-' or nothing: standard input), "
                + "which keeps it out of the process list. What a sign-up page calls.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The code from the account invitation, or - for standard input.", valueName: "code"))
        var code: String?
        @Option(help: "The username you chose.", transform: { try Username($0) }) var username: Username
        @Option(
            help: "The address the account invitation went to (checked when given).", transform: ArgumentValue.email)
        var email: EmailAddress?
        @Option(help: "Your given name.") var givenName: String?
        @Option(help: "Your family name.") var familyName: String?

        func run() async throws {
            var text = code ?? "-"
            if text == "-" {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CommandError.invalidArgument(
                        "no code on standard input", hint: "pipe the code into 'dirsync access request --username U'")
                }
                text = line
            }
            let parsed = try AccessCode(parsing: text)
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let configuration = environment.configuration
            let (request, notified) = try await environment.ledger.requestAccess(
                code: parsed, email: email, username: username, givenName: try Member.typedName(givenName),
                familyName: try Member.typedName(familyName), validity: configuration.policy.accessRequestValidity,
                notify: configuration.organization.notify, mail: try? environment.mailSettings(), at: environment.now)
            Console.out(
                "Requested access for \(request.email) as \(request.username); "
                    + "\(Plural.count(notified.count, "admin")) notified. The request waits until "
                    + "\(DateText.short(request.expiresAt)).")
            if let organization = try? await environment.organization() {
                let report = try await environment.deliverQueuedMail(for: organization)
                if let code = CommandEnvironment.exitCode(after: report) { throw code }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a request for access: the organization invitation goes to that username.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The username the request names.", transform: { try Username($0) }) var username: Username
        @Option(help: "admin, member or viewer.", transform: ArgumentValue.role) var role: Role
        @Option(
            name: .customLong("grant"),
            help: ArgumentHelp("A role of access.roles they also hold (repeatable).", valueName: "role[@account]"))
        var grants: [String] = []
        @Option(help: ArgumentHelp("The account every --grant that names none is limited to.", valueName: "name"))
        var account: String?

        func run() async throws {
            guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let parsed = try await InvitationsCommand.Send.grants(
                grants, account: account, environment: environment, organization: organization)
            let actor = try await environment.authorizedActor(
                for: organization, to: .invite(count: 1, role: role, grants: parsed))
            let (request, invitation) = try await environment.ledger.approveAccess(
                username, as: role, grants: parsed, catalog: environment.configuration.rules.catalog,
                in: organization.id, mail: try environment.mailSettings(), by: actor, at: environment.now)
            Console.out(
                "Approved \(request.username) (\(request.email)); invited as \(invitation.role), valid until "
                    + "\(DateText.short(invitation.expiresAt)).")
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deny a request for access: its account invitation is revoked.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The username the request names.", transform: { try Username($0) }) var username: Username
        @Option(help: "Why, for the audit log.", transform: ArgumentValue.personalMessage) var reason: String?

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedActor(
                for: organization, to: .invite(count: 1, role: .viewer, grants: []))
            let request = try await environment.ledger.denyAccess(
                username, reason: reason, in: organization.id, by: actor, at: environment.now)
            Console.out("Denied \(request.username) (\(request.email)); the account invitation is revoked.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List requests for access (default: pending and expired).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Every request, approved and denied ones too.") var all = false
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let now = environment.now
            let requests = try await environment.ledger.accessRequests(
                in: organization.id, states: all ? Set(AccessRequest.State.allCases) : [.pending, .expired], at: now)
            switch format {
            case .json:
                Console.out(try JSONOutput.render(requests.map { AccessRequestJSON($0, now: now) }))
            case .text:
                var table = TextTable(["USERNAME", "EMAIL", "NAME", "STATE", "REQUESTED", "EXPIRES", "CLOSED BY"])
                for request in requests {
                    table.append([
                        request.username.text, request.email.canonical,
                        [request.givenName, request.familyName].compactMap { $0 }.joined(separator: " "),
                        request.state(at: now).rawValue, DateText.short(request.requestedAt),
                        DateText.short(request.expiresAt), request.closedBy ?? "",
                    ])
                }
                Console.out(table.render(style: Style.stdout))
                Console.out("\n\(Plural.count(requests.count, "request")).")
            }
        }
    }
}

/// One request for access in `access list --format json`; every key always present.
struct AccessRequestJSON: Encodable {
    let id: Int64
    let email: String
    let username: String
    let given_name: String?
    let family_name: String?
    let state: String
    let flow = "account-first"
    let step: String
    let requested_at: String
    let expires_at: String
    let closed_at: String?
    let closed_by: String?
    let reason: String?
    let invitation_id: Int64

    init(_ request: AccessRequest, now: Date) {
        id = request.id.rawValue
        email = request.email.canonical
        username = request.username.text
        given_name = request.givenName
        family_name = request.familyName
        let state = request.state(at: now)
        self.state = state.rawValue
        step =
            switch state {
            case .pending: "waiting_for_approval"
            case .expired: "request_expired"
            case .approved: "organization_invitation_sent"
            case .denied: "denied"
            }
        requested_at = DateText.iso8601(request.requestedAt)
        expires_at = DateText.iso8601(request.expiresAt)
        closed_at = request.closedAt.map(DateText.iso8601)
        closed_by = request.closedBy
        reason = request.reason
        invitation_id = request.invitation.rawValue
    }
}
