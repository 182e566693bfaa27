import DirectorySync
import Foundation

extension Date {
    /// A fixed moment for tests: `Date.at("2026-11-21T10:00:00Z")`.
    public static func at(_ iso8601: String) -> Date {
        guard let date = DateText.parse(iso8601) else { preconditionFailure("bad test date \(iso8601)") }
        return date
    }

    /// This moment plus `hours` hours and `seconds` seconds.
    public func adding(hours: Double = 0, seconds: Double = 0) -> Date {
        addingTimeInterval(hours * 3600 + seconds)
    }
}

/// The clock tests start from.
public let testEpoch = Date.at("2026-11-21T10:00:00Z")

/// A deterministic random number generator (SplitMix64), so generated tokens and data repeat.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`: the same seed always gives the same numbers.
    public init(seed: UInt64) { state = seed }

    /// The next number of the SplitMix64 sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
