import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Both stores keep dates as `DateText.storage` text and read them back with `DateText.stored`, written by hand
/// for speed: every date must come back as the same instant, and nothing else may read as a date.
@Suite struct StoredDateTests {
    /// Random instants from 1970 to 2200, to the millisecond: written, read back, the same instant and text.
    @Test func whatStorageWritesReadsBackExactly() throws {
        var random = SeededGenerator(seed: 17)
        for _ in 0..<20_000 {
            let millis = Int64.random(in: 0...7_258_118_400_000, using: &random)
            let date = Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
            let text = DateText.storage(date)
            let read = try #require(DateText.stored(text), "\(text)")
            #expect(abs(read.timeIntervalSince(date)) < 0.0005, "\(text)")
            #expect(DateText.storage(read) == text)
        }
    }

    /// The same instant a formatter reads from the same text, in every form the reader accepts.
    @Test(arguments: [
        ("2026-11-21 10:26:00.250", "2026-11-21T10:26:00.250Z"),
        ("2026-11-21T10:26:00.250", "2026-11-21T10:26:00.250Z"),
        ("2026-11-21 10:26:07", "2026-11-21T10:26:07.000Z"),
        ("2026-11-21 10:26", "2026-11-21T10:26:00.000Z"),
        ("2026-11-21", "2026-11-21T00:00:00.000Z"),
        ("2024-02-29 23:59:59.999", "2024-02-29T23:59:59.999Z"),
        ("1970-01-01 00:00:00.000", "1970-01-01T00:00:00.000Z"),
        ("2026-11-21 10:26:00.5", "2026-11-21T10:26:00.500Z"),
    ])
    func agreesWithAFormatter(text: String, iso: String) throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let expected = try #require(formatter.date(from: iso))
        let read = try #require(DateText.stored(text))
        #expect(abs(read.timeIntervalSince(expected)) < 0.0005)
    }

    @Test(arguments: [
        "", "2026", "2026-11", "2026-13-01", "2026-00-10", "2026-11-32", "2026-11-21 24:00", "2026-11-21 10:60",
        "2026-11-21 10:26:60", "2026-11-21 10:26:00.", "2026-11-21 10:26:00.1234567890", "2026-11-21x10:26",
        "2026-11-21 10:26:00Z", "2026-11-21 10:26:00.250 ", " 2026-11-21", "２０２６-11-21", "2026-11-21 1:26",
        "9999-99-99", "abcd-ef-gh",
    ])
    func anythingElseIsNotADate(text: String) {
        #expect(DateText.stored(text) == nil, "\(text)")
    }
}
