import Foundation
import Testing

@testable import DirectorySync

/// `access.grants` as `dirsync.yaml` writes them: every matching rule grants (union), grants limited to an
/// account, and the mistakes a configuration can make, each located.
@Suite struct GrantRulesTests {
    private static let header = """
        organization:
          name: Example
          accounts: [Legal EU, Sales US]
        access:
          roles:
            - { name: signer, description: Signs documents }
            - template-editor

        """

    private func rules(_ grants: String) throws(ConfigError) -> AccessRules {
        try Configuration.parse(
            YAMLValue.parse(Self.header + "  grants:\n" + grants, file: "dirsync.yaml"),
            directory: URL(fileURLWithPath: "/etc/dirsync")
        ).rules
    }

    private func user(_ email: String, groups: [String] = [], title: String? = nil) throws -> DirectoryUser {
        DirectoryUser(
            anchor: email, email: try EmailAddress(email), groups: groups.map { DirectoryUser.Group(id: $0, name: $0) },
            attributes: title.map { ["title": [$0]] } ?? [:], location: SourceLocation(source: "test"))
    }

    @Test func everyMatchingRuleGrantsAndGrantsAreScoped() throws {
        var rules = try rules(
            """
                - { grant: [signer], when: { group: Legal } }
                - { grant: [template-editor, account-admin], account: sales us, when: { group: Sales } }
                - { grant: [signer], account: Legal EU, when: { attribute: title, equals: Counsel } }
                - { grant: [signer] }
            """)
        rules.autoJoinDomains = ["example.com"]
        let both = try user("ann@example.com", groups: ["Legal", "Sales"], title: "Counsel")
        #expect(
            rules.grants(for: both) == [
                Grant(role: "signer"), Grant(role: "signer", account: "Legal EU"),
                Grant(role: "account-admin", account: "Sales US"), Grant(role: "template-editor", account: "Sales US"),
            ])
        // The last rule grants everyone: a person no other rule matches still gets it, once.
        #expect(rules.grants(for: try user("bo@example.com")) == [Grant(role: "signer")])

        let evaluation = rules.evaluate(both)
        #expect(evaluation.grants == rules.grants(for: both))
        #expect(evaluation.steps.contains("access.grants[0] signer: group 'Legal': matches, grants"))
        #expect(
            evaluation.steps.contains(
                "access.grants[1] template-editor@Sales US, account-admin@Sales US: group 'Sales': matches, grants"))
        let cy = rules.evaluate(try user("cy@example.com", title: "Clerk"))
        #expect(cy.steps.contains("access.grants[2] signer@Legal EU: title = 'Counsel': no"))
        #expect(Grant(role: "signer", account: "Legal EU").description == "signer@Legal EU")
    }

    @Test func aPersonWhoIsNotWantedGetsNoGrants() throws {
        let rules = try rules("    - { grant: [signer] }\n")
        // No auto-join or allowed domain: nobody is wanted, so evaluate lists no grants.
        #expect(rules.evaluate(try user("ann@example.com")).grants.isEmpty)
    }

    @Test(arguments: [
        ("    - { grant: [approver] }\n", "dirsync.yaml:9: access.grants[0].grant: no role is called 'approver'"),
        (
            "    - { grant: [signer], account: Paris }\n",
            "dirsync.yaml:9: access.grants[0].account: no account is called 'Paris'"
        ),
        ("    - { grant: [owner] }\n", "access.grants[0].grant: 'owner' is an organization role, not a grant"),
        ("    - { grant: [account-admin] }\n", "access.grants[0].grant: account-admin is limited to one account"),
        ("    - { grant: [] }\n", "access.grants[0].grant: name at least one role"),
        ("    - { grant: [signer], when: {} }\n", "access.grants[0].when: is empty"),
        ("    - { grant: [signer], when: { grup: x } }\n", "access.grants[0].when: unknown key 'grup'"),
    ])
    func mistakesAreLocated(_ grants: String, _ expected: String) {
        #expect(throws: ConfigError.self) { try rules(grants) }
        do {
            _ = try rules(grants)
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test(arguments: [
        ("organization: { accounts: [A, a] }", "organization.accounts[1]: account 'a' is listed twice"),
        ("organization: { accounts: [\"x@y\"] }", "a name cannot contain '@'"),
        ("access: { roles: [admin] }", "'admin' is an organization role"),
        ("access: { roles: [account-admin] }", "'account-admin' is a built-in role"),
        ("access: { roles: [signer, signer] }", "role 'signer' is listed twice"),
    ])
    func catalogMistakesAreLocated(_ yaml: String, _ expected: String) {
        do {
            _ = try Configuration.parse(
                YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
            Issue.record("\(yaml) was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
