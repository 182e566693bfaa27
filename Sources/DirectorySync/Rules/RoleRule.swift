import Foundation

/// One entry of the `roles` list: a role, granted when every condition holds. A rule without
/// conditions is the default and matches everyone who reaches it.
public struct RoleRule: Sendable, Equatable, CustomStringConvertible {
    /// A test on a directory user.
    public enum Condition: Sendable, Equatable, CustomStringConvertible {
        /// Member of a group named by its CN or its full DN, compared ignoring case: directly or through groups
        /// in it (effective membership).
        case group(String)
        /// Member of the group itself, not only through a group in it (`when: { group: X, direct: true }`).
        case directGroup(String)
        /// An attribute test; attribute names compare ignoring case.
        case attribute(String, AttributeTest)
        /// The email's domain is one of these (`*.acme.com` also matches subdomains).
        case domain([String])
        /// The entry's DN is the base or beneath it (`base: ou=People,dc=…`).
        case subtree(DNSubtree)

        /// The condition in words: `group 'Sign Admins'`, `department = 'Legal'`, `domain acme.com`.
        public var description: String {
            switch self {
            case .group(let name): "group '\(name)'"
            case .directGroup(let name): "direct member of group '\(name)'"
            case .attribute(let name, let test): "\(name) \(test)"
            case .domain(let domains):
                domains.count == 1 ? "domain \(domains[0])" : "domain in [\(domains.joined(separator: ", "))]"
            case .subtree(let subtree): subtree.description
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

        /// The test in words: `= 'Legal'`, `in [Legal, Sales]` or `matches /…/`.
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
        /// The regular expression as the configuration wrote it.
        public let source: String
        let expression: NSRegularExpression

        /// Compiles `source` as an `NSRegularExpression` (ICU syntax); throws its error when it is not valid.
        public init(_ source: String) throws {
            if let problem = RegexSafety.problem(in: source) { throw RegexSafety.Unsafe(description: problem) }
            self.source = source
            self.expression = try NSRegularExpression(pattern: source)
        }

        /// Whether the expression matches some part of `text`.
        public func hasMatch(in text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }

        /// Patterns are equal when their source text is.
        public static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.source == rhs.source }
    }

    /// The role the rule grants.
    public let role: Role
    /// All must hold; empty for the default rule.
    public let conditions: [Condition]
    /// Where the rule is: `roles[2]`.
    public let label: String

    /// `group` conditions' names in comparable form, computed once.
    private let groupKeys: [String?]

    /// A rule granting `role` when every one of `conditions` holds; `label` says where it is written (`roles[2]`).
    public init(role: Role, conditions: [Condition], label: String) {
        self.role = role
        self.conditions = conditions
        self.label = label
        let when = conditions.isEmpty ? "default" : conditions.map(\.description).joined(separator: " and ")
        self.description = "\(label) \(role): \(when)"
        self.groupKeys = conditions.map { condition in
            switch condition {
            case .group(let name): Self.normalizedGroup(name)
            case .directGroup(let name): Self.directKey(Self.normalizedGroup(name))
            default: nil
            }
        }
    }

    /// Rules are equal when their role, conditions and label are.
    public static func == (lhs: RoleRule, rhs: RoleRule) -> Bool {
        lhs.role == rhs.role && lhs.conditions == rhs.conditions && lhs.label == rhs.label
    }

    /// Whether any condition names a group (then each user's groups are normalised once for all rules).
    var testsGroups: Bool { groupKeys.contains { $0 != nil } }

    /// `roles[1] member: department in [Legal, Sales]`, made once: every wanted person names the rule.
    public let description: String

    /// Whether every condition holds for `user`, whose groups are already normalised (no allocation).
    func matches(_ user: DirectoryUser, email: EmailAddress, groups: Set<String>) -> Bool {
        for (condition, key) in zip(conditions, groupKeys) {
            let holds = key.map(groups.contains) ?? Self.holds(condition, for: user, email: email)
            if !holds { return false }
        }
        return true
    }

    /// For each condition, whether `user` satisfies it.
    public func evaluate(_ user: DirectoryUser, email: EmailAddress) -> [(Condition, Bool)] {
        evaluate(user, email: email, groups: testsGroups ? Self.groupKeys(of: user) : [])
    }

    /// For each condition, whether `user` satisfies it, with the user's groups already normalised.
    func evaluate(_ user: DirectoryUser, email: EmailAddress, groups: Set<String>) -> [(Condition, Bool)] {
        zip(conditions, groupKeys).map { condition, key in
            (condition, key.map(groups.contains) ?? Self.holds(condition, for: user, email: email))
        }
    }

    /// The user's groups by CN and by DN, in comparable form; direct ones also under `directKey`.
    static func groupKeys(of user: DirectoryUser) -> Set<String> {
        var keys = Set<String>(minimumCapacity: user.groups.count * 2)
        for group in user.groups {
            let name = normalizedGroup(group.name)
            let id = normalizedGroup(group.id)
            keys.insert(name)
            keys.insert(id)
            if group.isDirect {
                keys.insert(directKey(name))
                keys.insert(directKey(id))
            }
        }
        return keys
    }

    /// The key a direct membership is also filed under (a prefix no group name can start with).
    private static func directKey(_ key: String) -> String { "\u{0}direct:" + key }

    static func holds(_ condition: Condition, for user: DirectoryUser, email: EmailAddress) -> Bool {
        switch condition {
        case .group(let wanted):
            return groupKeys(of: user).contains(normalizedGroup(wanted))
        case .directGroup(let wanted):
            return groupKeys(of: user).contains(directKey(normalizedGroup(wanted)))
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
        case .subtree(let subtree):
            return user.dn.map(subtree.contains(dn:)) ?? false
        }
    }

    /// A group CN or DN in a form that compares the way directories do: a DN in its RFC 4514 matching form
    /// (`DistinguishedName.matchingForm`); a name with case and the blanks after commas and around `=` not
    /// mattering.
    static func normalizedGroup(_ text: String) -> String {
        if text.utf8.contains(UInt8(ascii: "=")), let form = DistinguishedName.matchingForm(of: text) { return form }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        var isASCII = true
        for byte in text.utf8 {
            if byte == 0x20 {
                pendingSpace = true
                continue
            }
            if byte >= 0x80 { isASCII = false }
            if pendingSpace, let last = bytes.last, last != 0x2C, last != 0x3D, byte != 0x2C, byte != 0x3D {
                bytes.append(0x20)
            }
            pendingSpace = false
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        let result = String(decoding: bytes, as: UTF8.self)
        // Non-ASCII letters need Unicode case folding.
        return isASCII ? result : result.lowercased()
    }
}

/// Domain names as configuration writes them: `acme.com` matches only itself, `*.acme.com` matches its
/// subdomains (and not `acme.com` itself).
public enum DomainPattern {
    /// `pattern` must be lower case (configuration lower-cases it), as `domain` always is.
    public static func matches(_ pattern: String, _ domain: String) -> Bool {
        if pattern.hasPrefix("*.") { return domain.hasSuffix(pattern.dropFirst(1)) }
        return pattern == domain
    }
}
