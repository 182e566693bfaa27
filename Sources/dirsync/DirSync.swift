import ArgumentParser
import DirectorySync
import Foundation

/// `dirsync`: keeps an organization's members and invitations in step with the company directory.
@main
struct DirSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dirsync",
        abstract: "Keep an organization's members and invitations in step with the company directory.",
        version: "0.1.0",
        subcommands: [
            InitCommand.self, OrganizationCommand.self, MembersCommand.self, InvitationsCommand.self,
            AuditCommand.self, OutboxCommand.self, SourceCommand.self, CSVTemplateCommand.self, GenerateCommand.self,
            PlanCommand.self, ApplyCommand.self, SyncCommand.self, RunsCommand.self, RunCommand.self,
            StatusCommand.self,
            ExplainCommand.self,
        ]
    )

    /// Runs the command line with dirsync's error contract: one `error:` line on stderr (and a `hint:`
    /// line when the next step is clear), exit code 1; `ExitCode`s thrown on purpose pass through.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(with: error)
        }
    }

    private static func fail(with error: any Error) -> Never {
        switch error {
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        case let error as any UserFacingError:
            Console.error(error.description, hint: error.hint)
        default:
            // Help and version requests arrive as errors too; argument-parser prints those itself.
            if exitCode(for: error) == .success { exit(withError: error) }
            let isUsageError = String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            var message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            if message.lowercased().hasPrefix("error: ") { message.removeFirst("error: ".count) }
            Console.error(
                Console.lowercasedFirst(message), hint: isUsageError ? "see '\(helpPath()) --help'" : nil)
        }
        Foundation.exit(1)
    }

    /// The subcommands named on the current command line, for the usage hint: `invitations send`.
    private static func helpPath() -> String {
        var current: any ParsableCommand.Type = DirSync.self
        var words: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            guard
                let next = current.configuration.subcommands.first(where: {
                    $0.configuration.commandName == argument || $0._commandName == argument
                })
            else { break }
            words.append(argument)
            current = next
        }
        return (["dirsync"] + words).joined(separator: " ")
    }
}
