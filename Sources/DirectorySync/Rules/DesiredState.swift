/// Who should be in the organization, with which role and how they get in; and who in the directory is
/// not wanted, and why. Built from a directory read and the access rules; the planner's input.
public struct DesiredState: Sendable, Equatable {
    /// A person who should be in the organization.
    public struct Person: Sendable, Equatable {
        /// The address the person should be in the organization with: the one invited, or the one that joins.
        public let email: EmailAddress
        /// The directory anchor, which members and invitations are matched on before the email.
        public let anchor: String
        /// The role the person should have.
        public let role: Role
        /// Whether the person joins directly (an auto-join domain) or is invited.
        public let entry: AccessRules.Entry
        /// The rule that decided the role.
        public let rule: String
        /// The display name, or the given and family names joined; nil when the directory has neither.
        public let name: String?
        /// Where the source has the person, for messages.
        public let location: SourceLocation
        /// The grants the grant rules give the person, sorted; empty without grant rules.
        public var grants: [Grant] = []
        /// The given (first) name, cleaned as a directory name; it pre-fills the invitation's accept page.
        public var givenName: String? = nil
        /// The family (last) name, cleaned the same way.
        public var familyName: String? = nil
        /// The username the directory gives (the mapping's `username:`); nil to derive it from the email.
        public var username: Username? = nil
        /// The profile fields the directory gives the person (the mapping's `profile:`), by key.
        public var profile: [String: String] = [:]
    }

    /// Someone in the directory who should not be in the organization.
    public struct Skip: Sendable, Equatable {
        /// The address, or nil for a user without one.
        public let email: EmailAddress?
        /// The directory anchor. A departing member or invitation is matched to its skip by anchor (else by email),
        /// which gives the departure its reason.
        public let anchor: String
        /// Why the rules do not want the person.
        public let reason: AccessRules.SkipReason
        /// Where the source has the person, for messages.
        public let location: SourceLocation
    }

    /// Wanted people, in the source's order.
    public var people: [Person]
    /// Users the rules do not want, in the source's order, each with why.
    public var skipped: [Skip]
    /// The source's diagnostics and the rules' own (duplicates…).
    public var diagnostics: [Diagnostic]
    /// Users read from the source: what the shrink guard compares between runs.
    public var sourceUsers: Int
    /// The kind of source that was read.
    public var sourceKind: SourceKind
    /// A digest of the source read and the rules' decisions.
    public var fingerprint: String
    /// The profile fields the mappings manage (`profile:`), sorted: a field among them that a person lacks is
    /// cleared on their managed record; any other field is never touched by a sync.
    public var profileKeys: [String] = []

    /// A desired state from its parts; `fingerprint` should digest the read and the decisions it was made from.
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

    /// What the rules decided for one user: all a plan keeps of it.
    public enum Decision: Sendable, Equatable {
        case wanted(Person)
        case skipped(Skip)
    }

    /// Applies `rules` to one user.
    public static func decide(_ user: DirectoryUser, rules: AccessRules) -> Decision {
        switch rules.decide(user) {
        case .wanted(let role, let entry, let rule):
            // The rules never want someone without an address.
            guard let email = user.email else {
                return .skipped(Skip(email: nil, anchor: user.anchor, reason: .noEmail, location: user.location))
            }
            return .wanted(
                Person(
                    email: email, anchor: user.anchor, role: role, entry: entry, rule: rule,
                    name: user.displayName ?? fullName(user), location: user.location,
                    grants: rules.grants.isEmpty ? [] : rules.grants(for: user),
                    givenName: Member.directoryName(user.givenName), familyName: Member.directoryName(user.familyName),
                    username: user.username, profile: user.profile))
        case .skipped(let reason):
            return .skipped(Skip(email: user.email, anchor: user.anchor, reason: reason, location: user.location))
        }
    }

    /// Applies `rules` to every user of `contents` (which the reader has already freed of duplicates).
    public init(from contents: DirectoryContents, rules: AccessRules) {
        self.init(contents.read(keeping: { user in Self.decide(user, rules: rules) }))
    }

    /// The decisions of a source read, made user by user as it was read.
    public init(_ read: DirectoryRead<Decision>) {
        var people: [Person] = []
        var skipped: [Skip] = []
        people.reserveCapacity(read.items.count)
        for decision in read.items {
            switch decision {
            case .wanted(let person): people.append(person)
            case .skipped(let skip): skipped.append(skip)
            }
        }
        // Order-independent: the same people in another order are the same desired state.
        let decisions = Fingerprint.unordered(people) { person, hasher in
            hasher.add(person.email.canonical, person.anchor, person.role.rawValue, person.entry.rawValue)
            if !person.grants.isEmpty { hasher.add(person.grants.map(\.description)) }
        }
        var total = Fingerprint()
        total.add(read.fingerprint, decisions)
        self.init(
            people: people, skipped: skipped, diagnostics: read.diagnostics + Self.summaries(of: skipped),
            sourceUsers: read.counts.users, sourceKind: read.kind, fingerprint: total.hex)
    }

    /// One line per kind of skip: how many, and the first few, so a million-user read stays readable.
    private static func summaries(of skipped: [Skip]) -> [Diagnostic] {
        var byKind: [String: [Skip]] = [:]
        for skip in skipped {
            let kind: String
            switch skip.reason {
            case .noEmail: kind = "no-email"
            case .disabled: kind = "disabled"
            case .domainNotAllowed: kind = "domain"
            case .noRuleMatched: kind = "no-rule"
            case .outOfScope: kind = "scope"
            }
            byKind[kind, default: []].append(skip)
        }
        func examples(_ skips: [Skip]) -> String {
            let shown = skips.prefix(3).map { $0.email?.canonical ?? $0.location.description }
            return shown.joined(separator: ", ") + (skips.count > 3 ? ", …" : "")
        }
        var result: [Diagnostic] = []
        if let skips = byKind["no-rule"] {
            result.append(
                Diagnostic(
                    .warning,
                    "\(Plural.count(skips.count, "invitee")) \(skips.count == 1 ? "matches" : "match") no role rule and \(skips.count == 1 ? "is" : "are") skipped (\(examples(skips))); add a default rule such as `- { role: viewer }` to include them"
                ))
        }
        if let skips = byKind["domain"] {
            let domains = Set(skips.compactMap { $0.email?.domain }).sorted()
            result.append(
                Diagnostic(
                    .info,
                    "\(Plural.count(skips.count, "person", "people")) skipped: domain \(domains.prefix(5).joined(separator: ", "))\(domains.count > 5 ? ", …" : "") is neither auto-join nor allowed (\(examples(skips)))"
                ))
        }
        if let skips = byKind["disabled"] {
            result.append(
                Diagnostic(.info, "\(Plural.count(skips.count, "disabled account")) skipped (\(examples(skips)))"))
        }
        if let skips = byKind["scope"] {
            result.append(
                Diagnostic(.info, "\(Plural.count(skips.count, "person", "people")) out of scope (\(examples(skips)))"))
        }
        if let skips = byKind["no-email"] {
            result.append(
                Diagnostic(
                    .info,
                    "\(Plural.count(skips.count, "person", "people")) without an email address skipped (\(examples(skips)))"
                ))
        }
        return result
    }

    private static func fullName(_ user: DirectoryUser) -> String? {
        let parts = [user.givenName, user.familyName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
