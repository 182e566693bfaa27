import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync outbox`: messages waiting to be sent, sent, or failed.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "List or deliver the mail dirsync has queued.",
        subcommands: [List.self, Deliver.self], defaultSubcommand: List.self)

    enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
        case pending, sent, failed, voided, all

        var statuses: Swift.Set<OutboxMessage.Status> {
            switch self {
            case .pending: [.pending]
            case .sent: [.sent]
            case .failed: [.failed]
            case .voided: [.voided]
            case .all: Swift.Set(OutboxMessage.Status.allCases)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbox messages (default: all).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "pending, sent, failed, voided or all.") var status: StatusFilter = .all
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let messages = try await environment.store.read { [status] db in
                try db.outbox(in: organization.id, statuses: status.statuses)
            }
            switch format {
            case .json:
                Console.out(try JSONOutput.render(messages.map(OutboxMessageJSON.init)))
            case .text:
                let style = Style.stdout
                var table = TextTable([
                    "ID", "RECIPIENT", "STATUS", "ATTEMPTS", "CREATED", "SENT", "NEXT ATTEMPT", "LAST ERROR",
                ])
                table.paint = { column, text in
                    guard column == 2 else { return text }
                    return text == "failed" ? style.red(text) : text == "pending" ? style.yellow(text) : text
                }
                for message in messages {
                    table.append([
                        message.id.description, message.recipient.canonical, message.status.rawValue,
                        String(message.attempts), DateText.short(message.createdAt),
                        message.sentAt.map(DateText.short) ?? "",
                        message.status == .pending ? message.nextAttemptAt.map(DateText.short) ?? "now" : "",
                        message.lastError ?? "",
                    ])
                }
                Console.out(table.render(style: style))
                Console.out("\n\(Plural.count(messages.count, "message")).")
            }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver pending messages now.",
            discussion: """
                Exits 0 when every message that was due went out; 1 when the server could not be reached or a \
                message failed or must be retried (the messages stay visible in 'dirsync outbox list').
                """)
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readWrite)
            let organization = try await environment.organization()
            guard try environment.mailer() != nil else {
                throw CommandError.invalidArgument(
                    "no mail transport is configured",
                    hint: "set mail.smtp (a mail server) or mail.outbox (a folder) in the configuration")
            }
            let report = try await environment.deliverQueuedMail(for: organization)
            let left = try await environment.store.read { db in
                try db.outbox(in: organization.id, statuses: [.pending]).count
            }
            Console.out(left == 0 ? "The outbox is empty." : "\(Plural.count(left, "message")) still pending.")
            if let report, report.unavailable != nil || !report.failed.isEmpty || report.retryLater > 0 {
                throw DeliveryIncomplete(report: report)
            }
        }
    }

    /// Not every due message went out.
    struct DeliveryIncomplete: Error, UserFacingError {
        let report: OutboxDelivery.Report

        var description: String {
            if let reason = report.unavailable { return "mail not delivered: \(reason)" }
            let missed = report.failed.count + report.retryLater
            return "\(missed) of \(Plural.count(missed + report.sent, "message")) not delivered"
        }

        var hint: String? {
            report.unavailable != nil
                ? "the messages stay queued; run 'dirsync outbox deliver' again once the server is reachable"
                : "see 'dirsync outbox list --status failed' and 'dirsync outbox list --status pending'"
        }
    }
}
