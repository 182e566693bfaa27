import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The audit log has one schema per event whichever path wrote it, quotes its values in text, and names the
/// operator: the acting address and the operating-system user.
@Suite struct AuditLogTests {
    @Test func everyEventHasItsKindsSchemaWhicheverPathWroteIt() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        // The CLI and a sync each write invitations, role changes, removals and settings changes.
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        let by = { (arguments: [String]) in try await cli.run(arguments + ["--now", "2026-10-02T09:00:00Z"]) }
        #expect(
            try await by([
                "invitations", "send", "ann@audit.example,ben@audit.example", "--role", "viewer",
                "--message", "Welcome for the Q4 audit.",
            ]).status == 0)
        #expect(try await by(["invitations", "resend", "ann@audit.example"]).status == 0)
        #expect(try await by(["invitations", "revoke", "ben@audit.example"]).status == 0)
        #expect(try await by(["members", "set-role", "bo@acme.com", "viewer"]).status == 0)
        #expect(try await by(["organization", "set", "--seats", "30"]).status == 0)
        try await ReconciliationCommandsTests.useNovemberExport(folder)
        #expect(try await cli.run(["sync", "--now", "2026-11-02T09:00:00Z"]).status == 0)
        #expect(try await cli.run(["members", "remove", "nia@acme.com", "--now", "2026-11-03T09:00:00Z"]).status == 0)

        let result = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        var kinds = Set<String>()
        for event in events {
            let name = try #require(event["event"] as? String)
            let kind = try #require(AuditEvent.Kind(rawValue: name))
            kinds.insert(name)
            let details = try #require(event["details"] as? [String: Any], "\(event)")
            #expect(Set(details.keys) == Set(kind.detailKeys), "\(name): \(details.keys.sorted())")
            #expect(details.values.allSatisfy { $0 is String || $0 is NSNull }, "\(name)")
            #expect((event["os_user"] as? String)?.isEmpty == false, "\(event)")
        }
        #expect(
            kinds.isSuperset(of: [
                "TEAM_INVITATION_SENT", "TEAM_INVITATION_RESENT", "TEAM_INVITATION_REVOKED", "TEAM_MEMBER_JOINED",
                "TEAM_MEMBER_ROLE_CHANGED", "TEAM_MEMBER_REMOVED", "TEAM_MEMBER_UPDATED",
                "ORGANIZATION_SETTINGS_CHANGED",
                "SYNC_RUN_COMPLETED",
            ]), "\(kinds.sorted())")
        // A cron sync acts as the configured inviter; the CLI's changes say they came from the CLI.
        let syncs = events.filter { $0["event"] as? String == "SYNC_RUN_COMPLETED" }
        #expect(syncs.allSatisfy { $0["actor"] as? String == "ada@acme.com" })
        let revoked = try #require(events.first { $0["event"] as? String == "TEAM_INVITATION_REVOKED" })
        #expect((revoked["details"] as? [String: Any])?["via"] as? String == "cli")

        // Text: a value with spaces is quoted, so where it ends is never in doubt.
        let text = try await cli.run(["audit"])
        #expect(text.stdout.contains(#"seats="25 -> 30""#), "\(text.stdout)")
        #expect(text.stdout.contains("OS USER"))
    }
}
