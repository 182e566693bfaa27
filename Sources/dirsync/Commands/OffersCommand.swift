import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync offers`: offers of new access to existing members, listed, answered, resent and revoked.
struct OffersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offers", abstract: "List, accept, decline, resend and revoke offers of new access.",
        subcommands: [List.self, Accept.self, Decline.self, Resend.self, Revoke.self], defaultSubcommand: List.self)

    /// The states `list --status` can select.
    enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
        case pending, expired, accepted, declined, revoked, all

        var states: Swift.Set<Offer.State> {
            switch self {
            case .all: Swift.Set(Offer.State.allCases)
            default: Offer.State(rawValue: rawValue).map { [$0] } ?? []
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List offers (default: pending and expired, i.e. not yet answered or revoked).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "pending, expired, accepted, declined, revoked or all.") var status: StatusFilter?
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let now = environment.now
            let offers = try await environment.ledger.offers(
                in: organization.id, states: status?.states ?? [.pending, .expired], at: now)
            switch format {
            case .json:
                Console.out(try JSONOutput.render(offers.map { OfferJSON($0, now: now) }))
            case .text:
                let style = Style.stdout
                var table = TextTable(["ID", "EMAIL", "OFFERED", "STATUS", "SENT", "EXPIRES", "RESENDS", "OFFERED BY"])
                table.uncutColumns = [2]
                for offer in offers {
                    table.append([
                        offer.id.description, offer.email.canonical, offer.summary, offer.state(at: now).rawValue,
                        DateText.short(offer.sentAt), DateText.short(offer.expiresAt), String(offer.resendCount),
                        offer.offeredBy,
                    ])
                }
                Console.out(table.render(style: style))
                Console.out("\n\(Plural.count(offers.count, "offer")).")
            }
        }
    }

    /// The token given on the command line or standard input.
    struct TokenOptions: ParsableArguments {
        @Argument(help: ArgumentHelp("The token, the offer link, or - for standard input.", valueName: "token"))
        var token: String?

        func parsed(command: String) throws -> InvitationToken {
            try Self.read(token, link: "offer link", command: "offers \(command)")
        }

        /// `text` as a token or link, or (for `-` or nothing) the first line of standard input, which keeps it out
        /// of the process list.
        static func read(_ text: String?, link: String, command: String) throws -> InvitationToken {
            var text = text ?? "-"
            if text == "-" {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CommandError.invalidArgument(
                        "no token on standard input", hint: "pipe the token or the \(link) into 'dirsync \(command) -'")
                }
                text = line
            }
            return try InvitationToken(parsing: text)
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept an offer with its token or link, as the member would: exactly what it offers applies.",
            discussion:
                "Give '-' (or nothing) to read the token from standard input, keeping it out of the process list.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var token: TokenOptions

        func run() async throws {
            let parsed = try token.parsed(command: "accept")
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let (offer, member) = try await environment.ledger.answerOffer(parsed, accept: true, at: environment.now)
            Console.out("\(member.email) accepted \(offer.summary); their role is \(member.role).")
        }
    }

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decline an offer with its token or link, as the member would: nothing changes.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var token: TokenOptions

        func run() async throws {
            let parsed = try token.parsed(command: "decline")
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let (offer, member) = try await environment.ledger.answerOffer(parsed, accept: false, at: environment.now)
            Console.out("\(member.email) declined \(offer.summary); a sync does not offer it again.")
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a member's pending or expired offer again with a new link; the old link stops working.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedForOffer(of: email, in: organization)
            let offer = try await environment.ledger.resendOffer(
                to: email, in: organization.id, validity: environment.configuration.policy.offerValidity,
                mail: try environment.mailSettings(), by: actor, at: environment.now)
            Console.out(
                "Resent the offer to \(email) (resend \(offer.resendCount)); the new link is valid until "
                    + "\(DateText.short(offer.expiresAt)) and the previous one no longer works.")
            let report = try await environment.deliverQueuedMail(for: organization)
            if let code = CommandEnvironment.exitCode(after: report) { throw code }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a member's pending offer: its link stops working.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The member's address.", valueName: "email"), transform: ArgumentValue.email)
        var email: EmailAddress

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            let actor = try await environment.authorizedForOffer(of: email, in: organization)
            let offer = try await environment.ledger.revokeOffer(
                to: email, in: organization.id, by: actor, at: environment.now)
            Console.out("Withdrew the offer of \(offer.summary) to \(email).")
        }
    }
}

extension CommandEnvironment {
    /// The acting address, if it may resend or revoke the pending offer of `email` (judged by what it offers).
    func authorizedForOffer(of email: EmailAddress, in organization: Organization) async throws -> String {
        let pending = try await store.read { db in
            try db.member(email, in: organization.id).flatMap { try db.pendingOffer(of: $0.id) }
        }
        guard let pending else {
            if try await store.read({ db in try db.member(email, in: organization.id) }) == nil {
                throw LedgerError.memberNotFound(email)
            }
            throw OfferError.noPendingOffer(email)
        }
        return try await authorizedActor(
            for: organization, to: .manageOffer(grants: pending.grants, role: pending.role))
    }
}
