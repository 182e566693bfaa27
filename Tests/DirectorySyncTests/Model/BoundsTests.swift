import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Every span and instant a user can type is bounded where it is parsed, and no date, however it was made,
/// can trap a conversion (an audit found `Double value cannot be converted to Int64` from huge durations).
@Suite struct BoundsTests {
    @Test(arguments: [
        "300000000000d", "999999999999d", "9223372036854775807s", "9223372036854775808", "1000000000000000000000w",
        "36501d", "5300w", "99999999999999h", "1d99999999999999999s",
    ])
    func hugeSpansAreOutOfRangeNotACrash(text: String) {
        #expect(throws: TimeSpan.Invalid.self) { try TimeSpan(parsing: text) }
        do {
            _ = try TimeSpan(parsing: text)
        } catch {
            #expect(error.reason == .outOfRange(TimeSpan(seconds: 0)...TimeSpan.maximum), "\(text)")
            #expect(error.description.contains("must be at most 36500d"))
        }
    }

    @Test func aRangeNamesItsBoundsInTheError() {
        #expect(throws: TimeSpan.Invalid.self) {
            try TimeSpan(parsing: "400d", in: Organization.Settings.validityRange)
        }
        let error = try? #require(throws: TimeSpan.Invalid.self) {
            try TimeSpan(parsing: "30s", in: Organization.Settings.validityRange)
        }
        #expect(error?.description == "'30s' is out of range: must be between 1m and 365d")
        #expect((try? TimeSpan(parsing: "365d", in: Organization.Settings.validityRange)) == .days(365))
        #expect((try? TimeSpan(parsing: "1m", in: Organization.Settings.validityRange)) == .minutes(1))
    }

    /// Random spellings, from ordinary to absurd: each parses to a span within the maximum, or is refused.
    @Test func randomSpellingsNeverTrapAndNeverExceedTheMaximum() {
        var random = SeededGenerator(seed: 11)
        let units = ["", "s", "m", "h", "d", "w", "x", "-"]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let digits = Int.random(in: 1...25, using: &random)
                text += String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
                text += units[Int.random(in: 0..<units.count, using: &random)]
            }
            if let span = try? TimeSpan(parsing: text) {
                #expect(span <= TimeSpan.maximum, "\(text)")
                _ = Date().addingTimeInterval(span.timeInterval)
            }
        }
    }

    @Test func spansBuiltInCodeAreClampedIntoRange() {
        #expect(TimeSpan(seconds: -5).seconds == 0)
        #expect(TimeSpan(seconds: .max) == .maximum)
        #expect(TimeSpan.days(.max) == .maximum)
        #expect(TimeSpan.days(.min).seconds == 0)
    }

    /// Formatting clamps into years 1–9999: no instant traps, not even infinities or NaN.
    @Test(arguments: [
        -Double.infinity, -1e300, -1e18, -62_135_596_801, -1, 0, 1e9, 253_402_300_800, 1e18, 1e300, Double.infinity,
        Double.nan, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude,
    ])
    func formattingAnyInstantNeverTraps(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let iso = DateText.iso8601(date)
        let stored = DateText.storage(date)
        #expect(iso.count == 20, "\(iso)")
        #expect(stored.count == 23, "\(stored)")
        #expect(!DateText.short(date).isEmpty)
    }

    @Test(arguments: [
        ("9999-12-31T23:59:59Z", true), ("3000-01-01", true), ("1969-12-31T23:59:59Z", true),
        ("2999-12-31T23:59:59Z", false), ("1970-01-01", false), ("2026-12-01T09:00:00Z", false),
    ])
    func instantsOutsideTheSupportedRangeAreRefused(text: String, refused: Bool) {
        if refused {
            let error = try? #require(throws: DateText.Invalid.self) { try DateText.instant(text) }
            #expect(error?.isOutOfRange == true)
            #expect(error?.description.contains("between 1970-01-01 and 2999-12-31") == true)
        } else {
            #expect((try? DateText.instant(text)) != nil)
        }
    }

    @Test func aValidityAnOlderDirsyncStoredIsReadAsTheNearestBound() throws {
        let settings = Organization.Settings(
            storedName: "Acme", seats: 0, inviter: try EmailAddress("ada@acme.com"),
            invitationValidity: TimeSpan(seconds: .max))
        #expect(settings.invitationValidity == .days(365))
        #expect(settings.seats == 1)
    }

    @Test(arguments: ["Acme\nCorp", "Acme\rCorp", "Acme\u{1B}]0;x\u{07}", "Acme\u{85}", "Acme\u{2028}Corp"])
    func organizationNamesWithControlCharactersAreRefused(name: String) throws {
        #expect(throws: LedgerError.self) {
            try Organization.Settings(name: name, seats: 5, inviter: try EmailAddress("ada@acme.com"))
        }
    }
}
