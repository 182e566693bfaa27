import ArgumentParser
import DirectorySync
import DirectorySyncCurl
import Foundation

/// `dirsync`: keeps an organization's members and invitations in step with the company directory.
@main
struct DirSync: AsyncParsableCommand {
    /// How every command speaks HTTP (the SCIM source, the webhook notifier).
    static let http: any HTTPTransport = CurlHTTPTransport()

    static let configuration = CommandConfiguration(
        commandName: "dirsync",
        abstract: "Keep an organization's members and invitations in step with the company directory.",
        version: "0.1.0",
        subcommands: [
            InitCommand.self, OrganizationCommand.self, OrganizationsCommand.self, MembersCommand.self,
            AccountsCommand.self, GrantsCommand.self,
            InvitationsCommand.self,
            OffersCommand.self, AccessRequestCommand.self,
            AuditCommand.self, OutboxCommand.self, SourceCommand.self, CSVTemplateCommand.self, GenerateCommand.self,
            PlanCommand.self, ApplyCommand.self, SyncCommand.self, RunsCommand.self, RunCommand.self,
            StatusCommand.self, ServeCommand.self,
            ExplainCommand.self,
        ]
    )

    /// Runs the command line with dirsync's error contract: one `error:` line on stderr (and a `hint:`
    /// line when the next step is clear), exit code 1; `ExitCode`s thrown on purpose pass through.
    static func main() async {
        unblockShutdownSignals()
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

    /// A parent may start us with SIGTERM and SIGINT blocked (a thread's signal mask survives exec); the agent
    /// must still stop when asked, so unblock them before anything else can inherit the mask.
    private static func unblockShutdownSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    private static func fail(with error: any Error) -> Never {
        switch error {
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        case let error as any UserFacingError:
            Console.error(error.description, hint: error.hint)
        case let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
            // Foundation's own wording ("The operation could not be completed") says nothing: say what the
            // system said.
            Console.error(Self.systemReason(error), hint: nil)
        default:
            // Help and version requests arrive as errors too; argument-parser prints those itself.
            if exitCode(for: error) == .success { exit(withError: error) }
            let isUsageError = String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            let lines = fullMessage(for: error).split(separator: "\n").map(String.init)
            var message = lines.first ?? "\(error)"
            // A choice among listed values: the list, on the lines after, joined into the one line.
            if message.hasSuffix("one of the following:") {
                let choices = lines.dropFirst().prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- ") }
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " -'")) }
                message =
                    message.replacingOccurrences(of: ". Please provide one of the following:", with: "")
                    + " (one of: " + choices.joined(separator: ", ") + ")"
            }
            if message.lowercased().hasPrefix("error: ") { message.removeFirst("error: ".count) }
            message = Self.valueMessage(message)
            Console.error(
                Console.lowercasedFirst(message), hint: isUsageError ? "see '\(helpPath()) --help'" : nil)
        }
        Foundation.exit(1)
    }

    /// A typed option's value refused by its parser, in dirsync's form: argument-parser writes `The value 'X'
    /// is invalid for '--every <duration>': <the parser's words>`, which becomes `--every: <the parser's words>`
    /// (the parser's words already quote the value).
    static func valueMessage(_ message: String) -> String {
        let pattern = #"^The value '.*' is invalid for '(?:(--[A-Za-z0-9-]+)(?: <[^>]*>)?|<([^>]*)>)': (.+)$"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
            let match = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)),
            let rest = Range(match.range(at: 3), in: message)
        else { return message }
        let name = [1, 2].compactMap { Range(match.range(at: $0), in: message).map { String(message[$0]) } }.first
        return (name.map { "\($0): " } ?? "") + message[rest]
    }

    /// A Foundation error in the system's words, with the file it names when it names one.
    private static func systemReason(_ error: NSError) -> String {
        let file = (error.userInfo[NSFilePathErrorKey] as? String).map { "\($0): " } ?? ""
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return file + String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if error.domain == NSPOSIXErrorDomain {
            return file + String(cString: strerror(Int32(error.code))).lowercased()
        }
        let reason: String =
            switch error.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: "no such file or directory"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: "permission denied"
            case NSFileWriteOutOfSpaceError: "no space left on the device"
            case NSFileWriteVolumeReadOnlyError: "read-only file system"
            case NSFileWriteFileExistsError: "the file exists already"
            default: "the file operation failed (Foundation error \(error.code))"
            }
        return file + reason
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
