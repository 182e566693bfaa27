import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `source show` and `plan` with `source.kind: scim`, run as a user runs them: the real binary against the real
/// scim2-server (started by scripts/test) and against recorded quirks.
@Suite struct SCIMCommandsTests {
    private func workspace(url: URL, token: String, extra: String = "") throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-scim")
        try """
        organization:
          name: Acme Corp
          seats: 5000
          auto_join: { domains: [example.com], role: member }
        store: dirsync.sqlite
        source:
          kind: scim
          url: \(url.absoluteString)
          \(token)
        \(extra)
        mapping: scim
        roles:
          - { role: admin, when: { group: "Sign Admins" } }
        """.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, CLIProcess(directory: folder.url))
    }

    @Test func sourceShowReadsTheCursorServerWithATokenFile() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_CURSOR")
        let (folder, cli) = try workspace(url: server.baseURL, token: "token_file: \(server.tokenFile)")
        defer { folder.remove() }
        let result = try await cli.run(["source", "show", "--format", "json", "--summary"])
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts["users"] == server.users)
        #expect(counts["disabled"] == server.users / 7)
        #expect(counts["skipped"] == 0)
        #expect(
            result.stderr
                == "read \(server.users) users in \((server.users + 99) / 100) pages from \(server.baseURL.absoluteString), totalResults \(server.users)\n"
        )
    }

    @Test func aWrongTokenIsOneErrorLineWithAHintAndNeverPrinted() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        var (folder, cli) = try workspace(url: server.baseURL, token: "token_env: ACME_SCIM_TOKEN")
        defer { folder.remove() }
        cli.environment["ACME_SCIM_TOKEN"] = "wrong-token-4711"
        let result = try await cli.run(["source", "show"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result)")
        #expect(lines.first?.hasPrefix("error: SCIM server answered 401 (the token was refused) to GET ") == true)
        #expect(lines.last == "hint: check the token in source.token_env or source.token_file; it may have expired")
        #expect(!result.stderr.contains("wrong-token-4711"))

        cli.environment["ACME_SCIM_TOKEN"] = ""
        let missing = try await cli.run(["source", "show"])
        #expect(
            missing.stderr
                == "error: SCIM token: environment variable ACME_SCIM_TOKEN is not set or empty\nhint: export ACME_SCIM_TOKEN with the bearer token, or set source.token_file to a file holding it\n"
        )
    }

    @Test func aTruncatedPageProducesNoPlan() async throws {
        let server = try SCIMReplayServer(scenario: "truncated-body")
        let (folder, cli) = try workspace(
            url: server.baseURL, token: "token_env: ACME_SCIM_TOKEN", extra: "  page_size: 5\n  groups: none")
        defer { folder.remove() }
        var run = cli
        run.environment["ACME_SCIM_TOKEN"] = "t"
        let initialized = try await run.run([
            "init", "--org", "Acme Corp", "--seats", "5000", "--owner", "ada@acme.com", "--store", "dirsync.sqlite",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let plan = try await run.run(["plan", "--format", "json"])
        #expect(plan.status == 1, "\(plan)")
        #expect(plan.stdout.isEmpty)
        #expect(
            plan.stderr.contains(
                "error: SCIM server sent a body that is not JSON for page 2 (GET \(server.baseURL.absoluteString)/Users?startIndex=6&count=5"
            ), "\(plan)")
        #expect(plan.stderr.contains("unexpected end of data (the body is truncated)"))
        #expect(plan.stderr.contains("hint: nothing was changed"))
    }

    @Test func explainShowsTheSCIMEntryAndItsGroupsFromTheGroupsEndpoint() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        let (folder, cli) = try workspace(url: server.baseURL, token: "token_file: \(server.tokenFile)")
        defer { folder.remove() }
        let initialized = try await cli.run([
            "init", "--org", "Acme Corp", "--seats", "5000", "--owner", "ada@acme.com", "--store", "dirsync.sqlite",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        let result = try await cli.run(["explain", "user00100@example.com"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Entry scim:Users/"))
        #expect(result.stdout.contains("  groups: Legal; Sign Admins"))
        #expect(result.stdout.contains("  employeenumber: E00100"))
        #expect(result.stdout.contains("email   user00100@example.com"))
    }

    /// User plus system CPU a running process has used so far, from `/proc/PID/stat`.
    /// Whether a thread of process `pid` is asleep in the kernel waiting on its sockets (curl's `poll`), read from
    /// `/proc`; nil once the process is gone.
    private func isWaitingInPoll(_ pid: Int32) -> Bool? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        return tasks.contains { task in
            let wchan = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/wchan", encoding: .utf8)) ?? ""
            return wchan.contains("poll")
        }
    }

    /// While a slow server takes its time (each page comes after 1 s of the server sleeping), the client has
    /// nothing to do and must wait blocked in the kernel (curl's poll), not in a loop: sampled over the listing,
    /// a thread of it is asleep in poll in most samples. A client that polls its socket in a loop (URLSession on
    /// Linux did, at 96 % of a core) is caught running instead. A loaded machine cannot make a sleeping thread
    /// run, so this holds on a busy CI machine, where a CPU-time bound did not; the samples before the first
    /// wait and after the last (start-up and output, which a busy machine stretches) are not counted.
    @Test func waitingForTheServerCostsNoCPU() async throws {
        let server = try SCIMReplayServer(scenario: "slow-server")
        let folder = try TemporaryDirectory("dirsync-scim-slow")
        defer { folder.remove() }
        let tokenFile = folder.file("token")
        try "replay-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile.path, 0o600)
        let (workspace, cli) = try workspace(
            url: server.baseURL, token: "token_file: \(tokenFile.path)\n  groups: none")
        defer { workspace.remove() }
        let running = try cli.start(["source", "show", "--summary"])
        let pid = running.process.processIdentifier
        // Sampled on a thread of its own: the test pool's threads may be kept busy by other tests.
        let sampled = await withCheckedContinuation { continuation in
            Thread { [self] in
                var sampled: [Bool] = []
                while let inPoll = isWaitingInPoll(pid) {
                    sampled.append(inPoll)
                    usleep(50_000)
                }
                continuation.resume(returning: sampled)
            }.start()
        }
        // Only the listing counts: from the first wait for the server to the last. Start-up (reading the
        // configuration) and the end (mapping, printing) are work, and a loaded machine stretches them.
        let listing = sampled.drop { !$0 }.reversed().drop { !$0 }
        let samples = listing.count
        let waiting = listing.filter { $0 }.count
        let result = await running.finish()
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("14 users"), "\(result)")
        #expect(samples >= 4, "the listing was sampled: \(samples) samples")
        #expect(waiting * 2 > samples, "asleep in poll in \(waiting) of \(samples) samples")
    }
}
