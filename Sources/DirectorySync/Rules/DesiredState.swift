/// Who should be in the organization, with which role and how they get in; and who in the directory is
/// not wanted, and why. Built from a directory read and the access rules; the planner's input.
public struct DesiredState: Sendable, Equatable {
    /// A person who should be in the organization.
    public struct Person: Sendable, Equatable {
        public let email: EmailAddress
        public let anchor: String
        public let role: Role
        public let entry: AccessRules.Entry
        /// The rule that decided the role.
        public let rule: String
        public let name: String?
        public let location: SourceLocation
    }

    /// Someone in the directory who should not be in the organization.
    public struct Skip: Sendable, Equatable {
        public let email: EmailAddress?
        public let anchor: String
        public let reason: AccessRules.SkipReason
        public let location: SourceLocation
    }

    /// Wanted people, ordered by email.
    public var people: [Person]
    public var skipped: [Skip]
    /// The source's diagnostics and the rules' own (duplicates…).
    public var diagnostics: [Diagnostic]
    /// Users read from the source: what the shrink guard compares between runs.
    public var sourceUsers: Int
    public var sourceKind: SourceKind
    /// A digest of the source read and the rules' decisions.
    public var fingerprint: String

    public init(
        people: [Person], skipped: [Skip], diagnostics: [Diagnostic], sourceUsers: Int, sourceKind: SourceKind,
        fingerprint: String
    ) {
        self.people = people
        self.skipped = skipped
        self.diagnostics = diagnostics
        self.sourceUsers = sourceUsers
        self.sourceKind = sourceKind
        self.fingerprint = fingerprint
    }

    /// Applies `rules` to every user of `contents`.
    ///
    /// Two users with one email, or one anchor, are one person: an active account wins over a disabled one,
    /// otherwise the first read wins, and a warning names both entries. Nobody is offboarded because the
    /// directory holds a duplicate.
    public init(from contents: DirectoryContents, rules: AccessRules) {
        var diagnostics = contents.diagnostics
        let users = Self.withoutDuplicates(contents.users, diagnostics: &diagnostics)
        var people: [Person] = []
        var skipped: [Skip] = []
        people.reserveCapacity(users.count)
        for user in users {
            switch rules.evaluate(user).outcome {
            case .wanted(let role, let entry, let rule):
                guard let email = user.email else { continue }
                people.append(
                    Person(
                        email: email, anchor: user.anchor, role: role, entry: entry, rule: rule,
                        name: user.displayName ?? Self.fullName(user), location: user.location))
            case .skipped(let reason):
                skipped.append(Skip(email: user.email, anchor: user.anchor, reason: reason, location: user.location))
            }
        }
        people.sort { $0.email < $1.email }
        let noRule = skipped.filter { $0.reason == .noRuleMatched }.count
        if noRule > 0 {
            diagnostics.append(
                Diagnostic(
                    .warning,
                    "\(noRule) invitee(s) match no role rule and are skipped; add a default rule (`- { role: viewer }`) to include them"
                ))
        }
        var hasher = Fingerprint()
        hasher.add(contents.fingerprint)
        for person in people {
            hasher.add(person.email.canonical, person.anchor, person.role.rawValue, person.entry.rawValue)
        }
        self.init(
            people: people, skipped: skipped, diagnostics: diagnostics, sourceUsers: contents.counts.users,
            sourceKind: contents.kind, fingerprint: hasher.hex)
    }

    private static func fullName(_ user: DirectoryUser) -> String? {
        let parts = [user.givenName, user.familyName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    private static func withoutDuplicates(_ users: [DirectoryUser], diagnostics: inout [Diagnostic]) -> [DirectoryUser]
    {
        var kept: [DirectoryUser] = []
        kept.reserveCapacity(users.count)
        var byEmail: [EmailAddress: Int] = [:]
        var byAnchor: [String: Int] = [:]
        for user in users {
            let clash = user.email.flatMap { byEmail[$0] } ?? byAnchor[user.anchor]
            guard let index = clash else {
                if let email = user.email { byEmail[email] = kept.count }
                byAnchor[user.anchor] = kept.count
                kept.append(user)
                continue
            }
            let first = kept[index]
            let what =
                user.email != nil && first.email == user.email
                ? "email \(user.email?.canonical ?? "")" : "anchor \(user.anchor)"
            if user.isActive && !first.isActive {
                diagnostics.append(
                    Diagnostic(
                        .warning,
                        "duplicate \(what): using the active entry at \(user.location), not the disabled one at \(first.location)",
                        at: user.location))
                if let email = first.email { byEmail[email] = nil }
                byAnchor[first.anchor] = nil
                kept[index] = user
                if let email = user.email { byEmail[email] = index }
                byAnchor[user.anchor] = index
            } else {
                diagnostics.append(
                    Diagnostic(
                        .warning,
                        "duplicate \(what): using the entry at \(first.location), ignoring the one at \(user.location)",
                        at: user.location))
            }
        }
        return kept
    }
}
