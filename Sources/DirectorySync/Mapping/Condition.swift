import Foundation

/// A test on one attribute of an entry, as written in a mapping: `{ attribute: objectClass, equals:
/// computer }`. It holds when any value passes (or, for `present`, when the attribute has a value).
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    /// What the values are tested against.
    public enum Test: Sendable, Equatable {
        /// One of these, ignoring case.
        case equals([String])
        /// A regular expression that must match part of the value.
        case matches(Pattern)
        /// An integer value with any of these bits set (AD `userAccountControl`).
        case bitmask(Int)
        /// The attribute has a value (true) or has none (false).
        case present(Bool)
    }

    /// A compiled regular expression with its source text.
    public struct Pattern: @unchecked Sendable, Equatable {
        // @unchecked: NSRegularExpression is immutable after init and documented as thread-safe.
        public let source: String
        let expression: NSRegularExpression

        public init(_ source: String) throws {
            self.source = source
            self.expression = try NSRegularExpression(pattern: source)
        }

        public static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.source == rhs.source }

        func matches(_ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// Normalised attribute name; `dn` tests the distinguished name.
    public let attribute: String
    public let test: Test

    public init(attribute: String, _ test: Test) {
        self.attribute = AttributeName.normalize(attribute)
        self.test = test
    }

    /// Whether `entry` satisfies the condition.
    public func holds(for entry: DirectoryEntry) -> Bool {
        let values: [String]
        if attribute == "dn" {
            values = entry.dn.map { [$0] } ?? []
        } else {
            values = entry.values(normalized: attribute).compactMap(\.text)
        }
        switch test {
        case .present(let wanted):
            return values.contains { !$0.isEmpty } == wanted
        case .equals(let candidates):
            return values.contains { value in candidates.contains { $0.caseInsensitiveCompare(value) == .orderedSame } }
        case .matches(let pattern):
            return values.contains { pattern.matches($0) }
        case .bitmask(let mask):
            return values.contains { value in
                guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else { return false }
                return number & mask != 0
            }
        }
    }

    public var description: String {
        switch test {
        case .equals(let values) where values.count == 1: "\(attribute) equals '\(values[0])'"
        case .equals(let values): "\(attribute) in [\(values.joined(separator: ", "))]"
        case .matches(let pattern): "\(attribute) matches '\(pattern.source)'"
        case .bitmask(let mask): "\(attribute) has bit \(mask) set"
        case .present(true): "\(attribute) is present"
        case .present(false): "\(attribute) is absent"
        }
    }
}
