import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The access model as a user runs it: accounts and a role catalog in `dirsync.yaml`, grant rules applied by a
/// sync (a person with several roles, one limited to an account), grants by hand that a sync leaves alone,
/// accounts that cannot go while grants name them, and the JSON listings.
@Suite struct AccessCommandsTests {
    private static let export = """
        dn: uid=ada,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: ada
        cn: Ada Lovelace
        mail: ada@example.com
        departmentNumber: Legal
        entryUUID: 00000000-0000-0000-0000-000000000001

        dn: uid=bo,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: bo
        cn: Bo Diddley
        mail: bo@example.com
        entryUUID: 00000000-0000-0000-0000-000000000002

        dn: cn=Sales US Admins,ou=Groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: Sales US Admins
        member: uid=ada,ou=People,dc=example,dc=com

        """

    private static func configuration(grants: String) -> String {
        """
        organization:
          name: Example
          seats: 100
          inviter: owner@example.com
          auto_join: { domains: [example.com], role: member }
          accounts: [Legal EU, Sales US]
        store: dirsync.sqlite
        source: { kind: ldif, path: export.ldif }
        mapping: openldap
        access:
          roles:
            - { name: signer, description: Signs documents }
            - { name: template-editor, description: Edits templates }
          grants:
        \(grants)
        policy: { max_deletion_ratio: 1, new_access: apply }

        """
    }

    private static let rules = """
          - { grant: [signer], when: { domain: example.com } }
          - { grant: [template-editor, account-admin], account: Sales US, when: { group: Sales US Admins } }
        """

    private func folder() async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-access")
        let cli = CLIProcess(directory: folder.url)
        try Data(Self.export.utf8).write(to: folder.file("export.ldif"))
        try Data(Self.configuration(grants: Self.rules).utf8).write(to: folder.file("dirsync.yaml"))
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "100", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        return (folder, cli)
    }

    /// email → ["role@account" or "role"] of `members list --format json`.
    private func grants(_ cli: CLIProcess) async throws -> [String: [String]] {
        let listed = try await cli.run(["members", "list", "--format", "json"])
        #expect(listed.status == 0, "\(listed)")
        let members = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        var result: [String: [String]] = [:]
        for member in members {
            let grants = try #require(member["grants"] as? [[String: Any]], "\(member)")
            result[member["email"] as? String ?? ""] = grants.map { grant in
                let role = grant["role"] as? String ?? ""
                #expect(grant["inherited_from"] is NSNull)
                return (grant["account"] as? String).map { "\(role)@\($0)" } ?? role
            }
        }
        return result
    }

    @Test func aSyncGivesSeveralRolesOneLimitedToAnAccountAndConverges() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let plan = try await cli.run(["plan"])
        #expect(
            plan.stdout.contains(
                "join  ada@example.com  member + signer, account-admin@Sales US, template-editor@Sales US"),
            "\(plan.stdout)")
        let synced = try await cli.run(["sync"])
        #expect(synced.status == 0, "\(synced)")
        #expect(
            try await grants(cli) == [
                "ada@example.com": ["signer", "account-admin@Sales US", "template-editor@Sales US"],
                "bo@example.com": ["signer"], "owner@example.com": [],
            ])
        let again = try await cli.run(["plan"])
        #expect(again.stdout.contains("Plan: no changes."), "\(again.stdout)")
        let explained = try await cli.run(["explain", "ada@example.com"])
        #expect(
            explained.stdout.contains("  → grants signer, account-admin@Sales US, template-editor@Sales US"),
            "\(explained.stdout)")
        #expect(
            explained.stdout.contains("  grants signer, account-admin@Sales US, template-editor@Sales US\n"),
            "\(explained.stdout)")
        let audit = try await cli.run(["audit"])
        #expect(audit.stdout.contains("TEAM_ACCESS_GRANTED"), "\(audit.stdout)")
        #expect(audit.stdout.contains("ACCOUNT_ADDED"), "\(audit.stdout)")

        // The account rule goes: what dirsync made is taken away at once, in the plan as `ungrant`.
        try Data(
            Self.configuration(grants: "      - { grant: [signer], when: { domain: example.com } }").utf8
        ).write(to: folder.file("dirsync.yaml"))
        let json = try await cli.run(["plan", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["action"] as? String == "ungrant")
        let taken = (changes.first?["grants"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
        #expect(taken == ["account-admin", "template-editor"])
        #expect((object["summary"] as? [String: Int])?["ungrant"] == 1, "\(json.stdout)")
        #expect(try await cli.run(["sync"]).status == 0)
        #expect(try await grants(cli)["ada@example.com"] == ["signer"])

        // A catalog role dropped from the configuration with its rule: what dirsync made of it is taken away.
        try Data(
            Self.configuration(grants: "      - { grant: [template-editor], when: { domain: example.com } }").utf8
        ).write(to: folder.file("dirsync.yaml"))
        #expect(try await cli.run(["sync"]).status == 0)
        try Data(
            Self.configuration(grants: "      - { grant: [signer], when: { domain: example.com } }")
                .replacingOccurrences(of: "    - { name: template-editor, description: Edits templates }\n", with: "")
                .utf8
        ).write(to: folder.file("dirsync.yaml"))
        let dropped = try await cli.run(["sync"])
        #expect(dropped.status == 0, "\(dropped)")
        #expect(try await grants(cli)["bo@example.com"] == ["signer"])
    }

    @Test func grantsByHandStayAndAccountsWithGrantsCannotGo() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        #expect(try await cli.run(["sync"]).status == 0)
        // An account neither in the store nor in organization.accounts: refused until it is added.
        let unknown = try await cli.run(["grants", "add", "bo@example.com", "signer", "--account", "paris"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no account of this organization is called 'paris'"))
        #expect(try await cli.run(["accounts", "add", "Paris"]).status == 0)
        #expect(try await cli.run(["grants", "add", "bo@example.com", "signer", "--account", "paris"]).status == 0)
        #expect(try await cli.run(["grants", "remove", "bo@example.com", "signer", "--account", "Paris"]).status == 0)
        // Legal EU is listed in organization.accounts: the first grant there adds it to the store.
        let given = try await cli.run(["grants", "add", "bo@example.com", "template-editor", "--account", "legal eu"])
        #expect(given.stdout == "bo@example.com now holds template-editor@Legal EU in Example.\n", "\(given)")
        let plan = try await cli.run(["plan"])
        #expect(plan.stdout.contains("Plan: no changes."), "\(plan.stdout)")
        #expect(
            plan.stdout.contains(
                "bo@example.com holds template-editor@Legal EU, granted by hand; the grant rules do not give it, so it stays"
            ),
            "\(plan.stdout)")

        let refused = try await cli.run(["accounts", "remove", "Legal EU"])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("account 'Legal EU' still has 1 grant in it; nothing was removed"), "\(refused)")
        let listed = try await cli.run(["accounts"])
        #expect(listed.stdout.contains("Legal EU") && listed.stdout.contains("Sales US"), "\(listed)")
        #expect(
            try await cli.run(["grants", "remove", "bo@example.com", "template-editor", "--account", "Legal EU"]).status
                == 0)
        #expect(try await cli.run(["accounts", "remove", "legal eu"]).status == 0)

        for (arguments, expected) in [
            (["grants", "add", "bo@example.com", "owner"], "'owner' is an organization role, not a grant"),
            (["grants", "add", "bo@example.com", "approver"], "no role of the catalog is called 'approver'"),
            (["grants", "add", "bo@example.com", "account-admin"], "account-admin is limited to one account"),
            (["grants", "add", "bo@example.com", "signer"], "bo@example.com already holds signer"),
            (
                ["grants", "remove", "bo@example.com", "template-editor"],
                "bo@example.com does not hold template-editor"
            ),
        ] {
            let result = try await cli.run(arguments)
            #expect(result.status != 0 && result.stderr.contains(expected), "\(arguments): \(result)")
        }
    }

    @Test func anInvitationCarriesItsGrantsIntoTheMailAndTheMembership() async throws {
        let folder = try TemporaryDirectory("dirsync-access-invite")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        try Data(
            """
            dn: uid=jo,ou=People,dc=example,dc=com
            objectClass: inetOrgPerson
            uid: jo
            mail: jo@partner.io
            entryUUID: 00000000-0000-0000-0000-000000000009

            """.utf8
        ).write(to: folder.file("export.ldif"))
        func configuration(_ grant: String) -> String {
            """
            organization:
              name: Example
              seats: 100
              inviter: owner@example.com
              allowed_domains: [partner.io]
              accounts: [Sales US]
            store: dirsync.sqlite
            source: { kind: ldif, path: export.ldif }
            mapping: openldap
            roles: [ { role: viewer } ]
            access:
              roles: [signer, template-editor]
              grants: [ \(grant) ]
            mail: { outbox: outbox/, from: "Example <no-reply@example.com>", accept_url: "https://app.example.com/accept?token={token}" }

            """
        }
        try Data(configuration("{ grant: [signer], account: Sales US }").utf8).write(to: folder.file("dirsync.yaml"))
        #expect(
            try await cli.run(["init", "--org", "Example", "--seats", "100", "--owner", "owner@example.com"]).status
                == 0)
        #expect(try await cli.run(["sync"]).status == 0)
        let listed = try await cli.run(["invitations", "list"])
        #expect(listed.stdout.contains("signer@Sales US"), "\(listed)")

        // The rules change while the invitation is pending: it is never changed in place, but reinvited.
        try Data(configuration("{ grant: [template-editor] }").utf8).write(to: folder.file("dirsync.yaml"))
        let plan = try await cli.run(["plan"])
        #expect(
            plan.stdout.contains(
                "reinvite  jo@partner.io  viewer + template-editor  the grant rules now give other grants; a pending invitation's grants never change in place"
            ), "\(plan.stdout)")
        #expect(try await cli.run(["sync"]).status == 0)

        let outbox = folder.file("outbox")
        let mails = try FileManager.default.contentsOfDirectory(atPath: outbox.path).sorted()
        #expect(mails.count == 2, "\(mails)")
        var newest = ""
        for name in mails {
            let text = try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)
            if text.contains("template-editor (the whole organization)") { newest = text }
        }
        #expect(newest.contains("You will also hold this role: template-editor (the whole organization)."))
        let token = try #require(newest.firstMatch(of: /token=([A-Za-z0-9_-]+)/).map { String($0.1) })
        let accepted = try await cli.run(
            ["invitations", "accept", "-", "--name", "Jo"], input: "https://app.example.com/accept?token=\(token)\n")
        #expect(accepted.status == 0, "\(accepted)")
        #expect(try await grants(cli)["jo@partner.io"] == ["template-editor"])
        let again = try await cli.run(["plan"])
        #expect(again.stdout.contains("Plan: no changes."), "\(again.stdout)")
    }

    @Test func whoActsDecidesWhatTheyMayChange() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        #expect(try await cli.run(["sync"]).status == 0)
        // ada administers Sales US (from the sync); bo is a member.
        let refused = try await cli.run(["members", "set-role", "ada@example.com", "admin", "--as", "bo@example.com"])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.hasPrefix(
                "error: bo@example.com (member) may not manage the organization (its settings, members and accounts): only owners and admins manage the organization\n"
            ), "\(refused)")
        let outside = try await cli.run([
            "grants", "add", "bo@example.com", "template-editor", "--account", "Legal EU", "--as", "ada@example.com",
        ])
        #expect(outside.stderr.contains("an account admin acts only within Sales US"), "\(outside)")
        var asAda = cli
        asAda.environment["DIRSYNC_ACTOR"] = "ada@example.com"
        let within = try await asAda.run([
            "grants", "add", "bo@example.com", "template-editor", "--account", "Sales US",
        ])
        #expect(within.status == 0, "\(within)")
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let granted = events.last { $0["event"] as? String == "TEAM_ACCESS_GRANTED" }
        #expect(granted?["actor"] as? String == "ada@example.com" && granted?["subject"] as? String == "bo@example.com")
        // Without --as or DIRSYNC_ACTOR the inviter (the owner here) acts.
        #expect(try await cli.run(["accounts", "add", "Paris"]).status == 0)
    }
}
