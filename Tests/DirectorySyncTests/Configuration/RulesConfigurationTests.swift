import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct RulesConfigurationTests {
    /// DESIGN.md's example configuration, rules and policy sections.
    static let example = """
        organization:
          name: Acme Corp
          seats: 250
          inviter: it@acme.com
          auto_join: { domains: [acme.com], role: member }
          allowed_domains: [partner.io]
        roles:
          - { role: admin,  when: { group: "Sign Admins" } }
          - { role: member, when: { attribute: department, in: [Legal, Sales] } }
          - { role: viewer, when: { domain: partner.io } }
          - { role: viewer }
        policy:
          invitation_validity: 7d
          resend_after: 3d
          max_resends: 3
          batch_size: 50
          offboarding: remove
          adopt_existing: false
          max_deletions: 50
          max_deletion_ratio: 0.10
          max_shrink_ratio: 0.10
        """

    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/srv"))
    }

    @Test func readsTheDesignExample() throws {
        let configuration = try parse(Self.example)
        #expect(configuration.organization.seats == 250)
        #expect(configuration.rules.autoJoinDomains == ["acme.com"])
        #expect(configuration.rules.allowedDomains == ["partner.io"])
        #expect(
            configuration.rules.roles.map(\.description) == [
                "roles[0] admin: group 'Sign Admins'", "roles[1] member: department in [Legal, Sales]",
                "roles[2] viewer: domain partner.io", "roles[3] viewer: default",
            ])
        #expect(configuration.policy == SyncPolicy(invitationValidity: .days(7)))
        #expect(configuration.settingsOverride.seats == 250)
    }

    @Test(arguments: [
        ("roles:\n  - { role: admin, when: { grup: x } }\n", "dirsync.yaml:2: roles[0].when: unknown key 'grup'"),
        ("roles:\n  - { role: owner }\n", "dirsync.yaml:2: roles[0].role: dirsync never grants owner"),
        (
            "roles:\n  - { role: boss }\n",
            "dirsync.yaml:2: roles[0].role: unknown role 'boss' (roles: owner, admin, member, viewer)"
        ),
        (
            "roles:\n  - { role: viewer }\n  - { role: admin, when: { group: A } }\n",
            "dirsync.yaml:2: roles[0]: a rule without 'when' matches everyone, so the rules after it are never reached"
        ),
        (
            "roles:\n  - { role: admin, when: { attribute: title } }\n",
            "dirsync.yaml:2: roles[0].when.attribute: needs one of equals, in or matches"
        ),
        (
            "roles:\n  - { role: admin, when: { in: [a] } }\n",
            "dirsync.yaml:2: roles[0].when.in: 'in' needs an 'attribute' beside it"
        ),
        (
            "roles:\n  - { role: admin, when: { attribute: t, matches: '(' } }\n",
            "dirsync.yaml:2: roles[0].when.matches: '(' is not a valid regular expression"
        ),
        (
            "roles:\n  - { role: admin, when: {} }\n",
            "dirsync.yaml:2: roles[0].when: is empty; leave out 'when' for a default rule"
        ),
        ("policy:\n  batch_size: 51\n", "dirsync.yaml:2: policy.batch_size: must be between 1 and 50, found 51"),
        (
            "policy:\n  offboarding: delete\n",
            "dirsync.yaml:2: policy.offboarding: 'delete' is not one of: remove, downgrade, keep, remove_access"
        ),
        (
            "policy:\n  max_deletion_ratio: 1.5\n",
            "dirsync.yaml:2: policy.max_deletion_ratio: must be between 0.0 and 1.0, found 1.5"
        ),
        (
            "policy:\n  resend_after: soon\n",
            "dirsync.yaml:2: policy.resend_after: 'soon' is not a duration (write it like 7d, 72h, 90m or 30s)"
        ),
        (
            "policy:\n  adopt_existing: maybe\n",
            "dirsync.yaml:2: policy.adopt_existing: expected true or false, found 'maybe'"
        ),
        ("organization:\n  seats: 0\n", "dirsync.yaml:2: organization.seats: must be between 1 and 10000000, found 0"),
        (
            "organization:\n  allowed_domains: [not a domain]\n",
            "dirsync.yaml:2: organization.allowed_domains: 'not a domain' is not a domain name"
        ),
        (
            "organization:\n  auto_join: { domains: [acme.com] }\n  allowed_domains: [acme.com]\n",
            "dirsync.yaml:3: organization.allowed_domains: acme.com is both an auto-join and an allowed domain"
        ),
    ])
    func mistakesAreLocated(yaml: String, expected: String) {
        do {
            _ = try parse(yaml)
            Issue.record("no error for \(yaml)")
        } catch {
            #expect(error.description == expected)
        }
    }
}
