import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Partner organizations as a provider runs them: a child organization with a parent in the same store, the
/// parent's admins managing the child, a grant made in the parent with `--inherit` showing in the child as
/// inherited (no seat there, changed only in the parent), and no organization its own ancestor.
@Suite struct PartnerOrganizationsTests {
    private static let configuration = """
        store: dirsync.sqlite
        access:
          roles:
            - { name: signer, description: Signs documents }
        policy: { new_access: apply }
        mail:
          from: "Partners <no-reply@parent.com>"
          outbox: outbox
          accept_url: "https://sign.example.com/invitations/accept?token={token}"

        """

    private func json(_ result: CLIProcess.Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The newest mail's token to `email`.
    private func token(_ folder: TemporaryDirectory, for email: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path)
        let name = try #require(names.first { $0.hasPrefix(email + "-") })
        return try #require(
            LedgerFixture.token(in: try String(contentsOf: folder.file("outbox/\(name)"), encoding: .utf8))?.text)
    }

    @Test func aParentAdminManagesTheChildAndInheritedGrantsShowThereWithoutASeat() async throws {
        let folder = try TemporaryDirectory("dirsync-partners")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Parent", "--seats", "10", "--owner", "pat@parent.com"]).status == 0)
        try Data(Self.configuration.utf8).write(to: folder.file("dirsync.yaml"))
        let child = try await cli.run([
            "init", "--org", "Child", "--seats", "3", "--owner", "cleo@child.com", "--parent", "Parent",
        ])
        #expect(child.status == 0, "\(child)")
        let unknown = try await cli.run([
            "init", "--org", "Other", "--seats", "3", "--owner", "o@x.com", "--parent", "Nope",
        ])
        #expect(
            unknown.status != 0
                && unknown.stderr.hasPrefix("error: --parent: no organization named 'Nope' in this store"), "\(unknown)"
        )

        // Adam becomes an admin of the parent.
        #expect(
            try await cli.run(["invitations", "send", "adam@parent.com", "--role", "admin", "--org", "Parent"]).status
                == 0)
        #expect(
            try await cli.run(["invitations", "accept", "-"], input: try token(folder, for: "adam@parent.com")).status
                == 0)
        #expect(
            try await cli.run(["invitations", "send", "vic@parent.com", "--role", "member", "--org", "Parent"]).status
                == 0)
        #expect(
            try await cli.run(["invitations", "accept", "-"], input: try token(folder, for: "vic@parent.com")).status
                == 0)

        // A parent admin manages the child; a parent member does not.
        let sent = try await cli.run([
            "invitations", "send", "kid@child.com", "--role", "member", "--org", "Child", "--as", "adam@parent.com",
        ])
        #expect(sent.status == 0, "\(sent)")
        let audit = try #require(
            try json(try await cli.run(["audit", "--format", "json", "--org", "Child"])) as? [[String: Any]])
        #expect(
            audit.last?["event"] as? String == "TEAM_INVITATION_SENT"
                && audit.last?["actor"] as? String == "adam@parent.com")
        let refused = try await cli.run([
            "invitations", "send", "kim@child.com", "--role", "member", "--org", "Child", "--as", "vic@parent.com",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("error: vic@parent.com (not a member) may not invite"), "\(refused)")

        // A grant made in the parent with --inherit shows in the child as inherited and takes no seat there.
        let granted = try await cli.run(["grants", "add", "adam@parent.com", "signer", "--inherit", "--org", "Parent"])
        #expect(
            granted.stdout
                == "adam@parent.com now holds signer in Parent and, inherited, in its child organizations.\n",
            "\(granted)")
        let scoped = try await cli.run([
            "grants", "add", "vic@parent.com", "signer", "--inherit", "--account", "EU", "--org", "Parent",
        ])
        #expect(scoped.status != 0)
        let members = try #require(
            try json(try await cli.run(["members", "list", "--format", "json", "--org", "Child"])) as? [[String: Any]])
        let adam = try #require(members.first { $0["email"] as? String == "adam@parent.com" })
        #expect(adam["role"] is NSNull && adam["via"] as? String == "inherited")
        let grant = try #require((adam["grants"] as? [[String: Any]])?.first)
        #expect(
            grant["role"] as? String == "signer" && grant["inherited_from"] as? String == "Parent"
                && grant["account"] is NSNull)
        let shown = try #require(
            try json(try await cli.run(["organization", "show", "--format", "json", "--org", "Child"]))
                as? [String: Any])
        #expect(
            shown["seats_used"] as? Int == 2, "the owner and the pending invitation; inherited access takes no seat")
        #expect(shown["parent"] as? String == "Parent")

        // It can be changed only in the parent.
        let inChild = try await cli.run(["grants", "remove", "adam@parent.com", "signer", "--org", "Child"])
        #expect(inChild.status != 0)
        #expect(
            inChild.stderr.hasPrefix(
                "error: adam@parent.com holds signer inherited from the parent organization Parent; it can be changed only there"
            ),
            "\(inChild)")

        // No cycles; detaching ends both the management and the inheritance.
        let cycle = try await cli.run(["organization", "set", "--parent", "Child", "--org", "Parent"])
        #expect(cycle.stderr.hasPrefix("error: Child cannot be the parent of Parent"), "\(cycle)")
        let itself = try await cli.run(["organization", "set", "--parent", "Child", "--org", "Child"])
        #expect(itself.stderr.hasPrefix("error: an organization cannot be its own parent"), "\(itself)")
        #expect(try await cli.run(["organization", "set", "--no-parent", "--org", "Child"]).status == 0)
        let after = try #require(
            try json(try await cli.run(["members", "list", "--format", "json", "--org", "Child"])) as? [[String: Any]])
        #expect(!after.contains { $0["email"] as? String == "adam@parent.com" })
        let detached = try await cli.run([
            "invitations", "revoke", "kid@child.com", "--org", "Child", "--as", "adam@parent.com",
        ])
        #expect(detached.status != 0, "\(detached)")
    }
}
