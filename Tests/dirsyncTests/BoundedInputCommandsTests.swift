import DirectorySync
import DirectorySyncTesting
import Foundation
import GRDB
import Testing

/// Huge durations and dates typed by an administrator, as the audit typed them: each is a one-line error naming
/// the flag or key and the allowed range, never a trap (exit 132) or a raw SQLite message.
@Suite struct BoundedInputCommandsTests {
    @Test(arguments: [
        (["audit", "--since", "999999999999d"], "--since"),
        (["organization", "set", "--invitation-validity", "300000000000d"], "--invitation-validity"),
        (["organization", "set", "--invitation-validity", "30s"], "--invitation-validity"),
        (["organization", "set", "--seats", "9223372036854775807"], "seats"),
        (["run", "--once", "--every", "300000000000d"], "--every"),
        (["invitations", "send", "bo@acme.com", "--role", "member", "--now", "9999-12-31T23:59:59Z"], "--now"),
        (["members", "list", "--now", "1969-07-20T20:17:00Z"], "--now"),
        (["audit", "--since", "10000-01-01"], "--since"),
    ])
    func hugeValuesOnTheCommandLineAreRefusedWithTheirRange(arguments: [String], flag: String) async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let result = try await cli.run(arguments)
        #expect(result.status == 1, "\(result)")
        let line = try #require(result.stderr.split(separator: "\n").first.map(String.init), "\(result)")
        #expect(line.hasPrefix("error: ") && line.contains(flag), "\(result)")
        #expect(line.contains("out of range") || line.contains("between"), "\(result)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("CHECK constraint"))
        // Nothing was changed: the organization still invites with its 7-day validity.
        let sent = try await cli.run(["invitations", "send", "bo@partner.io", "--role", "viewer"])
        #expect(sent.status == 0, "\(sent)")
    }

    @Test(arguments: [
        ("schedule:\n  lease: 300000000000d\n", "schedule.lease"),
        ("schedule:\n  every: 300000000000d\n", "schedule.every"),
        ("schedule:\n  jitter: 2d\n", "schedule.jitter"),
        ("notify:\n  every: 999999999999d\n", "notify.every"),
        ("policy:\n  invitation_validity: 300000000000d\n", "policy.invitation_validity"),
        ("policy:\n  resend_after: 9999999999999w\n", "policy.resend_after"),
    ])
    func hugeValuesInTheConfigurationAreLocatedErrors(yaml: String, key: String) async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        var text = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        if yaml.hasPrefix("policy:") {
            text = text.replacingOccurrences(of: "  resend_after: 3d\n", with: "")
                .replacingOccurrences(of: "policy:\n", with: yaml)
        } else {
            text += yaml
        }
        try text.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let result = try await cli.run(["sync", "--now", "2026-10-01T09:05:00Z"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("error: dirsync.yaml:"), "\(result)")
        #expect(result.stderr.contains(key) && result.stderr.contains("out of range"), "\(result)")
        #expect(result.stdout.isEmpty, "nothing is planned with a bad configuration: \(result)")
    }

    /// A store written by an older dirsync may hold a validity no current command accepts: every command still works.
    @Test func aHugeValidityAlreadyInTheStoreCannotStopInvitations() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let queue = try DatabaseQueue(path: folder.file("dirsync.sqlite").path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE organizations SET invitation_validity_seconds = 25920000000000000")
        }
        let sent = try await cli.run([
            "invitations", "send", "bo@partner.io", "--role", "viewer", "--now", "2026-10-02T10:00:00Z",
        ])
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.stdout.contains("valid until 2027-10-02 10:00 UTC"), "\(sent)")
        let repaired = try await cli.run(["organization", "set", "--invitation-validity", "7d"])
        #expect(repaired.status == 0, "\(repaired)")
        let shown = try await cli.run(["organization", "show"])
        #expect(shown.stdout.contains("invitation validity  7d"), "\(shown)")
    }
}
