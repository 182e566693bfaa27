import Foundation

/// Accounts and grants, each change with its audit event in the transaction. The catalog (which roles exist)
/// is the configuration's; here the rules that hold whatever it says: organization roles are never grants,
/// `account-admin` is always limited to an account, an account with grants in it stays.
extension LedgerTransaction {
    /// The organization's accounts, by name.
    public func accounts() throws -> [Account] { try db.accounts(in: orgID) }

    /// The account called `name` (ignoring case).
    public func account(named name: String) throws -> Account? {
        try db.accounts(in: orgID).first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Adds an account.
    @discardableResult
    public func addAccount(_ name: String, by actor: String) throws -> Account {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let problem = AccessCatalog.nameProblem(trimmed) {
            throw AccessError.invalidAccountName(name, problem: problem)
        }
        if let existing = try account(named: trimmed) { throw AccessError.accountExists(existing.name) }
        let account = try db.insertAccount(named: trimmed, in: orgID, at: now)
        try audit(.accountAdded, actor: actor, subject: account.name)
        return account
    }

    /// Removes an account; refused while grants are limited to it.
    public func removeAccount(_ name: String, by actor: String) throws {
        guard let account = try account(named: name) else {
            throw AccessError.unknownAccount(name, known: try accounts().map(\.name))
        }
        let count = try db.grantCount(in: account.id)
        guard count == 0 else { throw AccessError.accountHasGrants(account.name, count: count) }
        try db.deleteAccount(account.id)
        try audit(.accountRemoved, actor: actor, subject: account.name)
    }

    /// The grants `member` holds.
    public func grants(of member: Member) throws -> [MemberGrant] { try db.grants(of: member.id) }

    /// Gives `member` each of `grants` (none of which they may hold already); `managed` when a sync makes them
    /// from the grant rules. Accounts named must exist, unless `addingAccounts` (a sync adds the accounts the
    /// configuration lists).
    public func grant(
        _ grants: [Grant], to member: Member, managed: Bool, by actor: String, addingAccounts: Bool = false,
        inherits: Bool = false, details: [String: String] = [:]
    ) throws {
        guard !grants.isEmpty else { return }
        try requireAccess(member)
        if inherits, let scoped = grants.first(where: { $0.account != nil }) {
            throw AccessError.inheritedGrantScoped(scoped)
        }
        let held = try self.grants(of: member).map(\.grant)
        for grant in grants {
            try Self.check(grant)
            if held.contains(grant) { throw AccessError.grantHeld(member.email, grant) }
            try db.insertGrant(
                MemberGrant(member: member.id, grant: grant, isManaged: managed, grantedAt: now, inherits: inherits),
                account: try accountID(for: grant, adding: addingAccounts, by: actor))
        }
        var facts = details
        facts["grants"] = grants.map(\.description).joined(separator: ", ")
        facts["managed"] = managed ? "yes" : "no"
        if inherits { facts["inherit"] = "yes" }
        try audit(.accessGranted, actor: actor, subject: member.email.canonical, facts)
    }

    /// Takes each of `grants` from `member` (who must hold them).
    public func ungrant(_ grants: [Grant], from member: Member, by actor: String, details: [String: String] = [:])
        throws
    {
        guard !grants.isEmpty else { return }
        let held = try self.grants(of: member).map(\.grant)
        for grant in grants {
            guard held.contains(grant) else {
                // Access inherited from the parent organization is changed there, never in a child.
                if let inherited = try db.inheritedGrants(in: orgID).first(where: {
                    $0.email == member.email && $0.grant == grant
                }) {
                    throw AccessError.inherited(member.email, grant, from: inherited.from)
                }
                throw AccessError.grantNotHeld(member.email, grant)
            }
            try db.deleteGrant(
                of: member.id, role: grant.role, account: try accountID(for: grant, adding: false, by: actor))
        }
        var facts = details
        facts["grants"] = grants.map(\.description).joined(separator: ", ")
        try audit(.accessRemoved, actor: actor, subject: member.email.canonical, facts)
    }

    /// What no grant may be, whatever the catalog says.
    static func check(_ grant: Grant) throws {
        if Role(rawValue: grant.role.lowercased()) != nil { throw AccessError.organizationRole(grant.role) }
        if grant.role == AccessCatalog.accountAdmin, grant.account == nil { throw AccessError.accountAdminNeedsAccount }
    }

    /// The account `grant` is limited to, added first when `adding` and missing; nil for organization scope.
    func accountID(for grant: Grant, adding: Bool, by actor: String) throws -> Account.ID? {
        guard let name = grant.account else { return nil }
        if let account = try account(named: name) { return account.id }
        guard adding else { throw AccessError.unknownAccount(name, known: try accounts().map(\.name)) }
        return try addAccount(name, by: actor).id
    }
}
