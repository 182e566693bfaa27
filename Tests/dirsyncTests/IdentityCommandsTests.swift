import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Registration's two levels as an admin meets them: the account (email, username) and the identity (names,
/// profile fields), registered for a member or a pending invitee, complete when `organization.identity.required`
/// holds, carried into membership on acceptance, and in one step with `invitations send --complete`.
@Suite struct IdentityCommandsTests {
    private func workspace(required: String? = nil) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-identity")
        let cli = CLIProcess(directory: folder.url)
        let created = try await cli.run(["init", "--org", "Acme", "--seats", "10", "--owner", "ada@acme.com"])
        #expect(created.status == 0, "\(created)")
        if let required {
            var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            config = config.replacingOccurrences(
                of: "organization:\n", with: "organization:\n  identity: { required: \(required) }\n")
            try Data(config.utf8).write(to: folder.file("dirsync.yaml"))
        }
        return (folder, cli)
    }

    private func object(_ result: CLIProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    @Test func anIdentityIsRegisteredForAPendingInviteeAndBecomesTheMembers() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        #expect(
            try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member", "--first-name", "Bo"]).status
                == 0)
        let pending = try object(try await cli.run(["members", "show", "bo@acme.com", "--format", "json"]))
        #expect(pending["account"] as? String == "pending")
        let identity = try #require(pending["identity"] as? [String: Any])
        #expect(identity["missing"] as? [String] == ["family_name"] && identity["complete"] as? Bool == false)

        let set = try await cli.run([
            "members", "identity", "set", "bo@acme.com", "--family-name", "Brown", "--field", "title=Engineer",
        ])
        #expect(set.stdout == "Registered bo@acme.com's identity in Acme: complete.\n", "\(set)")
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let updated = try #require(events.last { $0["event"] as? String == "TEAM_MEMBER_UPDATED" })
        #expect((updated["details"] as? [String: Any])?["fields"] as? String == "family_name, title")

        let link = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first.map {
                try String(contentsOf: folder.file("outbox/\($0)"), encoding: .utf8)
            }.flatMap { LedgerFixture.token(in: $0)?.text })
        #expect(try await cli.run(["invitations", "accept", "-"], input: link).status == 0)
        let member = try object(try await cli.run(["members", "show", "bo@acme.com", "--format", "json"]))
        #expect(member["account"] as? String == "active" && member["username"] as? String == "bo")
        let held = try #require(member["identity"] as? [String: Any])
        #expect(held["given_name"] as? String == "Bo" && held["family_name"] as? String == "Brown")
        #expect((held["fields"] as? [String: String]) == ["title": "Engineer"])
        let listed = try await cli.run(["members", "list"])
        #expect(listed.stdout.contains("bo@acme.com   bo        member  Bo Brown  complete"), "\(listed.stdout)")
    }

    @Test func aCompleteRegistrationNeedsTheWholeIdentityNow() async throws {
        let (folder, cli) = try await workspace(required: "[given_name, family_name, title]")
        defer { folder.remove() }
        let lacking = try await cli.run([
            "invitations", "send", "cy@acme.com", "--role", "member", "--complete", "--first-name", "Cy",
            "--last-name", "Chen",
        ])
        #expect(lacking.status != 0)
        #expect(lacking.stderr.hasPrefix("error: a complete registration needs title"), "\(lacking)")
        let sent = try await cli.run([
            "invitations", "send", "cy@acme.com", "--role", "member", "--complete", "--first-name", "Cy",
            "--last-name", "Chen", "--field", "title=Counsel",
        ])
        #expect(sent.status == 0, "\(sent)")
        let shown = try object(try await cli.run(["members", "show", "cy@acme.com", "--format", "json"]))
        #expect(shown["complete_registration"] as? Bool == true)
        #expect((shown["identity"] as? [String: Any])?["complete"] as? Bool == true)
        for (arguments, error) in [
            (["members", "identity", "set", "cy@acme.com", "--field", "Title=x"], "error: --field: 'Title': "),
            (
                ["members", "identity", "set", "cy@acme.com", "--field", "title"],
                "error: --field: 'title' is not KEY=VALUE"
            ),
            (
                ["members", "identity", "set", "zed@acme.com", "--given-name", "Z"],
                "error: zed@acme.com is not a member"
            ),
            (["members", "identity", "set", "cy@acme.com"], "error: nothing to register"),
        ] {
            let result = try await cli.run(arguments)
            #expect(result.status != 0 && result.stderr.hasPrefix(error), "\(arguments): \(result)")
        }
        try Data("organization:\n  identity: { required: [Title] }\nstore: dirsync.sqlite\n".utf8)
            .write(to: folder.file("dirsync.yaml"))
        let bad = try await cli.run(["members", "list"])
        #expect(bad.stderr.hasPrefix("error: dirsync.yaml:2: organization.identity.required[0]: 'Title'"), "\(bad)")
    }

    @Test func aSyncUnderRegistrationCompleteInvitesOnlyWhomTheDirectoryFullyNames() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "policy:\n", with: "policy:\n  registration: complete\n")
        try Data(config.utf8).write(to: folder.file("dirsync.yaml"))
        // Ken's entry loses its family name: a complete registration cannot be made for him.
        var export = try String(contentsOf: folder.file("export.ldif"), encoding: .utf8)
        let ken = try #require(export.range(of: "mail: ken@partner.io"))
        let entryStart =
            export[..<ken.lowerBound].range(of: "\ndn: ", options: .backwards)?.upperBound ?? ken.lowerBound
        let entry = export[entryStart..<ken.lowerBound]
        let stripped = entry.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("sn:") }.joined(separator: "\n")
        export.replaceSubrange(entryStart..<ken.lowerBound, with: stripped)
        try Data(export.utf8).write(to: folder.file("export.ldif"))

        let plan = try await cli.run(["plan", "--now", "2026-10-01T09:00:00Z"])
        #expect(
            plan.stdout.contains(
                "ken@partner.io is not invited: a complete registration needs family_name, which the directory does not give"
            ),
            "\(plan.stdout)")
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:05:00Z"]).status == 0)
        let shown = try object(
            try await cli.run(["members", "show", "jo@partner.io", "--format", "json", "--now", "2026-10-01T09:06:00Z"])
        )
        #expect(shown["account"] as? String == "pending" && shown["complete_registration"] as? Bool == true, "\(shown)")
        #expect((shown["identity"] as? [String: Any])?["complete"] as? Bool == true)
    }
}
