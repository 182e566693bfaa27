import DirectorySync
import DirectorySyncPostgres
import DirectorySyncTesting
import Foundation
import Testing

/// The PostgreSQL store run as a user runs it: `store:` a URL in `dirsync.yaml`, the password from a 0600 file
/// or `PGPASSWORD`, never on the command line and never in what dirsync prints; and the one-line errors for a
/// wrong password, a database without a store, and a URL that carries a password.
@Suite struct PostgresStoreCommandsTests {
    /// A fresh database on the test cluster, a folder, and the password written to a 0600 file in it.
    struct Setup {
        let server: PostgresTestServer
        let folder: TemporaryDirectory
        let url: String
        var password: String { server.password.revealed }

        init() async throws {
            server = try PostgresTestServer.running()
            folder = try TemporaryDirectory("dirsync-postgres-cli")
            url = server.url(try await server.createDatabase())
            try Self.writePrivate(password + "\n", to: folder.file("store-password").path)
        }

        /// Writes `text` to `path` readable by this user only, as a password file must be.
        static func writePrivate(_ text: String, to path: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }

        /// The CLI in the folder, with `PGPASSWORD` when given (and never inherited from the test run).
        func cli(pgpassword: String? = nil) -> CLIProcess {
            var cli = CLIProcess(directory: folder.url)
            cli.environment["PGPASSWORD"] = pgpassword ?? ""
            return cli
        }

        /// Nothing the command printed holds the password.
        func expectNoSecret(_ result: CLIProcess.Result, _ secrets: [String] = []) {
            for secret in [password] + secrets {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result)")
            }
        }
    }

    @Test func initThenEveryCommandWorksWithThePasswordFromAFile() async throws {
        let setup = try await Setup()
        defer { setup.folder.remove() }
        let created = try await setup.cli(pgpassword: setup.password).run([
            "init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com", "--store", setup.url,
            "--now", "2026-11-02T09:00:00Z",
        ])
        #expect(created.status == 0, "\(created)")
        #expect(created.stdout.contains("Store: \(setup.url)"), "\(created)")
        setup.expectNoSecret(created)

        // The starter configuration names the URL and shows where a password may come from; point it at the file.
        let configPath = setup.folder.file("dirsync.yaml").path
        let starter = try String(contentsOfFile: configPath, encoding: .utf8)
        #expect(starter.contains("store: \"\(setup.url)\""), "\(starter)")
        #expect(starter.contains("# store_password_file:"), "\(starter)")
        try Setup.writePrivate(
            starter.replacingOccurrences(
                of: "# store_password_file: /run/secrets/dirsync-store", with: "store_password_file: store-password"),
            to: configPath)

        let cli = setup.cli()
        let sent = try await cli.run([
            "invitations", "send", "bo@acme.com", "cy@acme.com", "--role", "member", "--now", "2026-11-02T10:00:00Z",
        ])
        #expect(sent.status == 0, "\(sent)")
        let listed = try await cli.run(["invitations", "list", "--format", "json", "--now", "2026-11-02T11:00:00Z"])
        #expect(listed.status == 0, "\(listed)")
        let invitations = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(invitations?.compactMap { $0["email"] as? String }.sorted() == ["bo@acme.com", "cy@acme.com"])
        let revoked = try await cli.run(["invitations", "revoke", "cy@acme.com", "--now", "2026-11-02T12:00:00Z"])
        #expect(revoked.status == 0, "\(revoked)")
        let audit = try await cli.run(["audit", "--format", "json"])
        #expect(audit.status == 0, "\(audit)")
        let events = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]]
        let names = events?.compactMap { $0["event"] as? String } ?? []
        #expect(names.filter { $0 == "TEAM_INVITATION_SENT" }.count == 2, "\(names)")
        #expect(names.contains("TEAM_INVITATION_REVOKED"), "\(names)")
        let members = try await cli.run(["members", "list", "--format", "json"])
        #expect(members.status == 0, "\(members)")
        #expect(members.stdout.contains("ada@acme.com"), "\(members)")
        for result in [sent, listed, revoked, audit, members] { setup.expectNoSecret(result) }

        // A password file others may read is refused before anything connects, naming the key and the file.
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o644], ofItemAtPath: setup.folder.file("store-password").path)
        let exposed = try await cli.run(["members", "list"])
        #expect(exposed.status == 1, "\(exposed)")
        #expect(
            exposed.stderr.hasPrefix("error: store_password_file: ")
                && exposed.stderr.contains("store-password may be read or changed by other users (mode 644)"),
            "\(exposed)")
        setup.expectNoSecret(exposed)
    }

    @Test func aWrongPasswordIsOneLineThatNeverRepeatsIt() async throws {
        let setup = try await Setup()
        defer { setup.folder.remove() }
        let created = try await setup.cli(pgpassword: setup.password).run([
            "init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com", "--store", setup.url,
        ])
        #expect(created.status == 0, "\(created)")
        let wrong = "not-the-password-\(UUID().uuidString)"
        for command in [["members"], ["invitations", "send", "bo@acme.com", "--role", "member"]] {
            let result = try await setup.cli(pgpassword: wrong).run(command)
            #expect(result.status == 1, "\(result)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 2, "\(result)")
            #expect(
                lines.first == "error: cannot connect to the store at \(setup.url): the password login failed"
                    || lines.first
                        == "error: cannot connect to the store at \(setup.url): the server refused the login of user "
                        + "'\(setup.server.user)'",
                "\(result)")
            #expect(lines.last?.hasPrefix("hint: check the host, port, user, database and sslmode") == true)
            setup.expectNoSecret(result, [wrong])
        }
        let none = try await setup.cli().run(["members"])
        #expect(none.status == 1, "\(none)")
        #expect(none.stderr.contains("the server asks for a password: name store_password_env"), "\(none)")
    }

    @Test func aDatabaseWithoutAStoreIsRefusedWithTheHintToInit() async throws {
        let setup = try await Setup()
        defer { setup.folder.remove() }
        let result = try await setup.cli(pgpassword: setup.password).run(["members", "--store", setup.url])
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr
                == "error: no dirsync store in the database at \(setup.url)\n"
                + "hint: create it with 'dirsync init --org NAME --seats N --owner EMAIL' and this store\n",
            "\(result)")
    }

    @Test func initMigrateOnlyMakesAnEmptyDatabaseAStoreWithoutAnOrganization() async throws {
        let setup = try await Setup()
        defer { setup.folder.remove() }
        let cli = setup.cli()
        try Setup.writePrivate(
            "store: \"\(setup.url)\"\nstore_password_file: store-password\n", to: setup.folder.file("pool.yaml").path)
        let migrated = try await cli.run(["init", "--migrate-only", "--config", "pool.yaml"])
        #expect(migrated.status == 0, "\(migrated)")
        #expect(
            migrated.stdout == "The store at \(setup.url) has every migration this dirsync knows.\n", "\(migrated)")
        setup.expectNoSecret(migrated)
        // A store now, with no organization in it and no configuration written.
        let listed = try await cli.run(["organizations", "list", "--config", "pool.yaml", "--format", "json"])
        #expect(listed.status == 0, "\(listed)")
        let registrations = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any]
        #expect(registrations?.isEmpty == true, "\(listed)")
        let members = try await cli.run(["members", "--config", "pool.yaml"])
        #expect(members.status == 1 && members.stderr.hasPrefix("error: "), "\(members)")
        #expect(!FileManager.default.fileExists(atPath: setup.folder.file("dirsync.yaml").path))
        // Running it again changes nothing; then init --org adds an organization to that store.
        let again = try await cli.run(["init", "--migrate-only", "--store", setup.url])
        #expect(again.status == 1 && again.stderr.contains("password"), "\(again)")
        let againWithFile = try await cli.run(["init", "--migrate-only", "--config", "pool.yaml"])
        #expect(againWithFile.status == 0, "\(againWithFile)")
        let created = try await setup.cli(pgpassword: setup.password).run([
            "init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com", "--store", setup.url,
        ])
        #expect(created.status == 0, "\(created)")

        // What it refuses, in one line each.
        let withOrg = try await cli.run(["init", "--migrate-only", "--config", "pool.yaml", "--org", "Beta"])
        #expect(withOrg.status != 0, "\(withOrg)")
        #expect(withOrg.stderr.contains("--migrate-only creates no organization: leave out --org"), "\(withOrg)")
        let nothing = try await cli.run(["init"])
        #expect(nothing.status != 0 && nothing.stderr.contains("--migrate-only"), "\(nothing)")
        let noStore = try await cli.run(["init", "--migrate-only", "--store", "missing.sqlite"])
        #expect(noStore.status == 1, "\(noStore)")
        #expect(
            noStore.stderr.hasPrefix("error: there is no store at ") && noStore.stderr.contains("missing.sqlite"),
            "\(noStore)")
        #expect(!FileManager.default.fileExists(atPath: setup.folder.file("missing.sqlite").path))
    }

    @Test func aURLWithAPasswordIsRefusedWithoutRepeatingIt() async throws {
        let setup = try await Setup()
        defer { setup.folder.remove() }
        let secret = "hunter2-\(UUID().uuidString)"
        let url = setup.url.replacingOccurrences(of: "\(setup.server.user)@", with: "\(setup.server.user):\(secret)@")
        for command in [["init", "--org", "Acme", "--seats", "5", "--owner", "a@acme.com"], ["members"]] {
            let result = try await setup.cli(pgpassword: setup.password).run(command + ["--store", url])
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.hasPrefix("error: "), "\(result)")
            #expect(result.stderr.contains("password"), "\(result)")
            setup.expectNoSecret(result, [secret])
        }
    }
}
