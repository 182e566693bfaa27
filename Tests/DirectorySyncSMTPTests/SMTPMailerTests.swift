import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySyncSMTP

/// The libcurl mailer against the real aiosmtpd of `scripts/smtp-server`.
@Suite struct SMTPMailerTests {
    private let sender: EmailAddress
    private let server: TestSMTPServer

    init() throws {
        sender = try EmailAddress("no-reply@acme.com")
        server = try TestSMTPServer.running()
    }

    private func message(_ number: Int, to recipient: String) -> String {
        [
            "From: no-reply@acme.com", "To: \(recipient)", "Subject: test \(number)",
            "Message-ID: <\(number)@acme.com>", "", ".a line starting with a dot", "message \(number)", "",
        ].joined(separator: "\r\n")
    }

    private func settings(_ listener: TestSMTPServer.Listener, perConnection: Int = 100) -> SMTPSettings {
        SMTPSettings(
            isImplicitTLS: false, host: "127.0.0.1", port: listener.port, startTLS: .required, caFile: server.caFile,
            messagesPerConnection: perConnection)
    }

    @Test func aBatchReusesOneConnectionUntilFinishOrTheConfiguredLimit() async throws {
        let listener = try server.listener(.init(starttls: "offer"))
        let mailer = SMTPMailer(settings: settings(listener, perConnection: 3), credentials: nil, sender: sender)
        let recipient = try EmailAddress("bo@acme.com")
        for number in 1...5 {
            try await mailer.deliver(
                message(number, to: "bo@acme.com"), messageID: "<\(number)@acme.com>", to: recipient)
        }
        await mailer.finish()
        try await mailer.deliver(message(6, to: "bo@acme.com"), messageID: "<6@acme.com>", to: recipient)
        await mailer.finish()

        let received = try await listener.waitForMessages(6)
        #expect(received.map(\.envelope.connection) == [1, 1, 1, 2, 2, 3])
        #expect(received.allSatisfy { $0.envelope.tls && $0.envelope.mailFrom == "no-reply@acme.com" })
        #expect(received.map { $0.header("Subject") } == (1...6).map { "test \($0)" })
        // The message arrives byte for byte: curl's dot-stuffing is undone by the server.
        #expect(received[0].content == message(1, to: "bo@acme.com"))
    }

    @Test func aRejectedRecipientDoesNotStopTheNextMessage() async throws {
        let listener = try server.listener()
        var plain = settings(listener)
        plain.startTLS = .off
        let mailer = SMTPMailer(settings: plain, credentials: nil, sender: sender)
        await #expect(
            throws: MailDeliveryError.permanent(
                "550 5.1.1 <reject@acme.com>: Recipient address rejected: User unknown in local recipient table")
        ) {
            try await mailer.deliver(
                message(1, to: "reject@acme.com"), messageID: "<1@acme.com>", to: try EmailAddress("reject@acme.com"))
        }
        try await mailer.deliver(
            message(2, to: "bo@acme.com"), messageID: "<2@acme.com>", to: try EmailAddress("bo@acme.com"))
        await mailer.finish()
        #expect(try listener.messages().map(\.envelope.rcptTos) == [["bo@acme.com"]])
    }

    @Test func anUntrustedCertificateIsRefusedNotIgnored() async throws {
        let listener = try server.listener(.init(implicitTLS: true))
        let settings = SMTPSettings(isImplicitTLS: true, host: "127.0.0.1", port: listener.port)
        let mailer = SMTPMailer(settings: settings, credentials: nil, sender: sender)
        let recipient = try EmailAddress("bo@acme.com")
        do {
            try await mailer.deliver(
                message(1, to: "bo@acme.com"), messageID: "<1@acme.com>", to: recipient)
            Issue.record("delivered over TLS to a server whose certificate nobody vouches for")
        } catch {
            guard case .misconfigured(let reason) = error else {
                Issue.record("expected .misconfigured, got \(error)")
                return
            }
            #expect(reason.hasPrefix("smtps://127.0.0.1:\(listener.port): SSL certificate problem"))
        }
        #expect(try listener.messages().isEmpty)
    }

    @Test func nobodyListeningIsUnavailable() async throws {
        let listener = try server.listener(.init(openAfter: 600))
        let mailer = SMTPMailer(settings: settings(listener), credentials: nil, sender: sender)
        do {
            try await mailer.deliver(
                message(1, to: "bo@acme.com"), messageID: "<1@acme.com>", to: try EmailAddress("bo@acme.com"))
            Issue.record("delivered to nobody")
        } catch MailDeliveryError.unavailable(let reason) {
            // curl's own words, with its timing ("after 0 ms"), which varies with the machine's load.
            #expect(
                reason.hasPrefix(
                    "smtp://127.0.0.1:\(listener.port): Failed to connect to 127.0.0.1 port \(listener.port)"))
            #expect(reason.hasSuffix("Couldn't connect to server (Connection refused)"))
        } catch {
            Issue.record("expected .unavailable, got \(error)")
        }
    }

    @Test func credentialsComeFromWhereTheSettingsNameThem() throws {
        var settings = SMTPSettings(isImplicitTLS: true, host: "mail.acme.com", port: nil)
        settings.user = .environment("SMTP_USER")
        settings.password = .file(server.passwordFile)
        #expect(throws: MailSetupError.secretMissing(key: "mail.user_env", source: .environment("SMTP_USER"))) {
            try SMTPMailer(settings: settings, sender: sender, environment: [:])
        }
        let mailer = try SMTPMailer(settings: settings, sender: sender, environment: ["SMTP_USER": "it@acme.com"])
        #expect(mailer.server == "smtps://mail.acme.com")
        settings.password = .file("/nonexistent/smtp-password")
        #expect(throws: MailSetupError.secretUnreadable(key: "mail.password_file", path: "/nonexistent/smtp-password"))
        {
            try SMTPMailer(settings: settings, sender: sender, environment: ["SMTP_USER": "it@acme.com"])
        }
        let credentials = SMTPMailer.Credentials(user: "it@acme.com", password: "hunter2")
        #expect("\(credentials)" == "it@acme.com (password hidden)")
    }
}
