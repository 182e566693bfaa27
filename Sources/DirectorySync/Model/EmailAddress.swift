import Foundation

/// An email address in canonical form: the identity invitations and members are keyed on.
///
/// The canonical form is trimmed and lower-cased, local part included. RFC 5321 lets a server treat
/// local parts case-sensitively, but no mail provider an organization uses does, and directories
/// (SCIM `userName`, AD `mail`) compare them case-insensitively too.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address, trimmed and lower-cased.
    public let canonical: String
    /// The part after the `@`, lower-cased.
    public let domain: String

    /// Validates and canonicalises `raw`.
    public init(_ raw: String) throws(EmailAddress.Invalid) {
        if let plain = Self.plainASCII(raw) {
            self = plain
        } else {
            try self.init(general: raw)
        }
    }

    /// Every rule, on any input (the fast path in `EmailAddress+ASCII.swift` handles plain ASCII).
    init(general raw: String) throws(EmailAddress.Invalid) {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        func fail(_ reason: Invalid.Reason) -> Invalid { Invalid(input: raw, reason: reason) }
        guard !trimmed.isEmpty else { throw fail(.empty) }
        // Controls and format characters (zero-width spaces and joiners, bidi overrides, the BOM) are
        // invisible or reorder text: two addresses differing only by them look identical in every listing.
        if let hidden = trimmed.unicodeScalars.first(where: Self.isInvisible) {
            throw fail(.invisibleCharacter(hidden))
        }
        guard let at = trimmed.lastIndex(of: "@") else { throw fail(.missingAt) }
        let local = trimmed[..<at]
        let domain = trimmed[trimmed.index(after: at)...].lowercased()
        if local.hasPrefix("\"") { throw fail(.quotedLocalPart) }
        guard !local.isEmpty else { throw fail(.emptyLocalPart) }
        guard local.utf8.count <= 64 else { throw fail(.localPartTooLong) }
        if let bad = local.first(where: { !Self.isLocalCharacter($0) }) { throw fail(.invalidCharacter(bad)) }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") { throw fail(.misplacedDot) }
        try Self.validate(domain: domain, input: raw)
        self.canonical = local.lowercased() + "@" + domain
        self.domain = domain
    }

    /// An address read back from the store, where only validated canonical addresses are written: not checked
    /// again (a million members are loaded for every plan).
    package init(storedCanonical canonical: String) {
        self.canonical = canonical
        self.domain = canonical.lastIndex(of: "@").map { String(canonical[canonical.index(after: $0)...]) } ?? ""
    }

    /// Equality and hashing look at the canonical form only (the domain is derived from it).
    public static func == (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.canonical == rhs.canonical }

    /// Hashes the canonical form only, in agreement with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    /// The part before the `@`.
    public var localPart: Substring { canonical[..<(canonical.lastIndex(of: "@") ?? canonical.endIndex)] }

    /// The canonical form, as the address is stored and shown.
    public var description: String { canonical }

    /// Orders addresses by their canonical form, so listings sort the same way on every run.
    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.canonical < rhs.canonical }

    private static let localSpecials = Set("!#$%&'*+-/=?^_`{|}~.")

    /// Unicode general categories Cc (controls) and Cf (format characters).
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: true
        default: false
        }
    }

    private static func isLocalCharacter(_ character: Character) -> Bool {
        if character.isASCII {
            return character.isLetter || character.isNumber || localSpecials.contains(character)
        }
        // RFC 6531 allows UTF-8 local parts; spaces and controls are never valid.
        return !character.isWhitespace
            && character.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control }
    }

    private static func validate(domain: String, input: String) throws(Invalid) {
        func fail(_ reason: Invalid.Reason) -> Invalid { Invalid(input: input, reason: reason) }
        guard !domain.isEmpty else { throw fail(.emptyDomain) }
        guard domain.utf8.count <= 253 else { throw fail(.invalidDomain(domain)) }
        if domain.hasPrefix("[") { throw fail(.addressLiteral) }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { throw fail(.invalidDomain(domain)) }
        for label in labels {
            let valid =
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0 == "-" || $0.isLetter || $0.isNumber }
            guard valid else { throw fail(.invalidDomain(domain)) }
        }
        if let top = labels.last, top.allSatisfy(\.isNumber) { throw fail(.invalidDomain(domain)) }
    }
}

extension EmailAddress {
    /// Why a string is not an email address.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// What was given.
        public let input: String
        /// What is wrong with it.
        public let reason: Reason

        /// The rule an address broke.
        public enum Reason: Equatable, Sendable {
            case empty, missingAt, emptyLocalPart, localPartTooLong, quotedLocalPart, misplacedDot
            case invalidCharacter(Character)
            /// A control or format character (Unicode Cc or Cf), anywhere in the address.
            case invisibleCharacter(Unicode.Scalar)
            case emptyDomain, addressLiteral
            case invalidDomain(String)
        }

        /// The message for the user: the input, trimmed, with invisible characters spelt out (`<U+200B>`), and the
        /// rule it broke.
        public var description: String {
            // Invisible characters are spelt out, so the message shows what makes the address different.
            var shown = ""
            for scalar in input.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars {
                if EmailAddress.isInvisible(scalar) {
                    shown += "<\(Self.codePoint(scalar))>"
                } else {
                    shown.unicodeScalars.append(scalar)
                }
            }
            if reason == .empty { return "empty email address" }
            return "'\(shown)' is not a valid email address: \(explanation)"
        }

        /// `U+200B`.
        static func codePoint(_ scalar: Unicode.Scalar) -> String {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }

        private var explanation: String {
            switch reason {
            case .empty: "it is empty"
            case .missingAt: "no '@'"
            case .emptyLocalPart: "nothing before the '@'"
            case .localPartTooLong: "the part before the '@' is longer than 64 bytes"
            case .quotedLocalPart: "quoted local parts are not supported"
            case .misplacedDot: "a dot at the start or end of the name, or two dots in a row"
            case .invalidCharacter(let character): "character '\(character)' is not allowed before the '@'"
            case .invisibleCharacter(let scalar):
                "it holds \(Self.codePoint(scalar))"
                    + (scalar.properties.name.map { " (\($0.lowercased()))" } ?? "")
                    + ", an invisible or control character that makes addresses look alike"
            case .emptyDomain: "nothing after the '@'"
            case .addressLiteral: "IP address literals are not supported"
            case .invalidDomain(let domain): "'\(domain)' is not a valid domain"
            }
        }
    }
}

extension EmailAddress: Codable {
    /// Reads an address from a JSON string, validated as `init(_:)` does; an invalid one throws
    /// `DecodingError.dataCorrupted` with the reason.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do {
            try self.init(raw)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Writes the canonical form as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}
