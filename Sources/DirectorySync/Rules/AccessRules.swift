/// Who may be in the organization and with which role: Domain Auto-Join, allowed domains, role rules.
public struct AccessRules: Sendable, Equatable {
    /// People in these domains join directly as members, without an invitation.
    public var autoJoinDomains: [String]
    /// The role of joiners no role rule matches.
    public var autoJoinRole: Role
    /// People in these domains are invited; any other domain is skipped.
    public var allowedDomains: [String]
    /// First match wins, top to bottom.
    public var roles: [RoleRule]
    /// Who is in scope before any rule runs; everyone by default.
    public var scope = Scope()
    /// The roles and accounts grants may name (`access.roles`, `organization.accounts`).
    public var catalog = AccessCatalog()
    /// Grant rules (`access.grants`): every rule that matches a wanted person grants.
    public var grants: [GrantRule] = []
    /// The invitation flow of allowed domains that name one (`allowed_domains: [{ domain, flow }]`); the
    /// others follow `policy.invitation_flow`.
    public var domainFlows: [String: Invitation.Flow] = [:]

    /// The flow an invitation to `email` follows: its allowed domain's, else `fallback`.
    public func flow(for email: EmailAddress, otherwise fallback: Invitation.Flow) -> Invitation.Flow {
        var policy = SyncPolicy()
        policy.domainFlows = domainFlows
        policy.invitationFlow = fallback
        return policy.flow(for: email)
    }

    /// Whether any role rule, grant rule or scope item tests group membership (else a plan need not resolve
    /// groups).
    public var testsGroups: Bool {
        roles.contains(where: \.testsGroups) || grants.contains(where: \.testsGroups)
            || (scope.include + scope.exclude).contains { item in
                item.conditions.contains { condition in
                    switch condition {
                    case .group, .directGroup: true
                    default: false
                    }
                }
            }
    }

    /// Rules from their parts. With the defaults no domain is allowed, so everyone is skipped.
    public init(
        autoJoinDomains: [String] = [], autoJoinRole: Role = .member, allowedDomains: [String] = [],
        roles: [RoleRule] = []
    ) {
        self.autoJoinDomains = autoJoinDomains
        self.autoJoinRole = autoJoinRole
        self.allowedDomains = allowedDomains
        self.roles = roles
    }

    /// How someone in the directory would get into the organization.
    public enum Entry: String, Sendable, Codable, Equatable {
        /// Directly, because the domain is an auto-join domain.
        case join
        /// By invitation.
        case invite
    }

    /// Why someone in the directory is not wanted in the organization.
    public enum SkipReason: Sendable, Equatable, CustomStringConvertible {
        case noEmail
        case disabled
        case domainNotAllowed(String)
        case noRuleMatched
        /// Left out by `scope:`; the text says by which entry.
        case outOfScope(String)

        /// The reason in words, for diagnostics and `dirsync explain`.
        public var description: String {
            switch self {
            case .noEmail: "has no email address"
            case .disabled: "is disabled in the directory"
            case .domainNotAllowed(let domain): "domain \(domain) is neither an auto-join nor an allowed domain"
            case .noRuleMatched: "no role rule matches and there is no default rule"
            case .outOfScope(let why): "out of scope: \(why)"
            }
        }
    }

    /// What the rules decide for one user, with every step that led there (for `dirsync explain`).
    public struct Evaluation: Sendable, Equatable {
        /// The decision: wanted, with the role, the way in and the rule that decided; or skipped, and why.
        public enum Outcome: Sendable, Equatable {
            case wanted(role: Role, entry: Entry, rule: String)
            case skipped(SkipReason)
        }

        /// What the rules decided.
        public var outcome: Outcome
        /// What was checked, in order, in words.
        public var steps: [String]
        /// For a wanted person, the union of what the matching grant rules grant, sorted; empty otherwise.
        public var grants: [Grant] = []
    }

    /// Decides whether `user` belongs in the organization, how, with which role and which grants.
    public func evaluate(_ user: DirectoryUser) -> Evaluation {
        var evaluation = evaluate(user, explaining: true)
        if case .wanted = evaluation.outcome, !grants.isEmpty {
            evaluation.grants = grants(for: user, steps: &evaluation.steps, explaining: true)
        }
        return evaluation
    }

    /// What the rules decide for `user`, without the explanation (the hot path of every plan).
    public func decide(_ user: DirectoryUser) -> Evaluation.Outcome { evaluate(user, explaining: false).outcome }

    /// The grants the grant rules give `user` (who must be wanted for them to matter), sorted, each once.
    public func grants(for user: DirectoryUser) -> [Grant] {
        var steps: [String] = []
        return grants(for: user, steps: &steps, explaining: false)
    }

    /// Every grant rule tried; the words of each step are made only when `explaining`.
    private func grants(for user: DirectoryUser, steps: inout [String], explaining: Bool) -> [Grant] {
        guard let email = user.email, !grants.isEmpty else { return [] }
        let groups = grants.contains(where: \.testsGroups) ? RoleRule.groupKeys(of: user) : []
        var result = Set<Grant>()
        for rule in grants {
            if rule.matches(user, email: email, groups: groups) {
                result.formUnion(rule.grants)
                if explaining { steps.append("\(rule): matches, grants") }
            } else if explaining {
                let failed = rule.evaluate(user, email: email, groups: groups).filter { !$0.1 }
                steps.append(
                    failed.count < rule.conditions.count
                        ? "\(rule): no (\(failed.map { $0.0.description }.joined(separator: ", ")) does not hold)"
                        : "\(rule): no")
            }
        }
        return result.sorted()
    }

    /// One decision procedure for both: the words of each step are made only when `explaining`.
    private func evaluate(_ user: DirectoryUser, explaining: Bool) -> Evaluation {
        var steps: [String] = []
        func note(_ text: @autoclosure () -> String) { if explaining { steps.append(text()) } }
        guard let email = user.email else {
            note("no email address")
            return Evaluation(outcome: .skipped(.noEmail), steps: steps)
        }
        if !scope.isEverything {
            if let why = scope.exclusion(of: user, email: email) {
                note("out of scope: \(why)")
                return Evaluation(outcome: .skipped(.outOfScope(why)), steps: steps)
            }
            note("in scope")
        }
        guard user.isActive else {
            note("the account is disabled")
            return Evaluation(outcome: .skipped(.disabled), steps: steps)
        }
        let entry: Entry
        if autoJoinDomains.contains(where: { DomainPattern.matches($0, email.domain) }) {
            entry = .join
            note("domain \(email.domain) is an auto-join domain: joins directly")
        } else if allowedDomains.contains(where: { DomainPattern.matches($0, email.domain) }) {
            entry = .invite
            note("domain \(email.domain) is an allowed domain: is invited")
        } else {
            note("domain \(email.domain) is neither an auto-join nor an allowed domain")
            return Evaluation(outcome: .skipped(.domainNotAllowed(email.domain)), steps: steps)
        }
        if let role = user.requestedRole {
            note("the source gives the role \(role) (mapping role): it decides before the role rules")
            return Evaluation(outcome: .wanted(role: role, entry: entry, rule: "mapping.role"), steps: steps)
        }
        let groups = roles.contains(where: \.testsGroups) ? RoleRule.groupKeys(of: user) : []
        for rule in roles {
            if rule.matches(user, email: email, groups: groups) {
                note("\(rule): matches")
                return Evaluation(outcome: .wanted(role: rule.role, entry: entry, rule: rule.description), steps: steps)
            }
            if explaining {
                let failed = rule.evaluate(user, email: email, groups: groups).filter { !$0.1 }
                note(
                    failed.count < rule.conditions.count
                        ? "\(rule): no (\(failed.map { $0.0.description }.joined(separator: ", ")) does not hold)"
                        : "\(rule): no")
            }
        }
        if entry == .join {
            note("no role rule matches: joins with the auto-join role \(autoJoinRole)")
            return Evaluation(
                outcome: .wanted(role: autoJoinRole, entry: .join, rule: "organization.auto_join.role"), steps: steps)
        }
        note("no role rule matches and there is no default rule")
        return Evaluation(outcome: .skipped(.noRuleMatched), steps: steps)
    }
}
