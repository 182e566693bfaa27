import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `scope:` as a user writes it: include by group (effective) and DN subtree, exclude by attribute, the
/// offboarding of members who leave scope counted by the deletion limit, `explain` naming the entry, and
/// located errors.
@Suite struct ScopeCommandsTests {
    /// Six people: four staff under ou=People (two through a nested group), two contractors under
    /// ou=Contractors, one of them in Staff too; Staff's member lists live only in group entries.
    private static let export = """
        dn: uid=ada,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: ada
        mail: ada@example.com
        entryUUID: 00000000-0000-0000-0000-000000000001
        employeeType: Employee

        dn: uid=bo,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: bo
        mail: bo@example.com
        entryUUID: 00000000-0000-0000-0000-000000000002
        employeeType: Employee

        dn: uid=cy,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: cy
        mail: cy@example.com
        entryUUID: 00000000-0000-0000-0000-000000000003
        employeeType: Intern

        dn: uid=dee,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: dee
        mail: dee@example.com
        entryUUID: 00000000-0000-0000-0000-000000000004
        employeeType: Employee

        dn: uid=eve,ou=Contractors,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: eve
        mail: eve@example.com
        entryUUID: 00000000-0000-0000-0000-000000000005

        dn: uid=fay,ou=Contractors,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: fay
        mail: fay@example.com
        entryUUID: 00000000-0000-0000-0000-000000000006

        dn: cn=Staff,ou=Groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: Staff
        member: uid=ada,ou=People,dc=example,dc=com
        member: cn=Engineering,ou=Groups,dc=example,dc=com
        member: uid=fay,ou=Contractors,dc=example,dc=com

        dn: cn=Engineering,ou=Groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: Engineering
        member: uid=bo,ou=People,dc=example,dc=com
        member: uid=cy,ou=People,dc=example,dc=com

        """

    private func configuration(scope: String, maxDeletions: Int = 50) -> String {
        """
        organization:
          name: Example
          seats: 100
          inviter: owner@example.com
          auto_join: { domains: [example.com], role: member }
        store: dirsync.sqlite
        source: { kind: ldif, path: export.ldif }
        mapping: openldap
        \(scope)
        policy: { offboarding: remove, max_deletions: \(maxDeletions), max_deletion_ratio: 1, max_shrink_ratio: 1 }

        """
    }

    private func folder(scope: String) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-scope")
        let cli = CLIProcess(directory: folder.url)
        try Data(Self.export.utf8).write(to: folder.file("export.ldif"))
        try Data(configuration(scope: scope).utf8).write(to: folder.file("dirsync.yaml"))
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "100", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        return (folder, cli)
    }

    /// email → action of the JSON plan.
    private func planned(_ cli: CLIProcess) async throws -> (actions: [String: String], blocked: Bool) {
        let plan = try await cli.run(["plan", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]], "\(plan)")
        var actions: [String: String] = [:]
        for change in changes { actions[change["email"] as? String ?? ""] = change["action"] as? String }
        return (actions, !(object["blocked"] is NSNull))
    }

    @Test func includeByEffectiveGroupAndSubtreeExcludeByAttribute() async throws {
        let (folder, cli) = try await folder(
            scope: """
                scope:
                  include:
                    - { group: Staff, base: "OU=people, dc=example,dc=com" }
                  exclude:
                    - { attribute: employeeType, equals: intern }
                """)
        defer { folder.remove() }
        let (actions, _) = try await planned(cli)
        // ada directly in Staff, bo through Engineering; cy is an intern; dee is in no group; fay is outside
        // ou=People; eve is neither.
        #expect(actions == ["ada@example.com": "join", "bo@example.com": "join"])
        let explained = try await cli.run(["explain", "cy@example.com"])
        #expect(
            explained.stdout.contains(
                "out of scope: excluded by scope.exclude[0]: employeeType = 'intern'"), "\(explained.stdout)")
        let fay = try await cli.run(["explain", "fay@example.com"])
        #expect(fay.stdout.contains("out of scope: matches no scope.include item"), "\(fay.stdout)")
    }

    @Test func membersWhoLeaveScopeAreOffboardedAndCountedByTheDeletionLimit() async throws {
        let (folder, cli) = try await folder(scope: "")
        defer { folder.remove() }
        let synced = try await cli.run(["sync"])
        #expect(synced.status == 0, "\(synced)")
        let members = try await cli.run(["members", "list"])
        #expect(members.stdout.contains("fay@example.com"), "\(members)")

        // Narrowing the scope to ou=People leaves the two contractors out: a deletion limit of one blocks.
        let narrowed = "scope: { include: [ { base: \"ou=People,dc=example,dc=com\" } ] }"
        try Data(configuration(scope: narrowed, maxDeletions: 1).utf8).write(to: folder.file("dirsync.yaml"))
        let blocked = try await planned(cli)
        #expect(blocked.blocked)
        #expect(blocked.actions == ["eve@example.com": "remove", "fay@example.com": "remove"])
        let refused = try await cli.run(["sync"])
        #expect(refused.status == 3, "\(refused)")

        try Data(configuration(scope: narrowed).utf8).write(to: folder.file("dirsync.yaml"))
        let text = try await cli.run(["plan"])
        #expect(text.stdout.contains("out of scope: matches no scope.include item"), "\(text.stdout)")
        let applied = try await cli.run(["sync"])
        #expect(applied.status == 0, "\(applied)")
        let after = try await cli.run(["members", "list"])
        #expect(!after.stdout.contains("fay@example.com") && after.stdout.contains("dee@example.com"), "\(after)")
    }

    @Test(arguments: [
        (
            "scope: { include: [ { base: \"not a dn\" } ] }",
            "dirsync.yaml:9: scope.include[0].base: 'not a dn' is not a DN"
        ),
        ("scope: { inclde: [] }", "dirsync.yaml:9: scope: unknown key 'inclde'"),
        ("scope: { exclude: [ {} ] }", "dirsync.yaml:9: scope.exclude[0]: is empty"),
        ("scope: { include: [ { direct: true } ] }", "scope.include[0].direct: applies to a group condition"),
    ])
    func mistakesAreLocated(_ scope: String, _ expected: String) async throws {
        let (folder, cli) = try await folder(scope: "")
        defer { folder.remove() }
        try Data(configuration(scope: scope).utf8).write(to: folder.file("dirsync.yaml"))
        let result = try await cli.run(["plan"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }
}
