import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The `mail` section: a server or a folder, credentials by reference, retry policy.
@Suite struct MailConfigurationTests {
    private let head = "mail:\n  from: \"Acme <no-reply@acme.com>\"\n  accept_url: https://x.io/a?t={token}\n"

    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(
            YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
    }

    @Test func readsAnSMTPServerWithCredentialsByReferenceAndARetryPolicy() throws {
        let mail = try parse(
            head + """
                  smtp: smtp://mail.acme.com:587
                  starttls: required
                  user: it@acme.com
                  password_file: secrets/smtp
                  ca_file: /etc/ssl/acme-ca.pem
                  connect_timeout: 5s
                  timeout: 2m
                  messages_per_connection: 20
                  retry: { attempts: 5, backoff: 2m, max_backoff: 1h, reconnect_for: 45s }
                """
        ).mail
        let smtp = try #require(mail.smtp)
        #expect(smtp.url == "smtp://mail.acme.com:587")
        #expect(!smtp.isImplicitTLS && smtp.startTLS == .required)
        #expect(smtp.user == .literal("it@acme.com"))
        #expect(smtp.password == .file("/etc/dirsync/secrets/smtp"))
        #expect(smtp.caFile == "/etc/ssl/acme-ca.pem")
        #expect(smtp.connectTimeout == TimeSpan(seconds: 5) && smtp.timeout == .minutes(2))
        #expect(smtp.messagesPerConnection == 20)
        #expect(
            mail.retry
                == OutboxDelivery.RetryPolicy(
                    maximumAttempts: 5, backoff: .minutes(2), maximumBackoff: .hours(1),
                    reconnectFor: TimeSpan(seconds: 45)))
        #expect(mail.outboxFolder == nil)
    }

    @Test func smtpsNeedsNoStartTLSAndDefaultsAreSafe() throws {
        let smtp = try #require(
            try parse(head + "  smtp: smtps://[::1]\n").mail.smtp)
        #expect(smtp.isImplicitTLS && smtp.host == "::1" && smtp.port == nil)
        #expect(smtp.url == "smtps://[::1]")
        let plain = try #require(try parse(head + "  smtp: smtp://relay.acme.com\n").mail.smtp)
        #expect(plain.startTLS == .required)
        #expect(plain.messagesPerConnection == 100)
        #expect(plain.user == nil && plain.password == nil)
    }

    @Test(
        arguments: [
            (
                "  smtp: smtp://m.acme.com\n  outbox: outbox/\n",
                "dirsync.yaml:4: mail.smtp: 'smtp' and 'outbox' are alternatives: mail goes to a server or to a folder"
            ),
            (
                "",
                "dirsync.yaml:2: mail: invitation mail needs somewhere to go: 'smtp' (a mail server) or 'outbox' (a folder)"
            ),
            (
                "  smtp: smtp://m.acme.com\n  user: it\n  password: hunter2\n",
                "dirsync.yaml:6: mail.password: a password is never written in the configuration"
            ),
            (
                "  outbox: outbox/\n  starttls: off\n", "dirsync.yaml:5: mail.starttls: only used with mail.smtp"
            ),
            (
                "  smtp: smtps://m.acme.com\n  starttls: required\n",
                "dirsync.yaml:5: mail.starttls: smtps:// is encrypted from the first byte; starttls applies to smtp:// only"
            ),
            (
                "  smtp: smtp://it:hunter2@m.acme.com\n", "dirsync.yaml:4: mail.smtp: credentials never go in the URL"
            ),
            (
                "  smtp: https://m.acme.com\n",
                "dirsync.yaml:4: mail.smtp: must be an smtp:// or smtps:// URL, found 'https://m.acme.com'"
            ),
            (
                "  smtp: smtp://m.acme.com:587\n  starttls: sometimes\n",
                "dirsync.yaml:5: mail.starttls: 'sometimes' is not one of: required, optional, off"
            ),
            (
                "  smtp: smtp://m.acme.com\n  user: it\n",
                "dirsync.yaml:5: mail.user: a login needs both a user and a password"
            ),
            (
                "  smtp: smtp://m.acme.com\n  starttls: optional\n  user: it\n  password_env: PW\n",
                "dirsync.yaml:5: mail.starttls: the password would cross the network unencrypted (starttls: optional)"
            ),
            (
                "  smtp: smtp://m.acme.com\n  user: it\n  password_env: hunter2!\n",
                "dirsync.yaml:6: mail.password_env: expected the name of an environment variable; the value is not one and may be the secret itself, so it is not shown"
            ),
            (
                "  smtp: smtp://m.acme.com\n  user: it\n  user_env: U\n  password_env: P\n",
                "dirsync.yaml:6: mail.user_env: give one of user, user_env"
            ),
            (
                "  outbox: o/\n  retry: { attempts: 0 }\n",
                "dirsync.yaml:5: mail.retry.attempts: must be between 1 and 100, found 0"
            ),
        ] as [(String, String)])
    func mistakesNameTheKey(yaml: String, expected: String) {
        do {
            _ = try parse(head + yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func aPlainConnectionToThisMachineMayCarryAPassword() throws {
        let smtp = try #require(
            try parse(head + "  smtp: smtp://127.0.0.1:2525\n  starttls: off\n  user: it\n  password_env: PW\n").mail
                .smtp)
        #expect(smtp.isLoopback && smtp.password == .environment("PW"))
    }

    @Test func secretsAreReadWhenNeededAndNeverShown() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try "s3cret\n".write(to: folder.file("pw"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.file("pw").path)
        #expect(
            try SecretSource.file(folder.file("pw").path).resolve(key: "mail.password", environment: [:]) == "s3cret")
        #expect(try SecretSource.environment("PW").resolve(key: "mail.password", environment: ["PW": "x"]) == "x")
        #expect(throws: MailSetupError.secretMissing(key: "mail.password", source: .environment("PW"))) {
            try SecretSource.environment("PW").resolve(key: "mail.password", environment: ["PW": ""])
        }
        #expect(SecretSource.environment("PW").key("password") == "mail.password_env")
        #expect(SecretSource.file("/x").key("password") == "mail.password_file")
        let error = MailSetupError.secretMissing(key: "mail.password", source: .environment("PW"))
        #expect(error.description == "mail.password: the environment variable PW is not set or empty")
        #expect(error.hint == "export PW before running dirsync (see README, Mail over SMTP)")
    }
}
