import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// `dirsync run` with real processes: schedules, signals, leases, back-off and notifications.
@Suite struct AgentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func runs(_ folder: TemporaryDirectory) async throws -> [SyncRun] {
        let store = try SQLiteStore(path: folder.file("dirsync.sqlite").path, access: .readOnly)
        return try await store.read { db in try db.runs(in: Organization.ID(rawValue: 1), limit: 1000) }.reversed()
    }

    private func audit(_ folder: TemporaryDirectory) async throws -> [AuditEvent] {
        let store = try SQLiteStore(path: folder.file("dirsync.sqlite").path, access: .readOnly)
        return try await store.read { db in try db.auditEvents(in: Organization.ID(rawValue: 1), since: nil) }
    }

    /// Waits up to `seconds` for `condition` to hold.
    private func wait(_ seconds: Double, for what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    /// Replaces the export atomically, as a nightly export job would.
    private func install(_ fixture: String, in folder: TemporaryDirectory) async throws {
        let partial = folder.file(".export.partial")
        try? FileManager.default.removeItem(at: partial)
        try FileManager.default.copyItem(
            at: ReconciliationCommandsTests.fixtures.appendingPathComponent(fixture), to: partial)
        #expect(rename(partial.path, folder.file("export.ldif").path) == 0)
    }

    @Test func runEverySecondAppliesEachChangeOnce() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let agent = try cli.start(["run", "--every", "1s"])
        try await wait(30, for: "the first runs") { try await runs(folder).count >= 2 }
        try await install("acme-2026-11.ldif", in: folder)
        let changed = try await runs(folder).count
        try await wait(30, for: "a run of the November export and a quiet one after it") {
            let all = try await runs(folder)
            return all.count >= changed + 2 && all.last?.outcome == .noChanges
        }
        agent.kill(SIGTERM)
        let result = await agent.finish()
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("agent stopped"))

        let history = try await runs(folder)
        #expect(history.first?.outcome == .completed)
        #expect(history.first?.changes == ["invite": 3, "join": 8])
        #expect(history.filter { $0.outcome == .completed }.count == 2, "\(history.map(\.outcome))")
        #expect(history.allSatisfy { $0.outcome == .completed || $0.outcome == .noChanges })
        let events = try await audit(folder)
        func count(_ kind: AuditEvent.Kind, _ subject: String) -> Int {
            events.filter { $0.kind == kind && $0.subject == subject }.count
        }
        #expect(count(.memberRemoved, "gus@acme.com") == 1)
        #expect(count(.memberRemoved, "hal@acme.com") == 1)
        #expect(count(.accessOffered, "fay@acme.com") == 1, "fay's new role is offered once")
        #expect(count(.memberUpdated, "kimberly@acme.com") == 1)
        #expect(count(.invitationSent, "max@partner.io") == 1)
        #expect(count(.invitationRevoked, "ivy@partner.io") == 1)
        #expect(count(.memberJoined, "nia@acme.com") == 1)
        #expect(count(.invitationSent, "ken@partner.io") == 1)
    }

    @Test func sigtermDuringARunExitsZeroWithTheRunRecorded() async throws {
        let folder = try TemporaryDirectory("dirsync-agent-term")
        defer { folder.remove() }
        try ApplyCrashTests.export(count: 3_000).write(
            to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        try ApplyCrashTests.configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Partners", "--seats", "5000", "--owner", "ops@acme.com"]).status == 0)
        let agent = try cli.start(["run", "--once"])
        let path = folder.file("dirsync.sqlite").path
        let signalled = await Watch.until(
            timeout: 120, { (StoreProbe.integer("SELECT count(*) FROM invitations", in: path) ?? 0) > 0 },
            then: { agent.kill(SIGTERM) })
        #expect(signalled, "the agent never committed a batch")
        let result = await agent.finish()
        #expect(result.status == 0, "\(result)")
        let run = try #require(try await runs(folder).last)
        #expect(run.outcome == .interrupted, "\(result.stderr)")
        #expect(run.error?.hasPrefix("stopped by a shutdown request after ") == true, "\(run.error ?? "")")
        #expect(run.finishedAt != nil)
        let applied = try #require(run.changes["invite"])
        #expect(applied > 0 && applied < 3_000 && applied % 10 == 0)
        #expect(try await audit(folder).filter { $0.kind == .invitationSent }.count == applied)
    }

    @Test func twoAgentsOnOneStoreNeverApplyAtOnce() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let first = try cli.start(["run", "--every", "1s"])
        try await wait(30, for: "the first agent's first run") { try await !runs(folder).isEmpty }
        let second = try cli.start(["run", "--every", "1s"])
        try await Task.sleep(for: .seconds(3))
        second.kill(SIGTERM)
        first.kill(SIGTERM)
        let (one, two) = (await first.finish(), await second.finish())
        #expect(one.status == 0 && two.status == 0)
        #expect(two.stderr.contains("another agent holds the lease; skipping this run"), "\(two.stderr)")
        let history = try await runs(folder)
        for (earlier, later) in zip(history, history.dropFirst()) {
            #expect(
                (earlier.finishedAt ?? .distantFuture) <= later.startedAt, "runs \(earlier.id) and \(later.id) overlap")
        }
        #expect(try await audit(folder).filter { $0.kind == .memberJoined && $0.subject == "bo@acme.com" }.count == 1)
    }

    @Test func aKilledAgentsLeaseIsTakenOver() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config += "\nschedule: { lease: 4s }\n"
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)

        // Killed on this host: its process is gone, so the next agent takes over at once.
        let killed = try cli.start(["run", "--every", "1s"])
        try await wait(30, for: "the first agent's run") { try await !runs(folder).isEmpty }
        killed.kill(SIGKILL)
        _ = await killed.finish()
        let before = try await runs(folder).count
        let next = try cli.start(["run", "--every", "1s"])
        try await wait(10, for: "the next agent's run") { try await runs(folder).count > before }
        next.kill(SIGTERM)
        #expect(await next.finish().status == 0)

        // Held by an agent on another machine that stopped renewing: taken over when the lease expires.
        let store = try SQLiteStore(path: folder.file("dirsync.sqlite").path)
        let organization = try await Ledger(store: store).organization(named: nil)
        let taken = Date()
        try await LeaseKeeper(
            store: store, organization: organization, holder: "other-host:4242:gone", duration: .init(seconds: 15)
        )
        .acquire(at: taken)
        let count = try await runs(folder).count
        // The lease outlasts the agent's start by far, even on a loaded machine, so its first attempt skips.
        let waiting = try cli.start(["run", "--every", "1s"])
        try await wait(90, for: "the take-over after the lease expired") { try await runs(folder).count > count }
        #expect(Date().timeIntervalSince(taken) >= 14.9)
        waiting.kill(SIGTERM)
        let result = await waiting.finish()
        #expect(result.stderr.contains("lease.holder=other-host:4242:gone"), "\(result.stderr)")
    }

    @Test func aFailingSourceBacksOffThenRecoversWithOneRecoveryNotification() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let listener = Process()
        listener.executableURL = Self.repository.appendingPathComponent("scripts/webhook-listener")
        listener.arguments = [folder.file("webhook.log").path, folder.file("webhook.port").path]
        try listener.run()
        defer {
            // SIGKILL by PID: a child of the test runner may inherit a mask that blocks SIGTERM.
            kill(listener.processIdentifier, SIGKILL)
            listener.waitUntilExit()
        }
        try await wait(20, for: "the webhook listener") {
            FileManager.default.fileExists(atPath: folder.file("webhook.port").path)
        }
        let port = try String(contentsOf: folder.file("webhook.port"), encoding: .utf8)
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config += "\nnotify: { webhook: \"http://127.0.0.1:\(port)/hooks/dirsync\", every: 1h }\n"
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(at: folder.file("export.ldif"), to: folder.file("export.ldif.away"))

        let agent = try cli.start(["run", "--every", "4s"])
        // A failed wait must not leave the agent running (the suite would wait for it).
        defer { agent.kill(SIGKILL) }
        try await wait(90, for: "three failed runs") {
            try await runs(folder).filter { $0.outcome == .failed }.count >= 3
        }
        try FileManager.default.moveItem(at: folder.file("export.ldif.away"), to: folder.file("export.ldif"))
        try await wait(90, for: "the recovery") { try await runs(folder).contains { $0.outcome == .completed } }
        try await Task.sleep(for: .milliseconds(500))
        agent.kill(SIGTERM)
        #expect(await agent.finish().status == 0)

        let history = try await runs(folder)
        let failed = history.filter { $0.outcome == .failed }.prefix(3).map(\.startedAt)
        let gaps = zip(failed, failed.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect(gaps.count == 2 && gaps[0] >= 0.8 && gaps[1] >= 1.8 && gaps[1] > gaps[0], "retry gaps \(gaps)")
        let posts = try String(contentsOf: folder.file("webhook.log"), encoding: .utf8).split(separator: "\n")
        let events = try posts.map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object["event"] as? String ?? ""
        }
        #expect(events == ["sync.failed", "sync.recovered"], "\(posts)")
    }
}
