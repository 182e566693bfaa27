import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// plan, apply, sync, explain and runs as a user runs them: the real binary on the demo company's exports.
@Suite struct ReconciliationCommandsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/demo")

    /// A folder with the demo configuration, the October export and an initialised store.
    static func demoWorkspace() async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-sync")
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("dirsync.yaml"), to: folder.file("dirsync.yaml"))
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("acme-2026-10.ldif"), to: folder.file("export.ldif"))
        let cli = CLIProcess(directory: folder.url)
        let created = try await cli.run([
            "init", "--org", "Acme Corp", "--seats", "25", "--owner", "ada@acme.com", "--now", "2026-10-01T09:00:00Z",
        ])
        #expect(created.status == 0, "\(created)")
        return (folder, cli)
    }

    static func useNovemberExport(_ folder: TemporaryDirectory) async throws {
        try FileManager.default.removeItem(at: folder.file("export.ldif"))
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("acme-2026-11.ldif"), to: folder.file("export.ldif"))
    }

    static func json(_ result: CLIProcess.Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test func planApplyThenPlanAgainIsEmpty() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        let first = try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-10-01T09:00:00Z"])
        #expect(first.status == 2, "\(first)")
        #expect(first.stdout.contains("Plan: 8 to join, 3 to invite."))
        let applied = try await cli.run(["apply", "--yes", "--now", "2026-10-01T09:05:00Z"])
        #expect(applied.status == 0, "\(applied)")
        #expect(applied.stdout.hasSuffix("Applied 8 join, 3 invite to Acme Corp (run 1).\n"))
        // A join registers the directory's names: the identity is complete.
        let shown = try #require(
            try Self.json(try await cli.run(["members", "show", "bo@acme.com", "--format", "json"])) as? [String: Any])
        let identity = try #require(shown["identity"] as? [String: Any])
        #expect(identity["given_name"] as? String == "Bo" && identity["family_name"] as? String == "Brown")
        #expect(identity["complete"] as? Bool == true && shown["username"] as? String == "bo")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).count == 3)
        let again = try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-10-01T09:06:00Z"])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("No changes: the organization matches the directory."))

        // A month later: the story of the November export, then convergence again.
        try await Self.useNovemberExport(folder)
        let plan = try #require(
            try Self.json(try await cli.run(["plan", "--format", "json", "--now", "2026-11-02T09:00:00Z"]))
                as? [String: Any])
        let summary = try #require(plan["summary"] as? [String: Int])
        // Fay's new group gives her admin: an existing member's new access is offered (policy.new_access: offer).
        #expect(summary["join"] == 1 && summary["invite"] == 1 && summary["offer"] == 1 && summary["update"] == 1)
        #expect(summary["change_role"] == 0)
        #expect(summary["remove"] == 2 && summary["revoke"] == 1 && summary["resend"] == 2)
        let synced = try await cli.run(["sync", "--now", "2026-11-02T09:00:00Z"])
        #expect(synced.status == 0, "\(synced)")
        #expect(try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-11-02T09:01:00Z"]).status == 0)
        #expect(try await Self.roles(cli)["fay@acme.com"] == "member", "nothing changes before she accepts")
        // The contractor's invitation link pre-fills the names the directory has.
        let invited = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first {
                $0.hasPrefix("max@partner.io")
            })
        #expect(
            try String(contentsOf: folder.file("outbox/\(invited)"), encoding: .utf8).contains(
                "&first_name=Max&last_name=Meyer"))
        // Fay opens the offer mail and follows its link.
        let mail = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first {
                $0.hasPrefix("fay@acme.com")
            })
        let content = try String(contentsOf: folder.file("outbox/\(mail)"), encoding: .utf8)
        #expect(content.contains("Subject: ada@acme.com offers you new access in Acme Corp"))
        let link = try #require(
            content.split(whereSeparator: \.isNewline).first {
                $0.hasPrefix("https://") && $0.contains("offers/accept")
            })
        let accepted = try await cli.run(
            ["offers", "accept", "-", "--now", "2026-11-02T10:00:00Z"], input: String(link))
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout == "fay@acme.com accepted admin (organization role); their role is admin.\n")
        #expect(try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-11-02T10:01:00Z"]).status == 0)
        let members = try #require(
            try Self.json(try await cli.run(["members", "list", "--format", "json"])) as? [[String: Any]])
        let roles = Dictionary(
            uniqueKeysWithValues: members.compactMap { m in (m["email"] as? String).map { ($0, m["role"] as? String) } }
        )
        #expect(roles["fay@acme.com"] == "admin")
        #expect(roles["kimberly@acme.com"] == "member" && roles["kim@acme.com"] == nil)
        #expect(roles["gus@acme.com"] == nil && roles["hal@acme.com"] == nil)
        #expect(roles["nia@acme.com"] == "member")
        let runs = try #require(try Self.json(try await cli.run(["runs", "--format", "json"])) as? [[String: Any]])
        #expect(runs.map { $0["outcome"] as? String } == ["completed", "completed"])
        #expect(runs.first?["source_users"] as? Int == 15)
    }

    @Test func aSavedPlanIsAppliedOnlyWhileTheOrganizationIsUnchanged() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["plan", "--out", "plan.json", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        // Someone invites by hand in between: the plan is stale.
        #expect(try await cli.run(["invitations", "send", "zed@partner.io", "--role", "viewer"]).status == 0)
        let stale = try await cli.run(["apply", "plan.json", "--yes"])
        #expect(stale.status == 1)
        #expect(
            stale.stderr
                == "error: the organization Acme Corp changed since this plan was made; nothing was applied\nhint: run 'dirsync plan' again and apply the new plan\n"
        )
        #expect(try await cli.run(["plan", "--out", "plan.json", "--now", "2026-10-01T09:10:00Z"]).status == 0)
        let fresh = try await cli.run(["apply", "plan.json", "--yes", "--now", "2026-10-01T09:11:00Z"])
        #expect(fresh.status == 0, "\(fresh)")
        let tampered = try await cli.run(["apply", "missing.json", "--yes"])
        #expect(tampered.stderr.hasPrefix("error: cannot read the plan missing.json\n"))
    }

    @Test func applyAsksOnATerminalAndRefusesWithoutOne() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        let refused = try await cli.run(["apply", "--now", "2026-10-01T09:00:00Z"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "error: refusing to apply without confirmation: standard input is not a terminal; pass --yes"))
        #expect(try Self.json(try await cli.run(["members", "list", "--format", "json"])) as? [Any] != nil)
        let members = try #require(try Self.json(try await cli.run(["members", "list", "--format", "json"])) as? [Any])
        #expect(members.count == 1)
    }

    @Test func aBlockedPlanExitsThreeAndIsAppliedOnlyWithAllowDeletions() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "max_deletion_ratio: 0.5", with: "max_deletion_ratio: 0.1")
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        try await Self.useNovemberExport(folder)
        let plan = try await cli.run(["plan", "--now", "2026-11-02T09:00:00Z"])
        #expect(plan.status == 3)
        #expect(
            plan.stdout.contains(
                "Blocked: the plan revokes, removes, downgrades or ungrants 3 people, more than the limit of 1 (policy.max_deletion_ratio: 10% of 11 managed people)."
            ))
        let sync = try await cli.run(["sync", "--now", "2026-11-02T09:00:00Z"])
        #expect(sync.status == 3)
        #expect(
            sync.stderr.hasPrefix(
                "error: the plan is blocked: the plan revokes, removes, downgrades or ungrants 3 people"))
        let runs = try #require(try Self.json(try await cli.run(["runs", "--format", "json"])) as? [[String: Any]])
        #expect(runs.first?["outcome"] as? String == "blocked")
        let allowed = try await cli.run(["sync", "--allow-deletions", "--now", "2026-11-02T09:00:00Z"])
        #expect(allowed.status == 0, "\(allowed)")
    }

    /// Each member's role, by address.
    static func roles(_ cli: CLIProcess) async throws -> [String: String] {
        let members = try #require(
            try Self.json(try await cli.run(["members", "list", "--format", "json"])) as? [[String: Any]])
        return Dictionary(
            uniqueKeysWithValues: members.compactMap { m in
                (m["email"] as? String).flatMap { email in (m["role"] as? String).map { (email, $0) } }
            })
    }

    @Test func explainShowsTheEntryTheRulesAndTheAction() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        try await Self.useNovemberExport(folder)
        let result = try await cli.run(["explain", "fay@acme.com", "--now", "2026-11-02T09:00:00Z"])
        #expect(result.status == 0, "\(result)")
        for expected in [
            "Entry export.ldif:",
            "memberof: CN=Legal,OU=Groups,DC=acme,DC=com; CN=Sign Admins,OU=Groups,DC=acme,DC=com",
            "  groups  Legal, Sign Admins", "roles[0] admin: group 'Sign Admins': matches",
            "member fay@acme.com (member, managed by dirsync", "? offer fay@acme.com member → admin",
        ] {
            #expect(result.stdout.contains(expected), "missing: \(expected)\n\(result.stdout)")
        }
    }

    @Test func anEmptySourceMakesNoPlan() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        try "version: 1\n".write(to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        let result = try await cli.run(["sync"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: the ldif source returned no users; no plan was made"))
        let runs = try #require(try Self.json(try await cli.run(["runs", "--format", "json"])) as? [[String: Any]])
        #expect(runs.first?["outcome"] as? String == "failed")
    }

    @Test func aTruncatedExportFailsClosedWithItsLine() async throws {
        let (folder, cli) = try await Self.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("acme-2026-10.ldif"), encoding: .utf8)
        // Cut in the middle of a base64 value: the reader reports the line, and nobody is offboarded.
        let cut = text.range(of: "objectGUID:: ", options: .backwards).map { text[..<$0.upperBound] + "AAA" } ?? ""
        try String(cut).write(to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        let result = try await cli.run(["sync", "--now", "2026-10-02T09:00:00Z"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: export.ldif:"), "\(result)")
        let members = try #require(try Self.json(try await cli.run(["members", "list", "--format", "json"])) as? [Any])
        #expect(members.count == 9)
    }
}
