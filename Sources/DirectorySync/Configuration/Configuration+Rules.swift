import Foundation

extension Configuration {
    /// The keys allowed under `organization`.
    static let organizationKeys = [
        "name", "seats", "inviter", "auto_join", "allowed_domains", "accounts", "identity", "notify",
    ]
    /// The keys allowed under `policy`.
    static let policyKeys = [
        "invitation_validity", "resend_after", "max_resends", "batch_size", "offboarding", "adopt_existing",
        "max_deletions", "max_deletion_ratio", "max_shrink_ratio", "new_access", "offer_validity", "registration",
        "invitation_flow", "access_request_validity",
    ]

    /// Reads `organization`: name, seats, inviter, Domain Auto-Join and allowed domains.
    static func parseOrganization(_ section: YAMLValue, into configuration: inout Configuration) throws(ConfigError) {
        let keys = try section.mapping(allowed: organizationKeys)
        configuration.organization.name = try keys["name"]?.nonEmptyString()
        configuration.organization.seats = try keys["seats"]?.int(in: Organization.Settings.seatRange)
        configuration.organization.inviter = try keys["inviter"]?.email()
        if let autoJoin = keys["auto_join"] {
            let join = try autoJoin.mapping(allowed: ["domains", "role"])
            if let domains = join["domains"] { configuration.rules.autoJoinDomains = try parseDomains(domains) }
            if let role = join["role"] { configuration.rules.autoJoinRole = try parseRole(role) }
        }
        if let allowed = keys["allowed_domains"] {
            (configuration.rules.allowedDomains, configuration.rules.domainFlows) = try parseAllowedDomains(allowed)
        }
        if let notify = keys["notify"] {
            var addresses: [EmailAddress] = []
            for item in try notify.list() { addresses.append(try item.email()) }
            configuration.organization.notify = addresses
        }
        if let accounts = keys["accounts"] { configuration.rules.catalog.accounts = try parseAccounts(accounts) }
        if let identity = keys["identity"] {
            let section = try identity.mapping(allowed: ["required"])
            if let required = section["required"] {
                var keys: [String] = []
                for item in try required.list() {
                    let key = try item.nonEmptyString()
                    if !Identity.nameKeys.contains(key), let problem = Identity.fieldKeyProblem(key) {
                        throw item.error(
                            "'\(key)': \(problem)", hint: "given_name, family_name, display_name or a field name")
                    }
                    if !keys.contains(key) { keys.append(key) }
                }
                configuration.organization.identityRequired = keys
            }
        }
        let overlap = Set(configuration.rules.autoJoinDomains).intersection(configuration.rules.allowedDomains)
        if let domain = overlap.sorted().first, let allowed = keys["allowed_domains"] {
            throw allowed.error(
                "\(domain) is both an auto-join and an allowed domain",
                hint: "list it under organization.auto_join.domains only")
        }
    }

    /// Reads `roles`: first match wins; a rule without `when` is the default and must come last.
    static func parseRoles(_ section: YAMLValue) throws(ConfigError) -> [RoleRule] {
        var rules: [RoleRule] = []
        let items = try section.list()
        for (index, item) in items.enumerated() {
            let keys = try item.mapping(allowed: ["role", "when"])
            let role = try parseRole(try keys.required("role"))
            var conditions: [RoleRule.Condition] = []
            if let when = keys["when"] {
                conditions = try parseConditions(when)
                if conditions.isEmpty { throw when.error("is empty; leave out 'when' for a default rule") }
            } else if index < items.count - 1 {
                throw item.error(
                    "a rule without 'when' matches everyone, so the rules after it are never reached",
                    hint: "move the default rule to the end of the list")
            }
            rules.append(RoleRule(role: role, conditions: conditions, label: "roles[\(index)]"))
        }
        return rules
    }

    static func parseConditions(_ when: YAMLValue) throws(ConfigError) -> [RoleRule.Condition] {
        let keys = try when.mapping(allowed: [
            "group", "direct", "attribute", "equals", "in", "matches", "domain", "base",
        ])
        var conditions: [RoleRule.Condition] = []
        if let group = keys["group"] {
            let name = try group.nonEmptyString()
            conditions.append(try keys["direct"]?.bool() == true ? .directGroup(name) : .group(name))
        } else if let direct = keys["direct"] {
            throw direct.error("applies to a group condition: add 'group: NAME' beside it")
        }
        if let domain = keys["domain"] { conditions.append(.domain(try parseDomains(domain))) }
        if let base = keys["base"] {
            let text = try base.nonEmptyString()
            guard let subtree = DNSubtree(text) else {
                throw base.error("'\(text)' is not a DN", hint: "for example base: ou=People,dc=example,dc=com")
            }
            conditions.append(.subtree(subtree))
        }
        let tests = ["equals", "in", "matches"].filter { keys[$0] != nil }
        if let attribute = keys["attribute"] {
            guard tests.count == 1, let name = tests.first, let value = keys[name] else {
                throw attribute.error(
                    tests.isEmpty ? "needs one of equals, in or matches" : "takes only one of equals, in or matches")
            }
            let test: RoleRule.AttributeTest
            switch name {
            case "equals": test = .equals(try value.string())
            case "in": test = .isOneOf(try value.strings())
            default:
                let source = try value.nonEmptyString()
                do {
                    test = .matches(try RoleRule.Pattern(source))
                } catch {
                    throw value.error(
                        RegexSafety.problem(in: source) ?? "'\(source)' is not a valid regular expression")
                }
            }
            conditions.append(.attribute(try attribute.nonEmptyString(), test))
        } else if let stray = tests.first, let value = keys[stray] {
            throw value.error("'\(stray)' needs an 'attribute' beside it")
        }
        return conditions
    }

    /// Reads `scope`: `include` and `exclude` lists, each item conditions that must all hold.
    static func parseScope(_ section: YAMLValue) throws(ConfigError) -> Scope {
        let keys = try section.mapping(allowed: ["include", "exclude"])
        var scope = Scope()
        for name in ["include", "exclude"] {
            guard let list = keys[name] else { continue }
            var items: [Scope.Item] = []
            for (index, item) in try list.list().enumerated() {
                let conditions = try parseConditions(item)
                if conditions.isEmpty { throw item.error("is empty: name a group, base, attribute or domain") }
                items.append(Scope.Item(conditions: conditions, label: "scope.\(name)[\(index)]"))
            }
            if name == "include" { scope.include = items } else { scope.exclude = items }
        }
        return scope
    }

    /// Reads `policy`.
    static func parsePolicy(_ section: YAMLValue) throws(ConfigError) -> SyncPolicy {
        let keys = try section.mapping(allowed: policyKeys)
        var policy = SyncPolicy()
        if let value = keys["invitation_validity"] {
            policy.invitationValidity = try value.timeSpan(in: Organization.Settings.validityRange)
        }
        if let value = keys["resend_after"] { policy.resendAfter = try value.timeSpan(in: SyncPolicy.resendAfterRange) }
        if let value = keys["max_resends"] { policy.maxResends = try value.int(in: 0...1000) }
        if let value = keys["batch_size"] {
            policy.batchSize = try value.int(in: 1...InvitationBatch.maximumSize)
        }
        if let value = keys["offboarding"] { policy.offboarding = try value.choice(SyncPolicy.Offboarding.self) }
        if let value = keys["adopt_existing"] { policy.adoptExisting = try value.bool() }
        if let value = keys["max_deletions"] { policy.maxDeletions = try value.int(in: 0...10_000_000) }
        if let value = keys["max_deletion_ratio"] { policy.maxDeletionRatio = try value.double(in: 0...1) }
        if let value = keys["max_shrink_ratio"] { policy.maxShrinkRatio = try value.double(in: 0...1) }
        if let value = keys["new_access"] { policy.newAccess = try value.choice(SyncPolicy.NewAccess.self) }
        if let value = keys["registration"] { policy.registration = try value.choice(SyncPolicy.Registration.self) }
        if let value = keys["offer_validity"] {
            policy.offerValidity = try value.timeSpan(in: Organization.Settings.validityRange)
        }
        if let value = keys["invitation_flow"] { policy.invitationFlow = try value.choice(Invitation.Flow.self) }
        if let value = keys["access_request_validity"] {
            policy.accessRequestValidity = try value.timeSpan(in: Organization.Settings.validityRange)
        }
        return policy
    }

    private static func parseRole(_ value: YAMLValue) throws(ConfigError) -> Role {
        let text = try value.nonEmptyString()
        let role: Role
        do {
            role = try Role(parsing: text)
        } catch {
            throw value.error(error.description)
        }
        guard role != .owner else {
            throw value.error("dirsync never grants owner", hint: "owners are set by hand; use admin")
        }
        return role
    }

    /// `allowed_domains: [partner.io, { domain: vendor.io, flow: account-first }]`: the domains, and the flow of
    /// those that name one.
    private static func parseAllowedDomains(_ value: YAMLValue) throws(ConfigError) -> (
        [String], [String: Invitation.Flow]
    ) {
        guard let items = try? value.list(), items.contains(where: { (try? $0.pairs()) != nil }) else {
            return (try parseDomains(value), [:])
        }
        var domains: [String] = []
        var flows: [String: Invitation.Flow] = [:]
        for item in items {
            if (try? item.pairs()) == nil {
                domains += try parseDomains(item)
                continue
            }
            let keys = try item.mapping(allowed: ["domain", "flow"])
            let domainValue = try keys.required("domain")
            guard let domain = try parseDomains(domainValue).first else { throw domainValue.error("names no domain") }
            domains.append(domain)
            if let flow = keys["flow"] { flows[domain] = try flow.choice(Invitation.Flow.self) }
        }
        return (domains, flows)
    }

    private static func parseDomains(_ value: YAMLValue) throws(ConfigError) -> [String] {
        var domains: [String] = []
        for text in try value.strings() {
            let domain = text.trimmingCharacters(in: .whitespaces).lowercased()
            let bare = domain.hasPrefix("*.") ? String(domain.dropFirst(2)) : domain
            do {
                _ = try EmailAddress("x@\(bare)")
            } catch {
                throw value.error("'\(text)' is not a domain name")
            }
            domains.append(domain)
        }
        return domains
    }
}
