import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Which source, mapping and person a command works on: the bulk template's own role column, `--source` with
/// and without its kind, and `explain` for exactly one person or an error.
@Suite struct SourceSelectionCommandsTests {
    private static let list = """
        email,first_name,last_name,role,groups
        ada@acme.com,Ada,Lovelace,admin,Engineering
        bo@acme.com,Bo,Brown,viewer,Sales
        cy@partner.io,Cy,Young,,Sales
        dee@partner.io,Dee,Dunn,owner,Sales

        """

    @Test func theCSVPresetHonoursItsTemplatesRoleColumn() async throws {
        let folder = try TemporaryDirectory("dirsync-csv-role")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        try Self.list.write(to: folder.file("list.csv"), atomically: true, encoding: .utf8)
        #expect(
            try await cli.run(["init", "--org", "Acme", "--seats", "10", "--owner", "owner@acme.com"]).status == 0)
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config += """
            source: { kind: csv, path: list.csv }
            roles:
              - { role: member }

            """
        config = config.replacingOccurrences(
            of: "organization:\n",
            with: "organization:\n  auto_join: { domains: [acme.com] }\n  allowed_domains: [partner.io]\n")
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let plan = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["plan", "--format", "json"]).stdout.utf8)) as? [String: Any])
        let changes = try #require(plan["changes"] as? [[String: Any]])
        let roles = Dictionary(
            uniqueKeysWithValues: changes.map { ($0["email"] as? String ?? "", $0["role"] as? String ?? "") })
        #expect(
            roles == [
                "ada@acme.com": "admin", "bo@acme.com": "viewer", "cy@partner.io": "member",
                "dee@partner.io": "member",
            ])
        #expect(changes.first { $0["email"] as? String == "ada@acme.com" }?["rule"] as? String == "mapping.role")
        let diagnostics = try #require(plan["diagnostics"] as? [[String: Any]])
        #expect(
            diagnostics.contains {
                ($0["message"] as? String)?.contains("role 'owner' is not admin, member or viewer") == true
                    && $0["location"] as? String == "list.csv:5"
            }, "\(diagnostics)")
    }

    @Test func aCSVNamedWithSourceIsReadWithTheCSVPresetNotTheConfiguredLDIFMapping() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        try Self.list.write(to: folder.file("list.csv"), atomically: true, encoding: .utf8)
        for source in ["csv:list.csv", "list.csv"] {
            let shown = try await cli.run(["source", "show", "--source", source])
            #expect(shown.status == 0, "\(shown)")
            #expect(shown.stdout.contains("list.csv (csv, mapping csv (preset)): 4 entries, 4 users"), "\(shown)")
        }
        let ldif = try await cli.run(["source", "show", "--summary", "--source", "export.ldif"])
        #expect(ldif.stdout.contains("(ldif, mapping active-directory"), "\(ldif)")
        try "x".write(to: folder.file("users.txt"), atomically: true, encoding: .utf8)
        let unknown = try await cli.run(["source", "show", "--source", "users.txt"])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr
                == "error: --source: cannot tell what kind of export 'users.txt' is from its name\nhint: write the kind before the path: --source ldif:users.txt, dsml:users.txt or csv:users.txt\n"
        )
    }

    @Test func explainShowsOnlyThatPersonOrSaysNobodyMatches() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let source = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["source", "show", "--format", "json"]).stdout.utf8)) as? [String: Any])
        let users = try #require(source["users"] as? [[String: Any]])
        let dee = try #require(users.first { $0["email"] as? String == "dee@acme.com" })
        let anchor = try #require(dee["anchor"] as? String)
        for person in [anchor, "dee@acme.com", "DEE@acme.com"] {
            let explained = try await cli.run(["explain", person, "--now", "2026-10-01T09:00:00Z"])
            #expect(explained.status == 0, "\(explained)")
            let plan = try #require(explained.stdout.components(separatedBy: "\nPlan\n").last)
            #expect(
                plan.split(separator: "\n").map(String.init) == [
                    "  + join dee@acme.com member + signer, account-admin@Legal EU: auto-join domain acme.com [roles[1]]"
                ], "\(explained)")
        }
        for person in ["nobody", "com", "acme.com", "zed@acme.com"] {
            let refused = try await cli.run(["explain", person, "--now", "2026-10-01T09:00:00Z"])
            #expect(refused.status == 1, "\(person): \(refused)")
            #expect(refused.stderr.hasPrefix("error: nothing in the directory or the organization matches"))
            #expect(refused.stdout.isEmpty)
        }
    }
}
