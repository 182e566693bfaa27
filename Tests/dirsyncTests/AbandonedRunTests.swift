import DirectorySyncTesting
import Foundation
import Testing

/// A `dirsync sync` killed with SIGKILL while it applies leaves its run `running`; the next command that takes
/// the organization's lease (`sync`, `apply`, `run`) closes it as failed, abandoned, with its audit event.
@Suite struct AbandonedRunTests {
    private func runs(_ cli: CLIProcess) async throws -> [[String: Any]] {
        let result = try await cli.run(["runs", "--format", "json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(parsed as? [[String: Any]], "\(result)")
    }

    /// Starts `sync` and kills it with SIGKILL once it has committed a batch; returns the id of its run.
    private func killMidApply(_ cli: CLIProcess, store path: String, people: Int) async throws -> Int {
        let pendingCount = "SELECT count(*) FROM invitations WHERE status = 'pending'"
        let before = StoreProbe.integer(pendingCount, in: path) ?? 0
        let running = try cli.start(["sync"])
        let advanced: @Sendable () -> Bool = { (StoreProbe.integer(pendingCount, in: path) ?? 0) > before }
        let killed = await Watch.until(timeout: 120, advanced) { running.kill(SIGKILL) }
        #expect(killed, "the sync never committed a batch")
        let finished = await running.finish()
        #expect(finished.status != 0, "the sync finished before it was killed: \(finished)")
        let after = try #require(StoreProbe.integer(pendingCount, in: path))
        #expect(after < people, "the kill landed after the last batch")
        let newest = try #require(try await runs(cli).first)
        #expect(newest["outcome"] as? String == "running", "\(newest)")
        return try #require(newest["id"] as? Int)
    }

    @Test func aKilledApplyIsClosedAsAbandonedByTheNextSyncOrAgent() async throws {
        let folder = try TemporaryDirectory("dirsync-abandoned-run")
        defer { folder.remove() }
        try ApplyCrashTests.export(count: ApplyCrashTests.people).write(
            to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        try ApplyCrashTests.configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Partners", "--seats", "5000", "--owner", "ops@acme.com"]).status == 0)
        let path = folder.file("dirsync.sqlite").path

        // Killed, then the agent runs once: it takes the lease and closes the killed run first.
        let first = try await killMidApply(cli, store: path, people: ApplyCrashTests.people)
        let agent = try await cli.run(["run", "--once"])
        #expect(agent.status == 0, "\(agent)")
        // More people in the directory; the sync inviting them is killed, then a plain sync runs.
        try ApplyCrashTests.export(count: 2 * ApplyCrashTests.people).write(
            to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        let second = try await killMidApply(cli, store: path, people: 2 * ApplyCrashTests.people)
        let sync = try await cli.run(["sync"])
        #expect(sync.status == 0, "\(sync)")

        let history = try await runs(cli)
        for id in [first, second] {
            let run = try #require(history.first { $0["id"] as? Int == id })
            #expect(run["outcome"] as? String == "failed", "\(run)")
            #expect(run["error"] as? String == "abandoned: the process ended before the run finished", "\(run)")
            #expect(run["finished_at"] is String, "\(run)")
        }
        #expect(!history.contains { $0["outcome"] as? String == "running" }, "\(history)")
        #expect(history.first?["outcome"] as? String == "completed")

        let text = try await cli.run(["runs"])
        #expect(text.stdout.contains("abandoned: the process ended before the run finished"), "\(text)")
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let abandoned = events.filter { event in
            event["event"] as? String == "SYNC_RUN_FAILED"
                && ((event["details"] as? [String: Any])?["reason"] as? String)?.hasPrefix("abandoned") == true
        }
        #expect(
            Set(abandoned.compactMap { ($0["details"] as? [String: Any])?["run_id"] as? String })
                == [String(first), String(second)])
    }
}
