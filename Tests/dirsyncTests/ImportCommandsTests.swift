import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `invitations import`: every row checked with its line first, then batches of 50 rows, each all or nothing;
/// `--dry-run` sends nothing; bulk invitation needs `can_bulk_invite`.
@Suite struct ImportCommandsTests {
    private func workspace(seats: Int = 100) async throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-import")
        let cli = CLIProcess(directory: folder.url)
        let created = try await cli.run(["init", "--org", "Acme", "--seats", "\(seats)", "--owner", "ada@acme.com"])
        #expect(created.status == 0, "\(created)")
        return (folder, cli)
    }

    /// `count` good rows, `p1@acme.com`…, with `extra` lines inserted after row `at`.
    private func csv(_ count: Int, inserting extra: [String] = [], after at: Int = 0) -> String {
        var lines = ["email,username,first_name,last_name,role,groups"]
        for index in 1...count {
            lines.append("p\(index)@acme.com,,P,\(index),member,")
            if index == at { lines += extra }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func invitations(_ cli: CLIProcess) async throws -> [[String: Any]] {
        let listed = try await cli.run(["invitations", "list", "--format", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    }

    @Test func aBadRowKeepsItsBatchBackAndTheOtherBatchesGo() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        // 60 good rows and one bad one on line 57 (the second batch is rows 52–62).
        try Data(csv(60, inserting: ["p5@acme.com,,,,member,"], after: 55).utf8).write(to: folder.file("team.csv"))
        let dry = try await cli.run(["invitations", "import", "team.csv", "--dry-run"])
        #expect(dry.status == 1)
        #expect(dry.stdout.contains("team.csv:57  p5@acme.com") && dry.stdout.contains("p5@acme.com is also on line 6"))
        #expect(
            dry.stdout.contains("61 rows checked: 60 ok, 1 problem; nothing was sent (--dry-run)."), "\(dry.stdout)")
        #expect(try await invitations(cli).isEmpty)

        let run = try await cli.run(["invitations", "import", "team.csv"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("Sent: rows 2–51."), "\(run.stdout)")
        #expect(run.stdout.contains("Not sent: rows 52–62 (team.csv:57 has a problem)."), "\(run.stdout)")
        let sent = try await invitations(cli)
        #expect(sent.count == 50)
        #expect(Set(sent.compactMap { $0["email"] as? String }) == Set((1...50).map { "p\($0)@acme.com" }))
    }

    @Test func rowsAreCheckedAgainstTheOrganizationAndTheSeats() async throws {
        let (folder, cli) = try await workspace(seats: 3)
        defer { folder.remove() }
        #expect(try await cli.run(["invitations", "send", "bo@acme.com:bobby", "--role", "member"]).status == 0)
        try Data(
            """
            email,username,first_name,last_name,role
            cy@acme.com,bobby,,,member
            bo@acme.com,,,,member
            ada@acme.com,,,,
            dee@acme.com,,Dee,Diaz,
            eve@acme.com,,,,approver
            fay@acme.com,,,,admin
            gus@acme.com,,,,viewer

            """.utf8
        ).write(to: folder.file("team.csv"))
        let dry = try await cli.run(["invitations", "import", "team.csv", "--dry-run", "--role", "viewer"])
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        for (line, expected) in [
            (2, "the username bobby is taken by bo@acme.com"), (3, "bo@acme.com already has a pending invitation"),
            (4, "ada@acme.com is already a member (role owner)"), (5, "ok"), (6, "unknown role 'approver'"),
            (7, "no seat left (1 were free)"), (8, "no seat left (1 were free)"),
        ] {
            let row = lines.first { $0.hasPrefix("team.csv:\(line) ") } ?? ""
            #expect(row.hasSuffix(expected) || row.contains(expected + " "), "line \(line): \(row)")
        }
        let none = try await cli.run(["invitations", "import", "team.csv", "--dry-run"])
        #expect(none.stdout.contains("no role: fill the role column or pass --role"), "\(none.stdout)")
    }

    @Test func importingNeedsBulkPermission() async throws {
        let (folder, cli) = try await workspace()
        defer { folder.remove() }
        try Data(csv(1).utf8).write(to: folder.file("team.csv"))
        #expect(try await cli.run(["invitations", "send", "cy@acme.com", "--role", "admin"]).status == 0)
        let token = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).first.map {
                try String(contentsOf: folder.file("outbox/\($0)"), encoding: .utf8)
            }.flatMap { LedgerFixture.token(in: $0)?.text })
        #expect(try await cli.run(["invitations", "accept", "-"], input: token).status == 0)
        let refused = try await cli.run(["invitations", "import", "team.csv", "--as", "cy@acme.com"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("needs can_bulk_invite"), "\(refused)")
        #expect(try await invitations(cli).isEmpty)
    }
}
