import ArgumentParser
import DirectorySync
import DirectorySyncSQLite
import Foundation

/// `dirsync members`: the organization's members.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List the organization's members.",
        subcommands: [List.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List members with their roles.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let environment = try CommandEnvironment.open(global, access: .readOnly)
            let organization = try await environment.organization()
            let members = try await environment.ledger.members(in: organization.id)
            switch format {
            case .json:
                Console.out(try JSONOutput.render(members.map { MemberJSON($0, organization: organization) }))
            case .text:
                let style = Style.stdout
                var table = TextTable(["EMAIL", "ROLE", "NAME", "JOINED", "VIA"])
                table.paint = { column, text in column == 1 && text == "owner" ? style.bold(text) : text }
                for member in members {
                    table.append([
                        member.email.canonical, member.role.rawValue, member.name ?? "",
                        DateText.short(member.joinedAt),
                        member.origin.rawValue + (member.isManaged ? " (managed)" : ""),
                    ])
                }
                Console.out(table.render(style: style))
                let live = try await environment.store.read { [now = environment.now] db in
                    try db.livePendingCount(in: organization.id, at: now)
                }
                Console.out(
                    "\n\(members.count) member(s) in \(organization.name); \(members.count + live) of "
                        + "\(organization.settings.seats) seats used (\(live) pending invitation(s)).")
            }
        }
    }
}
