import Foundation

/// `Retry-After` values (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of the three formats
/// RFC 9110 §5.6.7 says a recipient must accept.
enum RetryAfter {
    /// The delay in seconds the value asks for, measured from `now`; nil when the value is neither form.
    static func seconds(_ value: String, now: Date) -> Double? {
        let text = String(value.trimmingWhitespace)
        if let seconds = Double(text), seconds.isFinite { return max(0, seconds) }
        guard let date = HTTPDate.parse(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// Parses HTTP-dates: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// and asctime (`Sun Nov  6 08:49:37 1994`).
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Date? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if words.count == 6, words[5].uppercased() == "GMT" {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            return make(day: Int(words[1]), month: monthNumber(words[2]), year: Int(words[3]), clock: clock(words[4]))
        }
        if words.count == 4, words[3].uppercased() == "GMT" {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let parts = words[1].split(separator: "-").map(String.init)
            guard parts.count == 3, let short = Int(parts[2]) else { return nil }
            let year = parts[2].count == 2 ? (short < 70 ? 2000 + short : 1900 + short) : short
            return make(day: Int(parts[0]), month: monthNumber(parts[1]), year: year, clock: clock(words[2]))
        }
        if words.count == 5 {
            // asctime: Sun Nov  6 08:49:37 1994
            return make(day: Int(words[2]), month: monthNumber(words[1]), year: Int(words[4]), clock: clock(words[3]))
        }
        return nil
    }

    private static func monthNumber(_ word: String) -> Int? {
        months.firstIndex(of: word.lowercased()).map { $0 + 1 }
    }

    private static func clock(_ word: String) -> (Int, Int, Int)? {
        let parts = word.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 3, (0...23).contains(parts[0]), (0...59).contains(parts[1]), (0...60).contains(parts[2])
        else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    private static func make(day: Int?, month: Int?, year: Int?, clock: (Int, Int, Int)?) -> Date? {
        guard let day, let month, let year, let clock, (1...31).contains(day), (1...9999).contains(year) else {
            return nil
        }
        // Days from 1970-01-01 to the civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + clock.0 * 3600 + clock.1 * 60 + clock.2
        return Date(timeIntervalSince1970: Double(seconds))
    }
}
