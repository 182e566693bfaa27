import Foundation

/// A length of time written the way configuration files write it: `7d`, `72h`, `90m`, `30s`, `1d12h`.
///
/// A span is never negative and never longer than `maximum` (100 years): `init(seconds:)` clamps into that
/// range and parsing refuses anything outside it, so date arithmetic on a span can never overflow. Each setting
/// narrows it further with its own range (an invitation validity is 1m to 365d), checked where it is parsed.
public struct TimeSpan: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The length in whole seconds, `0...maximum.seconds`.
    public let seconds: Int

    /// The longest span dirsync accepts anywhere: 36500d (100 years).
    public static let maximum = TimeSpan(clamped: 36_500 * 86_400)

    /// A span of `seconds` seconds, clamped to `0...maximum`.
    public init(seconds: Int) { self.init(clamped: seconds) }

    private init(clamped seconds: Int) { self.seconds = min(max(0, seconds), 36_500 * 86_400) }

    /// `days` days.
    public static func days(_ days: Int) -> TimeSpan { TimeSpan(seconds: days.multipliedClamped(by: 86_400)) }
    /// `hours` hours.
    public static func hours(_ hours: Int) -> TimeSpan { TimeSpan(seconds: hours.multipliedClamped(by: 3_600)) }
    /// `seconds` seconds.
    public static func seconds(_ seconds: Int) -> TimeSpan { TimeSpan(seconds: seconds) }
    /// `minutes` minutes.
    public static func minutes(_ minutes: Int) -> TimeSpan { TimeSpan(seconds: minutes.multipliedClamped(by: 60)) }

    /// The span as a `TimeInterval`, for date arithmetic.
    public var timeInterval: Double { Double(seconds) }

    /// Parses `7d`, `168h`, `1d12h`, `90m`, `45s` or `2w`; a bare number is seconds. Anything longer than
    /// `maximum`, or outside `range`, is refused with the range in the message.
    public init(parsing text: String, in range: ClosedRange<TimeSpan> = TimeSpan(seconds: 0)...maximum)
        throws(TimeSpan.Invalid)
    {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 64 else { throw Invalid(text: text, reason: .notADuration) }
        let limit = Self.maximum.seconds
        var total = 0
        var digits = 0
        var sawDigit = false
        var sawUnit = false
        var tooLong = false
        for character in trimmed {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (shifted, overflow) = digits.multipliedReportingOverflow(by: 10)
                if overflow || shifted > limit { tooLong = true } else { digits = shifted + digit }
                sawDigit = true
                continue
            }
            let unit: Int
            switch character {
            case "w": unit = 604_800
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: throw Invalid(text: text, reason: .notADuration)
            }
            guard sawDigit else { throw Invalid(text: text, reason: .notADuration) }
            let (product, overflow) = digits.multipliedReportingOverflow(by: unit)
            if overflow || product > limit { tooLong = true } else { total += product }
            if total > limit { tooLong = true }
            digits = 0
            sawDigit = false
            sawUnit = true
        }
        if sawDigit {
            // A bare number is seconds; digits after a unit (`1d12`) are not a duration.
            guard !sawUnit else { throw Invalid(text: text, reason: .notADuration) }
            total += digits
        }
        guard !tooLong, total <= limit else { throw Invalid(text: text, reason: .outOfRange(range)) }
        let span = TimeSpan(seconds: total)
        guard range.contains(span) else { throw Invalid(text: text, reason: .outOfRange(range)) }
        self = span
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

    /// Orders spans by length.
    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }

    /// Text that is not a time span, or one outside the range a setting allows.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// What is wrong with the text.
        public enum Reason: Equatable, Sendable {
            case notADuration
            /// A duration, but too long or too short for where it is used.
            case outOfRange(ClosedRange<TimeSpan>)
        }

        /// What was given.
        public let text: String
        /// Why the text was refused.
        public let reason: Reason

        /// The error for `text`, refused for `reason`.
        public init(text: String, reason: Reason = .notADuration) {
            self.text = text
            self.reason = reason
        }

        /// The message for the user: the text (cut at 40 characters) and how to write a duration, or the allowed range.
        public var description: String {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            switch reason {
            case .notADuration: return "'\(shown)' is not a duration (write it like 7d, 72h, 90m or 30s)"
            case .outOfRange(let range): return "'\(shown)' is out of range: \(TimeSpan.describe(range))"
            }
        }
    }

    /// `must be between 1m and 365d`, `must be at most 1d`.
    public static func describe(_ range: ClosedRange<TimeSpan>) -> String {
        range.lowerBound.seconds == 0
            ? "must be at most \(range.upperBound)" : "must be between \(range.lowerBound) and \(range.upperBound)"
    }
}

extension Int {
    /// `self * factor`, or `Int.max` / `Int.min` instead of overflowing.
    fileprivate func multipliedClamped(by factor: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        guard overflow else { return product }
        return (self < 0) != (factor < 0) ? .min : .max
    }
}
