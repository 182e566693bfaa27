import ArgumentParser
import DirectorySync
import Foundation
import Logging

/// Parsers for typed option values (`@Option(transform:)`): each reads with the library's own parser, so an
/// option's value arrives in `run()` as its type, and a bad value is refused before anything runs with the
/// library's words (`DirSync.main` shows them as `error: --every: '300000000000d' is out of range: …`).
enum ArgumentValue {
    /// `--field KEY=VALUE` options as profile fields: each key a field name (`Identity.fieldKeyProblem`), each
    /// value plain text (`Identity.typedValue`), no key twice.
    static func profileFields(_ options: [String]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for option in options {
            guard let equals = option.firstIndex(of: "=") else {
                throw CommandError.invalidArgument(
                    "--field: '\(option)' is not KEY=VALUE", hint: "for example --field title=Engineer")
            }
            let key = String(option[..<equals])
            if let problem = Identity.fieldKeyProblem(key) {
                throw CommandError.invalidArgument("--field: '\(key)': \(problem)", hint: nil)
            }
            guard fields[key] == nil else {
                throw CommandError.invalidArgument("--field: '\(key)' is given twice", hint: nil)
            }
            fields[key] = try Identity.typedValue(String(option[option.index(after: equals)...]), key: key)
        }
        return fields
    }

    /// An instant such as `2026-12-01T09:00:00Z` or `2026-12-01`, within the supported range.
    @Sendable static func instant(_ text: String) throws -> Date { try DateText.instant(text) }

    /// An invitation validity, 1m to 365d.
    @Sendable static func validity(_ text: String) throws -> TimeSpan {
        try TimeSpan(parsing: text, in: Organization.Settings.validityRange)
    }

    /// How often the agent runs, 1s to 365d.
    @Sendable static func interval(_ text: String) throws -> TimeSpan {
        try TimeSpan(parsing: text, in: Configuration.ScheduleSection.everyRange)
    }

    /// A role name, any case.
    @Sendable static func role(_ text: String) throws -> Role { try Role(parsing: text) }

    /// A personal message: text, tabs and line breaks only.
    @Sendable static func personalMessage(_ text: String) throws -> String {
        try InvitationMail.check(message: text)
    }

    /// An email address.
    @Sendable static func email(_ text: String) throws -> EmailAddress { try EmailAddress(text) }
}

/// `--log-level`.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
