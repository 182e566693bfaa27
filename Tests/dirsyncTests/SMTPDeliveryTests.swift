import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Invitation mail over SMTP, end to end: the real `dirsync` binary delivering to the real aiosmtpd that
/// `scripts/smtp-server` runs. Each test gets a listener of its own, with the behaviour it needs.
@Suite struct SMTPDeliveryTests {
    /// A store with an organization, and a configuration delivering to `listener`.
    private func workspace(
        _ listener: TestSMTPServer.Listener, scheme: String = "smtp", mail: [String] = [],
        from: String = "Acme Corp <no-reply@acme.com>"
    ) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-smtp")
        let cli = CLIProcess(directory: folder.url)
        let created = try await cli.run([
            "init", "--org", "Acme Corp", "--seats", "500", "--owner", "ada@acme.com", "--now", "2026-11-21T10:00:00Z",
        ])
        #expect(created.status == 0, "\(created)")
        let config = [
            "organization:", "  name: Acme Corp", "  inviter: ada@acme.com", "store: dirsync.sqlite", "mail:",
            "  smtp: \(listener.url(scheme: scheme))", "  from: \"\(from)\"",
            "  accept_url: \"https://sign.acme.com/invitations/accept?token={token}\"",
        ]
        try (config + mail.map { "  " + $0 }).joined(separator: "\n").write(
            to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, cli)
    }

    private func outbox(_ cli: CLIProcess, status: String = "all") async throws -> [[String: Any]] {
        let result = try await cli.run(["outbox", "list", "--status", status, "--format", "json"])
        #expect(result.status == 0, "\(result)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    /// The body with quoted-printable soft breaks and `=3D` undone: enough to read links and dates.
    private func readable(_ content: String) -> String {
        content.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
    }

    @Test func anInvitationBatchArrivesWithRecipientsHeadersLinkAndExpiry() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(starttls: "offer"))
        let (folder, cli) = try await workspace(
            listener, mail: ["starttls: required", "ca_file: \(server.caFile)"], from: "Åsa at Acme <no-reply@acme.com>"
        )
        defer { folder.remove() }

        let sent = try await cli.run([
            "invitations", "send", "bo@acme.com,cy@partner.io,dee@acme.com", "--role", "admin", "--message",
            "Välkommen, Zoë!", "--now", "2026-11-21T11:00:00Z",
        ])
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.stderr.contains("mail: 3 messages sent to \(listener.url())"), "\(sent)")

        let received = try await listener.waitForMessages(3)
        #expect(received.map(\.envelope.rcptTos) == [["bo@acme.com"], ["cy@partner.io"], ["dee@acme.com"]])
        #expect(received.allSatisfy { $0.envelope.mailFrom == "no-reply@acme.com" && $0.envelope.tls })
        // One connection for the whole batch.
        #expect(Set(received.map(\.envelope.connection)).count == 1)

        let stored = try await outbox(cli)
        #expect(stored.map { $0["status"] as? String } == ["sent", "sent", "sent"])
        for (message, row) in zip(received, stored) {
            #expect(message.header("Message-ID") == row["message_id"] as? String)
            #expect(message.header("To") == row["recipient"] as? String)
            #expect(message.header("From") == "=?utf-8?b?w4VzYSBhdCBBY21l?= <no-reply@acme.com>")
            #expect(message.header("Subject") == "ada@acme.com invited you to join Acme Corp")
            #expect(message.header("Date") == "Sat, 21 Nov 2026 11:00:00 +0000")
            #expect(message.header("MIME-Version") == "1.0")
            #expect(message.header("Content-Type")?.hasPrefix("multipart/alternative; boundary=") == true)
            let body = readable(message.content)
            #expect(body.contains("as an admin."))
            #expect(body.contains("expires on 2026-11-28 11:00 UTC"))
            #expect(body.contains("V=C3=A4lkommen, Zo=C3=AB!"))
            #expect(body.contains("https://sign.acme.com/invitations/accept?token="))
        }

        // The link in the mail works: the first invitee accepts with it.
        let token = try #require(LedgerFixture.token(in: readable(received[0].content)))
        let accepted = try await cli.run(
            ["invitations", "accept", "-", "--now", "2026-11-22T09:00:00Z"], input: token.text)
        #expect(accepted.stdout == "bo@acme.com joined Acme Corp as admin.\n", "\(accepted)")
    }

    @Test func authOverSTARTTLSWithThePasswordFromAFile() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(starttls: "require", auth: "require"))
        let (folder, cli) = try await workspace(
            listener,
            mail: ["ca_file: \(server.caFile)", "user: \(server.user)", "password_file: \(server.passwordFile)"])
        defer { folder.remove() }

        let sent = try await cli.run(["invitations", "send", "bo@acme.com,cy@acme.com", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        let received = try await listener.waitForMessages(2)
        #expect(received.count == 2)
        #expect(received.allSatisfy { $0.envelope.tls && $0.envelope.authUser == server.user })
        let password = try String(contentsOfFile: server.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!sent.stdout.contains(password) && !sent.stderr.contains(password))
    }

    @Test func authOverSMTPSWithThePasswordFromTheEnvironment() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(implicitTLS: true, auth: "require"))
        var (folder, cli) = try await workspace(
            listener, scheme: "smtps",
            mail: ["ca_file: \(server.caFile)", "user_env: SMTP_USER", "password_env: SMTP_PASSWORD"])
        defer { folder.remove() }
        let password = try String(contentsOfFile: server.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        // Without the variables, nothing is invited: the command fails before it changes anything.
        let missing = try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr.hasPrefix(
                "error: dirsync.yaml: mail.user_env: the environment variable SMTP_USER is not set or empty\n"))
        #expect(try await outbox(cli).isEmpty)

        // A wrong password: the invitation is made, its mail stays queued, and the server's refusal is shown.
        cli.environment = ["SMTP_USER": server.user, "SMTP_PASSWORD": "not-the-password"]
        let refused = try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member"])
        #expect(refused.status == 4, "made, not delivered: \(refused)")
        #expect(refused.stderr.contains("refused the login: 535"), "\(refused)")
        let queued = try await outbox(cli, status: "pending")
        #expect(queued.count == 1)
        #expect((queued.first?["last_error"] as? String)?.contains("535") == true)
        #expect(queued.first?["attempts"] as? Int == 0)
        let again = try await cli.run(["outbox", "deliver"])
        #expect(again.status == 1)
        #expect(
            again.stderr.contains("error: mail not delivered: smtps://127.0.0.1:\(listener.port) refused the login"))

        cli.environment["SMTP_PASSWORD"] = password
        let delivered = try await cli.run(["outbox", "deliver"])
        #expect(delivered.status == 0, "\(delivered)")
        #expect(delivered.stdout == "The outbox is empty.\n")
        let received = try await listener.waitForMessages(1)
        #expect(received.map(\.envelope.rcptTos) == [["bo@acme.com"]])
        #expect(received.first?.envelope.authUser == server.user)
        #expect(received.first?.envelope.tls == true)
    }

    @Test func starttlsRequiredRefusesAServerWithoutItAndOffSendsInPlainText() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(starttls: "none"))
        let (folder, cli) = try await workspace(listener)  // starttls: required is the default
        defer { folder.remove() }

        let sent = try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member"])
        #expect(sent.status == 4, "made, not delivered: \(sent)")
        #expect(sent.stderr.contains("mail: cannot deliver now: \(listener.url()): STARTTLS not"), "\(sent)")
        #expect(try listener.messages().isEmpty)

        try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8).appending("\n  starttls: off\n")
            .write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let delivered = try await cli.run(["outbox", "deliver"])
        #expect(delivered.status == 0, "\(delivered)")
        let received = try await listener.waitForMessages(1)
        #expect(received.first?.envelope.tls == false)
    }

    @Test func aServerDownAtFirstGetsTheMailOnceItIsUp() async throws {
        let server = try TestSMTPServer.running()
        // Down for the client's first two connections, whenever they come: the outage is counted in attempts,
        // so however slow the machine, the client sees it.
        let listener = try server.listener(.init(closeConnections: [1, 2]))
        let (folder, cli) = try await workspace(listener, mail: ["starttls: off", "retry: { reconnect_for: 20s }"])
        defer { folder.remove() }

        let sent = try await cli.run(["invitations", "send", "bo@acme.com,cy@acme.com", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.stderr.contains("mail: 2 messages sent to"), "\(sent)")
        #expect(sent.stderr.contains("was unreachable at first; delivered after retrying 2 times"), "\(sent)")
        let received = try listener.messages()
        #expect(received.map(\.envelope.rcptTos) == [["bo@acme.com"], ["cy@acme.com"]])
        #expect(received.allSatisfy { $0.envelope.connection == 3 })
        let stored = try await outbox(cli, status: "sent")
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0["attempts"] as? Int == 1 && $0["last_error"] is NSNull })
    }

    @Test func everyOutageOfARunGetsTheWholeReconnectBudget() async throws {
        let server = try TestSMTPServer.running()
        // One connection per message; the server is down twice in a row before each of them, each outage taking
        // the whole 3 s budget (waits of 1 s and 2 s).
        let listener = try server.listener(.init(closeConnections: [1, 2, 4, 5]))
        let (folder, cli) = try await workspace(
            listener, mail: ["starttls: off", "messages_per_connection: 1", "retry: { reconnect_for: 3s }"])
        defer { folder.remove() }

        let sent = try await cli.run(["invitations", "send", "bo@acme.com,cy@acme.com", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.stderr.contains("mail: 2 messages sent to"), "\(sent)")
        #expect(sent.stderr.components(separatedBy: "trying again in 1s\n").count == 3, "\(sent)")
        #expect(sent.stderr.components(separatedBy: "trying again in 2s\n").count == 3, "\(sent)")
        #expect(try listener.messages().map(\.envelope.connection) == [3, 6])
    }

    @Test func anInternationalisedDomainGoesOutAsPunycode() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener()
        let (folder, cli) = try await workspace(listener, mail: ["starttls: off"])
        defer { folder.remove() }

        let sent = try await cli.run(["invitations", "send", "bo@bücher.example", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        let received = try await listener.waitForMessages(1)
        #expect(received.map(\.envelope.rcptTos) == [["bo@xn--bcher-kva.example"]])
        #expect(received.first?.header("To") == "bo@xn--bcher-kva.example")
    }

    @Test func aNonASCIILocalPartIsRefusedAtInviteTimeUnlessTheServerHasSMTPUTF8() async throws {
        let server = try TestSMTPServer.running()
        let plain = try server.listener()
        let (folder, cli) = try await workspace(plain, mail: ["starttls: off"])
        defer { folder.remove() }
        let refused = try await cli.run(["invitations", "send", "bo@acme.com,ü@example.com", "--role", "member"])
        #expect(refused.status != 0, "\(refused)")
        #expect(
            refused.stderr.contains(
                "ü@example.com: the mail server does not accept non-ASCII local parts (mail.smtputf8 is not true); "
                    + "nobody was invited"), "\(refused)")
        #expect(refused.stderr.contains("mail.smtputf8: true"), "\(refused)")
        #expect(try await outbox(cli).isEmpty)
        #expect(plain.count() == 0)

        // A server offering SMTPUTF8, and the configuration saying so: delivered as it is.
        let utf8 = try server.listener(.init(smtputf8: true))
        let (utf8Folder, utf8CLI) = try await workspace(utf8, mail: ["starttls: off", "smtputf8: true"])
        defer { utf8Folder.remove() }
        let sent = try await utf8CLI.run(["invitations", "send", "ü@example.com", "--role", "member"])
        #expect(sent.status == 0, "\(sent)")
        let received = try await utf8.waitForMessages(1)
        #expect(received.map(\.envelope.rcptTos) == [["ü@example.com"]])
    }

    @Test func aControlCharacterInTheMessageIsRefusedNamingTheFlag() async throws {
        let server = try TestSMTPServer.running()
        let (folder, cli) = try await workspace(try server.listener(), mail: ["starttls: off"])
        defer { folder.remove() }
        let refused = try await cli.run([
            "invitations", "send", "bo@acme.com", "--role", "member", "--message", "hi\u{1B}]0;pwned\u{07}",
        ])
        #expect(refused.status != 0, "\(refused)")
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("error: --message: the personal message holds U+001B") == true, "\(refused)")
        #expect(!refused.stderr.contains("\u{1B}"))
        #expect(try await outbox(cli).isEmpty)
    }

    @Test func aServerThatStaysDownLeavesTheMailQueuedWithinTheRetryBudget() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(openAfter: 600))
        let (folder, cli) = try await workspace(listener, mail: ["starttls: off", "retry: { reconnect_for: 3s }"])
        defer { folder.remove() }

        let started = ContinuousClock.now
        let sent = try await cli.run(["invitations", "send", "bo@acme.com,cy@acme.com", "--role", "member"])
        let took = ContinuousClock.now - started
        #expect(sent.status == 4, "the invitations are made, their mail is not delivered: \(sent)")
        #expect(
            sent.stderr.contains("Couldn't connect to server (Connection refused); 2 messages stay queued"), "\(sent)"
        )
        // Waits of 1 s then 2 s, said as they happen: the budget, and not much more.
        #expect(sent.stderr.contains("mail: cannot reach \(listener.url()); trying again in 1s\n"), "\(sent)")
        #expect(sent.stderr.contains("mail: cannot reach \(listener.url()); trying again in 2s\n"), "\(sent)")
        #expect(took >= .seconds(3), "it waited its budget before giving up")
        let queued = try await outbox(cli, status: "pending")
        #expect(queued.count == 2)
        #expect(queued.allSatisfy { $0["attempts"] as? Int == 0 })
    }

    @Test func aRejectedRecipientFailsWithoutRetryAndShowsInTheOutboxList() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener()
        let (folder, cli) = try await workspace(listener, mail: ["starttls: off"])
        defer { folder.remove() }

        let sent = try await cli.run([
            "invitations", "send", "bo@acme.com,reject-zed@acme.com,cy@acme.com", "--role", "viewer",
        ])
        #expect(sent.status == 4, "one message was not delivered: \(sent)")
        #expect(
            sent.stderr.contains(
                "mail: not delivered to reject-zed@acme.com: 550 5.1.1 <reject-zed@acme.com>: Recipient address rejected"
            ), "\(sent)")
        #expect(try listener.messages().map(\.envelope.rcptTos) == [["bo@acme.com"], ["cy@acme.com"]])

        // Another delivery run does not try it again.
        let again = try await cli.run(["outbox", "deliver"])
        #expect(again.status == 0, "\(again)")
        let failed = try await outbox(cli, status: "failed")
        #expect(failed.count == 1)
        #expect(failed.first?["recipient"] as? String == "reject-zed@acme.com")
        #expect(failed.first?["attempts"] as? Int == 1)
        #expect(
            failed.first?["last_error"] as? String
                == "550 5.1.1 <reject-zed@acme.com>: Recipient address rejected: User unknown in local recipient table")
        let text = try await cli.run(["outbox", "list", "--status", "failed"])
        #expect(text.stdout.contains("reject-zed@acme.com  failed"), "\(text)")
        #expect(text.stdout.contains("550 5.1.1 <reject-zed@acme.com>: Recipient address rejected"), "\(text)")
    }

    @Test func aTemporaryRejectionIsRetriedLaterNotNow() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener()
        let (folder, cli) = try await workspace(
            listener, mail: ["starttls: off", "retry: { attempts: 2, backoff: 10m }"])
        defer { folder.remove() }

        let sent = try await cli.run([
            "invitations", "send", "busy-bo@acme.com", "--role", "viewer", "--now", "2026-11-21T10:00:00Z",
        ])
        #expect(sent.stderr.contains("mail: 1 message will be retried"), "\(sent)")
        var pending = try await outbox(cli, status: "pending")
        #expect(pending.first?["next_attempt_at"] as? String == "2026-11-21T10:10:00Z")
        #expect((pending.first?["last_error"] as? String)?.hasPrefix("450 4.2.1") == true)

        // Not yet due: nothing is tried.
        let early = try await cli.run(["outbox", "deliver", "--now", "2026-11-21T10:05:00Z"])
        #expect(early.status == 0, "\(early)")
        pending = try await outbox(cli, status: "pending")
        #expect(pending.first?["attempts"] as? Int == 1)

        // Due, and the last attempt: it fails for good, with the server's reply.
        let late = try await cli.run(["outbox", "deliver", "--now", "2026-11-21T10:10:00Z"])
        #expect(late.status == 1)
        let failed = try await outbox(cli, status: "failed")
        #expect((failed.first?["last_error"] as? String)?.hasPrefix("gave up after 2 attempts: 450 4.2.1") == true)
    }

    @Test func resendAndRevokeVoidTheMailStillQueuedForTheOldLink() async throws {
        let server = try TestSMTPServer.running()
        let down = try server.listener(.init(openAfter: 600))
        let (folder, cli) = try await workspace(down, mail: ["starttls: off", "retry: { reconnect_for: 0s }"])
        defer { folder.remove() }

        // The server is down: the commands succeed (exit 4: mail not delivered) and the mail waits.
        #expect(try await cli.run(["invitations", "send", "bo@acme.com,cy@acme.com", "--role", "member"]).status == 4)
        #expect(try await cli.run(["invitations", "resend", "bo@acme.com"]).status == 4)
        #expect(try await cli.run(["invitations", "revoke", "cy@acme.com"]).status == 0)
        #expect(
            try await outbox(cli, status: "voided").map { $0["recipient"] as? String } == [
                "bo@acme.com", "cy@acme.com",
            ])

        let up = try server.listener()
        try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            .replacingOccurrences(of: down.url(), with: up.url())
            .write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let delivered = try await cli.run(["outbox", "deliver"])
        #expect(delivered.status == 0, "\(delivered)")
        let received = try await up.waitForMessages(1)
        #expect(received.map(\.envelope.rcptTos) == [["bo@acme.com"]])
        #expect(received.first?.header("Subject")?.hasPrefix("Reminder:") == true)
        let token = try #require(LedgerFixture.token(in: readable(received[0].content)))
        let accepted = try await cli.run(["invitations", "accept", "-"], input: token.text)
        #expect(accepted.status == 0, "\(accepted)")
    }

    @Test func aDeliveryKilledMidBatchLosesNothingAfterRestart() async throws {
        let server = try TestSMTPServer.running()
        // Slow enough to kill in the middle: about 40 ms per message.
        let listener = try server.listener(.init(dataDelay: 0.04))
        let (folder, cli) = try await workspace(listener, mail: ["starttls: off"])
        defer { folder.remove() }

        var invited: [String] = []
        var killedAt: [Int] = []
        for round in 0..<3 {
            let batch = (0..<50).map { "r\(round)-\($0)@acme.com" }
            invited += batch
            let before = listener.count()
            let running = try cli.start(["invitations", "send", batch.joined(separator: ","), "--role", "member"])
            // Kill it once the server has taken a few of this batch, at a different point each round.
            let target = before + 5 + 12 * round
            let deadline = ContinuousClock.now + .seconds(20)
            // Polled without suspending: other tests' blocking processes could keep an awaiting task from
            // resuming until the batch is over.
            while listener.count() < target, ContinuousClock.now < deadline { usleep(2_000) }
            running.kill(SIGKILL)
            let result = await running.finish()
            #expect(result.status != 0, "the command finished before it was killed: \(result)")
            killedAt.append(listener.count() - before)
        }
        #expect(killedAt.allSatisfy { $0 < 50 }, "not killed mid-batch: \(killedAt)")

        let restarted = try await cli.run(["outbox", "deliver"])
        #expect(restarted.status == 0, "\(restarted)")
        #expect(restarted.stdout == "The outbox is empty.\n")

        let stored = try await outbox(cli)
        #expect(stored.count == invited.count)
        #expect(stored.allSatisfy { $0["status"] as? String == "sent" })
        var messageIDs: [String: String] = [:]
        for row in stored {
            if let recipient = row["recipient"] as? String { messageIDs[recipient] = row["message_id"] as? String }
        }
        let received = try listener.messages()
        var perRecipient: [String: [String]] = [:]
        for message in received {
            for recipient in message.envelope.rcptTos {
                perRecipient[recipient, default: []].append(message.header("Message-ID") ?? "none")
            }
        }
        // Every invitation's mail arrived; a second copy is acceptable only as the same message.
        for email in invited {
            let copies = perRecipient[email] ?? []
            #expect(!copies.isEmpty, "\(email) never got its invitation")
            #expect(copies.allSatisfy { $0 == messageIDs[email] }, "\(email) got a different message: \(copies)")
        }
        #expect(received.count >= invited.count)
    }

    @Test func syncWithAnUnsetSMTPSecretChangesNothing() async throws {
        let server = try TestSMTPServer.running()
        let listener = try server.listener(.init(auth: "require"))
        let (folder, cli) = try await workspace(
            listener, mail: ["user: \(server.user)", "password_env: SMTP_PASSWORD"])
        defer { folder.remove() }
        try """
        version: 1

        dn: uid=bo,ou=people,dc=partner,dc=io
        objectClass: inetOrgPerson
        uid: bo
        cn: Bo
        sn: Bo
        mail: bo@partner.io
        entryUUID: 6e1f0c2a-0000-4000-8000-000000000001

        """.write(to: folder.file("people.ldif"), atomically: true, encoding: .utf8)
        let config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        try
            (config.replacingOccurrences(
                of: "  inviter: ada@acme.com", with: "  inviter: ada@acme.com\n  allowed_domains: [partner.io]")
            + "\nsource: { kind: ldif, path: people.ldif }\nmapping: openldap\nroles:\n  - { role: member }\n")
            .write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)

        let result = try await cli.run(["sync"])
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains("mail.password_env: the environment variable SMTP_PASSWORD is not set"), "\(result)")
        let invitations = try await cli.run(["invitations", "list", "--format", "json"])
        #expect(invitations.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]", "\(invitations)")
        #expect(try await outbox(cli).isEmpty)
    }
}
