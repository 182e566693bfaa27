import Foundation

/// How dates are written for people and machines: ISO 8601 in UTC, to the second.
///
/// Every instant a user can type (`--now`, `--since`, a plan's `computed_at`) must lie in `supportedRange`
/// (1970 to 2999): with spans of at most `TimeSpan.maximum` (100 years) added, every date dirsync computes stays
/// a four-digit year, which the store's text ordering relies on. Formatting clamps whatever it is given into
/// years 1 to 9999, so no date, however it was made, can trap a conversion.
public enum DateText {
    /// The instants dirsync accepts as input: 1970-01-01T00:00:00Z to 2999-12-31T23:59:59Z.
    public static let supportedRange: ClosedRange<Date> =
        Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 32_503_680_000 - 1)

    /// Text that is not an instant dirsync accepts.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// What was given.
        public let text: String
        /// Whether it was a date, only outside `supportedRange`.
        public let isOutOfRange: Bool

        /// The message for the user: the text (cut at 40 characters) and either the supported dates or an example of
        /// the expected format.
        public var description: String {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return isOutOfRange
                ? "'\(shown)' is out of range: dates must be between 1970-01-01 and 2999-12-31"
                : "'\(shown)' is not an ISO 8601 time such as 2026-12-01T09:00:00Z or a date such as 2026-12-01"
        }
    }

    /// Reads an instant a user typed, refusing text that is not one and instants outside `supportedRange`.
    public static func instant(_ text: String) throws(Invalid) -> Date {
        guard let date = unbounded(text) else { throw Invalid(text: text, isOutOfRange: false) }
        guard supportedRange.contains(date) else { throw Invalid(text: text, isOutOfRange: true) }
        return date
    }

    /// Seconds since 1970 clamped to years 1…9999 (NaN as 0): what every conversion to calendar fields uses.
    static func clampedSeconds(_ date: Date) -> Double {
        let seconds = date.timeIntervalSince1970
        guard !seconds.isNaN else { return 0 }
        return min(max(seconds, -62_135_596_800), 253_402_300_799.999)
    }

    /// `2026-11-21T10:26:00Z`: JSON output, audit details and `--now`.
    public static func iso8601(_ date: Date) -> String {
        let time = CivilTime(date)
        return "\(pad(time.year, 4))-\(pad(time.month))-\(pad(time.day))T"
            + "\(pad(time.hour)):\(pad(time.minute)):\(pad(time.second))Z"
    }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `2026-11-21 10:26:00.250`, UTC, to the nearest millisecond: the form the SQLite store keeps dates in
    /// (GRDB's), written without a `DateFormatter`, which dominates the cost of writing thousands of rows.
    public static func storage(_ date: Date) -> String {
        let total = Int64((clampedSeconds(date) * 1000).rounded())
        let (seconds, millis) = (total.quotientAndRemainder(dividingBy: 1000))
        let whole = millis < 0 ? seconds - 1 : seconds
        let time = CivilTime(Date(timeIntervalSince1970: TimeInterval(whole)))
        let fraction = Int(millis < 0 ? millis + 1000 : millis)
        return "\(pad(time.year, 4))-\(pad(time.month))-\(pad(time.day)) "
            + "\(pad(time.hour)):\(pad(time.minute)):\(pad(time.second)).\(pad(fraction, 3))"
    }

    /// Reads what `storage` writes: `2026-11-21 10:26:00.250` (UTC), also without the fraction or the seconds, or a
    /// plain date, with a space or `T` between date and time; nil for anything else. Written by hand, without a
    /// formatter: a plan reads millions of stored dates.
    public static func stored(_ text: String) -> Date? {
        var text = text
        return text.withUTF8(storedDate)
    }

    private static func storedDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var position = 0
        func number(_ width: Int) -> Int? {
            guard position + width <= bytes.count else { return nil }
            var value = 0
            for offset in position..<position + width {
                let digit = Int(bytes[offset]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            position += width
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), (1...12).contains(month),
            expect(UInt8(ascii: "-")), let day = number(2), (1...31).contains(day)
        else { return nil }
        var (hour, minute, second, millis) = (0, 0, 0, 0.0)
        if position < bytes.count {
            guard expect(UInt8(ascii: " ")) || expect(UInt8(ascii: "T")), let readHour = number(2), readHour < 24,
                expect(UInt8(ascii: ":")), let readMinute = number(2), readMinute < 60
            else { return nil }
            (hour, minute) = (readHour, readMinute)
            if expect(UInt8(ascii: ":")) {
                guard let readSecond = number(2), readSecond < 60 else { return nil }
                second = readSecond
                if expect(UInt8(ascii: ".")) {
                    var scale = 100.0
                    let start = position
                    while position < bytes.count, let digit = number(1) {
                        millis += Double(digit) * scale
                        scale /= 10
                    }
                    guard position > start, position - start <= 9 else { return nil }
                }
            }
            guard position == bytes.count else { return nil }
        }
        // Hinnant's days-from-civil.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds) + millis / 1000)
    }

    /// `2026-11-21 10:26 UTC`: messages and text listings.
    public static func short(_ date: Date) -> String {
        let text = iso8601(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5)) + " UTC"
    }

    /// Reads `2026-11-21T10:26:00Z`, with or without fractional seconds or an offset, or a plain
    /// date `2026-11-21` (midnight UTC); nil for anything else. Not bounded: what a user types goes through
    /// `instant(_:)`.
    public static func parse(_ text: String) -> Date? { unbounded(text) }

    private static func unbounded(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 64 else { return nil }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: trimmed) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: trimmed) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: trimmed)
    }
}

/// A moment broken into its UTC calendar fields, computed without a calendar object (Hinnant's
/// civil-from-days algorithm), because dates are formatted for every audit event and every email.
struct CivilTime {
    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int
    /// 0 = Sunday.
    let weekday: Int

    init(_ date: Date) {
        let total = Int(DateText.clampedSeconds(date).rounded(.down))
        var days = total / 86_400
        var seconds = total % 86_400
        if seconds < 0 {
            seconds += 86_400
            days -= 1
        }
        hour = seconds / 3600
        minute = seconds % 3600 / 60
        second = seconds % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
