import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The account-first flow through the CLI with real mail in the outbox: the account invitation's code, the
/// request for access, the admins' notice, approval and acceptance, denial, expiry, wrong and reused codes.
@Suite struct AccountFirstTests {
    /// The demo workspace with partner.io on the account-first flow.
    static func workspace() async throws -> (TemporaryDirectory, CLIProcess) {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        let configuration = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "allowed_domains: [partner.io]",
                with: "allowed_domains: [{ domain: partner.io, flow: account-first }]")
        try configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, cli)
    }

    /// The messages in the outbox to `recipient`, oldest first.
    static func mail(_ folder: TemporaryDirectory, to recipient: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path)
            .filter { $0.hasPrefix(recipient + "-") }
        return try names.map { try String(contentsOf: folder.file("outbox/\($0)"), encoding: .utf8) }
            .sorted {
                ($0.range(of: "Date:")?.lowerBound ?? $0.startIndex)
                    < ($1.range(of: "Date:")?.lowerBound ?? $1.startIndex)
            }
    }

    /// The code in an account invitation's plain text.
    static func code(in message: String) throws -> String {
        let pattern = try Regex("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
        return String(try #require(message.firstMatch(of: pattern)).output[0].substring ?? "")
    }

    /// `code` with its last group changed: the same selector, a wrong proof.
    static func wrong(_ code: String) -> String {
        String(code.prefix(15)) + (code.hasSuffix("ZZZZ") ? "YYYY" : "ZZZZ")
    }

    static func request(_ cli: CLIProcess, code: String, username: String, _ extra: [String] = [], at now: String)
        async throws -> CLIProcess.Result
    {
        try await cli.run(["access", "request", "--username", username, "--now", now] + extra, input: code + "\n")
    }

    @Test func codeRequestNoticeApprovalAndAcceptance() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        // The domain's flow decides: an account invitation, with a code and no link.
        let sent = try await cli.run([
            "invitations", "send", "zoe@partner.io", "--role", "viewer", "--now", "2026-10-01T10:00:00Z",
        ])
        #expect(sent.status == 0 && sent.stdout.contains("account invitation"), "\(sent)")
        let invitation = try #require(try Self.mail(folder, to: "zoe@partner.io").first)
        #expect(!invitation.contains("token=") && invitation.contains("request access with this code"))
        let code = try Self.code(in: invitation)
        let listed = try await cli.run(["invitations", "list", "--format", "json", "--now", "2026-10-01T10:00:00Z"])
        let pending = try #require(try ReconciliationCommandsTests.json(listed) as? [[String: Any]])
        #expect(pending.first?["flow"] as? String == "account-first", "\(listed)")
        #expect(pending.first?["step"] as? String == "code_sent", "\(listed)")

        // A wrong code is refused with the same words as any unusable code; it is counted.
        let wrong = try await Self.request(
            cli, code: Self.wrong(code), username: "zoe.z", at: "2026-10-01T10:30:00Z")
        #expect(wrong.status == 1 && wrong.stderr.contains("this code opens no account invitation for you"), "\(wrong)")
        // Bound to the address it was sent to.
        let other = try await Self.request(
            cli, code: code, username: "zoe.z", ["--email", "eve@partner.io"], at: "2026-10-01T10:31:00Z")
        #expect(other.status == 1 && other.stderr.contains("opens no account invitation"), "\(other)")

        // Typed in lower case with spaces: it works, once.
        let typed = code.lowercased().replacingOccurrences(of: "-", with: " ")
        let requested = try await Self.request(
            cli, code: typed, username: "zoe.z", ["--given-name", "Zoe", "--family-name", "Zed"],
            at: "2026-10-01T11:00:00Z")
        #expect(requested.status == 0 && requested.stdout.contains("1 admin notified"), "\(requested)")
        let notice = try #require(try Self.mail(folder, to: "ada@acme.com").first)
        #expect(notice.contains("zoe@partner.io requests access to Acme Corp") && notice.contains("zoe.z"))
        #expect(!notice.contains(code))
        let reused = try await Self.request(cli, code: code, username: "zoe.y", at: "2026-10-01T11:01:00Z")
        #expect(reused.status == 1 && reused.stderr.contains("opens no account invitation"), "\(reused)")

        let waiting = try await cli.run(["access", "list", "--format", "json", "--now", "2026-10-01T12:00:00Z"])
        let requests = try #require(try ReconciliationCommandsTests.json(waiting) as? [[String: Any]])
        #expect(requests.count == 1 && requests[0]["step"] as? String == "waiting_for_approval")
        #expect(requests[0]["username"] as? String == "zoe.z" && requests[0]["given_name"] as? String == "Zoe")

        // Approval sends the organization invitation to that username; accepting makes her a member.
        let approved = try await cli.run([
            "access", "approve", "zoe.z", "--role", "member", "--grant", "signer", "--now", "2026-10-01T12:00:00Z",
        ])
        #expect(approved.status == 0, "\(approved)")
        let link = try #require(try Self.mail(folder, to: "zoe@partner.io").first { $0.contains("token=") })
        let token = try #require(link.firstMatch(of: try Regex("token=([A-Za-z0-9_-]{44})"))?.output[1].substring)
        let accepted = try await cli.run(
            ["invitations", "accept", "-", "--now", "2026-10-01T13:00:00Z"], input: "\(token)\n")
        #expect(
            accepted.status == 0 && accepted.stdout.contains("zoe@partner.io joined Acme Corp as member"), "\(accepted)"
        )
        let shown = try #require(
            try ReconciliationCommandsTests.json(
                try await cli.run(["members", "show", "zoe@partner.io", "--format", "json"])) as? [String: Any])
        #expect(shown["username"] as? String == "zoe.z")
        #expect((shown["identity"] as? [String: Any])?["given_name"] as? String == "Zoe")
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try ReconciliationCommandsTests.json(audit) as? [[String: Any]]).compactMap {
            $0["event"] as? String
        }
        for kind in ["ACCESS_CODE_REJECTED", "ACCESS_REQUESTED", "ACCESS_APPROVED", "TEAM_INVITATION_ACCEPTED"] {
            #expect(events.contains(kind), "\(kind) in \(events)")
        }
        let seats = try await cli.run(["members", "list", "--now", "2026-10-01T13:00:00Z"])
        #expect(seats.stdout.contains("2 of 25 seats used (0 pending invitations)"), "\(seats)")
    }

    @Test func wrongCodesLockTheCodeAndADeniedOrExpiredRequestIsRefused() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        for email in ["kim@partner.io", "lou@partner.io", "max@partner.io"] {
            let sent = try await cli.run([
                "invitations", "send", email, "--role", "viewer", "--now", "2026-10-01T10:00:00Z",
            ])
            #expect(sent.status == 0, "\(sent)")
        }
        // Kim's code: five wrong attempts lock it, and then even the right one is refused.
        let kim = try Self.code(in: try #require(try Self.mail(folder, to: "kim@partner.io").first))
        let wrongKim = Self.wrong(kim)
        for attempt in 1...AccessCode.attemptLimit {
            let result = try await Self.request(
                cli, code: wrongKim, username: "kim", at: "2026-10-01T10:0\(attempt):00Z")
            #expect(result.status == 1, "\(result)")
        }
        let locked = try await Self.request(cli, code: kim, username: "kim", at: "2026-10-01T10:10:00Z")
        #expect(locked.status == 1 && locked.stderr.contains("opens no account invitation"), "\(locked)")
        let audit = try await cli.run(["audit", "--format", "json"])
        let rejected = try #require(try ReconciliationCommandsTests.json(audit) as? [[String: Any]]).filter {
            $0["event"] as? String == "ACCESS_CODE_REJECTED"
        }
        #expect(rejected.count == AccessCode.attemptLimit, "\(audit)")
        #expect((rejected.last?["details"] as? [String: Any])?["locked"] as? String == "yes")

        // Lou is denied: the account invitation goes with its seat.
        let lou = try Self.code(in: try #require(try Self.mail(folder, to: "lou@partner.io").first))
        #expect(try await Self.request(cli, code: lou, username: "lou", at: "2026-10-01T11:00:00Z").status == 0)
        let again = try await cli.run([
            "invitations", "send", "lou@partner.io", "--role", "viewer", "--now", "2026-10-01T11:05:00Z",
        ])
        #expect(again.status == 1, "one pending invitation per person: \(again)")
        let denied = try await cli.run([
            "access", "deny", "lou", "--reason", "not a customer", "--now", "2026-10-01T12:00:00Z",
        ])
        #expect(denied.status == 0 && denied.stdout.contains("account invitation is revoked"), "\(denied)")
        let approveDenied = try await cli.run([
            "access", "approve", "lou", "--role", "viewer", "--now", "2026-10-01T12:01:00Z",
        ])
        #expect(
            approveDenied.status == 1
                && approveDenied.stderr.contains("no request for access waits with the username lou"),
            "\(approveDenied)")

        // Max requests and nobody answers for 14 days: the request lapses.
        let max = try Self.code(in: try #require(try Self.mail(folder, to: "max@partner.io").first))
        #expect(try await Self.request(cli, code: max, username: "lou", at: "2026-10-01T11:00:00Z").status == 0)
        let expired = try await cli.run([
            "access", "approve", "lou", "--role", "viewer", "--now", "2026-10-15T11:00:01Z",
        ])
        #expect(expired.status == 1 && expired.stderr.contains("expired on 2026-10-15"), "\(expired)")
        let listed = try await cli.run(["access", "list", "--all", "--format", "json", "--now", "2026-10-15T12:00:00Z"])
        let states = try #require(try ReconciliationCommandsTests.json(listed) as? [[String: Any]]).compactMap {
            $0["state"] as? String
        }
        #expect(states == ["denied", "expired"], "\(states)")
    }

    @Test func aMalformedCodeOrUsernameIsOneLineNamingIt() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        let short = try await Self.request(cli, code: "ABC", username: "zoe", at: "2026-10-01T10:00:00Z")
        #expect(short.status == 1 && short.stderr.hasPrefix("error: that is not an access code"), "\(short)")
        let badName = try await cli.run(
            ["access", "request", "--username", "Zoë Z", "--now", "2026-10-01T10:00:00Z"], input: "x\n")
        #expect(badName.status != 0 && badName.stderr.contains("--username"), "\(badName)")
        let nothing = try await cli.run([
            "access", "approve", "nobody", "--role", "viewer", "--now", "2026-10-01T10:00:00Z",
        ])
        #expect(nothing.status == 1 && nothing.stderr.contains("hint: 'dirsync access list'"), "\(nothing)")
    }

    @Test func aSyncSendsAccountInvitationsToAnAccountFirstDomain() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        let planned0 = try await cli.run(["plan", "--format", "json", "--now", "2026-10-01T09:00:00Z"])
        let invites = try #require(
            (try ReconciliationCommandsTests.json(planned0) as? [String: Any])?["changes"] as? [[String: Any]]
        ).filter { $0["action"] as? String == "invite" }
        #expect(invites.count == 3 && invites.allSatisfy { $0["flow"] as? String == "account-first" }, "\(invites)")
        let applied = try await cli.run(["apply", "--yes", "--now", "2026-10-01T09:05:00Z"])
        #expect(applied.status == 0, "\(applied)")
        // Contractors at partner.io get a code; staff at acme.com join by Domain Auto-Join, never through this flow.
        let ivy = try #require(try Self.mail(folder, to: "ivy@partner.io").first)
        #expect(!ivy.contains("token=") && (try? Self.code(in: ivy)) != nil)
        let listed = try await cli.run(["invitations", "list", "--format", "json", "--now", "2026-10-01T09:06:00Z"])
        let flows = try #require(try ReconciliationCommandsTests.json(listed) as? [[String: Any]]).compactMap {
            $0["flow"] as? String
        }
        #expect(flows == ["account-first", "account-first", "account-first"], "\(flows)")
        let members = try await cli.run(["members", "list", "--format", "json"])
        #expect(members.stdout.contains("bo@acme.com"))

        // Ivy requests access as ivy, the directory's username: the next plan approves it. Jo asks for another
        // username than the directory's: that waits for an admin.
        let ivyCode = try Self.code(in: ivy)
        #expect(try await Self.request(cli, code: ivyCode, username: "ivy", at: "2026-10-01T10:00:00Z").status == 0)
        let joCode = try Self.code(in: try #require(try Self.mail(folder, to: "jo@partner.io").first))
        #expect(try await Self.request(cli, code: joCode, username: "jojo", at: "2026-10-01T10:00:00Z").status == 0)
        let planned = try await cli.run(["plan", "--format", "json", "--now", "2026-10-01T11:00:00Z"])
        let plan = try #require(try ReconciliationCommandsTests.json(planned) as? [String: Any])
        let changes = try #require(plan["changes"] as? [[String: Any]])
        let approve = try #require(changes.first { $0["action"] as? String == "approve" }, "\(changes)")
        #expect(approve["email"] as? String == "ivy@partner.io" && approve["request_id"] is Int)
        #expect(approve["role"] as? String == "viewer" && approve["invitation_id"] is Int)
        #expect(approve["flow"] as? String == "account-first")
        #expect(!changes.contains { $0["email"] as? String == "jo@partner.io" })
        let notes = (plan["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(
            notes.contains { $0.contains("request for access of jojo (jo@partner.io) waits for an admin") }, "\(notes)")
        let explained = try await cli.run(["explain", "jo@partner.io", "--now", "2026-10-01T11:00:00Z"])
        #expect(explained.stdout.contains("account-first flow, step 2 of 3: requested access as jojo"), "\(explained)")
        let text = try await cli.run(["plan", "--now", "2026-10-01T11:00:00Z"])
        #expect(text.stdout.contains("Plan: 1 to approve."), "\(text)")
        #expect(try await cli.run(["apply", "--yes", "--now", "2026-10-01T11:05:00Z"]).status == 0)
        let link = try #require(try Self.mail(folder, to: "ivy@partner.io").first { $0.contains("token=") })
        let token = try #require(link.firstMatch(of: try Regex("token=([A-Za-z0-9_-]{44})"))?.output[1].substring)
        let accepted = try await cli.run(
            ["invitations", "accept", "-", "--now", "2026-10-01T12:00:00Z"], input: "\(token)\n")
        #expect(accepted.status == 0, "\(accepted)")
        // Converged: the member is managed and matches the directory; Jo still waits.
        let again = try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-10-01T12:01:00Z"])
        #expect(again.status == 0, "\(again)")
    }
}

/// The access code's rules: 80 bits in Crockford's base32, typed forgivingly, never printed.
@Suite struct AccessCodeTests {
    @Test func aCodeIsSixteenCharactersTypedForgivingly() throws {
        let code = AccessCode.generate()
        #expect(code.text.count == AccessCode.length && code.grouped.count == 19)
        #expect(try AccessCode(parsing: code.grouped.lowercased()) == code)
        #expect(try AccessCode(parsing: " " + code.text.lowercased() + " ") == code)
        let ambiguous = try AccessCode(parsing: "ILO0-ilo0-1100-1100")
        #expect(ambiguous.text == "1100110011001100")
        for bad in ["", "ABCD", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQR\u{1B}"] {
            #expect(throws: LedgerError.self) { try AccessCode(parsing: bad) }
        }
        #expect("\(code)" == "code \(code.selector)…" && !"\(code)".contains(code.text))
        #expect(code.matches(storedHash: code.hash) && !code.matches(storedHash: AccessCode.generate().hash))
        // Codes differ: 200 of them, no two alike.
        #expect(Set((0..<200).map { _ in AccessCode.generate().text }).count == 200)
    }
}
