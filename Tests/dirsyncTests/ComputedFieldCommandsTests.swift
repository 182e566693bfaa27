import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A mapping with computed fields, as a user runs it: the address built from the account name reaches the
/// plan, and `explain` shows each step.
@Suite struct ComputedFieldCommandsTests {
    @Test func anAddressBuiltFromTheAccountNameIsPlannedAndExplained() async throws {
        let folder = try TemporaryDirectory("dirsync-computed")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        try Data("id,sAMAccountName,displayName\n1, BoB ,Bob Brown\n2,,Nobody Here\n".utf8)
            .write(to: folder.file("people.csv"))
        try Data(
            """
            computed:
              login: 'lower(trim(sAMAccountName))'
              email: 'login + "@acme.com"'
            anchor: { attribute: id, format: text }
            email: email
            name: { display: displayName }

            """.utf8
        ).write(to: folder.file("people.yaml"))
        try Data(
            """
            organization:
              name: Acme
              seats: 10
              inviter: owner@acme.com
              auto_join: { domains: [acme.com], role: member }
            store: dirsync.sqlite
            source: { kind: csv, path: people.csv }
            mapping: people.yaml

            """.utf8
        ).write(to: folder.file("dirsync.yaml"))
        let initialized = try await cli.run(["init", "--org", "Acme", "--seats", "10", "--owner", "owner@acme.com"])
        #expect(initialized.status == 0, "\(initialized)")
        let plan = try await cli.run(["plan"])
        #expect(plan.stdout.contains("bob@acme.com"), "\(plan)")
        #expect(plan.stdout.contains("Nobody Here has no usable email address"), "\(plan)")
        let explained = try await cli.run(["explain", "bob@acme.com"])
        #expect(explained.status == 0, "\(explained)")
        #expect(explained.stdout.contains("  computed login = lower(trim(sAMAccountName))"), "\(explained.stdout)")
        #expect(explained.stdout.contains("    lower(trim(samaccountname)) → \"bob\""))
        #expect(explained.stdout.contains("    login + \"@acme.com\" → \"bob@acme.com\""))
    }
}
