import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySync
@testable import dirsync

/// A saved plan is tamper-evident, and apply re-checks the rules of the organization whatever the file says:
/// the audit's edits (a role raised, an invitation redirected, a join for a foreign domain, a removal pointed at
/// another member, `"blocked": null`) are each refused, and a refused plan changes nothing.
@Suite struct SavedPlanTests {
    /// The demo after its October sync and with the November export: a plan with removals, a role change, an
    /// invitation and a resend, blocked by the deletion limit once the ratio is 10 %.
    private func workspace(blocked: Bool = false) async throws -> (TemporaryDirectory, CLIProcess) {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        if blocked {
            var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            config = config.replacingOccurrences(of: "max_deletion_ratio: 0.5", with: "max_deletion_ratio: 0.1")
            try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        }
        try await ReconciliationCommandsTests.useNovemberExport(folder)
        let planned = try await cli.run(["plan", "--out", "p.json", "--now", "2026-11-02T09:00:00Z"])
        #expect(planned.status == (blocked ? 3 : 0), "\(planned)")
        return (folder, cli)
    }

    /// What a refused apply must leave alone: members, invitations, the outbox folder, and every audit event but
    /// the record of the refused run itself (`SYNC_RUN_FAILED` / `SYNC_RUN_BLOCKED`, which an audit should show).
    private func state(_ cli: CLIProcess, _ folder: TemporaryDirectory) async throws -> [String] {
        let audit = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["audit", "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        return [
            try await cli.run(["members", "list", "--format", "json"]).stdout,
            try await cli.run(["invitations", "list", "--status", "all", "--format", "json"]).stdout,
            audit.compactMap { $0["event"] as? String }.filter { !$0.hasPrefix("SYNC_RUN_") }.joined(separator: ","),
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).sorted().joined(
                separator: ","),
        ]
    }

    @Test func aPlanFileIsWrittenOnlyForItsOwner() async throws {
        let (folder, _) = try await workspace()
        defer { folder.remove() }
        let mode = try FileManager.default.attributesOfItem(atPath: folder.file("p.json").path)[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
    }

    @Test func aPlanThatCannotBeWrittenSaysWhereAndWhy() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        try FileManager.default.createDirectory(at: folder.file("plans"), withIntermediateDirectories: true)
        for (target, reason) in [("plans", "it is a directory"), ("missing/p.json", "no such file or directory")] {
            let result = try await cli.run(["plan", "--out", target, "--now", "2026-11-02T09:00:00Z"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("error: cannot write \(target): \(reason)"), "\(result)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("could not be completed"))
        }
    }

    @Test(arguments: [
        (#""to_role" : "admin""#, #""to_role" : "admin""#),  // unchanged: the control case below is applied
        (#""role" : "viewer""#, #""role" : "admin""#),
        (#""email" : "max@partner.io""#, #""email" : "mallory@partner.io""#),
        (#""email" : "nia@acme.com""#, #""email" : "eve@evil.example""#),
        (#""blocked" : null"#, #""blocked" : null"#),
    ])
    func anEditedPlanIsRefusedAndChangesNothing(from: String, to: String) async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let original = try String(contentsOf: folder.file("p.json"), encoding: .utf8)
        #expect(original.contains(from), "\(from)")
        guard from != to else {
            let applied = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
            #expect(applied.status == 0, "an untouched plan applies: \(applied)")
            return
        }
        try original.replacingOccurrences(of: from, with: to).write(
            to: folder.file("p.json"), atomically: true, encoding: .utf8)
        let before = try await state(cli, folder)
        let refused = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
        #expect(refused.status == 1, "\(refused)")
        #expect(
            refused.stderr.hasPrefix("error: p.json: the plan's signature does not match its content"), "\(refused)")
        #expect(try await state(cli, folder) == before)
    }

    @Test func aBlockedPlanWhoseBlockIsEditedAwayIsStillBlocked() async throws {
        let (folder, cli) = try await workspace(blocked: true)
        defer { folder.remove() }
        let text = try String(contentsOf: folder.file("p.json"), encoding: .utf8)
        let unblocked = try #require(
            text.range(of: #""blocked" : \{[^}]*\}"#, options: .regularExpression).map {
                text.replacingCharacters(in: $0, with: #""blocked" : null"#)
            })
        try unblocked.write(to: folder.file("p.json"), atomically: true, encoding: .utf8)
        let before = try await state(cli, folder)
        let refused = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
        #expect(refused.status == 1, "\(refused)")
        #expect(try await state(cli, folder) == before)
    }

    // MARK: - Beyond the signature

    /// Re-signs an edited plan with the store's own key, as someone who can read the store could: apply's own
    /// checks still refuse what breaks a rule of the organization.
    private func resign(_ folder: TemporaryDirectory, _ edit: (inout Plan) throws -> Void) throws {
        let queue = try DatabaseQueue(path: folder.file("dirsync.sqlite").path)
        let key = try queue.read { db in
            try Array(#require(try Data.fetchOne(db, sql: "SELECT value FROM store_secrets")))
        }
        var plan = try PlanFile.decode(try Data(contentsOf: folder.file("p.json")), file: "p.json", signingKey: key)
        try edit(&plan)
        try (try PlanFile.encode(plan, signingKey: key)).write(
            to: folder.file("p.json"), atomically: true, encoding: .utf8)
    }

    @Test func aResignedPlanStillCannotJoinAForeignDomain() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        try resign(folder) { plan in
            let join = try #require(plan.changes.firstIndex { $0.action == .join })
            plan.changes[join].email = try EmailAddress("eve@evil.example")
        }
        let before = try await state(cli, folder)
        let refused = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("evil.example is not an auto-join domain"), "\(refused)")
        #expect(refused.stderr.contains("nothing was applied"), "\(refused)")
        #expect(try await state(cli, folder) == before)
    }

    @Test func aResignedPlanStillCannotPointARemovalAtAnotherMember() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        let members = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["members", "list", "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        #expect(members.contains { $0["email"] as? String == "bo@acme.com" })
        try resign(folder) { plan in
            let removal = try #require(plan.changes.firstIndex { $0.action == .remove })
            plan.changes[removal].email = try EmailAddress("bo@acme.com")
        }
        let before = try await state(cli, folder)
        let refused = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("not the address the change names"), "\(refused)")
        #expect(try await state(cli, folder) == before)
    }

    @Test func aResignedPlanStillCannotMakeAnOwnerOrDropItsBlock() async throws {
        let (folder, cli) = try await workspace(blocked: true)
        defer { folder.remove() }
        try resign(folder) { plan in plan.blocked = nil }
        let before = try await state(cli, folder)
        let blocked = try await cli.run(["apply", "p.json", "--yes", "--now", "2026-11-02T09:01:00Z"])
        #expect(blocked.status == 3, "the applier blocks it again from the store: \(blocked)")
        #expect(blocked.stderr.contains("more than the limit of 1"), "\(blocked)")
        #expect(try await state(cli, folder) == before)
        try resign(folder) { plan in
            // The demo's group change is offered (policy.new_access: offer); offer owner instead.
            let change = try #require(plan.changes.firstIndex { $0.action == .offer })
            guard case .offer(let id, let role, _, let replacing) = plan.changes[change].effect else { return }
            plan.changes[change].effect = .offer(id, role: role, to: .owner, replacing: replacing)
        }
        let owner = try await cli.run([
            "apply", "p.json", "--yes", "--allow-deletions", "--now", "2026-11-02T09:01:00Z",
        ])
        #expect(owner.status == 1, "\(owner)")
        #expect(owner.stderr.contains("owners are never made"), "\(owner)")
        #expect(try await state(cli, folder) == before)
    }
}
