import Foundation

/// One entry of the `roles` list: a role, granted when every condition holds. A rule without
/// conditions is the default and matches everyone who reaches it.
public struct RoleRule: Sendable, Equatable, CustomStringConvertible {
    /// A test on a directory user.
    public enum Condition: Sendable, Equatable, CustomStringConvertible {
        /// Member of a group named by its CN or its full DN, compared ignoring case.
        case group(String)
        /// An attribute test; attribute names compare ignoring case.
        case attribute(String, AttributeTest)
        /// The email's domain is one of these (`*.acme.com` also matches subdomains).
        case domain([String])

        public var description: String {
            switch self {
            case .group(let name): "group '\(name)'"
            case .attribute(let name, let test): "\(name) \(test)"
            case .domain(let domains):
                domains.count == 1 ? "domain \(domains[0])" : "domain in [\(domains.joined(separator: ", "))]"
            }
        }
    }

    /// How an attribute's values are tested: any one value satisfying the test is enough.
    public enum AttributeTest: Sendable, Equatable, CustomStringConvertible {
        /// Equal ignoring case.
        case equals(String)
        /// Equal (ignoring case) to one of these.
        case isOneOf([String])
        /// The regular expression finds a match.
        case matches(Pattern)

        public var description: String {
            switch self {
            case .equals(let value): "= '\(value)'"
            case .isOneOf(let values): "in [\(values.joined(separator: ", "))]"
            case .matches(let pattern): "matches /\(pattern.source)/"
            }
        }
    }

    /// A compiled regular expression that compares by its source text.
    public struct Pattern: @unchecked Sendable, Equatable {
        // @unchecked: NSRegularExpression is immutable once compiled and safe to share.
        public let source: String
        let expression: NSRegularExpression

        public init(_ source: String) throws {
            self.source = source
            self.expression = try NSRegularExpression(pattern: source)
        }

        public func hasMatch(in text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }

        public static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.source == rhs.source }
    }

    public let role: Role
    /// All must hold; empty for the default rule.
    public let conditions: [Condition]
    /// Where the rule is: `roles[2]`.
    public let label: String

    public init(role: Role, conditions: [Condition], label: String) {
        self.role = role
        self.conditions = conditions
        self.label = label
    }

    /// `roles[1] member: department in [Legal, Sales]`.
    public var description: String {
        let when = conditions.isEmpty ? "default" : conditions.map(\.description).joined(separator: " and ")
        return "\(label) \(role): \(when)"
    }

    /// For each condition, whether `user` satisfies it.
    public func evaluate(_ user: DirectoryUser, email: EmailAddress) -> [(Condition, Bool)] {
        conditions.map { ($0, Self.holds($0, for: user, email: email)) }
    }

    static func holds(_ condition: Condition, for user: DirectoryUser, email: EmailAddress) -> Bool {
        switch condition {
        case .group(let wanted):
            let key = normalizedGroup(wanted)
            return user.groups.contains { normalizedGroup($0.name) == key || normalizedGroup($0.id) == key }
        case .attribute(let name, let test):
            let values = user.attributes[name.lowercased()] ?? []
            return values.contains { value in
                switch test {
                case .equals(let expected): value.caseInsensitiveCompare(expected) == .orderedSame
                case .isOneOf(let options): options.contains { value.caseInsensitiveCompare($0) == .orderedSame }
                case .matches(let pattern): pattern.hasMatch(in: value)
                }
            }
        case .domain(let domains):
            return domains.contains { DomainPattern.matches($0, email.domain) }
        }
    }

    /// A group CN or DN in a form that compares the way directories do: case and the blanks after
    /// commas and around `=` do not matter.
    static func normalizedGroup(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in text.lowercased() {
            if character == " " {
                pendingSpace = true
                continue
            }
            if pendingSpace, !result.isEmpty, result.last != ",", result.last != "=", character != ",", character != "="
            {
                result.append(" ")
            }
            pendingSpace = false
            result.append(character)
        }
        return result
    }
}

/// Domain names as configuration writes them: `acme.com` matches only itself, `*.acme.com` matches its
/// subdomains (and not `acme.com` itself).
public enum DomainPattern {
    public static func matches(_ pattern: String, _ domain: String) -> Bool {
        let pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") { return domain.hasSuffix(String(pattern.dropFirst(1))) }
        return pattern == domain
    }
}
