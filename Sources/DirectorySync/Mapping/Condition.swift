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
        /// The pattern as the mapping wrote it.
        public let source: String
        let expression: NSRegularExpression
        /// A pattern that is only a literal, perhaps anchored (`\$$`), is matched without the regex engine.
        private let literal: (text: String, atStart: Bool, atEnd: Bool)?

        /// Compiles `source` as an `NSRegularExpression` (ICU syntax); throws its error when it is not valid.
        public init(_ source: String) throws {
            if let problem = RegexSafety.problem(in: source) { throw RegexSafety.Unsafe(description: problem) }
            self.source = source
            self.expression = try NSRegularExpression(pattern: source)
            self.literal = Self.literal(in: source)
        }

        /// Patterns are equal when their source text is.
        public static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.source == rhs.source }

        /// `text` with every match replaced by `template` (`$1` names a capture group).
        func replacingMatches(in text: String, with template: String) -> String {
            expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }

        func matches(_ text: String) -> Bool {
            if let literal {
                switch (literal.atStart, literal.atEnd) {
                case (true, true): return text == literal.text
                case (true, false): return text.hasPrefix(literal.text)
                case (false, true): return text.hasSuffix(literal.text)
                case (false, false): return text.contains(literal.text)
                }
            }
            return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }

        private static func literal(in source: String) -> (text: String, atStart: Bool, atEnd: Bool)? {
            var characters = Array(source)
            let atStart = characters.first == "^"
            if atStart { characters.removeFirst() }
            var atEnd = false
            if characters.last == "$" && (characters.count < 2 || characters[characters.count - 2] != "\\")
                || (characters.count >= 3 && characters.suffix(3) == ["\\", "\\", "$"])
            {
                atEnd = true
                characters.removeLast()
            }
            var text = ""
            var index = 0
            while index < characters.count {
                let character = characters[index]
                if character == "\\" {
                    guard index + 1 < characters.count, !characters[index + 1].isLetter, !characters[index + 1].isNumber
                    else { return nil }
                    text.append(characters[index + 1])
                    index += 2
                    continue
                }
                if ".^$*+?()[]{}|".contains(character) { return nil }
                text.append(character)
                index += 1
            }
            return (text, atStart, atEnd)
        }
    }

    /// Normalised attribute name; `dn` tests the distinguished name.
    public let attribute: String
    /// The attribute as the mapping wrote it, for messages.
    public let label: String
    /// What the attribute's values are tested against.
    public let test: Test

    /// A condition on `attribute`, written in any case or alias (it is normalised; `label` keeps it as written).
    public init(attribute: String, _ test: Test) {
        self.attribute = AttributeName.normalize(attribute)
        self.label = attribute
        self.test = test
    }

    /// Whether `entry` satisfies the condition.
    public func holds(for entry: DirectoryEntry) -> Bool {
        if attribute == "dn" {
            guard let dn = entry.dn else { return test == .present(false) }
            return holds(forValues: CollectionOfOne(dn))
        }
        return holds(forValues: entry.values(normalized: attribute).lazy.compactMap(\.text))
    }

    private func holds(forValues values: some Sequence<String>) -> Bool {
        switch test {
        case .present(let wanted):
            return values.contains { !$0.isEmpty } == wanted
        case .equals(let candidates):
            return values.contains { value in candidates.contains { Self.equalIgnoringCase(value, $0) } }
        case .matches(let pattern):
            return values.contains { pattern.matches($0) }
        case .bitmask(let mask):
            return values.contains { value in
                guard let number = Int(value) ?? Int(value.trimmingSpaces()) else { return false }
                return number & mask != 0
            }
        }
    }

    /// Case-insensitive equality, byte by byte for ASCII (the common case), by lower-casing otherwise.
    static func equalIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?):
                if a == b { continue }
                if a >= 0x80 || b >= 0x80 { return lhs.lowercased() == rhs.lowercased() }
                let lowerA = a >= 0x41 && a <= 0x5A ? a | 0x20 : a
                let lowerB = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if lowerA != lowerB { return false }
            default:
                return false
            }
        }
    }

    /// The condition in words, for messages: `objectClass equals 'computer'`, `mail is absent`.
    public var description: String {
        switch test {
        case .equals(let values) where values.count == 1: "\(label) equals '\(values[0])'"
        case .equals(let values): "\(label) in [\(values.joined(separator: ", "))]"
        case .matches(let pattern): "\(label) matches '\(pattern.source)'"
        case .bitmask(let mask): "\(label) has bit \(mask) set"
        case .present(true): "\(label) is present"
        case .present(false): "\(label) is absent"
        }
    }
}
