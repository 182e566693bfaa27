import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The access rules on their own: the order of the checks, first match wins, the auto-join fallback, group
/// and domain comparisons, and the explaining path agreeing with the planning path.
@Suite struct AccessRulesTests {
    private static let rules = AccessRules(
        autoJoinDomains: ["acme.com"], autoJoinRole: .viewer, allowedDomains: ["*.partner.io"],
        roles: [
            RoleRule(role: .admin, conditions: [.group("Sign Admins")], label: "roles[0]"),
            RoleRule(
                role: .member, conditions: [.attribute("department", .isOneOf(["Legal", "Sales"]))],
                label: "roles[1]"),
            RoleRule(role: .member, conditions: [.domain(["eu.partner.io"])], label: "roles[2]"),
        ])

    /// (user, expected outcome): each row one branch of the decision.
    private static let cases: [(DirectoryUser, AccessRules.Evaluation.Outcome)] = [
        (Build.user(nil), .skipped(.noEmail)),
        (Build.user("bo@acme.com", active: false), .skipped(.disabled)),
        (Build.user("bo@evil.example"), .skipped(.domainNotAllowed("evil.example"))),
        // `*.partner.io` admits subdomains only, not a look-alike or the bare domain.
        (Build.user("bo@evilpartner.io"), .skipped(.domainNotAllowed("evilpartner.io"))),
        (Build.user("bo@partner.io"), .skipped(.domainNotAllowed("partner.io"))),
        // First match wins, top to bottom.
        (
            Build.user("bo@acme.com", groups: ["Sign Admins"], attributes: ["department": ["Legal"]]),
            .wanted(role: .admin, entry: .join, rule: "roles[0] admin: group 'Sign Admins'")
        ),
        (
            Build.user("cy@acme.com", attributes: ["department": ["sales"]]),
            .wanted(role: .member, entry: .join, rule: "roles[1] member: department in [Legal, Sales]")
        ),
        // No rule matches: an auto-join domain falls back to the auto-join role, an allowed one is skipped.
        (Build.user("dee@acme.com"), .wanted(role: .viewer, entry: .join, rule: "organization.auto_join.role")),
        (Build.user("dee@us.partner.io"), .skipped(.noRuleMatched)),
        (
            Build.user("eve@eu.partner.io"),
            .wanted(role: .member, entry: .invite, rule: "roles[2] member: domain eu.partner.io")
        ),
    ]

    @Test(arguments: 0..<cases.count) func eachBranchDecidesAsDocumented(_ index: Int) {
        let (user, expected) = Self.cases[index]
        #expect(Self.rules.decide(user) == expected)
    }

    @Test func explainingDecidesExactlyAsPlanningDoes() {
        for (user, _) in Self.cases {
            let evaluation = Self.rules.evaluate(user)
            #expect(evaluation.outcome == Self.rules.decide(user))
            #expect(!evaluation.steps.isEmpty, "every decision says why")
        }
    }

    @Test func aRoleFromTheSourceDecidesBeforeTheRoleRules() {
        var user = Build.user("bo@acme.com", groups: ["Sign Admins"])
        user.requestedRole = .viewer
        #expect(Self.rules.decide(user) == .wanted(role: .viewer, entry: .join, rule: "mapping.role"))
    }

    @Test(arguments: [
        ("Sign Admins", "sign admins"),
        ("cn=Sign Admins,ou=groups,dc=acme,dc=com", "CN = Sign Admins, OU=Groups,DC=acme,DC=com"),
        ("Équipe Légale", "équipe légale"),
    ])
    func groupsCompareIgnoringCaseAndTheBlanksAroundSeparators(_ written: String, _ held: String) {
        let rule = RoleRule(role: .admin, conditions: [.group(written)], label: "roles[0]")
        let user = Build.user("bo@acme.com", groups: [held])
        let email = Build.email("bo@acme.com")
        #expect(RoleRule.holds(.group(written), for: user, email: email))
        #expect(rule.matches(user, email: email, groups: RoleRule.groupKeys(of: user)))
        let other = Build.user("bo@acme.com", groups: ["Sign Admins Extra"])
        #expect(!rule.matches(other, email: email, groups: RoleRule.groupKeys(of: other)))
    }

    @Test func attributeTestsAreCaseInsensitiveAndPatternsSearch() throws {
        let user = Build.user("bo@acme.com", attributes: ["title": ["Senior Counsel"]])
        let email = Build.email("bo@acme.com")
        #expect(RoleRule.holds(.attribute("Title", .equals("senior counsel")), for: user, email: email))
        #expect(!RoleRule.holds(.attribute("title", .equals("Counsel")), for: user, email: email))
        #expect(RoleRule.holds(.attribute("title", .matches(try .init("Coun"))), for: user, email: email))
        #expect(!RoleRule.holds(.attribute("missing", .matches(try .init(".*"))), for: user, email: email))
    }

    /// The summary lines of the skipped count in English: one invitee "matches … and is skipped", two people.
    @Test func skipSummariesAgreeWithTheirCount() {
        let directory = [
            Build.user("dee@us.partner.io"), Build.user("bo@evil.example"), Build.user("cy@evil.example"),
            Build.user("ann@acme.com", active: false), Build.user(nil),
        ]
        let messages = DesiredState(from: Build.contents(directory), rules: Self.rules).diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("1 invitee matches no role rule and is skipped (dee@us.partner.io)") })
        #expect(messages.contains { $0.hasPrefix("2 people skipped: domain evil.example is neither") })
        #expect(messages.contains("1 disabled account skipped (ann@acme.com)"))
        #expect(messages.contains { $0.hasPrefix("1 person without an email address skipped") })
    }

    @Test func aSubtreeHoldsItsBaseAndWhatIsBeneathNotAnEscapedLookAlike() throws {
        let people = try #require(DNSubtree("ou=People,dc=example,dc=com"))
        #expect(people.contains(dn: "OU=people,DC=Example,DC=com"))
        #expect(people.contains(dn: "uid=bo, ou=People,dc=example,dc=com"))
        #expect(!people.contains(dn: "uid=bo,ou=Contractors,dc=example,dc=com"))
        #expect(!people.contains(dn: "cn=x\\,ou=People,dc=example,dc=com"), "an escaped comma is part of the value")
        #expect(!people.contains(dn: "ou=MorePeople,dc=example,dc=com"))
        #expect(!people.contains(dn: "dc=example,dc=com"))
        #expect(DNSubtree("not a dn") == nil)
    }

    @Test func scopeDecidesBeforeTheRulesAndSaysWhichEntry() throws {
        var rules = Self.rules
        let staff = Scope.Item(conditions: [.group("Staff")], label: "scope.include[0]")
        let interns = Scope.Item(conditions: [.attribute("title", .equals("intern"))], label: "scope.exclude[0]")
        rules.scope = Scope(include: [staff], exclude: [interns])
        #expect(rules.decide(Build.user("bo@acme.com")) == .skipped(.outOfScope("matches no scope.include item")))
        #expect(
            rules.decide(Build.user("bo@acme.com", groups: ["Staff"], attributes: ["title": ["Intern"]]))
                == .skipped(.outOfScope("excluded by scope.exclude[0]: title = 'intern'")))
        #expect(
            rules.decide(Build.user("bo@acme.com", groups: ["Staff"]))
                == .wanted(role: .viewer, entry: .join, rule: "organization.auto_join.role"))
        #expect(rules.evaluate(Build.user("bo@acme.com", groups: ["Staff"])).steps.contains("in scope"))
    }
}
