import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySyncSQLite

/// How commands open the store, run as a user runs them: only `init` creates one, nothing is written to what
/// is not a dirsync store, a newer store is refused, read-only commands work in a read-only folder, and
/// SQLite's failures read as one located line.
@Suite struct StoreCommandsTests {
    /// Commands that write, each as a user would type it.
    static let writers: [[String]] = [
        ["invitations", "send", "bo@acme.com", "--role", "member"], ["invitations", "revoke", "bo@acme.com"],
        ["sync"], ["apply", "--yes"], ["run", "--once"], ["organization", "set", "--seats", "9"],
        ["outbox", "deliver"],
    ]
    /// Commands that only read.
    static let readers: [[String]] = [
        ["members"], ["invitations", "list"], ["audit"], ["outbox", "list"], ["organization", "show"], ["status"],
        ["runs"], ["plan"], ["explain", "ops@acme.com"],
    ]

    /// What a mistyped `--store` may name.
    enum WrongStore: String, CaseIterable, CustomTestStringConvertible {
        case missing, missingFolder, folder, textFile, emptyFile, otherApplication

        var testDescription: String { rawValue }

        /// Makes it in `folder`; returns the path to pass, and the words the error must say.
        func make(in folder: TemporaryDirectory) throws -> (path: String, says: String) {
            let path = folder.file("other-app.sqlite").path
            switch self {
            case .missing: return (folder.file("dirsync.sqllite").path, "no dirsync store at")
            case .missingFolder: return (folder.file("typo/dirsync.sqlite").path, "no dirsync store at")
            case .folder:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return (path, "is a folder, not a dirsync store file")
            case .textFile:
                try Data("email,role\nbo@acme.com,member\n".utf8).write(to: URL(fileURLWithPath: path))
                return (path, "is not a dirsync store: it is not an SQLite database")
            case .emptyFile:
                #expect(FileManager.default.createFile(atPath: path, contents: Data()))
                return (path, "no dirsync store at \(path): the file is empty")
            case .otherApplication:
                try DatabaseQueue(path: path).writeWithoutTransaction { db in
                    try db.execute(sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
                }
                return (path, "is not a dirsync store: it is another application's SQLite database")
            }
        }
    }

    /// Everything in `folder`, with the bytes of each file: what a refused command must leave as it was.
    private func contents(_ folder: TemporaryDirectory) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let name = enumerator?.nextObject() as? String {
            let url = folder.file(name)
            result[name] = (try? Data(contentsOf: url)) ?? Data("folder".utf8)
        }
        return result
    }

    /// One `error:` line naming `path` and saying `words`, then one `hint:` line.
    private func expectOneLocatedError(_ result: CLIProcess.Result, path: String, says words: String) {
        #expect(result.status == 1, "\(result)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2, "\(result)")
        #expect(lines.first?.hasPrefix("error: ") == true, "\(result)")
        #expect(lines.first?.contains(path) == true, "\(result)")
        #expect(lines.first?.contains(words) == true, "\(result)")
        #expect(lines.last?.hasPrefix("hint: ") == true, "\(result)")
    }

    @Test(arguments: WrongStore.allCases)
    func everyCommandButInitRefusesAWrongStoreAndChangesNothing(_ wrong: WrongStore) async throws {
        let folder = try TemporaryDirectory("dirsync-wrong-store")
        defer { folder.remove() }
        let (path, says) = try wrong.make(in: folder)
        let before = try contents(folder)
        let cli = CLIProcess(directory: folder.url)
        for command in Self.writers + Self.readers {
            let result = try await cli.run(command + ["--store", path])
            expectOneLocatedError(result, path: path, says: says)
            #expect(try contents(folder) == before, "\(command) changed the folder")
        }
    }

    @Test(arguments: [WrongStore.folder, .textFile, .otherApplication])
    func initRefusesToAddItsTablesToWhatIsNotADirsyncStore(_ wrong: WrongStore) async throws {
        let folder = try TemporaryDirectory("dirsync-init-foreign")
        defer { folder.remove() }
        let (path, says) = try wrong.make(in: folder)
        let before = try contents(folder)
        let result = try await CLIProcess(directory: folder.url).run([
            "init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com", "--store", path,
        ])
        expectOneLocatedError(result, path: path, says: says)
        #expect(try contents(folder) == before, "init wrote something")
    }

    @Test func initCreatesAStoreAndAddsOrganizationsToIt() async throws {
        let folder = try TemporaryDirectory("dirsync-init")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        let first = try await cli.run(["init", "--org", "Acme", "--seats", "5", "--owner", "a@acme.com"])
        #expect(first.status == 0, "\(first)")
        let second = try await cli.run(["init", "--org", "Beta", "--seats", "5", "--owner", "b@acme.com"])
        #expect(second.status == 0, "\(second)")
        let names = try await DatabaseQueue(path: folder.file("dirsync.sqlite").path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM organizations ORDER BY name")
        }
        #expect(names == ["Acme", "Beta"])
    }

    @Test func aStoreFromANewerDirsyncIsRefusedByEveryCommandNamingTheVersions() async throws {
        let folder = try TemporaryDirectory("dirsync-newer-store")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        let created = try await cli.run(["init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com"])
        #expect(created.status == 0, "\(created)")
        let path = folder.file("dirsync.sqlite").path
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v7-teams-and-grants')")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let initAgain = ["init", "--org", "Beta", "--seats", "5", "--owner", "b@acme.com", "--config", "beta.yaml"]
        for command in Self.writers + Self.readers + [initAgain] {
            let result = try await cli.run(command)
            expectOneLocatedError(
                result, path: path,
                says: "was written by a newer dirsync: it has the migration 'v7-teams-and-grants' this dirsync does "
                    + "not know (the newest it knows is 'v6-audit-os-user')")
            #expect(result.stderr.contains("hint: upgrade dirsync"), "\(result)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func anOlderStoreIsUpgradedByACommandThatWritesAndNotByOneThatReads() async throws {
        let folder = try TemporaryDirectory("dirsync-older-store")
        defer { folder.remove() }
        let path = folder.file("dirsync.sqlite").path
        // A store as dirsync wrote it before the v4–v6 migrations, with its organization and owner.
        let pool = try DatabasePool(path: path)
        try Migrations.migrator.migrate(pool, upTo: "v3-create-leases-and-notification-state")
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO organizations (name, seats, inviter, invitation_validity_seconds, created_at)
                    VALUES ('Acme Corp', 10, 'ada@acme.com', 604800, '2026-11-21 10:00:00.000');
                    INSERT INTO members (organization_id, email, role, joined_at, origin)
                    VALUES (1, 'ada@acme.com', 'owner', '2026-11-21 10:00:00.000', 'founder');
                    """)
        }
        try pool.close()
        let cli = CLIProcess(directory: folder.url)
        let read = try await cli.run(["members", "--store", path])
        expectOneLocatedError(read, path: path, says: "was written by an older dirsync and needs migrating")
        let written = try await cli.run(["organization", "set", "--seats", "12", "--store", path])
        #expect(written.status == 0, "\(written)")
        let members = try await cli.run(["members", "--store", path])
        #expect(members.status == 0, "\(members)")
        #expect(members.stdout.contains("ada@acme.com"))
    }

    @Test func aConstraintFailureIsExplainedNotEchoed() async throws {
        let folder = try TemporaryDirectory("dirsync-constraint")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Acme Corp", "--seats", "10", "--owner", "ada@acme.com"]).status == 0)
        let path = folder.file("dirsync.sqlite").path
        // Someone edited the store by hand: a rule dirsync's own writes now break.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE UNIQUE INDEX hand_made ON audit_events(event)")
        }
        #expect(try await cli.run(["invitations", "send", "bo@acme.com", "--role", "member"]).status == 0)
        let second = try await cli.run(["invitations", "send", "cy@acme.com", "--role", "member"])
        expectOneLocatedError(
            second, path: path, says: "refused a change that breaks its rule: audit_events.event must be unique")
        #expect(second.stderr.contains("store edited by hand"))
        #expect(!second.stderr.contains("constraint failed"))
    }
}
