import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// `kill -9` of a real `dirsync sync` while it applies batches: nothing is lost, and a re-run sends no
/// invitation twice.
@Suite struct ApplyCrashTests {
    static let people = 1_500

    /// Contractors invited as viewers, 10 changes per batch, mail to an outbox folder.
    static let configuration = """
        organization: { name: Partners, seats: 5000, inviter: ops@acme.com, allowed_domains: [partner.io] }
        store: dirsync.sqlite
        source: { kind: ldif, path: export.ldif }
        mapping: openldap
        roles:
          - { role: viewer }
        policy: { batch_size: 10 }
        mail: { outbox: outbox/, from: "Partners <no-reply@acme.com>", accept_url: "https://x.example/a?token={token}" }
        """

    /// An OpenLDAP-style export of `count` contractors, all to be invited.
    static func export(count: Int) -> String {
        var text = "version: 1\n"
        for index in 0..<count {
            let uid = String(format: "p%05d", index)
            text += """

                dn: uid=\(uid),ou=People,dc=partner,dc=io
                objectClass: inetOrgPerson
                uid: \(uid)
                cn: Person \(index)
                sn: \(index)
                mail: \(uid)@partner.io
                entryUUID: 00000000-0000-4000-8000-\(String(format: "%012d", index))

                """
        }
        return text
    }

    @Test func killedBetweenBatchesLosesNothingAndSendsNoInvitationTwice() async throws {
        let folder = try TemporaryDirectory("dirsync-apply-crash")
        defer { folder.remove() }
        try Self.export(count: Self.people).write(to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        try Self.configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Partners", "--seats", "5000", "--owner", "ops@acme.com"]).status == 0)

        let path = folder.file("dirsync.sqlite").path
        let pendingCount = "SELECT count(*) FROM invitations WHERE status = 'pending'"
        var generator = SeededGenerator(seed: 5)
        var invitedAfterKills: [Int] = []
        for _ in 0..<3 {
            let before = StoreProbe.integer(pendingCount, in: path) ?? 0
            let running = try cli.start(["sync"])
            // Kill as soon as this run has committed a batch, a few milliseconds later: in the middle of applying.
            let extra = useconds_t(Int.random(in: 0...40_000, using: &generator))
            let advanced: @Sendable () -> Bool = { (StoreProbe.integer(pendingCount, in: path) ?? 0) > before }
            let killed = await Watch.until(timeout: 120, advanced) {
                usleep(extra)
                running.kill(SIGKILL)
            }
            #expect(killed, "the sync never committed a batch")
            _ = await running.finish()
            invitedAfterKills.append(StoreProbe.integer(pendingCount, in: path) ?? -1)
        }
        // Each kill landed while applying: more committed than before, not everything, and whole batches only.
        #expect(
            invitedAfterKills == invitedAfterKills.sorted() && Set(invitedAfterKills).count == 3, "\(invitedAfterKills)"
        )
        #expect(invitedAfterKills.allSatisfy { $0 > 0 && $0 < Self.people }, "kills landed at \(invitedAfterKills)")
        #expect(invitedAfterKills.allSatisfy { $0 % 10 == 0 }, "a batch was half-committed: \(invitedAfterKills)")

        let finished = try await cli.run(["sync"])
        #expect(finished.status == 0, "\(finished)")
        let store = try SQLiteStore(path: folder.file("dirsync.sqlite").path, access: .readOnly)
        let (invitations, sent, outbox) = try await store.read { db in
            let org = Organization.ID(rawValue: 1)
            return (
                try db.invitations(in: org, statuses: Set(Invitation.Status.allCases)),
                try db.auditEvents(in: org, since: nil).filter { $0.kind == .invitationSent }.count,
                try db.outbox(in: org, statuses: Set(OutboxMessage.Status.allCases))
            )
        }
        #expect(invitations.count == Self.people)
        #expect(Set(invitations.map(\.email)).count == Self.people)
        #expect(sent == Self.people)
        #expect(outbox.count == Self.people)
        #expect(outbox.allSatisfy { $0.status == .sent })
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).filter {
            $0.hasSuffix(".eml")
        }
        #expect(files.count == Self.people)
        #expect(try await cli.run(["plan", "--detailed-exitcode"]).status == 0)
        let runs = try await store.read { db in try db.runs(in: Organization.ID(rawValue: 1), limit: 10) }
        #expect(runs.first?.outcome == .completed)
        // The killed runs were closed as abandoned when the next sync took the lease.
        #expect(
            runs.dropFirst().filter { $0.error == LeaseKeeper.abandonedRunError }.count == 3,
            "the killed runs: \(runs.map(\.outcome))")
        #expect(!runs.contains { $0.outcome == .running })
    }
}
