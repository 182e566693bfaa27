import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The organization's own rules, whichever command tries to break them: `--org` cannot point a configuration
/// at another organization, settings keep their invariants, links work only inside their window, names hold no
/// control characters, and members added by hand can be removed or re-roled under the owner rules.
@Suite struct OrganizationRulesCommandsTests {
    private func json(_ result: CLIProcess.Result) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result)")
    }

    @Test func orgMustAgreeWithTheConfigurationItRunsWith() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let beta = try await cli.run([
            "init", "--org", "Beta Inc", "--seats", "5", "--owner", "bea@beta.example", "--store", "dirsync.sqlite",
        ])
        #expect(beta.status == 0, "\(beta)")
        for arguments in [["plan"], ["sync"], ["invitations", "send", "x@partner.io", "--role", "viewer"]] {
            let refused = try await cli.run(arguments + ["--org", "Beta Inc", "--now", "2026-10-01T09:00:00Z"])
            #expect(refused.status == 1, "\(refused)")
            #expect(
                refused.stderr.hasPrefix(
                    "error: --org 'Beta Inc' is not the organization dirsync.yaml is about ('Acme Corp')"), "\(refused)"
            )
        }
        // The same name in another case is the same organization.
        #expect(try await cli.run(["plan", "--org", "acme corp", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        // Without a configuration, --org selects among the store's organizations.
        try FileManager.default.createDirectory(at: folder.file("elsewhere"), withIntermediateDirectories: true)
        let members = try await CLIProcess(directory: folder.file("elsewhere")).run([
            "members", "list", "--org", "Beta Inc", "--store", "../dirsync.sqlite", "--format", "json",
        ])
        #expect(try json(members).map { $0["email"] as? String } == ["bea@beta.example"], "\(members)")
        #expect(try json(try await cli.run(["members", "list", "--format", "json"])).count == 1)
    }

    @Test func seatsNeverGoBelowUseAndTheInviterIsAnAdmin() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        let lowered = try await cli.run(["organization", "set", "--seats", "2", "--now", "2026-10-01T10:00:00Z"])
        #expect(lowered.status == 1)
        #expect(
            lowered.stderr.hasPrefix(
                "error: cannot lower the seat limit to 2: 12 seats are in use (members and pending invitations)"),
            "\(lowered)")
        let stranger = try await cli.run([
            "organization", "set", "--inviter", "stranger@evil.example", "--now", "2026-10-01T10:00:00Z",
        ])
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("stranger@evil.example is not a member"), "\(stranger)")
        let member = try await cli.run([
            "organization", "set", "--inviter", "bo@acme.com", "--now", "2026-10-01T10:00:00Z",
        ])
        #expect(member.stderr.contains("bo@acme.com is a member"), "\(member)")
        let admin = try await cli.run([
            "organization", "set", "--inviter", "cy@acme.com", "--seats", "12", "--now", "2026-10-01T10:00:00Z",
        ])
        #expect(admin.status == 0, "cy is an admin, 12 seats are exactly the use: \(admin)")

        // The same checks for the configuration file: no plan is made, and the file and key are named.
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "seats: 25 ", with: "seats: 3 ")
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let plan = try await cli.run(["plan", "--now", "2026-10-02T09:00:00Z"])
        #expect(plan.status == 1)
        #expect(plan.stderr.hasPrefix("error: dirsync.yaml: organization.seats: cannot lower the seat limit to 3"))
        config = config.replacingOccurrences(of: "seats: 3 ", with: "seats: 25 ")
            .replacingOccurrences(of: "inviter: ada@acme.com", with: "inviter: stranger@evil.example")
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let sync = try await cli.run(["sync", "--now", "2026-10-02T09:00:00Z"])
        #expect(sync.status == 1)
        #expect(
            sync.stderr.hasPrefix("error: dirsync.yaml: organization.inviter: the inviter must be an owner or admin"))
    }

    @Test func aLinkDoesNotWorkBeforeItWasSent() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        #expect(
            try await cli.run([
                "invitations", "send", "jo@partner.io", "--role", "viewer", "--now", "2026-10-05T10:00:00Z",
            ])
            .status == 0)
        let mail = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first {
                $0.hasPrefix("jo@partner.io")
            })
        let token = try #require(
            LedgerFixture.token(in: try String(contentsOf: folder.file("outbox/\(mail)"), encoding: .utf8))?.text)
        let early = try await cli.run(["invitations", "accept", "-", "--now", "2026-10-05T09:59:59Z"], input: token)
        #expect(early.status == 1)
        #expect(early.stderr.hasPrefix("error: this invitation's link was sent on 2026-10-05 10:00 UTC"), "\(early)")
        let onTime = try await cli.run(["invitations", "accept", "-", "--now", "2026-10-05T10:00:00Z"], input: token)
        #expect(onTime.status == 0, "\(onTime)")
    }

    @Test(arguments: [
        [
            "init", "--org", "Acme\nEvil", "--seats", "5", "--owner", "a@acme.com", "--store", "x.sqlite", "--config",
            "x.yaml",
        ],
        [
            "init", "--org", "Acme", "--seats", "5", "--owner", "a@acme.com", "--owner-name", "Ada\r\nBcc: x",
            "--store", "y.sqlite", "--config", "y.yaml",
        ],
    ])
    func namesWithLineBreaksAreRefused(arguments: [String]) async throws {
        let folder = try TemporaryDirectory("dirsync-names")
        defer { folder.remove() }
        let result = try await CLIProcess(directory: folder.url).run(arguments)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result)")
        #expect(result.stderr.contains("a name must not contain control characters"), "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test func membersAddedByHandCanBeRemovedAndReRoledUnderTheOwnerRules() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["invitations", "send", "ann@audit.example", "--role", "viewer"]).status == 0)
        let mail = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first {
                $0.hasPrefix("ann@")
            })
        let token = try #require(
            LedgerFixture.token(in: try String(contentsOf: folder.file("outbox/\(mail)"), encoding: .utf8))?.text)
        #expect(try await cli.run(["invitations", "accept", "-"], input: token).status == 0)

        let promoted = try await cli.run(["members", "set-role", "ann@audit.example", "member"])
        #expect(promoted.stdout == "ann@audit.example is now member in Acme Corp (was viewer).\n", "\(promoted)")
        let owner = try await cli.run(["members", "set-role", "ann@audit.example", "owner"])
        #expect(owner.stderr.hasPrefix("error: dirsync never makes anyone owner"), "\(owner)")
        let demote = try await cli.run(["members", "set-role", "ada@acme.com", "viewer"])
        #expect(demote.stderr.hasPrefix("error: ada@acme.com is an owner"), "\(demote)")
        let removeOwner = try await cli.run(["members", "remove", "ada@acme.com"])
        #expect(removeOwner.status == 1, "\(removeOwner)")
        let removed = try await cli.run(["members", "remove", "ann@audit.example"])
        #expect(removed.stdout == "Removed ann@audit.example (member) from Acme Corp.\n", "\(removed)")
        let missing = try await cli.run(["members", "remove", "ann@audit.example"])
        #expect(missing.stderr.hasPrefix("error: ann@audit.example is not a member of this organization"))

        let events = try json(try await cli.run(["audit", "--format", "json"])).compactMap { $0["event"] as? String }
        #expect(events.suffix(2) == ["TEAM_MEMBER_ROLE_CHANGED", "TEAM_MEMBER_REMOVED"])
        #expect(try json(try await cli.run(["members", "list", "--format", "json"])).count == 1)
    }
}
