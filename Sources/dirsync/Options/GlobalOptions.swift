import ArgumentParser
import DirectorySync
import Foundation

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file (default: ./dirsync.yaml).", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The store file (default: store in the configuration).", valueName: "path"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The organization, when the store holds several.", valueName: "name"))
    var org: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Run as if it were this moment, e.g. 2026-12-01T09:00:00Z.", valueName: "iso8601"),
        transform: ArgumentValue.instant)
    var now: Date?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Act as this member (default: DIRSYNC_ACTOR, else organization.inviter); their role and grants decide what they may change.",
            valueName: "email"),
        transform: ArgumentValue.email)
    var actor: EmailAddress?

    /// The moment the command runs at: `--now`, or the clock to the millisecond (what the store keeps).
    var clock: Date { now ?? Self.wallClock() }

    /// The current time to the millisecond, the precision the store keeps.
    static func wallClock() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// How a listing is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
