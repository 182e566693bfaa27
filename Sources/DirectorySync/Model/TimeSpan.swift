import Foundation

/// A length of time written the way configuration files write it: `7d`, `72h`, `90m`, `30s`, `1d12h`.
public struct TimeSpan: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The length in whole seconds.
    public let seconds: Int

    /// A span of `seconds` seconds.
    public init(seconds: Int) { self.seconds = seconds }

    /// `days` days.
    public static func days(_ days: Int) -> TimeSpan { TimeSpan(seconds: days * 86_400) }
    /// `hours` hours.
    public static func hours(_ hours: Int) -> TimeSpan { TimeSpan(seconds: hours * 3_600) }
    /// `minutes` minutes.
    public static func minutes(_ minutes: Int) -> TimeSpan { TimeSpan(seconds: minutes * 60) }

    /// The span as a `TimeInterval`, for date arithmetic.
    public var timeInterval: Double { Double(seconds) }

    /// Parses `7d`, `168h`, `1d12h`, `90m`, `45s` or `2w`; a bare number is seconds.
    public init(parsing text: String) throws(TimeSpan.Invalid) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { throw Invalid(text: text) }
        if let plain = Int(trimmed), plain >= 0 {
            self.seconds = plain
            return
        }
        var total = 0
        var digits = ""
        for character in trimmed {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int
            switch character {
            case "w": unit = 604_800
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: throw Invalid(text: text)
            }
            guard let value = Int(digits) else { throw Invalid(text: text) }
            let (product, overflow) = value.multipliedReportingOverflow(by: unit)
            guard !overflow else { throw Invalid(text: text) }
            total += product
            digits = ""
        }
        guard digits.isEmpty else { throw Invalid(text: text) }
        self.seconds = total
    }

    /// The shortest exact spelling: `7d`, `36h`, `90m`, `1d30m`.
    public var description: String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, suffix) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            text += "\(rest / unit)\(suffix)"
            rest %= unit
        }
        return text
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }

    /// Text that is not a time span.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// What was given.
        public let text: String
        public var description: String {
            "'\(text)' is not a duration (write it like 7d, 72h, 90m or 30s)"
        }
    }
}
