import Foundation

extension Configuration {
    /// Reads `organization.accounts`: names, each once (ignoring case).
    static func parseAccounts(_ section: YAMLValue) throws(ConfigError) -> [String] {
        var accounts: [String] = []
        for item in try section.list() {
            let name = try item.nonEmptyString()
            if let problem = AccessCatalog.nameProblem(name) { throw item.error(problem) }
            if accounts.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
                throw item.error("account '\(name)' is listed twice")
            }
            accounts.append(name)
        }
        return accounts
    }

    /// Reads `access`: the role catalog (`roles`) and the grant rules (`grants`), which may name only roles of
    /// the catalog and accounts of `organization.accounts` (read before).
    static func parseAccess(_ section: YAMLValue, into rules: inout AccessRules) throws(ConfigError) {
        let keys = try section.mapping(allowed: ["roles", "grants"])
        if let list = keys["roles"] {
            for item in try list.list() {
                let role = try parseCatalogRole(item)
                if rules.catalog.role(named: role.name) != nil {
                    throw item.error(
                        AccessCatalog.builtIn.contains { $0.name == role.name }
                            ? "'\(role.name)' is a built-in role; leave it out" : "role '\(role.name)' is listed twice")
                }
                rules.catalog.roles.append(role)
            }
        }
        if let list = keys["grants"] {
            for (index, item) in try list.list().enumerated() {
                rules.grants.append(try parseGrantRule(item, label: "access.grants[\(index)]", catalog: rules.catalog))
            }
        }
    }

    /// `signer`, or `{ name: signer, description: … }`.
    private static func parseCatalogRole(_ item: YAMLValue) throws(ConfigError) -> AccessCatalog.RoleDefinition {
        let name: String
        var description = ""
        let nameValue: YAMLValue
        if item.isMapping {
            let keys = try item.mapping(allowed: ["name", "description"])
            nameValue = try keys.required("name")
            name = try nameValue.nonEmptyString()
            description = try keys["description"]?.string() ?? ""
        } else {
            nameValue = item
            name = try item.nonEmptyString()
        }
        if let problem = AccessCatalog.roleNameProblem(name) { throw nameValue.error(problem) }
        return AccessCatalog.RoleDefinition(name: name, description: description)
    }

    private static func parseGrantRule(_ item: YAMLValue, label: String, catalog: AccessCatalog) throws(ConfigError)
        -> GrantRule
    {
        let keys = try item.mapping(allowed: ["grant", "account", "when"])
        let grantValue = try keys.required("grant")
        let names = try grantValue.strings()
        guard !names.isEmpty else { throw grantValue.error("name at least one role") }
        var account: String?
        if let value = keys["account"] {
            let written = try value.nonEmptyString()
            guard let known = catalog.account(named: written) else {
                throw value.error(
                    "no account is called '\(written)'",
                    hint: catalog.accounts.isEmpty
                        ? "list the accounts under organization.accounts"
                        : "the accounts are \(catalog.accounts.joined(separator: ", "))")
            }
            account = known
        }
        var grants: [Grant] = []
        for name in names {
            if Role(rawValue: name.lowercased()) != nil {
                throw grantValue.error(
                    "'\(name)' is an organization role, not a grant",
                    hint: name.lowercased() == "owner"
                        ? "owner is never a grant; owners are made by hand" : "organization roles come from 'roles:'")
            }
            guard catalog.role(named: name) != nil else {
                throw grantValue.error(
                    "no role is called '\(name)'",
                    hint:
                        "the roles are \(catalog.allRoles.map(\.name).joined(separator: ", ")) (add yours under access.roles)"
                )
            }
            if name == AccessCatalog.accountAdmin, account == nil {
                throw grantValue.error(
                    "\(AccessCatalog.accountAdmin) is limited to one account", hint: "add 'account: NAME' to the rule")
            }
            grants.append(Grant(role: name, account: account))
        }
        var conditions: [RoleRule.Condition] = []
        if let when = keys["when"] {
            conditions = try parseConditions(when)
            if conditions.isEmpty { throw when.error("is empty; leave out 'when' to grant everyone who is wanted") }
        }
        return GrantRule(grants: grants, conditions: conditions, label: label)
    }
}

extension AccessCatalog {
    /// Why `name` cannot be an account's or a role's name, or nil: 1–64 characters, no `@` (it separates a role
    /// from its account: `signer@Sales US`), no control characters, not only spaces.
    static func nameProblem(_ name: String) -> String? {
        if name.count > 64 { return "a name is at most 64 characters" }
        if name.contains("@") { return "a name cannot contain '@' (it separates a role from its account)" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a name cannot contain control characters"
        }
        if name.allSatisfy(\.isWhitespace) { return "a name cannot be only spaces" }
        return nil
    }

    /// Why `name` cannot be a catalog role's name: as `nameProblem`, and not an organization role's name.
    static func roleNameProblem(_ name: String) -> String? {
        if let problem = nameProblem(name) { return problem }
        if Role(rawValue: name.lowercased()) != nil {
            return
                "'\(name)' is an organization role (owner, admin, member, viewer); give the catalog role another name"
        }
        return nil
    }
}
