import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The ledger commands, run as a user runs them: the real binary, a real store file, real `.eml` files.
@Suite struct LedgerCommandsTests {
    private func workspace(seats: Int = 10) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-cli")
        let cli = CLIProcess(directory: folder.url)
        let result = try await cli.run([
            "init", "--org", "Acme Corp", "--seats", "\(seats)", "--owner", "ada@acme.com", "--store",
            "org/dirsync.sqlite",
            "--now", "2026-11-21T10:00:00Z",
        ])
        #expect(result.status == 0, "\(result)")
        return (folder, CLIProcess(directory: folder.url.appendingPathComponent("org")))
    }

    private func json(_ result: CLIProcess.Result) throws -> [[String: Any]] {
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(parsed as? [[String: Any]], "\(result)")
    }

    private func token(in folder: URL, for email: String) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(
            at: folder, includingPropertiesForKeys: [.contentModificationDateKey]
        )
        .filter { $0.lastPathComponent.hasPrefix(email + "-") }
        let newest = try #require(
            files.max { a, b in
                let da = try? a.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
                let db = try? b.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
                return (da ?? .distantPast) < (db ?? .distantPast)
            })
        return try #require(LedgerFixture.token(in: try String(contentsOf: newest, encoding: .utf8))?.text)
    }

    @Test func theAcceptLinkIsPreFilledWithTheNamesGivenAndTheMailListsEveryRole() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let sent = try await cli.run([
            "invitations", "send", "bo@acme.com", "--role", "member", "--first-name", "Bo", "--last-name",
            "Ørsted & Co",
        ])
        #expect(sent.status == 0, "\(sent)")
        let outbox = folder.file("org/outbox")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: outbox.path).first)
        let content = try String(contentsOf: outbox.appendingPathComponent(file), encoding: .utf8)
        #expect(content.contains("&first_name=Bo&last_name=%C3%98rsted%20%26%20Co"), "\(content)")
        #expect(try LedgerFixture.token(in: content)?.text == (try token(in: outbox, for: "bo@acme.com")))
        let listed = try json(try await cli.run(["invitations", "list", "--format", "json"]))
        #expect(
            listed.first?["first_name"] as? String == "Bo" && listed.first?["last_name"] as? String == "Ørsted & Co")
        // The link still accepts the invitation, names and all.
        let link = try #require(
            content.split(whereSeparator: \.isNewline).first { $0.hasPrefix("https://") }.map(String.init))
        let accepted = try await cli.run(["invitations", "accept", "-"], input: link)
        #expect(accepted.status == 0, "\(accepted)")

        let batch = try await cli.run([
            "invitations", "send", "cy@acme.com,dee@acme.com", "--role", "member", "--first-name", "Cy",
        ])
        #expect(batch.status != 0)
        #expect(
            batch.stderr.hasPrefix(
                "error: --first-name and --last-name name one person, and this batch has several addresses"),
            "\(batch)")
        let hostile = try await cli.run([
            "invitations", "send", "cy@acme.com", "--role", "member", "--first-name", "C\u{1B}[31m",
        ])
        #expect(hostile.status != 0 && !hostile.stderr.contains("\u{1B}"), "\(hostile)")
    }

    @Test func usernamesAreGivenOrDerivedAndCheckSaysWhichAreFree() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let sent = try await cli.run(["invitations", "send", "bo@acme.com:Bobby,ada@partner.io", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        let listed = try json(try await cli.run(["invitations", "list", "--format", "json"]))
        #expect(Set(listed.compactMap { $0["username"] as? String }) == ["bobby", "ada1"], "ada is the owner's")
        let taken = try await cli.run(["invitations", "send", "cy@acme.com:bobby", "--role", "member"])
        #expect(taken.status != 0)
        #expect(
            taken.stderr.hasPrefix("error: the username bobby is taken by bo@acme.com in this organization"), "\(taken)"
        )
        let twice = try await cli.run(["invitations", "send", "cy@acme.com:x,dee@acme.com:X", "--role", "member"])
        #expect(twice.stderr.hasPrefix("error: the username x is taken by cy@acme.com"), "\(twice)")
        let bad = try await cli.run(["invitations", "send", "cy@acme.com:c y", "--role", "member"])
        #expect(bad.stderr.hasPrefix("error: address 1 of the batch: 'c y' is not a username"), "\(bad)")

        let free = try await cli.run(["invitations", "check", "cy@acme.com,dee@acme.com:dee.d"])
        #expect(free.status == 0, "\(free)")
        #expect(free.stdout.contains("cy@acme.com   free      cy        free"), "\(free.stdout)")
        let used = try await cli.run([
            "invitations", "check", "bo@acme.com,eve@acme.com:bobby,ada@acme.com", "--format", "json",
        ])
        #expect(used.status == 1)
        let rows = try json(used)
        #expect(rows.map { $0["email_used_by"] as? String } == ["invited", nil, "member"])
        #expect(rows.map { $0["username_used_by"] as? String } == [nil, "bo@acme.com", nil])
        #expect(rows.map { $0["username_is_theirs"] as? Bool } == [true, false, true])
    }

    @Test func initSendAcceptAndListAsTheReadmeShows() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let config = try String(contentsOf: folder.file("org/dirsync.yaml"), encoding: .utf8)
        #expect(config.contains("name: \"Acme Corp\""))
        #expect(config.contains("accept_url:"))

        let sent = try await cli.run([
            "invitations", "send", "bo@acme.com,cy@partner.io", "--role", "member", "--message", "Welcome",
            "--now", "2026-11-21T11:00:00Z",
        ])
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.stderr.contains("mail: 2 messages written to outbox"))
        let outbox = folder.file("org/outbox")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).count == 2)

        let accepted = try await cli.run(
            ["invitations", "accept", "-", "--name", "Bo", "--now", "2026-11-22T09:00:00Z"],
            input: try token(in: outbox, for: "bo@acme.com") + "\n")
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout == "bo@acme.com joined Acme Corp as member.\n")

        let members = try json(try await cli.run(["members", "list", "--format", "json"]))
        #expect(members.map { $0["email"] as? String } == ["ada@acme.com", "bo@acme.com"])
        #expect(members.map { $0["role"] as? String } == ["owner", "member"])
        #expect(members[1]["joined_at"] as? String == "2026-11-22T09:00:00Z")
        #expect(members[1]["organization"] as? String == "Acme Corp")

        let invitations = try json(
            try await cli.run([
                "invitations", "list", "--status", "all", "--format", "json", "--now", "2026-11-22T09:00:00Z",
            ])
        )
        #expect(invitations.map { $0["status"] as? String } == ["accepted", "pending"])
        #expect(
            Set(invitations[0].keys) == [
                "id", "email", "role", "status", "sent_at", "expires_at", "resend_count", "invited_by", "grants",
                "first_name", "last_name", "username", "flow", "step",
            ])
        #expect(invitations[1]["expires_at"] as? String == "2026-11-28T11:00:00Z")
        #expect(invitations[1]["invited_by"] as? String == "ada@acme.com")

        let audit = try json(try await cli.run(["audit", "--format", "json"]))
        #expect(
            audit.map { $0["event"] as? String } == [
                "ORGANIZATION_CREATED", "TEAM_MEMBER_JOINED", "TEAM_INVITATION_SENT", "TEAM_INVITATION_SENT",
                "TEAM_INVITATION_ACCEPTED", "TEAM_MEMBER_JOINED",
            ])
        #expect(Set(audit[0].keys) == ["time", "event", "actor", "os_user", "subject", "details"])
        let since = try json(try await cli.run(["audit", "--since", "2026-11-22", "--format", "json"]))
        #expect(since.count == 2)
    }

    @Test func nowShowsExpiryAndResendRenewsIt() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        try await cli.run(["invitations", "send", "bo@acme.com", "--role", "viewer", "--now", "2026-11-21T10:00:00Z"])
        let outbox = folder.file("org/outbox")
        let firstToken = try token(in: outbox, for: "bo@acme.com")
        let late = try json(
            try await cli.run(["invitations", "list", "--format", "json", "--now", "2026-11-28T10:00:00Z"]))
        #expect(late.first?["status"] as? String == "expired")
        let stillOpen = try json(
            try await cli.run(["invitations", "list", "--format", "json", "--now", "2026-11-28T09:59:59Z"]))
        #expect(stillOpen.first?["status"] as? String == "pending")

        let expired = try await cli.run(["invitations", "accept", "--now", "2026-11-28T10:00:00Z"], input: firstToken)
        #expect(expired.status == 1)
        #expect(expired.stderr.hasPrefix("error: this invitation expired on 2026-11-28 10:00 UTC\n"))

        try await Task.sleep(for: .milliseconds(10))  // distinct file times for the resent mail
        let resent = try await cli.run(["invitations", "resend", "bo@acme.com", "--now", "2026-11-30T10:00:00Z"])
        #expect(resent.status == 0, "\(resent)")
        let oldAgain = try await cli.run(["invitations", "accept", "--now", "2026-11-30T10:00:01Z"], input: firstToken)
        #expect(
            oldAgain.stderr.hasPrefix(
                "error: this link was replaced by a newer invitation email sent on 2026-11-30 10:00 UTC"))
        let fresh = try token(in: outbox, for: "bo@acme.com")
        #expect(fresh != firstToken)
        let ok = try await cli.run(["invitations", "accept", "--now", "2026-11-30T10:00:02Z"], input: fresh)
        #expect(ok.status == 0, "\(ok)")
    }

    @Test(arguments: [
        (
            ["invitations", "send", "bo@", "--role", "member"],
            "error: address 1 of the batch: 'bo@' is not a valid email address: nothing after the '@'; nothing was sent"
        ),
        (
            ["invitations", "send", "bo@acme.com", "--role", "owner"],
            "error: an invitation cannot carry the role owner"
        ),
        (
            ["invitations", "send", "bo@acme.com", "--role", "boss"],
            "error: --role: unknown role 'boss' (roles: owner, admin, member, viewer)"
        ),
        (
            ["invitations", "send", "ada@acme.com", "--role", "admin"],
            "error: ada@acme.com is already a member of this organization (role owner)"
        ),
        (["invitations", "revoke", "zed@acme.com"], "error: zed@acme.com has no pending invitation"),
        (
            ["invitations", "accept", "not-a-token"],
            "error: that is not a dirsync token: expected 44 characters of A-Z, a-z, 0-9, - and _, or the link from the email"
        ),
        (
            ["members", "list", "--org", "Globex"],
            "error: --org 'Globex' is not the organization dirsync.yaml is about ('Acme Corp')"
        ),
        (
            ["audit", "--since", "last tuesday"],
            "error: --since: 'last tuesday' is neither a date (2026-11-01, 2026-11-01T09:00:00Z) nor a span such as 24h or 7d"
        ),
        (
            ["members", "list", "--now", "yesterday"],
            "error: --now: 'yesterday' is not an ISO 8601 time such as 2026-12-01T09:00:00Z or a date such as 2026-12-01"
        ),
        (["invitations", "sned"], "error: unexpected argument 'sned'"),
    ])
    func mistakesGetOneLineThatNamesTheInput(arguments: [String], expected: String) async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let result = try await cli.run(arguments)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.first.map(String.init) == expected, "\(result)")
        #expect(lines.count <= 2)
        if lines.count == 2 { #expect(lines[1].hasPrefix("hint: ")) }
    }

    @Test func batchesOver50AndOverTheSeatsAreRefusedWithNothingWritten() async throws {
        let (folder, cli) = try await workspace(seats: 3)
        defer { folder.remove() }
        let fiftyOne = (1...51).map { "p\($0)@acme.com" }.joined(separator: ",")
        let tooMany = try await cli.run(["invitations", "send", fiftyOne, "--role", "member"])
        #expect(
            tooMany.stderr.hasPrefix("error: a batch holds at most 50 addresses, got 51; nothing was sent\nhint: split")
        )
        let full = try await cli.run(["invitations", "send", "a@acme.com,b@acme.com,c@acme.com", "--role", "member"])
        #expect(
            full.stderr.hasPrefix(
                "error: seat limit reached: 1 of 3 seats used, and this batch needs 3; nothing was sent"))
        #expect(try json(try await cli.run(["invitations", "list", "--status", "all", "--format", "json"])).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.file("org/outbox").path))
        try await cli.run(["invitations", "send", "a@acme.com,b@acme.com", "--role", "member"])
        let last = try await cli.run(["invitations", "send", "c@acme.com", "--role", "member"])
        #expect(last.stderr.hasPrefix("error: seat limit reached: 3 of 3 seats used\n"))
        let raised = try await cli.run(["organization", "set", "--seats", "4"])
        #expect(raised.status == 0, "\(raised)")
        #expect(try await cli.run(["invitations", "send", "c@acme.com", "--role", "member"]).status == 0)
    }

    @Test func aConfigurationMistakeNamesFileLineAndKey() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let path = folder.file("org/dirsync.yaml")
        var text = try String(contentsOf: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "  inviter:", with: "  invter:")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let result = try await cli.run(["members", "list"])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "error: dirsync.yaml:6: organization: unknown key 'invter'\nhint: did you mean 'inviter'?\n")
    }

    @Test func withoutAConfigurationTheErrorSaysHowToStart() async throws {
        let folder = try TemporaryDirectory("dirsync-cli")
        defer { folder.remove() }
        let result = try await CLIProcess(directory: folder.url).run(["members", "list"])
        #expect(
            result.stderr
                == "error: no dirsync.yaml in this folder\nhint: create one with 'dirsync init --org NAME --seats N --owner EMAIL', or pass --config PATH\n"
        )
    }

    @Test func readOnlyCommandsNeverWriteTheStore() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member"])
        // The data: the database file and whatever the write-ahead log holds. (A read-only WAL connection
        // may create SQLite's empty -wal and its -shm index to coordinate with writers; neither holds data.)
        func snapshot() throws -> [Data] {
            let org = folder.file("org")
            let wal = org.appendingPathComponent("dirsync.sqlite-wal")
            return [
                try Data(contentsOf: org.appendingPathComponent("dirsync.sqlite")),
                FileManager.default.fileExists(atPath: wal.path) ? try Data(contentsOf: wal) : Data(),
            ]
        }
        let before = try snapshot()
        for arguments in [
            ["members", "list"], ["invitations", "list", "--status", "all"], ["audit"], ["outbox", "list"],
            ["organization", "show"],
        ] {
            #expect(try await cli.run(arguments).status == 0)
            #expect(
                try await cli.run(
                    arguments + ["--format", "json"].prefix(arguments == ["organization", "show"] ? 0 : 2)
                )
                .status == 0)
        }
        #expect(try snapshot() == before)
    }

    @Test func oneStoreHoldsTwoOrganizationsAndOneEmailJoinsBoth() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let second = try await cli.run([
            "init", "--org", "Globex", "--seats", "5", "--owner", "hank@globex.com", "--store", "dirsync.sqlite",
        ])
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("Commands about Globex need its own configuration"), "\(second)")
        let acmeConfig = try String(contentsOf: folder.file("org/dirsync.yaml"), encoding: .utf8)
        try acmeConfig.replacingOccurrences(of: "name: \"Acme Corp\"", with: "name: \"Globex\"").write(
            to: folder.file("org/globex.yaml"), atomically: true, encoding: .utf8)
        try await cli.run(["invitations", "send", "bo@partner.io", "--role", "member"])
        // Acme's inviter is nobody in Globex: Globex's owner acts.
        let refused = try await cli.run([
            "invitations", "send", "bo@partner.io", "--role", "admin", "--config", "globex.yaml",
        ])
        #expect(
            refused.status != 0 && refused.stderr.contains("they are not a member of the organization"), "\(refused)")
        try await cli.run([
            "invitations", "send", "bo@partner.io", "--role", "admin", "--config", "globex.yaml", "--as",
            "hank@globex.com",
        ])
        let outbox = folder.file("org/outbox")
        let files = try FileManager.default.contentsOfDirectory(at: outbox, includingPropertiesForKeys: nil)
        #expect(files.count == 2)
        for file in files {
            let token = try #require(LedgerFixture.token(in: try String(contentsOf: file, encoding: .utf8)))
            #expect(try await cli.run(["invitations", "accept"], input: token.text).status == 0)
        }
        let acme = try json(try await cli.run(["members", "list", "--format", "json"]))
        let globex = try json(try await cli.run(["members", "list", "--format", "json", "--config", "globex.yaml"]))
        #expect(acme.contains { $0["email"] as? String == "bo@partner.io" && $0["role"] as? String == "member" })
        #expect(globex.contains { $0["email"] as? String == "bo@partner.io" && $0["role"] as? String == "admin" })
    }
}
