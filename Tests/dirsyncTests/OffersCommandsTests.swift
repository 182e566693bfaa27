import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Offers as a user meets them: `grants add` and a sync offer new access instead of switching it on; the member
/// follows the link in the `.eml` to accept or decline; a resend voids the old link; `offers list` shows every
/// state; the audit log names who offered and who answered.
@Suite struct OffersCommandsTests {
    private static let export = """
        dn: uid=bo,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: bo
        cn: Bo Diddley
        mail: bo@example.com
        entryUUID: 00000000-0000-0000-0000-000000000002

        """

    private static func configuration(
        grants: String = "[]", policy: String = "{ max_deletion_ratio: 1, offer_validity: 2d }"
    ) -> String {
        """
        organization:
          name: Example
          seats: 100
          inviter: owner@example.com
          auto_join: { domains: [example.com], role: member }
          accounts: [Sales US]
        store: dirsync.sqlite
        source: { kind: ldif, path: export.ldif }
        mapping: openldap
        access:
          roles:
            - { name: signer, description: Signs documents }
            - { name: template-editor, description: Edits templates }
          grants: \(grants)
        policy: \(policy)
        mail:
          from: "Example <no-reply@example.com>"
          outbox: outbox
          accept_url: "https://sign.example.com/invitations/accept?token={token}"

        """
    }

    private func folder() async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-offers")
        let cli = CLIProcess(directory: folder.url)
        try Data(Self.export.utf8).write(to: folder.file("export.ldif"))
        try Data(Self.configuration().utf8).write(to: folder.file("dirsync.yaml"))
        let initialized = try await cli.run([
            "init", "--org", "Example", "--seats", "100", "--owner", "owner@example.com",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let synced = try await cli.run(["sync"])
        #expect(synced.status == 0, "\(synced)")
        return (folder, cli)
    }

    /// The offer link in the newest `.eml` to `email`, as the member would copy it.
    private func link(in folder: TemporaryDirectory, for email: String) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(
            at: folder.file("outbox"), includingPropertiesForKeys: [.contentModificationDateKey]
        ).filter { $0.lastPathComponent.hasPrefix(email + "-") }
        let newest = try #require(
            files.max {
                let lhs = try? $0.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
                let rhs = try? $1.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
                return (lhs ?? .distantPast, $0.lastPathComponent) < (rhs ?? .distantPast, $1.lastPathComponent)
            })
        let content = try String(contentsOf: newest, encoding: .utf8)
        return String(
            try #require(
                content.split(whereSeparator: \.isNewline).first {
                    $0.hasPrefix("https://sign.example.com/offers/accept?token=")
                }))
    }

    private func offers(_ cli: CLIProcess, status: String = "all") async throws -> [[String: Any]] {
        let listed = try await cli.run(["offers", "list", "--status", status, "--format", "json"])
        #expect(listed.status == 0, "\(listed)")
        return try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    }

    private func grants(_ cli: CLIProcess, of email: String) async throws -> [String] {
        let listed = try await cli.run(["members", "list", "--format", "json"])
        let members = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let member = try #require(members.first { $0["email"] as? String == email })
        return (member["grants"] as? [[String: Any]] ?? []).map { grant in
            let role = grant["role"] as? String ?? ""
            return (grant["account"] as? String).map { "\(role)@\($0)" } ?? role
        }
    }

    @Test func aGrantByHandIsOfferedAndTheMemberDeclinesOrAcceptsFromTheMail() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let offered = try await cli.run(["grants", "add", "bo@example.com", "signer"])
        #expect(offered.status == 0, "\(offered)")
        #expect(offered.stdout.hasPrefix("Offered signer to bo@example.com in Example; it applies when they accept"))
        #expect(try await grants(cli, of: "bo@example.com").isEmpty, "nothing applies before the member accepts")
        let pending = try await offers(cli, status: "pending")
        #expect(pending.count == 1)
        #expect(pending.first?["offered_by"] as? String == "owner@example.com")
        let grant = try #require((pending.first?["grants"] as? [[String: Any]])?.first)
        #expect(
            grant["role"] as? String == "signer" && grant["account"] is NSNull && grant["managed"] as? Bool == false)
        #expect(pending.first?["role"] is NSNull)

        // Bo declines from the link in the mail: nothing changes.
        let declined = try await cli.run(
            ["offers", "decline", "-"], input: try link(in: folder, for: "bo@example.com"))
        #expect(declined.status == 0, "\(declined)")
        #expect(try await grants(cli, of: "bo@example.com").isEmpty)
        #expect(try await offers(cli, status: "declined").count == 1)

        // A second offer, resent: the first link of it stops working, the second works once.
        #expect(
            try await cli.run(["grants", "add", "bo@example.com", "template-editor", "--account", "sales us"]).status
                == 0)
        let first = try link(in: folder, for: "bo@example.com")
        let resent = try await cli.run(["offers", "resend", "bo@example.com"])
        #expect(resent.status == 0, "\(resent)")
        let second = try link(in: folder, for: "bo@example.com")
        #expect(first != second)
        let stale = try await cli.run(["offers", "accept", "-"], input: first)
        #expect(stale.status != 0)
        #expect(stale.stderr.hasPrefix("error: this link was replaced by a newer offer email"), "\(stale)")
        let accepted = try await cli.run(["offers", "accept", "-"], input: second)
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout == "bo@example.com accepted template-editor@Sales US; their role is member.\n")
        #expect(try await grants(cli, of: "bo@example.com") == ["template-editor@Sales US"])
        let again = try await cli.run(["offers", "accept", "-"], input: second)
        #expect(again.stderr.hasPrefix("error: this offer was already answered on"), "\(again)")

        let revoke = try await cli.run(["offers", "revoke", "bo@example.com"])
        #expect(revoke.stderr.hasPrefix("error: bo@example.com has no pending offer"), "\(revoke)")
        let states = try await offers(cli).map { $0["status"] as? String ?? "" }
        #expect(states == ["declined", "accepted"])
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let answered = events.filter {
            ["TEAM_ACCESS_DECLINED", "TEAM_ACCESS_ACCEPTED"].contains($0["event"] as? String)
        }
        #expect(answered.map { $0["actor"] as? String } == ["bo@example.com", "bo@example.com"])
        #expect(events.filter { $0["event"] as? String == "TEAM_ACCESS_OFFERED" }.count == 2)
    }

    @Test func aSyncOffersWhatTheRulesGiveAndConvergesOnceAccepted() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        try Data(Self.configuration(grants: "[{ grant: [signer], when: { domain: example.com } }]").utf8)
            .write(to: folder.file("dirsync.yaml"))
        let plan = try await cli.run(["plan"])
        #expect(plan.stdout.contains("?  offer  bo@example.com  signer"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 1 to offer."), "\(plan.stdout)")
        #expect(try await cli.run(["sync"]).status == 0)
        #expect(try await cli.run(["plan", "--detailed-exitcode"]).status == 0, "a pending offer is left as it is")
        let accepted = try await cli.run(["offers", "accept", "-"], input: try link(in: folder, for: "bo@example.com"))
        #expect(accepted.status == 0, "\(accepted)")
        #expect(try await grants(cli, of: "bo@example.com") == ["signer"])
        #expect(try await cli.run(["plan", "--detailed-exitcode"]).status == 0)
        // The rule goes: what the offer gave, managed, is taken away at once.
        try Data(Self.configuration().utf8).write(to: folder.file("dirsync.yaml"))
        let taken = try await cli.run(["plan"])
        #expect(taken.stdout.contains("-  ungrant  bo@example.com  signer"), "\(taken.stdout)")
    }

    @Test func anInvitationsGrantsTakeTheAccountGivenOnceAndTheMailListsEachWithItsScope() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let sent = try await cli.run([
            "invitations", "send", "nia@partner.example", "--role", "member", "--account", "sales us", "--grant",
            "template-editor", "--grant", "signer",
        ])
        #expect(sent.status == 0, "\(sent)")
        let listed = try await cli.run(["invitations", "list", "--format", "json"])
        let invitations = try #require(
            try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let grants = (invitations.first?["grants"] as? [[String: Any]] ?? []).map {
            "\($0["role"] as? String ?? "")@\($0["account"] as? String ?? "-")"
        }
        #expect(grants == ["signer@Sales US", "template-editor@Sales US"])
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first {
                $0.hasPrefix("nia@partner.example")
            })
        let mail = try String(contentsOf: folder.file("outbox/\(name)"), encoding: .utf8)
        #expect(mail.contains("signer (account Sales US), template-editor (account Sales US)"), "\(mail)")
        let alone = try await cli.run([
            "invitations", "send", "oz@partner.example", "--role", "member", "--account", "Sales US",
        ])
        #expect(alone.stderr.hasPrefix("error: --account limits the invitation's grants, and it has none"), "\(alone)")
    }

    @Test func whatANewUserTriedIsAnsweredWell() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        // A closed offer does not keep an account alive; a pending one does.
        #expect(try await cli.run(["grants", "add", "bo@example.com", "signer", "--account", "Sales US"]).status == 0)
        let held = try await cli.run(["accounts", "remove", "Sales US"])
        #expect(held.stderr.hasPrefix("error: account 'Sales US' still has 1 grant in it"), "\(held)")
        let link = try link(in: folder, for: "bo@example.com")
        #expect(try await cli.run(["offers", "revoke", "bo@example.com"]).status == 0)
        let accounts = try await cli.run(["accounts", "list", "--format", "json"])
        let listed = try #require(
            try JSONSerialization.jsonObject(with: Data(accounts.stdout.utf8)) as? [[String: Any]])
        #expect(listed.first?["name"] as? String == "Sales US" && listed.first?["grants"] as? Int == 0, "\(listed)")
        #expect(try await cli.run(["accounts", "remove", "Sales US"]).status == 0)
        // The revoked offer's link still says so, and an offer link is not an invitation.
        let revoked = try await cli.run(["offers", "accept", "-"], input: link)
        #expect(revoked.stderr.hasPrefix("error: this offer was withdrawn"), "\(revoked)")
        let crossed = try await cli.run(["invitations", "accept", "-"], input: link)
        #expect(crossed.stderr.hasPrefix("error: this is an offer link"), "\(crossed)")
        // An account named twice (store and configuration) is listed once in the hint; `signer@` is refused.
        let unknown = try await cli.run(["grants", "add", "bo@example.com", "signer", "--account", "Nope"])
        #expect(unknown.stderr.contains("hint: the accounts are Sales US\n"), "\(unknown)")
        let empty = try await cli.run([
            "invitations", "send", "z@partner.example", "--role", "viewer", "--grant", "signer@",
        ])
        #expect(empty.stderr.hasPrefix("error: --grant: 'signer@' is not ROLE or ROLE@ACCOUNT"), "\(empty)")
        // A name with a bidi override comes out as valid JSON, the character escaped the JSON way.
        let sent = try await cli.run([
            "invitations", "send", "z@partner.example", "--role", "viewer", "--first-name", "\u{202E}evil",
        ])
        #expect(sent.status == 0, "\(sent)")
        let json = try await cli.run(["invitations", "list", "--format", "json"])
        #expect(!json.stdout.unicodeScalars.contains("\u{202E}") && json.stdout.contains("\\u202e"), "\(json.stdout)")
        let invitations = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(invitations.first?["first_name"] as? String == "\u{202E}evil")
    }

    @Test func anOfferOfAnUnknownRoleOrToANonMemberIsRefusedInOneLine() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let unknown = try await cli.run(["grants", "add", "bo@example.com", "approver"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.hasPrefix("error: no role of the catalog is called 'approver'"), "\(unknown)")
        let stranger = try await cli.run(["grants", "add", "zed@example.com", "signer"])
        #expect(stranger.stderr.hasPrefix("error: zed@example.com is not a member of this organization"), "\(stranger)")
        let garbage = try await cli.run(["offers", "accept", "-"], input: "not-a-token")
        #expect(garbage.status != 0 && garbage.stderr.hasPrefix("error: that is not a dirsync token"), "\(garbage)")
        #expect(try await offers(cli).isEmpty)
    }

    @Test func removeAccessKeepsTheProfileWithoutASeatAndAReturnRestoresIt() async throws {
        let (folder, cli) = try await folder()
        defer { folder.remove() }
        let rules = "[{ grant: [signer], when: { domain: example.com } }]"
        try Data(
            Self.configuration(
                grants: rules,
                policy: "{ max_deletion_ratio: 1, max_shrink_ratio: 1, offboarding: remove_access, new_access: apply }"
            ).utf8
        ).write(to: folder.file("dirsync.yaml"))
        try Data((Self.export + "\n" + Self.other).utf8).write(to: folder.file("export.ldif"))
        #expect(try await cli.run(["sync"]).status == 0)
        #expect(try await grants(cli, of: "bo@example.com") == ["signer"])
        // Bo leaves the directory: every role and grant goes, the profile stays, the seat is free.
        try Data(Self.other.utf8).write(to: folder.file("export.ldif"))
        let plan = try await cli.run(["plan"])
        #expect(plan.stdout.contains("-  remove_access  bo@example.com  member"), "\(plan.stdout)")
        #expect(plan.stdout.contains("1 to lose all access"), "\(plan.stdout)")
        #expect(try await cli.run(["sync"]).status == 0)
        let listed = try await cli.run(["members", "list", "--format", "json"])
        let members = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let bo = try #require(members.first { $0["email"] as? String == "bo@example.com" })
        #expect(bo["role"] is NSNull && bo["access_removed_at"] is String && (bo["grants"] as? [Any])?.isEmpty == true)
        let text = try await cli.run(["members", "list"])
        #expect(text.stdout.contains("— (access removed)"), "\(text.stdout)")
        #expect(
            text.stdout.contains("2 members in Example (and 1 whose access was removed); 2 of 100 seats used"),
            "\(text.stdout)")
        #expect(try await cli.run(["plan", "--detailed-exitcode"]).status == 0, "converged")
        let refused = try await cli.run(["grants", "add", "bo@example.com", "template-editor"])
        #expect(refused.stderr.hasPrefix("error: bo@example.com's access was removed on"), "\(refused)")
        // Bo comes back: the role, the seat and the grants return.
        try Data((Self.export + "\n" + Self.other).utf8).write(to: folder.file("export.ldif"))
        let back = try await cli.run(["plan"])
        #expect(back.stdout.contains("+  restore_access  bo@example.com  member + signer"), "\(back.stdout)")
        #expect(try await cli.run(["sync"]).status == 0)
        #expect(try await grants(cli, of: "bo@example.com") == ["signer"])
        #expect(try await cli.run(["plan", "--detailed-exitcode"]).status == 0)
        // By hand, the same two steps.
        let byHand = try await cli.run(["members", "remove-access", "cy@example.com"])
        #expect(byHand.status == 0, "\(byHand)")
        let restored = try await cli.run(["members", "restore-access", "cy@example.com", "--role", "viewer"])
        #expect(restored.stdout == "cy@example.com is viewer in Example again.\n", "\(restored)")
    }

    private static let other = """
        dn: uid=cy,ou=People,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: cy
        cn: Cy Chen
        mail: cy@example.com
        entryUUID: 00000000-0000-0000-0000-000000000003

        """
}
