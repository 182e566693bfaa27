import Foundation

/// The secret in an invitation link.
///
/// A token is 44 URL-safe characters: a 12-character *selector* (72 random bits) that finds the
/// token's row, and a 32-character *verifier* (192 random bits) that proves possession. The store
/// keeps the selector and the SHA-256 of the whole token, never the token; a presented token is
/// found by its selector and checked against the hash in constant time. Because every issued
/// token keeps its row, a revoked, expired, replaced or used token fails with its own message.
public struct InvitationToken: Sendable, Equatable, CustomStringConvertible {
    /// The full token, as it appears in the accept link.
    public let text: String

    /// Characters in a token: 12 selector + 32 verifier.
    public static let length = 44
    static let selectorLength = 12

    /// A fresh token from the system's cryptographically secure generator.
    public static func generate() -> InvitationToken {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A fresh token from `generator` (33 random bytes, taken from five 64-bit draws).
    public static func generate(using generator: inout some RandomNumberGenerator) -> InvitationToken {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(40)
        for _ in 0..<5 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        return InvitationToken(unchecked: Base64URL.encode(Array(bytes.prefix(33))))
    }

    private init(unchecked text: String) { self.text = text }

    /// Reads a token as a person would paste it: the token itself, or the whole accept link
    /// (its `token` query parameter).
    public init(parsing input: String) throws(LedgerError) {
        var candidate = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if candidate.contains("://") || candidate.contains("?") {
            guard let components = URLComponents(string: candidate),
                let value = components.queryItems?.first(where: { $0.name == "token" })?.value
            else { throw .malformedToken }
            candidate = value
        }
        guard candidate.utf8.count == Self.length, candidate.utf8.allSatisfy(Base64URL.isAlphabet) else {
            throw .malformedToken
        }
        self.text = candidate
    }

    /// The part of the token the store looks rows up by.
    public var selector: String { String(text.prefix(Self.selectorLength)) }

    /// The SHA-256 of the token, hex-encoded: what the store keeps.
    public var hash: String { Digest.sha256Hex(text) }

    /// Whether this token's hash equals `storedHash`, compared in constant time.
    public func matches(storedHash: String) -> Bool {
        ConstantTime.equals(Array(hash.utf8), Array(storedHash.utf8))
    }

    /// Never the secret: only the selector, so tokens cannot leak through logs or string interpolation.
    public var description: String { "token \(selector)…" }

    /// The accept link for this token: `template` with `{token}` replaced, and each of `prefilling` that has a
    /// value added as a query parameter, percent-encoded (the accept page pre-fills its form with them).
    public func link(from template: String, prefilling: [(name: String, value: String?)] = []) -> String {
        var link = template.replacingOccurrences(of: "{token}", with: text)
        for (name, value) in prefilling {
            guard let value, !value.isEmpty else { continue }
            let encoded = value.addingPercentEncoding(withAllowedCharacters: Self.queryValue) ?? ""
            link += (link.contains("?") ? "&" : "?") + "\(name)=\(encoded)"
        }
        return link
    }

    /// What a query value may hold unencoded: RFC 3986's unreserved characters.
    private static let queryValue = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// Base64 with the URL-safe alphabet (RFC 4648 §5) and no padding.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var encoded = Array(Data(bytes).base64EncodedString().utf8)
        encoded.removeAll { $0 == UInt8(ascii: "=") }
        for index in encoded.indices {
            if encoded[index] == UInt8(ascii: "+") { encoded[index] = UInt8(ascii: "-") }
            if encoded[index] == UInt8(ascii: "/") { encoded[index] = UInt8(ascii: "_") }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
