import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Membership from group entries, on a real slapd export without `memberOf` (`Fixtures/openldap-groups`,
/// made by `scripts/make-group-fixtures`): each person's effective groups against an independent computation
/// (`scripts/lib/effective_groups.py`), the DSML of the same directory, entries in another order, the
/// diagnostics, `explain`'s path and a `direct: true` rule.
@Suite struct GroupEntryCommandsTests {
    /// email → group name → whether direct.
    typealias Memberships = [String: [String: Bool]]

    private static let export = "openldap-groups/groups-slapcat.ldif"

    private func folder() throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-groups")
        return (folder, CLIProcess(directory: folder.url))
    }

    /// A dirsync.yaml for the fixture export with `roles` (a YAML `roles:` block).
    private func configure(_ folder: TemporaryDirectory, roles: String) throws {
        try Data(
            """
            organization:
              name: Example
              seats: 2000
              inviter: owner@example.com
              auto_join: { domains: [example.com], role: viewer }
            store: dirsync.sqlite
            source: { kind: ldif, path: export.ldif }
            mapping: openldap
            \(roles)

            """.utf8
        ).write(to: folder.file("dirsync.yaml"))
    }

    /// `source show --format json`, reduced to each user's groups.
    private func shown(_ cli: CLIProcess, source: String, mapping: String) async throws -> (Memberships, [String]) {
        let result = try await cli.run(["source", "show", "--source", source, "--mapping", mapping, "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let users = try #require(object["users"] as? [[String: Any]])
        var memberships: Memberships = [:]
        for user in users {
            let email = try #require(user["email"] as? String)
            let groups = try #require(user["groups"] as? [[String: Any]])
            var byName: [String: Bool] = [:]
            for group in groups {
                #expect(Set(group.keys) == ["id", "name", "direct"])
                byName[try #require(group["name"] as? String)] = try #require(group["direct"] as? Bool)
            }
            if !byName.isEmpty { memberships[email] = byName }
        }
        let diagnostics = (object["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        return (memberships, diagnostics)
    }

    private func independent(_ path: String) throws -> Memberships {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = Fixtures.folder.deletingLastPathComponent().appendingPathComponent(
            "scripts/lib/effective_groups.py")
        process.arguments = ["python3", script.path, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(Memberships.self, from: data).filter { !$0.value.isEmpty }
    }

    @Test func effectiveGroupsAgreeWithAnIndependentComputation() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let (memberships, _) = try await shown(
            cli, source: "ldif:" + Fixtures.url(Self.export).path, mapping: "openldap")
        let expected = try independent(Fixtures.url(Self.export).path)
        #expect(memberships.count == expected.count)
        for (email, groups) in expected where memberships[email] != groups {
            Issue.record("\(email): dirsync \(memberships[email] ?? [:]), independently \(groups)")
        }
        // What the fixture is there to show, spelled out.
        #expect(
            memberships["ada@example.com"]
                == [
                    "Legal EU Paris": true, "Unique": true, "Legal EU": false, "Legal": false, "Everyone": false,
                    "All Staff": false,
                ])
        #expect(memberships["jo@example.com"] == ["Spelled": true], "another case and spacing")
        #expect(memberships["kim@example.com"] == ["Spelled": true], "a hex escape")
        #expect(memberships["lu@example.com"] == ["Unique": true], "a #'…'B suffix")
        #expect(memberships["fay@example.com"] == ["Cycle A": true, "Cycle B": false])
        #expect(memberships["hal@example.com"] == ["Self": true])
        #expect(memberships["staff1099@example.com"] == ["All Staff": true], "the 1,100th member")
        #expect(memberships["cy@example.com"]?["Developers"] == nil, "memberUid CY is not uid cy")
    }

    @Test func theDSMLOfTheSameDirectoryAndAnotherOrderGiveTheSameGroups() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let (fromLDIF, _) = try await shown(cli, source: "ldif:" + Fixtures.url(Self.export).path, mapping: "openldap")
        let dsml = Fixtures.url("openldap-groups/groups.dsml.xml").path
        let (fromDSML, _) = try await shown(cli, source: "dsml:" + dsml, mapping: "dsml")
        #expect(fromDSML == fromLDIF)
        // Groups first, people after: membership does not depend on the order of the entries.
        let text = try String(contentsOf: Fixtures.url(Self.export), encoding: .utf8)
        let records = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let (groups, others) = (records.filter { $0.contains("ou=Groups,dc=") && $0.hasPrefix("dn: cn=") }, records)
        let reordered = (groups + others.filter { !groups.contains($0) }.reversed()).joined(separator: "\n\n") + "\n"
        try Data(reordered.utf8).write(to: folder.file("reordered.ldif"))
        let (fromReordered, _) = try await shown(cli, source: "ldif:reordered.ldif", mapping: "openldap")
        #expect(fromReordered == fromLDIF)
    }

    @Test func cyclesAndDanglingMembersAreNamed() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let (_, diagnostics) = try await shown(
            cli, source: "ldif:" + Fixtures.url(Self.export).path, mapping: "openldap")
        #expect(
            diagnostics.contains {
                $0.hasPrefix("groups form a cycle: Cycle ") && $0.contains("Cycle A") && $0.contains("Cycle B")
            })
        #expect(diagnostics.contains("group 'Self' is a member of itself; that membership is ignored"))
        #expect(
            diagnostics.contains(
                "group 'Dangling': 3 members name no entry of the export (uid=ghost1,ou=People,dc=example,dc=com; "
                    + "uid=ghost2,ou=People,dc=example,dc=com; cn=Nobody,ou=Groups,dc=example,dc=com)"))
        #expect(
            diagnostics.contains(
                "group 'Developers': 2 members name no entry of the export (memberUid CY; memberUid nobody-here)"))
    }

    @Test func rulesMatchEffectiveOrDirectMembershipAndExplainShowsThePath() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        try FileManager.default.copyItem(at: Fixtures.url(Self.export), to: folder.file("export.ldif"))
        try configure(
            folder,
            roles: """
                roles:
                  - { role: admin,  when: { group: "Legal EU", direct: true } }
                  - { role: member, when: { group: "CN=legal, ou=Groups,dc=EXAMPLE,dc=com" } }
                """)
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "2000", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let plan = try await cli.run(["plan", "--format", "json"])
        #expect(plan.status == 0, "\(plan)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        var roles: [String: String] = [:]
        for change in changes { roles[change["email"] as? String ?? ""] = change["role"] as? String }
        #expect(roles["cy@example.com"] == "admin", "directly in Legal EU")
        #expect(roles["ada@example.com"] == "member", "in Legal EU only through Legal EU Paris, so in Legal")
        #expect(roles["dee@example.com"] == "member")
        #expect(roles["eve@example.com"] == "viewer", "Everyone is not in Legal")

        let explained = try await cli.run(["explain", "ada@example.com"])
        #expect(explained.status == 0, "\(explained)")
        #expect(explained.stdout.contains("Legal (via Legal EU Paris ⊂ Legal EU ⊂ Legal)"), "\(explained.stdout)")
        #expect(explained.stdout.contains("roles[0] admin: direct member of group 'Legal EU': no"))
    }

    /// A plan whose rules and scope test no group does not wait for the group entries (the read stays
    /// streaming), so their warnings are not in it; with a group rule they are.
    @Test func groupsAreResolvedForAPlanOnlyWhenARuleTestsThem() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        try FileManager.default.copyItem(at: Fixtures.url(Self.export), to: folder.file("export.ldif"))
        try configure(folder, roles: "roles: [ { role: admin, when: { domain: example.com } } ]")
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "2000", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let plain = try await cli.run(["plan"])
        #expect(plain.status == 0, "\(plain)")
        #expect(!plain.stdout.contains("groups form a cycle"), "\(plain.stdout)")
        try configure(folder, roles: "roles: [ { role: admin, when: { group: Legal } } ]")
        let grouped = try await cli.run(["plan"])
        #expect(grouped.stdout.contains("groups form a cycle"), "\(grouped.stdout)")
    }
}
