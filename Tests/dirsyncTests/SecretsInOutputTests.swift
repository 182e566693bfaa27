import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// No secret reaches any output: every command is run with a SCIM token and an SMTP password in the
/// environment (and a marker variable that shows whether the environment itself was printed), the agent at
/// trace level in both log formats, and everything they print is searched for them.
@Suite struct SecretsInOutputTests {
    @Test func noCommandPrintsASecretOrTheEnvironmentAtAnyLogLevel() async throws {
        let scim = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        let smtp = try TestSMTPServer.running()
        let listener = try smtp.listener(.init(starttls: "require", auth: "require"))
        let folder = try TemporaryDirectory("dirsync-secrets")
        defer { folder.remove() }
        let token = try String(contentsOfFile: scim.tokenFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let password = try String(contentsOfFile: smtp.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let marker = "environment-marker-4f1c2a"
        var cli = CLIProcess(directory: folder.url)
        cli.environment = [
            "DIRSYNC_SCIM_TOKEN": token, "SMTP_PASSWORD": password, "DIRSYNC_MARKER": marker,
        ]
        #expect(
            try await cli.run(["init", "--org", "Acme Corp", "--seats", "5000", "--owner", "ada@example.com"])
                .status == 0)
        try """
        organization:
          name: Acme Corp
          auto_join: { domains: [example.com], role: member }
        store: dirsync.sqlite
        source:
          kind: scim
          url: \(scim.baseURL.absoluteString)
          token_env: DIRSYNC_SCIM_TOKEN
          groups: none
        mapping: scim
        policy: { max_deletion_ratio: 1.0 }
        mail:
          smtp: \(listener.url())
          ca_file: \(smtp.caFile)
          user: \(smtp.user)
          password_env: SMTP_PASSWORD
          from: "Acme Corp <no-reply@example.com>"
          accept_url: "https://sign.example.com/accept?token={token}"
        """.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)

        let commands: [[String]] = [
            ["source", "show", "--summary"], ["source", "show", "--format", "json", "--summary"],
            ["plan"], ["plan", "--format", "json", "--out", "plan.json"],
            ["run", "--once", "--log-level", "trace"],
            ["run", "--once", "--log-level", "trace", "--log-format", "json"],
            ["sync"], ["apply", "plan.json", "--yes"],
            ["invitations", "send", "zed@partner.example", "--role", "viewer"], ["invitations", "list"],
            ["outbox", "list", "--format", "json"], ["outbox", "deliver"], ["members", "list"], ["audit"],
            ["runs"], ["status"], ["status", "--format", "json"], ["organization", "show"],
            ["explain", "nobody@example.com"],
        ]
        var sawTrace = false
        for arguments in commands {
            let result = try await cli.run(arguments)
            let printed = result.stdout + result.stderr
            #expect(!printed.contains(token), "\(arguments) printed the SCIM token")
            #expect(!printed.contains(password), "\(arguments) printed the SMTP password")
            #expect(!printed.contains(marker), "\(arguments) printed the environment")
            // The lines that once printed the service's whole description, environment included.
            if arguments.contains("trace") && printed.contains("Starting service") { sawTrace = true }
        }
        #expect(sawTrace, "the agent logged ServiceLifecycle's debug lines")
        let plan = try String(contentsOf: folder.file("plan.json"), encoding: .utf8)
        #expect(!plan.contains(token) && !plan.contains(password) && !plan.contains(marker))
    }
}
