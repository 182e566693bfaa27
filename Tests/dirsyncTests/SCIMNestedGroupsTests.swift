import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Nested SCIM Groups read from the real scim2-server (`scripts/scim-server load --nested`): effective groups
/// with `direct`, role rules on effective and on direct membership, the path in `explain`, and diagnostics for
/// a cycle, a group in itself and members that name nobody.
@Suite struct SCIMNestedGroupsTests {
    private func workspace(roles: String) throws -> (TemporaryDirectory, CLIProcess) {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_NESTED")
        let folder = try TemporaryDirectory("dirsync-scim-nested")
        try """
        organization:
          name: Acme Corp
          seats: 100
          auto_join: { domains: [example.com], role: viewer }
        store: dirsync.sqlite
        source:
          kind: scim
          url: \(server.baseURL.absoluteString)
          token_file: \(server.tokenFile)
        mapping: scim
        \(roles)
        """.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, CLIProcess(directory: folder.url))
    }

    /// email → (group name → direct) of `source show --format json`, and the diagnostics' messages.
    private func groups(_ cli: CLIProcess) async throws -> ([String: [String: Bool]], [String]) {
        let shown = try await cli.run(["source", "show", "--format", "json"])
        #expect(shown.status == 0, "\(shown)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        var result: [String: [String: Bool]] = [:]
        for user in try #require(object["users"] as? [[String: Any]]) {
            var groups: [String: Bool] = [:]
            for group in user["groups"] as? [[String: Any]] ?? [] {
                groups[group["name"] as? String ?? ""] = group["direct"] as? Bool
            }
            result[user["email"] as? String ?? ""] = groups
        }
        let diagnostics = (object["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        return (result, diagnostics)
    }

    @Test func effectiveGroupsFollowNestingWithCyclesCut() async throws {
        let (folder, cli) = try workspace(roles: "")
        defer { folder.remove() }
        let (groups, diagnostics) = try await groups(cli)
        #expect(groups["user00001@example.com"] == ["Legal": true])
        #expect(groups["user00002@example.com"] == ["Legal EU": true, "Legal": false])
        #expect(groups["user00003@example.com"] == ["Legal EU Paris": true, "Legal EU": false, "Legal": false])
        #expect(groups["user00004@example.com"] == ["Legal EU Paris": true, "Legal EU": false, "Legal": false])
        // A ⊃ B ⊃ A: each member of either is in both; a group in itself changes nothing.
        #expect(groups["user00005@example.com"] == ["Ring A": true, "Ring B": false])
        #expect(groups["user00006@example.com"] == ["Ring B": true, "Ring A": false])
        #expect(groups["user00007@example.com"] == ["Mirror": true])
        #expect(groups["user00008@example.com"] == ["Ghosts": true])
        #expect(groups["user00009@example.com"] == [:])
        #expect(
            diagnostics.contains {
                $0 == "groups form a cycle: Ring A ⊂ Ring B ⊂ Ring A; each of their members is a member of all of them"
                    || $0
                        == "groups form a cycle: Ring B ⊂ Ring A ⊂ Ring B; each of their members is a member of all of them"
            }, "\(diagnostics)")
        #expect(
            diagnostics.contains("group 'Mirror' is a member of itself; that membership is ignored"), "\(diagnostics)")
        #expect(
            diagnostics.contains(
                "group 'Ghosts': 2 members name no entry of the listing (no-such-user-1; no-such-user-2)"),
            "\(diagnostics)")
    }

    @Test func roleRulesMatchEffectiveMembershipUnlessDirectIsAsked() async throws {
        let (folder, cli) = try workspace(
            roles: """
                roles:
                  - { role: admin, when: { group: Legal, direct: true } }
                  - { role: member, when: { group: Legal } }
                """)
        defer { folder.remove() }
        let initialized = try await cli.run([
            "init", "--org", "Acme Corp", "--seats", "100", "--owner", "owner@acme.test",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let plan = try await cli.run(["plan", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        var roles: [String: String] = [:]
        for change in try #require(object["changes"] as? [[String: Any]], "\(plan)") {
            roles[change["email"] as? String ?? ""] = change["role"] as? String
        }
        #expect(roles["user00001@example.com"] == "admin")
        #expect(roles["user00003@example.com"] == "member")
        #expect(roles["user00005@example.com"] == "viewer")

        let explained = try await cli.run(["explain", "user00003@example.com"])
        #expect(explained.status == 0, "\(explained)")
        #expect(
            explained.stdout.contains(
                "groups  Legal EU Paris, Legal EU (via Legal EU Paris ⊂ Legal EU), Legal (via Legal EU Paris ⊂ Legal EU ⊂ Legal)"
            ), "\(explained.stdout)")
    }
}
