import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `sources:` as a user writes it: an LDAP export and a contractors CSV merged by anchor then email, a declared
/// precedence for a conflicting field, provenance in `source show` and `explain`, one failing source failing
/// the whole read, and located mistakes.
@Suite struct SourcesCommandsTests {
    /// Three staff; ada and bo are in Staff, whose members are listed in the group entry only.
    private static let export = """
        dn: uid=ada,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: ada
        cn: Ada Lovelace
        givenName: Ada
        sn: Lovelace
        mail: ada@example.com
        title: Engineer
        entryUUID: 00000000-0000-0000-0000-000000000001

        dn: uid=bo,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: bo
        cn: Bo Diddley
        mail: bo@example.com
        title: Designer
        entryUUID: 00000000-0000-0000-0000-000000000002

        dn: uid=dee,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: dee
        cn: Dee Dee
        mail: dee@example.com
        entryUUID: 00000000-0000-0000-0000-000000000004

        dn: cn=Staff,ou=Groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: Staff
        member: uid=ada,ou=People,dc=example,dc=com
        member: uid=bo,ou=People,dc=example,dc=com

        """

    /// Ada again by email (another case, another anchor, another title and family name); bo by anchor (his
    /// entryUUID as the employee id) under another address; cy only here.
    private static let contractors = """
        email,first_name,last_name,title,groups,employee_id
        Ada@Example.com,Ada,King,Contract Lead,Contractors,C-1
        bo.diddley@example.com,Bo,Diddley,Contract Designer,Contractors,00000000-0000-0000-0000-000000000002
        cy@example.com,Cy,Young,Tester,Contractors,C-2

        """

    private func configuration(contractors: String = "contractors.csv", precedence: String = "") -> String {
        """
        organization:
          name: Example
          seats: 100
          inviter: owner@example.com
          auto_join: { domains: [example.com], role: member }
        store: dirsync.sqlite
        sources:
          - { name: ldap, kind: ldif, path: export.ldif, mapping: openldap }
          - { name: contractors, kind: csv, path: \(contractors) }
        \(precedence)
        roles:
          - { role: admin, when: { group: Contractors, attribute: title, equals: Contract Lead } }
        policy: { offboarding: remove, max_deletion_ratio: 1, max_shrink_ratio: 1 }

        """
    }

    private func folder(precedence: String = "") async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-sources")
        let cli = CLIProcess(directory: folder.url)
        try Data(Self.export.utf8).write(to: folder.file("export.ldif"))
        try Data(Self.contractors.utf8).write(to: folder.file("contractors.csv"))
        try Data(configuration(precedence: precedence).utf8).write(to: folder.file("dirsync.yaml"))
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "100", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        return (folder, cli)
    }

    /// The users of `source show --format json`, by email.
    private func shown(_ cli: CLIProcess) async throws -> [String: [String: Any]] {
        let shown = try await cli.run(["source", "show", "--format", "json"])
        #expect(shown.status == 0, "\(shown)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let users = try #require(object["users"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: users.map { ($0["email"] as? String ?? "", $0) })
    }

    @Test func peopleAreMergedByAnchorThenEmailWithPrecedenceAndProvenance() async throws {
        let (folder, cli) = try await folder(
            precedence: "precedence: { title: [contractors], family_name: [contractors, ldap] }")
        defer { folder.remove() }
        let users = try await shown(cli)
        #expect(Set(users.keys) == ["ada@example.com", "bo@example.com", "dee@example.com", "cy@example.com"])

        // Ada: matched by email; the anchor, given name and email from ldap (first in the list), the title
        // and family name from the contractors file (their precedence), the groups of both.
        let ada = try #require(users["ada@example.com"])
        #expect(ada["anchor"] as? String == "00000000-0000-0000-0000-000000000001")
        #expect(ada["given_name"] as? String == "Ada" && ada["family_name"] as? String == "King")
        #expect((ada["attributes"] as? [String: [String]])?["title"] == ["Contract Lead"])
        #expect((ada["groups"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Staff", "Contractors"])
        #expect(ada["sources"] as? [String] == ["ldap", "contractors"])
        let provenance = try #require(ada["provenance"] as? [String: String])
        #expect(provenance["email"] == "ldap" && provenance["title"] == "contractors" && provenance["anchor"] == "ldap")
        #expect(provenance["family_name"] == "contractors" && provenance["given_name"] == "ldap")

        // Bo: matched by anchor although the addresses differ; ldap's address wins.
        let bo = try #require(users["bo@example.com"])
        #expect(bo["sources"] as? [String] == ["ldap", "contractors"])
        #expect((bo["attributes"] as? [String: [String]])?["title"] == ["Contract Designer"])
        #expect(users["bo.diddley@example.com"] == nil)

        // Cy and Dee are in one source each.
        #expect(users["cy@example.com"]?["sources"] as? [String] == ["contractors"])
        #expect(users["dee@example.com"]?["sources"] as? [String] == ["ldap"])

        let explained = try await cli.run(["explain", "ada@example.com"])
        #expect(explained.status == 0, "\(explained)")
        #expect(explained.stdout.contains("Entry (ldap) export.ldif:1"), "\(explained.stdout)")
        #expect(explained.stdout.contains("Entry (contractors) contractors.csv:2"), "\(explained.stdout)")
        #expect(explained.stdout.contains("Merged from ldap and contractors"), "\(explained.stdout)")
        #expect(explained.stdout.contains("; family_name, title from contractors"), "\(explained.stdout)")
        // The rule needs a group from the CSV and a title the CSV wins: only the merged person matches it.
        #expect(explained.stdout.contains("→ wanted as admin"), "\(explained.stdout)")

        let plan = try await cli.run(["plan", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        var roles: [String: String] = [:]
        for change in changes { roles[change["email"] as? String ?? ""] = change["role"] as? String }
        #expect(
            roles == [
                "ada@example.com": "admin", "bo@example.com": "member", "cy@example.com": "member",
                "dee@example.com": "member",
            ], "\(plan.stdout)")
    }

    @Test func withoutPrecedenceTheFirstSourceWinsEveryField() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let users = try await shown(cli)
        #expect((users["ada@example.com"]?["attributes"] as? [String: [String]])?["title"] == ["Engineer"])
        #expect((users["ada@example.com"]?["provenance"] as? [String: String])?["title"] == "ldap")
    }

    @Test func oneFailingSourceFailsTheWholeRead() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let synced = try await cli.run(["sync"])
        #expect(synced.status == 0, "\(synced)")

        // A truncated contractors file: nothing is planned or applied, although the LDAP export reads fine,
        // and nobody is offboarded for being missing from it.
        try Data("email,first_name\n\"cy@example.com,Cy\n".utf8).write(to: folder.file("contractors.csv"))
        for command in [["plan"], ["sync"]] {
            let result = try await cli.run(command)
            #expect(result.status != 0, "\(result)")
            #expect(
                result.stderr.contains("source 'contractors': contractors.csv:2: a quoted field is never closed"),
                "\(result.stderr)")
            #expect(result.stderr.contains("the other sources are not used either"), "\(result.stderr)")
        }
        try FileManager.default.removeItem(at: folder.file("contractors.csv"))
        let missing = try await cli.run(["plan"])
        #expect(missing.status != 0 && missing.stderr.contains("source 'contractors': cannot read"), "\(missing)")
        let members = try await cli.run(["members", "list"])
        #expect(members.stdout.contains("cy@example.com"), "\(members)")
    }

    @Test func aPersonInEitherSourceStaysAndLeavesOnlyWhenGoneFromBoth() async throws {
        let (folder, cli) = try await folder(precedence: "precedence: { title: [contractors] }")
        defer { folder.remove() }
        #expect(try await cli.run(["sync"]).status == 0)
        // Ada leaves the contractors file but is still in LDAP; Cy leaves the only source that had him.
        try Data(
            """
            email,first_name,last_name,title,groups,employee_id
            bo.diddley@example.com,Bo,Diddley,Contract Designer,Contractors,00000000-0000-0000-0000-000000000002

            """.utf8
        ).write(to: folder.file("contractors.csv"))
        let plan = try await cli.run(["plan", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        let removed = changes.filter { $0["action"] as? String == "remove" }.compactMap { $0["email"] as? String }
        #expect(removed == ["cy@example.com"], "\(plan.stdout)")
        // Ada's role came from the merged title; without the contractors row she is a member again.
        let ada = changes.first { $0["email"] as? String == "ada@example.com" }
        #expect(ada?["action"] as? String == "change_role" && ada?["to_role"] as? String == "member", "\(plan.stdout)")
    }

    @Test func aContractorWhoAppearsInTheFirstSourceTakesItsAnchorInPlace() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        #expect(try await cli.run(["sync"]).status == 0)
        try Data(
            (Self.export
                + """

                dn: uid=cy,ou=People,dc=example,dc=com
                objectClass: inetOrgPerson
                uid: cy
                cn: Cy Young
                mail: cy@example.com
                entryUUID: 00000000-0000-0000-0000-000000000005

                """).utf8
        ).write(to: folder.file("export.ldif"))
        let plan = try await cli.run(["plan"])
        #expect(
            plan.stdout.contains(
                "update  cy@example.com  member  directory anchor changed (the account was re-created); matched by email"
            ), "\(plan.stdout)")
        #expect(!plan.stdout.contains("remove") && !plan.stdout.contains("join"), "\(plan.stdout)")
    }

    @Test func aPersonMatchingTwoPeopleIsSkippedWithADiagnostic() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        // ada's anchor with dee's address: two different people of the LDAP export.
        try Data(
            """
            email,first_name,employee_id
            dee@example.com,Ada,00000000-0000-0000-0000-000000000001

            """.utf8
        ).write(to: folder.file("contractors.csv"))
        let shown = try await cli.run(["source", "show"])
        #expect(shown.status == 0, "\(shown)")
        #expect(
            shown.stdout.contains(
                "contractors.csv:2: warning: contractors: anchor '00000000-0000-0000-0000-000000000001' is "
                    + "ada@example.com (at export.ldif:1) and dee@example.com is dee@example.com (at export.ldif:19), "
                    + "two different people; this entry is skipped"), "\(shown.stdout)")
        #expect(shown.stdout.contains("3 users (0 disabled), 2 skipped"), "\(shown.stdout)")
    }

    @Test(arguments: [
        ("precedence: { groups: [ldap] }", "dirsync.yaml:10: precedence.groups: groups are joined from every source"),
        ("precedence: { title: [ldapp] }", "dirsync.yaml:10: precedence.title: no source is called 'ldapp'"),
        ("source: { kind: ldif, path: export.ldif }", "dirsync.yaml:8: sources: give source (one) or sources"),
        ("mapping: openldap", "dirsync.yaml:10: mapping: with sources, each source names its own mapping"),
    ])
    func mistakesAreLocated(_ extra: String, _ expected: String) async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        try Data(configuration(precedence: extra).utf8).write(to: folder.file("dirsync.yaml"))
        let result = try await cli.run(["plan"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test func aFileOnTheCommandLineReplacesTheSources() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let shown = try await cli.run(["source", "show", "--source", "export.ldif", "--mapping", "openldap"])
        #expect(shown.status == 0, "\(shown)")
        #expect(!shown.stdout.contains("cy@example.com") && shown.stdout.contains("ada@example.com"), "\(shown)")
        let refused = try await cli.run(["source", "show", "--mapping", "openldap"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--mapping: the configuration lists several sources"), "\(refused.stderr)")
        let checked = try await cli.run(["source", "check"])
        #expect(
            checked.stdout.contains("ldap: export.ldif:") && checked.stdout.contains("contractors: contractors.csv:"))
    }
}
