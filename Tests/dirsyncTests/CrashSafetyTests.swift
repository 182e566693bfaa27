import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// `kill -9` at arbitrary moments never loses a committed command and never leaves half a batch.
@Suite struct CrashSafetyTests {
    @Test func theStoreSurvivesKillNineWithNothingLostAndNoHalfBatches() async throws {
        let folder = try TemporaryDirectory("dirsync-crash")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        #expect(try await cli.run(["init", "--org", "Acme", "--seats", "5000", "--owner", "ada@acme.com"]).status == 0)

        var completed: [Int] = []
        var generator = SeededGenerator(seed: 2026)
        for round in 0..<24 {
            let batch = (0..<50).map { "r\(round)-\($0)@acme.com" }.joined(separator: ",")
            let running = try cli.start(["invitations", "send", batch, "--role", "member"])
            if round % 3 == 0 {
                // Every third command runs to completion: what it reported must survive every later kill.
                let result = await running.finish()
                #expect(result.status == 0, "\(result)")
                completed.append(round)
            } else {
                // Kills are timed on a thread of their own (the test runner's threads may be busy): half of them
                // a random moment after the start, which may fall before, inside or after the transaction; half a
                // few milliseconds after the batch is visibly committed, while its mail is being written.
                let extra = useconds_t(Int.random(in: 0...(round % 3 == 1 ? 150_000 : 20_000), using: &generator))
                let path = folder.file("dirsync.sqlite").path
                let started = Date()
                let committed: @Sendable () -> Bool = {
                    round % 3 == 1
                        || (StoreProbe.integer(
                            "SELECT count(*) FROM invitations WHERE email LIKE 'r\(round)-%'", in: path) ?? 0) > 0
                        || Date().timeIntervalSince(started) > 30
                }
                _ = await Watch.until(timeout: 60, committed) {
                    usleep(extra)
                    running.kill(SIGKILL)
                }
                _ = await running.finish()
            }
        }

        let check = try await cli.run(["invitations", "list", "--format", "json"])
        #expect(check.status == 0, "\(check)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])
        let emails = rows.compactMap { $0["email"] as? String }
        var perRound: [Int: Int] = [:]
        for email in emails {
            if let round = Int(email.dropFirst().prefix { $0 != "-" }) { perRound[round, default: 0] += 1 }
        }
        for round in completed { #expect(perRound[round] == 50, "completed batch \(round) lost rows") }
        for (round, count) in perRound { #expect(count == 50, "batch \(round) is half-written: \(count) of 50") }

        // The store is sound, and the next command works normally.
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        #expect(events.filter { $0["event"] as? String == "TEAM_INVITATION_SENT" }.count == emails.count)
        let after = try await cli.run(["invitations", "send", "last@acme.com", "--role", "viewer"])
        #expect(after.status == 0, "\(after)")
        // Mail the killed commands had committed but not yet delivered is still in the outbox: deliver it,
        // and every invitation has its email.
        let delivered = try await cli.run(["outbox", "deliver"])
        #expect(delivered.status == 0, "\(delivered)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path)
        #expect(
            files.allSatisfy { $0.hasSuffix(".eml") },
            "left-over partial files: \(files.filter { !$0.hasSuffix(".eml") })")
        #expect(Set(files.map { $0.prefix { $0 != "@" } }).count == emails.count + 1)
        #expect(perRound.count > completed.count, "no killed command got as far as committing; widen the kill window")

        let problems = try await SQLiteStore(path: folder.file("dirsync.sqlite").path).integrityProblems()
        #expect(problems.isEmpty)
    }
}
