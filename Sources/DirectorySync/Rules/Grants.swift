import Foundation

/// A role a person holds beside their organization role: one of the organization's catalog roles, for the
/// whole organization or limited to one of its accounts (`signer`, `template-editor@Sales US`). The
/// organization role (owner, admin, member, viewer) still decides seats and the owner rules; owner is never a
/// grant.
public struct Grant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The catalog role's name (`signer`, or the built-in `account-admin` or `can_bulk_invite`).
    public let role: String
    /// The account the grant is limited to; nil for the whole organization.
    public let account: String?

    /// `role` for the whole organization (`account` nil) or for one account.
    public init(role: String, account: String? = nil) {
        self.role = role
        self.account = account
    }

    /// `signer` for the organization, `signer@Sales US` for an account.
    public var description: String { account.map { "\(role)@\($0)" } ?? role }

    /// Organization-wide grants first, then by account, then by role.
    public static func < (lhs: Grant, rhs: Grant) -> Bool {
        (lhs.account ?? "", lhs.role) < (rhs.account ?? "", rhs.role)
    }
}

/// The roles and accounts an organization offers for grants: `access.roles` and `organization.accounts`, plus
/// the built-in roles.
public struct AccessCatalog: Sendable, Equatable {
    /// A role of the catalog, with what it is for.
    public struct RoleDefinition: Sendable, Equatable {
        /// The name grants and rules use.
        public let name: String
        /// What the role allows, for people reading offers and listings; empty when not given.
        public let description: String

        /// A role called `name`, described by `description`.
        public init(name: String, description: String = "") {
            self.name = name
            self.description = description
        }
    }

    /// Administers one account: invites and removes there only. Must be limited to an account.
    public static let accountAdmin = "account-admin"
    /// The permission to invite more than one person at a time (a batch, a CSV).
    public static let bulkInvite = "can_bulk_invite"
    /// The built-in roles, always in the catalog.
    public static let builtIn = [
        RoleDefinition(name: accountAdmin, description: "administers one account: invites and removes people there"),
        RoleDefinition(name: bulkInvite, description: "may invite several people at once (a batch or a CSV)"),
    ]

    /// The organization's own roles (`access.roles`), in the order written.
    public var roles: [RoleDefinition]
    /// The organization's accounts (`organization.accounts`), in the order written.
    public var accounts: [String]

    /// A catalog of `roles` (the built-in ones are added by lookups) and `accounts`.
    public init(roles: [RoleDefinition] = [], accounts: [String] = []) {
        self.roles = roles
        self.accounts = accounts
    }

    /// Every role a grant may name: the built-in ones, then the organization's.
    public var allRoles: [RoleDefinition] { Self.builtIn + roles }

    /// The role called `name` (exactly), if the catalog has it.
    public func role(named name: String) -> RoleDefinition? { allRoles.first { $0.name == name } }

    /// The account called `name`, compared ignoring case, as the catalog spells it.
    public func account(named name: String) -> String? {
        accounts.first { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}

/// One entry of `access.grants`: the grants it gives, limited to an account or not, when every condition
/// holds. Unlike the organization-role rules, where the first match wins, every matching grant rule grants:
/// a person's grants are the union of the rules that match them.
public struct GrantRule: Sendable, Equatable, CustomStringConvertible {
    /// What the rule grants (each with the rule's account, if it has one).
    public let grants: [Grant]
    /// Where the rule is: `access.grants[1]`.
    public let label: String
    /// The conditions, matched exactly as a role rule's are (the same group, attribute, domain and DN tests).
    private let matcher: RoleRule

    /// A rule granting `grants` when every one of `conditions` holds (always, when there are none).
    public init(grants: [Grant], conditions: [RoleRule.Condition], label: String) {
        self.grants = grants
        self.label = label
        matcher = RoleRule(role: .member, conditions: conditions, label: label)
        let when = conditions.isEmpty ? "everyone" : conditions.map(\.description).joined(separator: " and ")
        description = "\(label) \(grants.map(\.description).joined(separator: ", ")): \(when)"
    }

    /// All must hold; empty when the rule grants everyone who is wanted.
    public var conditions: [RoleRule.Condition] { matcher.conditions }

    /// `access.grants[0] signer@Legal EU: group 'Legal'`.
    public let description: String

    /// Whether any condition names a group.
    var testsGroups: Bool { matcher.testsGroups }

    /// Whether every condition holds, with the user's groups already normalised.
    func matches(_ user: DirectoryUser, email: EmailAddress, groups: Set<String>) -> Bool {
        matcher.matches(user, email: email, groups: groups)
    }

    /// For each condition, whether it holds.
    func evaluate(_ user: DirectoryUser, email: EmailAddress, groups: Set<String>) -> [(RoleRule.Condition, Bool)] {
        matcher.evaluate(user, email: email, groups: groups)
    }

    /// Rules are equal when their grants, conditions and label are.
    public static func == (lhs: GrantRule, rhs: GrantRule) -> Bool {
        lhs.grants == rhs.grants && lhs.label == rhs.label && lhs.matcher == rhs.matcher
    }
}
