import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `dirsync source show|check`, `csv-template` and `generate`, run as a user runs them.
@Suite struct SourceCommandsTests {
    private func folder() throws -> (TemporaryDirectory, CLIProcess) {
        let folder = try TemporaryDirectory("dirsync-source")
        return (folder, CLIProcess(directory: folder.url))
    }

    @Test func showPrintsUsersCountsAndWhySomeWereSkipped() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let fixture = Fixtures.url("ad-shaped/ad-shaped-input-handwritten.ldif").path
        try FileManager.default.copyItem(atPath: fixture, toPath: folder.file("users.ldif").path)
        let result = try await cli.run([
            "source", "show", "--source", "ldif:users.ldif", "--mapping", "active-directory",
        ])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines[0]
                == "ANCHOR                                EMAIL                    NAME            GROUPS                    ACTIVE"
        )
        #expect(
            lines[1]
                == "00000000-0000-0000-0000-000000001234  jeff.smith@contoso.com   Jeff Smith      Sales Team, Domain Users  yes"
        )
        #expect(lines.contains("users.ldif:115: info: skipped: excluded by exclude[0]: objectClass equals 'computer'"))
        #expect(
            lines.contains(
                "users.ldif (ldif, mapping active-directory (preset)): 9 entries, 4 users (2 disabled), 5 skipped."))
        #expect(result.stderr.isEmpty, "no progress line when stderr is not a terminal")
    }

    @Test func showJSONHasTheDocumentedShape() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        try Data(
            "email,first_name,last_name,role,groups\nBo@Acme.com,Bo,Brown,admin,Sales;Sign Admins\nnobody,No,Mail,member,\n"
                .utf8
        )
        .write(to: folder.file("list.csv"))
        let result = try await cli.run(["source", "show", "--source", "csv:list.csv", "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["format_version", "users", "diagnostics", "counts"])
        #expect(object["format_version"] as? Int == 1)
        let counts = try #require(object["counts"] as? [String: Int])
        #expect(counts == ["entries": 2, "users": 2, "skipped": 0, "disabled": 0])
        let users = try #require(object["users"] as? [[String: Any]])
        #expect(users.count == 2)
        let bo = users[0]
        #expect(
            Set(bo.keys)
                == [
                    "anchor", "email", "display_name", "given_name", "family_name", "groups", "active", "attributes",
                    "sources", "provenance", "username", "profile",
                ])
        // One source: nothing is merged, so there is no provenance.
        #expect(bo["sources"] is NSNull && bo["provenance"] is NSNull)
        #expect(bo["anchor"] as? String == "bo@acme.com")
        #expect(bo["email"] as? String == "bo@acme.com")
        #expect(bo["display_name"] as? String == "Bo Brown")
        #expect(bo["active"] as? Bool == true)
        let groups = try #require(bo["groups"] as? [[String: Any]])
        #expect(groups.map { $0["name"] as? String } == ["Sales", "Sign Admins"])
        #expect(groups.map { $0["direct"] as? Bool } == [true, true], "a CSV names direct groups only")
        #expect((bo["attributes"] as? [String: [String]]) == ["role": ["admin"]])
        #expect(users[1]["email"] is NSNull)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        let first = try #require(diagnostics.first)
        #expect(first["severity"] as? String == "warning")
        #expect(first["location"] as? String == "list.csv:3")
        #expect((first["message"] as? String)?.contains("not a valid email address") == true)
    }

    @Test func theConfiguredSourceAndMappingAreUsed() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(at: folder.file("exports"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Fixtures.url("openldap-2.5/openldap-2.5-slapcat-sample.ldif").path,
            toPath: folder.file("exports/users.ldif").path)
        try Data("source:\n  kind: ldif\n  path: exports/users.ldif\nmapping: openldap\n".utf8)
            .write(to: folder.file("dirsync.yaml"))
        let result = try await cli.run(["source", "show", "--summary"])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout.hasSuffix(
                "exports/users.ldif (ldif, mapping openldap (preset)): 14 entries, 10 users (1 disabled), 4 skipped.\n")
        )
        #expect(!result.stdout.contains("ANCHOR"))
    }

    @Test(
        arguments: [
            (
                ["source", "show", "--source", "ldif:x.ldif"], "error: no mapping for this ldif source",
                "hint: pass --mapping active-directory or --mapping openldap"
            ),
            (
                ["source", "show", "--source", "ldap:x.ldif"],
                "error: --source: 'ldap' is not a kind of export (ldif, dsml or csv)",
                "hint: for example"
            ),
            (
                ["source", "show", "--source", "csv:missing.csv"],
                "error: cannot read missing.csv: No such file or directory", nil
            ),
            (
                ["source", "show", "--source", "csv:bad.csv"],
                "error: bad.csv:3: the row has more than the header's 2 fields", "hint: quote fields"
            ),
            (
                ["source", "show", "--source", "csv:bad.csv", "--mapping", "csvv"],
                "error: csvv: no such mapping preset", "hint: did you mean 'csv'?"
            ),
            (["source", "show"], "error: no dirsync.yaml in this folder", "hint: create one"),
        ] as [([String], String, String?)])
    func mistakesGetOneLine(_ arguments: [String], _ error: String, _ hint: String?) async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        try Data("a,b\n1,2\n1,2,3\n".utf8).write(to: folder.file("bad.csv"))
        let result = try await cli.run(arguments)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix(error) == true, "\(result)")
        if let hint { #expect(lines.dropFirst().first?.hasPrefix(hint) == true, "\(result)") }
        #expect(result.stdout.isEmpty)
    }

    @Test func aPartialExportPrintsNothingButTheError() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let path = Fixtures.url("dsml-cases/partial-sizelimit.xml").path
        let result = try await cli.run(["source", "show", "--source", "dsml:\(path)"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("the export is incomplete: the search ended with result code 4"))
        #expect(result.stderr.contains("hint: export the directory again"))
    }

    @Test func csvTemplateIsReadBackByTheCSVPreset() async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let template = try await cli.run(["csv-template", "--example"])
        #expect(template.status == 0)
        #expect(template.stdout.hasPrefix("email,username,first_name,last_name,role,groups\n"))
        try Data(template.stdout.utf8).write(to: folder.file("team.csv"))
        let result = try await cli.run(["source", "show", "--source", "csv:team.csv", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let users = try #require(object["users"] as? [[String: Any]])
        #expect(users.map { $0["email"] as? String } == ["ada@acme.com", "bo@acme.com"])
        #expect(users.map { $0["family_name"] as? String } == ["Lovelace", "Brown, Jr."])
        #expect(users.map { $0["username"] as? String } == ["ada", nil])
    }

    @Test(arguments: ["ad-ldif", "openldap-ldif", "dsml", "csv"])
    func generatedDirectoriesAreDeterministicAndRead(_ format: String) async throws {
        let (folder, cli) = try folder()
        defer { folder.remove() }
        let arguments = ["generate", "--format", format, "--users", "300", "--groups", "7", "--seed", "42"]
        #expect(try await cli.run(arguments + ["-o", "a"]).status == 0)
        #expect(try await cli.run(arguments + ["-o", "b"]).status == 0)
        let first = try Data(contentsOf: folder.file("a"))
        #expect(first == (try Data(contentsOf: folder.file("b"))))
        #expect(
            first
                != (try await cli.run(["generate", "--format", format, "--users", "300", "--seed", "43"]).stdout.data(
                    using: .utf8)))
        let kind = format.hasSuffix("ldif") ? "ldif" : format
        let mapping = format == "ad-ldif" ? "active-directory" : format == "openldap-ldif" ? "openldap" : format
        let result = try await cli.run([
            "source", "show", "--source", "\(kind):a", "--mapping", mapping, "--format", "json", "--summary",
        ])
        #expect(result.status == 0, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let counts = try #require(object["counts"] as? [String: Int])
        // Every 20th user is disabled (index % 20 == 7); AD-style files add a computer every 50th.
        let computers = format == "ad-ldif" ? 6 : 0
        #expect(counts["users"] == 300 - computers)
        #expect(counts["disabled"] == 15)
        if format.hasSuffix("ldif") {
            let text = String(decoding: first, as: UTF8.self)
            #expect(text.contains("\n "), "long lines are folded")
            #expect(text.contains("cn:: "), "non-ASCII names are base64")
        }
    }
}
