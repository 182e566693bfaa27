import Foundation

/// A username: unique in an organization ignoring case, stored lower-case, 1–64 characters of `a-z`, `0-9`,
/// `.`, `_` and `-`, starting with a letter or a digit.
///
/// By default it is derived from the email's local part (`derived(from:)`): lower-cased, every character
/// outside `[a-z0-9._-]` dropped, leading `.`, `_` and `-` dropped, cut at 64 (`user` when nothing is left). A
/// store migration derives the usernames of people who had none with the same rule, so it never changes.
public struct Username: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The username, lower-case.
    public let text: String

    /// The longest username.
    public static let maximumLength = 64

    /// Why a text is not a username.
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        /// What was given.
        public let text: String
        /// What is wrong with it.
        public let problem: String
        /// `'Ann Lee' is not a username: …`.
        public var description: String { "'\(text)' is not a username: \(problem)" }
    }

    /// A username typed by a person or given by the directory, checked (and lower-cased).
    public init(_ raw: String) throws(Invalid) {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { throw Invalid(text: raw, problem: "it is empty") }
        guard text.unicodeScalars.count <= Self.maximumLength else {
            throw Invalid(text: String(raw.prefix(80)), problem: "it is longer than \(Self.maximumLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isAllowed($0) }) {
            let shown = bad.properties.generalCategory == .control ? EmailAddress.Invalid.codePoint(bad) : "'\(bad)'"
            throw Invalid(text: raw, problem: "\(shown) is not allowed (only a-z, 0-9, '.', '_' and '-')")
        }
        guard let first = text.unicodeScalars.first, Self.isAlphanumeric(first) else {
            throw Invalid(text: raw, problem: "it must start with a letter or a digit")
        }
        self.text = text
    }

    private init(unchecked text: String) { self.text = text }

    /// The username the rule derives from `email`'s local part (`Ann.Lee+x@…` → `ann.leex`).
    public static func derived(from email: EmailAddress) -> Username {
        var kept = String.UnicodeScalarView()
        for scalar in email.localPart.lowercased().unicodeScalars where isAllowed(scalar) {
            if kept.isEmpty, !isAlphanumeric(scalar) { continue }
            kept.append(scalar)
            if kept.count == maximumLength { break }
        }
        return Username(unchecked: kept.isEmpty ? "user" : String(kept))
    }

    /// `base` with the smallest numeric suffix (`ann1`, `ann2`, …) that `isTaken` does not refuse; `base` itself
    /// when it is free. The suffix replaces the end of a base at the length limit.
    public static func free(_ base: Username, isTaken: (Username) throws -> Bool) rethrows -> Username {
        guard try isTaken(base) else { return base }
        var number = 1
        while true {
            let suffix = String(number)
            let candidate = Username(unchecked: String(base.text.prefix(maximumLength - suffix.count)) + suffix)
            if try !isTaken(candidate) { return candidate }
            number += 1
        }
    }

    /// A username as the store holds it (checked when it was written).
    public init(stored text: String) { self.text = text }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        isAlphanumeric(scalar) || scalar == "." || scalar == "_" || scalar == "-"
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// The username.
    public var description: String { text }

    /// By text.
    public static func < (lhs: Username, rhs: Username) -> Bool { lhs.text < rhs.text }
}
