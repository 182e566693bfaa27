import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync audit`: the organization's audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit log: every change, who made it and when.")

    @OptionGroup var global: GlobalOptions
    @Option(
        help: ArgumentHelp(
            "Only events at or after this time: 2026-11-01, 2026-11-01T09:00:00Z, or a span back from now such as 24h or 7d.",
            valueName: "date"), transform: Since.parse)
    var since: Since?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let start = since?.start(now: environment.now)
        let events = try await environment.ledger.auditEvents(in: organization.id, since: start)
        switch format {
        case .json:
            Console.out(try JSONOutput.render(events.map(AuditEventJSON.init)))
        case .text:
            var table = TextTable(["TIME", "EVENT", "ACTOR", "OS USER", "SUBJECT", "DETAILS"])
            for event in events {
                let details = event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted($0.value))" }
                    .joined(separator: " ")
                table.append([
                    DateText.short(event.time), event.kind.rawValue, event.actor, event.osUser ?? "",
                    event.subject, details,
                ])
            }
            Console.out(table.render(style: .stdout))
            Console.out("\n\(Plural.count(events.count, "event")).")
        }
    }

    /// A detail value as `key=value` prints it: bare when it is one plain word, otherwise a JSON string, so
    /// spaces, quotes and `=` can never blur where one value ends.
    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                    || "._@:+-/>".utf8.contains(byte)
            }
        if plain { return value }
        var output: [UInt8] = []
        JSONString.append(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// `--since`: an instant, or a span back from the command's moment.
enum Since {
    case instant(Date)
    case span(TimeSpan)

    /// Reads `2026-11-01`, `2026-11-01T09:00:00Z`, or a span such as `24h` (1s to 36500d).
    @Sendable static func parse(_ text: String) throws -> Since {
        do {
            return .instant(try DateText.instant(text))
        } catch let invalid where invalid.isOutOfRange {
            throw invalid
        } catch {}
        do {
            return .span(try TimeSpan(parsing: text, in: .seconds(1)...TimeSpan.maximum))
        } catch let invalid where invalid.reason != .notADuration {
            throw invalid
        } catch {}
        throw CommandError.invalidArgument(
            "'\(text)' is neither a date (2026-11-01, 2026-11-01T09:00:00Z) nor a span such as 24h or 7d", hint: nil)
    }

    func start(now: Date) -> Date {
        switch self {
        case .instant(let date): date
        case .span(let span): now.addingTimeInterval(-span.timeInterval)
        }
    }
}
