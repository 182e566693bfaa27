import Foundation

/// How dates are written for people and machines: ISO 8601 in UTC, to the second.
public enum DateText {
    /// `2026-11-21T10:26:00Z`: JSON output, audit details and `--now`.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
                .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// `2026-11-21 10:26 UTC`: messages and text listings.
    public static func short(_ date: Date) -> String {
        let text = iso8601(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5)) + " UTC"
    }

    /// Reads `2026-11-21T10:26:00Z`, with or without fractional seconds or an offset, or a plain
    /// date `2026-11-21` (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let full = ISO8601DateFormatter()
        if let date = full.date(from: trimmed) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: trimmed) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: trimmed)
    }
}
