import DirectorySyncPostgres
import DirectorySyncSQL
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// What only the PostgreSQL store has to get right: agents racing on one database through `SERIALIZABLE` and
/// its retries, `init`'s migration under a transaction-scoped lock, TLS as the URL asks, and the databases it
/// must refuse. Always on the test cluster (`scripts/postgres`), whichever store the other suites use.
@Suite struct PostgresStoreTests {
    let server: PostgresTestServer

    init() throws { server = try PostgresTestServer.running() }

    /// A store on `database`, as a second agent would open it.
    private func store(_ database: String, tls: String? = nil, access: StoreAccess = .readWrite) throws
        -> PostgresStore
    {
        PostgresStore(
            location: try PostgresLocation(server.url(database, tls: tls)), password: server.password, access: access)
    }

    private func settings(_ name: String, seats: Int) throws -> Organization.Settings {
        try Organization.Settings(name: name, seats: seats, inviter: try EmailAddress("owner@acme.com"))
    }

    @Test func agentsRacingForTheLastSeatsNeverOverfillThemAndEachChangeIsWhole() async throws {
        let database = try await server.createDatabase()
        let first = Ledger(store: try store(database, access: .create))
        let organization = try await first.createOrganization(
            try settings("Acme Corp", seats: 6), owner: try EmailAddress("owner@acme.com"), ownerName: nil,
            at: testEpoch)
        let mail = MailSettings(
            from: Mailbox(displayName: "Acme", address: try EmailAddress("no-reply@acme.com")),
            acceptURLTemplate: "https://app.example.com/accept?token={token}")
        // Eight agents, each with its own connection, invite a different person at the same moment; five seats
        // are free. PostgreSQL aborts the transactions that read a seat count another one changed, and they run
        // again from the start: exactly five must win, the rest be refused for the seats, none fail otherwise.
        let agents = try (0..<8).map { _ in Ledger(store: try store(database)) }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for (index, agent) in agents.enumerated() {
                group.addTask {
                    do {
                        _ = try await agent.invite(
                            InvitationBatch(parsing: ["person\(index)@acme.com"]), as: .member, message: nil,
                            in: organization.id, mail: mail, by: "owner@acme.com", at: testEpoch)
                        return "sent"
                    } catch LedgerError.seatLimitReached {
                        return "no seat"
                    } catch {
                        return "failed: \(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "sent" }.count == 5, "\(outcomes)")
        #expect(outcomes.filter { $0 == "no seat" }.count == 3, "\(outcomes)")
        let (pending, events, mails) = try await first.store.read { db in
            (
                try db.invitations(in: organization.id, statuses: [.pending]).count,
                try db.auditEvents(in: organization.id, since: nil).filter { $0.kind == .invitationSent }.count,
                try db.outbox(in: organization.id, statuses: [.pending]).count
            )
        }
        #expect(pending == 5 && events == 5 && mails == 5)
    }

    @Test func agentsClaimingOneLeaseAtOnceLeaveExactlyOneHolderEachRound() async throws {
        let database = try await server.createDatabase()
        let organization = try await Ledger(store: try store(database, access: .create)).createOrganization(
            try settings("Acme Corp", seats: 6), owner: try EmailAddress("owner@acme.com"), ownerName: nil,
            at: testEpoch)
        // Claims run READ COMMITTED (`writeLeases`), outside the serializable conflict detection: the lease row's
        // conditional upsert alone must let exactly one of eight agents win, each round, with a new token.
        let keepers = try (0..<8).map { index in
            LeaseKeeper(
                store: try store(database), organization: organization, purpose: .apply, holder: "agent\(index):1:x",
                duration: .init(seconds: 30))
        }
        var tokens: [Int64] = []
        for round in 0..<10 {
            let now = testEpoch.adding(seconds: 60 * Double(round))
            let claims = try await withThrowingTaskGroup(of: (Int, Lease.Claim).self) { group in
                for (index, keeper) in keepers.enumerated() {
                    group.addTask { (index, try await keeper.claim(at: now)) }
                }
                return try await group.reduce(into: [(Int, Lease.Claim)]()) { $0.append($1) }
            }
            let winners = claims.compactMap { index, claim -> (Int, Lease)? in
                if case .acquired(let lease) = claim { return (index, lease) }
                return nil
            }
            try #require(winners.count == 1, "round \(round): \(claims)")
            let (winner, lease) = winners[0]
            let stored = try await keepers[0].store.read { db in try db.lease(in: organization.id, for: .apply) }
            #expect(stored?.holder == "agent\(winner):1:x" && stored?.fence == lease.fence, "round \(round)")
            for (index, claim) in claims where index != winner {
                guard case .heldElsewhere(let other) = claim else { continue }
                #expect(other.holder == lease.holder, "round \(round): agent\(index) saw \(other.holder)")
            }
            tokens.append(lease.fence)
            // The next round is past this lease's expiry: every agent may take it over.
        }
        #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "\(tokens)")
    }

    @Test func aStoreMadeBeforeThePoolIsRefusedUntilMigratedThenKeepsItsData() async throws {
        let database = try await server.createDatabase()
        let created = try store(database, access: .create)
        let organization = try await Ledger(store: created).createOrganization(
            try settings("Acme Corp", seats: 6), owner: try EmailAddress("owner@acme.com"), ownerName: nil,
            at: testEpoch)
        // What a store of the release before the pool holds: v1 only.
        try await created.execute(
            """
            DROP TABLE pool_organizations; DROP INDEX outbox_by_organization;
            DELETE FROM dirsync_migrations WHERE name = 'v2-agent-pool'
            """)
        await #expect {
            try await store(database, access: .readWrite).read { _ in 0 }
        } throws: { error in
            guard case StoreError.needsMigration(_, let missing) = error else { return false }
            return missing == ["v2-agent-pool"]
        }
        let migrated = try store(database, access: .create)
        let registration = PoolRegistration(
            organization: organization.id, configuration: "organization: { name: Acme Corp }", folder: "/srv/acme",
            file: "dirsync.yaml", every: .hours(1), registeredAt: testEpoch, registeredBy: "test",
            nextDueAt: testEpoch)
        try await migrated.write { db in try db.savePoolRegistration(registration) }
        let (names, registrations) = try await store(database).read { db in
            (try db.organizations().map(\.name), try db.poolRegistrations().map(\.organization))
        }
        #expect(names == ["Acme Corp"] && registrations == [organization.id])
    }

    @Test func twoInitsAtOnceMigrateOnceAndBothOrganizationsExist() async throws {
        let database = try await server.createDatabase()
        let names = ["Acme", "Beta", "Gamma"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names {
                let ledger = Ledger(store: try store(database, access: .create))
                let settings = try settings(name, seats: 5)
                group.addTask {
                    _ = try await ledger.createOrganization(
                        settings, owner: try EmailAddress("owner@acme.com"), ownerName: nil, at: testEpoch)
                }
            }
            try await group.waitForAll()
        }
        let reader = try store(database, access: .readOnly)
        let organizations = try await reader.read { db in try db.organizations().map(\.name) }
        #expect(organizations.sorted() == names)
        // One row per migration (v1, v2): the later inits found the schema made and applied nothing again.
        try await reader.execute(
            """
            DO $$ BEGIN
              IF (SELECT count(*) FROM dirsync_migrations) <> 2
                OR (SELECT count(DISTINCT name) FROM dirsync_migrations) <> 2
              THEN RAISE EXCEPTION 'migrated more than once'; END IF;
            END $$
            """)
    }

    @Test func aDatabaseOfAnotherApplicationIsRefusedAndLeftAsItWas() async throws {
        let database = try await server.createDatabase()
        let other = try store(database, access: .readOnly)
        try await other.execute("CREATE TABLE settings (key text PRIMARY KEY, value text)")
        await other.close()
        for access in [StoreAccess.create, .readWrite, .readOnly] {
            await #expect {
                try await store(database, access: access).read { _ in 0 }
            } throws: { error in
                guard case StoreError.foreignDatabase = error else { return false }
                return "\(error)".contains("is not a dirsync store")
            }
        }
        // Nothing was added, not even dirsync's bookkeeping table.
        try await other.execute(
            """
            DO $$ BEGIN
              IF to_regclass('dirsync_migrations') IS NOT NULL THEN RAISE EXCEPTION 'dirsync wrote here'; END IF;
            END $$
            """)
    }

    @Test func anEmptyDatabaseIsOnlyEverMadeIntoAStoreByInit() async throws {
        let database = try await server.createDatabase()
        for access in [StoreAccess.readWrite, .readOnly] {
            await #expect {
                try await store(database, access: access).read { _ in 0 }
            } throws: { error in
                guard case StoreError.notInitialized = error else { return false }
                return true
            }
        }
        let created = try store(database, access: .create)
        #expect(try await created.read { db in try db.organizations().count } == 0)
    }

    @Test func aStoreWithAMigrationThisDirsyncDoesNotKnowIsRefused() async throws {
        let database = try await server.createDatabase()
        let created = try store(database, access: .create)
        _ = try await created.read { _ in 0 }
        try await created.execute("INSERT INTO dirsync_migrations (name) VALUES ('v9-from-the-future')")
        for access in [StoreAccess.create, .readWrite, .readOnly] {
            await #expect {
                try await store(database, access: access).read { _ in 0 }
            } throws: { error in
                guard case StoreError.newerSchema(_, let unknown, _) = error else { return false }
                return unknown == ["v9-from-the-future"]
            }
        }
        try await created.execute("DELETE FROM dirsync_migrations")
        await #expect {
            try await store(database, access: .readWrite).read { _ in 0 }
        } throws: { error in
            guard case StoreError.needsMigration(_, let missing) = error else { return false }
            return missing == ["v1-create-ledger", "v2-agent-pool"]
        }
    }

    @Test(arguments: ["require", "verify-full"])
    func tlsAsTheURLAsks(_ mode: String) async throws {
        let database = try await server.createDatabase()
        let roots = mode == "verify-full" ? "&sslrootcert=\(server.caFile)" : ""
        let location = try PostgresLocation(server.url(database, tls: mode) + roots)
        let store = PostgresStore(location: location, password: server.password, access: .create)
        _ = try await store.read { _ in 0 }
        // The server says whether this connection is encrypted.
        let raw = PostgresStore(location: location, password: server.password, access: .readOnly)
        try await raw.execute(
            """
            DO $$ BEGIN
              IF NOT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) THEN
                RAISE EXCEPTION 'not encrypted';
              END IF;
            END $$
            """)
    }

    @Test func verifyFullRefusesACertificateNoTrustedAuthoritySigned() async throws {
        let database = try await server.createDatabase()
        // Without sslrootcert the system's roots are used, and they never signed the test cluster's certificate.
        let location = try PostgresLocation(server.url(database, tls: "verify-full"))
        await #expect {
            try await PostgresStore(location: location, password: server.password, access: .create).read { _ in 0 }
        } throws: { error in
            guard case StoreError.cannotConnect(_, let reason) = error else { return false }
            return reason.contains("certificate was not accepted")
        }
    }
}
