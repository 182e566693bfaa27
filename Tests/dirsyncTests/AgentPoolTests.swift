import DirectorySyncPostgres
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The agent pool as it runs in production: real `dirsync run --all-organizations` processes sharing one store
/// (an SQLite file, and a PostgreSQL database), organizations registered with their own small generated
/// directories and folder outboxes. Agents start at once, are killed with SIGKILL, or are frozen with SIGSTOP
/// past their lease and woken after another took over; whatever happens, each organization is reconciled exactly
/// once per due period, nobody is invited or mailed twice, and a stale agent's writes are refused.
@Suite struct AgentPoolTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgresql
        var testDescription: String { rawValue }
    }

    /// A store with `count` registered organizations, each with `users` people of its own domain to invite.
    struct Pool {
        let folder: TemporaryDirectory
        /// The store as commands name it.
        let store: String
        /// The `store:` lines of every configuration.
        let storeLines: String
        let names: [String]
        let usersPerOrganization: Int
        let open: @Sendable () throws -> any OrganizationStore

        init(_ engine: Engine, organizations count: Int, users: Int, lease: String = "6s") async throws {
            folder = try TemporaryDirectory("dirsync-pool")
            usersPerOrganization = users
            switch engine {
            case .sqlite:
                store = folder.file("pool.sqlite").path
                storeLines = "store: \"\(store)\""
                let path = store
                open = { try SQLiteStore(path: path, access: .readWrite) }
                _ = try SQLiteStore(path: path, access: .create)
            case .postgresql:
                let server = try PostgresTestServer.running()
                store = server.url(try await server.createDatabase())
                let passwordFile = folder.file("store-password").path
                try Data((server.password.revealed + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
                storeLines = "store: \"\(store)\"\nstore_password_file: \(passwordFile)"
                let (location, password) = (try PostgresLocation(store), server.password)
                open = { PostgresStore(location: location, password: password, access: .readWrite) }
                _ = try await PostgresStore(location: location, password: password, access: .create).read { _ in 0 }
            }
            names = (1...count).map { String(format: "Org%03d", $0) }
            // The agents' own configuration: the store, and how long a claim lasts before the run renews it.
            try Data("\(storeLines)\nschedule: { lease: \(lease) }\n".utf8).write(to: folder.file("pool.yaml"))
            let ledger = Ledger(store: try open())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, name) in names.enumerated() {
                    let domain = "\(name.lowercased()).example"
                    let directory = folder.file(name.lowercased())
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    let people = (1...users).map { "p\($0)@\(domain),Person,\($0)" }
                    try Data(("email,first_name,last_name\n" + people.joined(separator: "\n") + "\n").utf8)
                        .write(to: directory.appendingPathComponent("people.csv"))
                    let configuration = """
                        organization:
                          name: \(name)
                          inviter: owner@\(domain)
                          allowed_domains: [\(domain)]
                        \(storeLines)
                        source: { kind: csv, path: people.csv }
                        mapping: csv
                        roles: [{ role: member }]
                        policy: { batch_size: 2 }
                        schedule: { every: 1h, lease: \(lease) }
                        mail:
                          outbox: outbox/
                          from: "\(name) <no-reply@\(domain)>"
                          accept_url: "https://app.example.com/accept?token={token}"
                        """
                    let file = directory.appendingPathComponent("dirsync.yaml")
                    try Data(configuration.utf8).write(to: file)
                    let settings = try Organization.Settings(
                        name: name, seats: users + 5, inviter: try EmailAddress("owner@\(domain)"))
                    let folderPath = directory.path
                    group.addTask {
                        let organization = try await ledger.createOrganization(
                            settings, owner: try EmailAddress("owner@\(domain)"), ownerName: nil, at: testEpoch)
                        // The first through the command a user types; the rest straight into the store, faster.
                        if index > 0 {
                            try await ledger.store.write { db in
                                try db.savePoolRegistration(
                                    PoolRegistration(
                                        organization: organization.id, configuration: configuration,
                                        folder: folderPath, file: "\(name.lowercased())/dirsync.yaml",
                                        every: .hours(1), registeredAt: testEpoch, registeredBy: "test",
                                        nextDueAt: testEpoch))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let added = try await cli.run(["organizations", "add", "--config", "\(names[0].lowercased())/dirsync.yaml"])
            #expect(added.status == 0, "\(added)")
            #expect(added.stdout.contains("Registered \(names[0]) for the agent pool"), "\(added)")
        }

        var cli: CLIProcess { CLIProcess(directory: folder.url) }

        /// Starts one pool agent.
        func agent(_ extra: [String] = []) throws -> CLIProcess.Running {
            try cli.start(["run", "--all-organizations", "--config", "pool.yaml", "--log-level", "debug"] + extra)
        }

        /// Per organization: completed runs, and the apply lease if one is held.
        func progress() async throws -> [String: (completed: Int, runs: [SyncRun], lease: Lease?)] {
            let store = try open()
            return try await store.read { [names] db in
                var result: [String: (completed: Int, runs: [SyncRun], lease: Lease?)] = [:]
                for organization in try db.organizations() where names.contains(organization.name) {
                    let runs = try db.runs(in: organization.id, limit: 100)
                    result[organization.name] = (
                        runs.count { $0.outcome == .completed || $0.outcome == .noChanges }, runs,
                        try db.lease(in: organization.id, for: .apply)
                    )
                }
                return result
            }
        }

        /// Waits until every organization has a completed run (at most `timeout`).
        func waitUntilAllRan(timeout: Duration = .seconds(240)) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await progress().values.allSatisfy({ $0.completed >= 1 }) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("not every organization ran within \(timeout)")
        }

        /// Delivers what a dead or frozen agent left in the outbox (it waits for the organization's next run
        /// otherwise), as an admin would: `dirsync outbox deliver`.
        func deliverLeftovers() async throws {
            for name in names {
                let result = try await cli.run(["outbox", "deliver", "--config", "\(name.lowercased())/dirsync.yaml"])
                #expect(result.status == 0, "\(result)")
            }
        }

        /// Exactly one completed run each; every person invited once, mailed once, one `.eml` file each.
        func expectEachReconciledOnceAndNothingTwice(logs: [String] = []) async throws {
            let progress = try await progress()
            #expect(progress.count == names.count)
            // What the agents said went wrong, to read beside a failure.
            let problems = logs.flatMap { $0.split(separator: "\n") }.filter {
                $0.contains(" error ") || $0.contains(" warning ")
            }
            for (name, state) in progress {
                let runs = state.runs.map { "\($0.outcome) \($0.error ?? "")" }
                let comment = Comment(
                    rawValue: "\(name): \(state.completed) completed, runs \(runs); agents: \(problems.prefix(10))")
                #expect(state.completed == 1, comment)
            }
            let store = try open()
            let (invitations, mail) = try await store.read { db in
                var invitations: [Invitation] = []
                for organization in try db.organizations() {
                    invitations += try db.invitations(in: organization.id, statuses: Set(Invitation.Status.allCases))
                }
                return (invitations, try db.outbox(in: nil, statuses: Set(OutboxMessage.Status.allCases)))
            }
            let invited = invitations.map(\.email.canonical)
            #expect(invited.count == names.count * usersPerOrganization, "\(invited.count) invitations")
            #expect(Set(invited).count == invited.count, "someone was invited twice")
            let recipients = mail.map(\.recipient.canonical)
            #expect(Set(recipients).count == recipients.count, "someone was mailed twice")
            #expect(recipients.count == invited.count)
            var files = 0
            for name in names {
                let outbox = folder.file("\(name.lowercased())/outbox").path
                let written = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
                files += written.count
            }
            #expect(mail.allSatisfy { $0.status == .sent }, "mail left undelivered")
            #expect(files == invited.count, "\(files) .eml files for \(invited.count) invitations")
        }
    }

    @Test(arguments: Engine.allCases)
    func threeAgentsAtOnceRunEveryDueOrganizationExactlyOnce(_ engine: Engine) async throws {
        let pool = try await Pool(engine, organizations: 30, users: 4)
        defer { pool.folder.remove() }
        let agents = try (0..<3).map { _ in try pool.agent(["--once", "--max-concurrent", "3"]) }
        var logs: [String] = []
        for agent in agents {
            let result = await agent.finish()
            #expect(result.status == 0, "\(result)")
            logs.append(result.stderr)
        }
        try await pool.expectEachReconciledOnceAndNothingTwice(logs: logs)
        // Each is due again an hour after its run.
        let registrations = try await pool.open().read { db in try db.poolRegistrations() }
        #expect(registrations.count == 30)
        #expect(registrations.allSatisfy { $0.nextDueAt > Date().addingTimeInterval(3000) })
        let listed = try await pool.cli.run(["organizations", "list", "--config", "pool.yaml", "--format", "json"])
        #expect(listed.status == 0, "\(listed)")
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.count == 30)
        // `no-changes` when a run lost its lease to a stall after its batches and the next holder found nothing
        // left to do (one reconciliation all the same).
        #expect(
            entries?.allSatisfy { ["completed", "no-changes"].contains($0["last_run_outcome"] as? String) } == true,
            "\(listed.stdout)")
    }

    @Test(arguments: Engine.allCases)
    func anAgentKilledMidRunIsTakenOverOnceItsLeasesExpire(_ engine: Engine) async throws {
        let pool = try await Pool(engine, organizations: 200, users: 2)
        defer { pool.folder.remove() }
        let doomed = try pool.agent(["--max-concurrent", "8"])
        let pid = doomed.process.processIdentifier
        // Wait until it holds leases (claimed, not yet handed back: mid-run), then kill it.
        var held: [String: Lease] = [:]
        let deadline = ContinuousClock.now + .seconds(120)
        while held.isEmpty && ContinuousClock.now < deadline {
            held = try await pool.progress().compactMapValues { state in
                state.lease.flatMap { $0.holder.split(separator: ":").dropFirst().first == "\(pid)" ? $0 : nil }
            }
        }
        doomed.kill(SIGKILL)
        let killedAt = Date()
        _ = await doomed.finish()
        // What it held when it died (re-read: nothing of it changes any more).
        held = try await pool.progress().compactMapValues { state in
            state.lease.flatMap { $0.holder.split(separator: ":").dropFirst().first == "\(pid)" ? $0 : nil }
        }
        #expect(!held.isEmpty, "the agent held no lease when it was killed")
        let others = try (0..<2).map { _ in try pool.agent(["--max-concurrent", "8"]) }
        try await pool.waitUntilAllRan()
        for agent in others { agent.kill(SIGTERM) }
        for agent in others {
            let result = await agent.finish()
            #expect(result.status == 0, "\(result)")
        }
        try await pool.deliverLeftovers()
        try await pool.expectEachReconciledOnceAndNothingTwice()
        // The dead agent's organizations were taken over only once their leases had expired (unless it finished
        // the run itself before it died), and its run left `running` was closed as abandoned by the new holder.
        let progress = try await pool.progress()
        for (name, lease) in held {
            let runs = try #require(progress[name]?.runs)
            let completed = try #require(runs.first { $0.outcome == .completed || $0.outcome == .noChanges })
            #expect(
                completed.startedAt < killedAt || completed.startedAt >= lease.expiresAt,
                "\(name) was taken over before the lease expired")
            #expect(runs.allSatisfy { $0.outcome != .running }, "\(name) has a run left running")
        }
    }

    /// On PostgreSQL only: an SQLite agent frozen inside a write transaction holds the file's one write lock, and
    /// the others wait for it (up to the 30 s busy timeout) instead of taking over; one SQLite file is for one
    /// machine's agents, which do not freeze apart from each other.
    @Test func aFrozenAgentThatWakesAfterATakeoverWritesNothing() async throws {
        let pool = try await Pool(.postgresql, organizations: 12, users: 40)
        defer { pool.folder.remove() }
        let zombie = try pool.agent(["--max-concurrent", "12"])
        let pid = zombie.process.processIdentifier
        var held: [String: Lease] = [:]
        let deadline = ContinuousClock.now + .seconds(120)
        while held.isEmpty && ContinuousClock.now < deadline {
            zombie.kill(SIGSTOP)
            held = try await pool.progress().compactMapValues { state in
                state.lease.flatMap { $0.holder.split(separator: ":").dropFirst().first == "\(pid)" ? $0 : nil }
            }
            if held.isEmpty {
                zombie.kill(SIGCONT)
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(!held.isEmpty, "the agent was never caught holding a lease")
        // Frozen past its leases: another agent takes every organization over and reconciles it.
        let survivor = try pool.agent(["--max-concurrent", "12"])
        try await pool.waitUntilAllRan()
        // The frozen agent wakes up mid-run: each of its writes checks the fence and is refused.
        zombie.kill(SIGCONT)
        let refused = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < refused
            && held.keys.contains(where: { !zombie.stderrSoFar.contains("the lease on \($0) was lost") })
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        for name in held.keys {
            #expect(zombie.stderrSoFar.contains("the lease on \(name) was lost"), "\(name)")
        }
        for agent in [zombie, survivor] { agent.kill(SIGTERM) }
        for agent in [zombie, survivor] {
            let result = await agent.finish()
            #expect(result.status == 0, "\(result)")
        }
        try await pool.deliverLeftovers()
        try await pool.expectEachReconciledOnceAndNothingTwice()
    }

    @Test func thePoolCommandsRefuseWhatTheyCannotDoInOneLine() async throws {
        let pool = try await Pool(.sqlite, organizations: 2, users: 1)
        defer { pool.folder.remove() }
        // A configuration without a schedule cannot join the pool.
        let unscheduled = pool.folder.file("unscheduled.yaml")
        let text = try String(contentsOf: pool.folder.file("org002/dirsync.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "schedule: { every: 1h, lease: 6s }", with: "")
        try Data(text.utf8).write(to: unscheduled)
        let cases: [([String], String, String?)] = [
            (
                ["organizations", "add", "--store", pool.store],
                "error: organizations add needs --config FILE: the configuration of the organization to register",
                "hint: for example: dirsync organizations add --config orgs/acme.yaml"
            ),
            (
                ["organizations", "add", "--config", "unscheduled.yaml"],
                "error: unscheduled.yaml: schedule.every is not set; the pool runs each organization on its own "
                    + "schedule", "hint: add 'schedule: { every: 15m }' to unscheduled.yaml"
            ),
            (
                ["organizations", "remove", "Org003", "--store", pool.store],
                "error: no organization named 'Org003' in this store (it holds: Org001, Org002)", nil
            ),
            (
                ["run", "--max-concurrent", "3", "--config", "org001/dirsync.yaml"],
                "error: --max-concurrent is for the agent pool", "hint: add --all-organizations, or leave it out"
            ),
            (
                ["run", "--all-organizations", "--max-concurrent", "65", "--config", "pool.yaml"],
                "error: --max-concurrent: 65 is not between 1 and 64", nil
            ),
            (
                ["run", "--all-organizations", "--every", "5m", "--config", "pool.yaml"],
                "error: --all-organizations runs each organization on its own schedule.every; --every and "
                    + "--metrics-file are for one organization", nil
            ),
        ]
        for (command, error, hint) in cases {
            let result = try await pool.cli.run(command)
            #expect(result.status == 1, "\(command): \(result)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.first == error, "\(command): \(result)")
            if let hint { #expect(lines.dropFirst().first == hint, "\(command): \(result)") }
            #expect(lines.count <= 2, "\(command): \(result)")
        }
        let removed = try await pool.cli.run(["organizations", "remove", "Org002", "--store", pool.store])
        #expect(removed.status == 0, "\(removed)")
        let again = try await pool.cli.run(["organizations", "remove", "Org002", "--store", pool.store])
        #expect(again.stderr.hasPrefix("error: Org002 is not registered for the agent pool\n"), "\(again)")
        let listed = try await pool.cli.run(["organizations", "list", "--store", pool.store])
        #expect(listed.stdout.contains("Org001") && !listed.stdout.contains("Org002"), "\(listed)")
    }
}
