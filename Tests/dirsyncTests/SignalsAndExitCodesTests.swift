import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// `sync` and `apply` handle SIGTERM and SIGINT like `dirsync run`: the batch in flight commits, the run is
/// recorded as interrupted with what it changed, and the next sync finishes the job. Every way a command can
/// end short has an exit code of its own.
@Suite struct SignalsAndExitCodesTests {
    private func runs(_ folder: TemporaryDirectory) async throws -> [SyncRun] {
        let store = try SQLiteStore(path: folder.file("dirsync.sqlite").path, access: .readOnly)
        return try await store.read { db in try db.runs(in: Organization.ID(rawValue: 1), limit: 100) }.reversed()
    }

    private func partners(_ count: Int) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-signals")
        try ApplyCrashTests.export(count: count).write(
            to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        try ApplyCrashTests.configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Partners", "--seats", "5000", "--owner", "ops@acme.com"]).status == 0)
        return (folder, cli)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalDuringSyncFinishesTheBatchAndRecordsTheRunInterrupted(signal: Int32) async throws {
        let (folder, cli) = try await partners(3_000)
        defer { folder.remove() }
        let path = folder.file("dirsync.sqlite").path
        let sync = try cli.start(["sync"])
        let signalled = await Watch.until(
            timeout: 120, { (StoreProbe.integer("SELECT count(*) FROM invitations", in: path) ?? 0) > 0 },
            then: { sync.kill(signal) })
        #expect(signalled, "sync never committed a batch")
        let result = await sync.finish()
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("error: stopped by a shutdown request after "), "\(result.stderr)")
        let run = try #require(try await runs(folder).last)
        #expect(run.outcome == .interrupted)
        #expect(run.finishedAt != nil)
        let applied = try #require(run.changes["invite"])
        #expect(applied > 0 && applied < 3_000 && applied % 10 == 0, "whole batches only: \(applied)")
        #expect(StoreProbe.integer("SELECT count(*) FROM invitations", in: path) == applied)

        // The next sync plans only what is left, and the run history says what happened.
        let again = try await cli.run(["sync"])
        #expect(again.status == 0, "\(again)")
        #expect(StoreProbe.integer("SELECT count(*) FROM invitations", in: path) == 3_000)
        #expect(try await runs(folder).map(\.outcome) == [.interrupted, .completed])
    }

    @Test func runOnceSkippedBecauseAnotherAgentHoldsTheLeaseExitsFive() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let agent = try cli.start(["run", "--every", "1h"])
        let path = folder.file("dirsync.sqlite").path
        let holding = await Watch.until(
            timeout: 60,
            { (StoreProbe.integer("SELECT count(*) FROM runs WHERE outcome <> 'running'", in: path) ?? 0) > 0 },
            then: {})
        #expect(holding, "the agent never ran")
        let once = try await cli.run(["run", "--once"])
        agent.kill(SIGTERM)
        _ = await agent.finish()
        #expect(once.status == 5, "\(once)")
        #expect(once.stderr.contains("another agent holds the lease; skipping this run"), "\(once)")
    }
}
