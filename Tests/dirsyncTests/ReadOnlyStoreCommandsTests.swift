import DirectorySyncTesting
import Foundation
import Testing

/// Read-only commands in a folder nobody may write (a backup, an auditor's copy, a read-only mount): they
/// work, create nothing, and a command that writes says why it cannot.
@Suite struct ReadOnlyStoreCommandsTests {
    @Test func readOnlyCommandsWorkInAReadOnlyFolderAndWritersSayWhyNot() async throws {
        let folder = try TemporaryDirectory("dirsync-read-only")
        defer { folder.remove() }
        try ApplyCrashTests.export(count: 3).write(to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
        try ApplyCrashTests.configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        let cli = CLIProcess(directory: folder.url)
        #expect(
            try await cli.run(["init", "--org", "Partners", "--seats", "50", "--owner", "ops@acme.com"]).status == 0)
        let synced = try await cli.run(["sync"])
        #expect(synced.status == 0, "\(synced)")

        let files = ["dirsync.sqlite", "dirsync.yaml", "export.ldif"].map(folder.file)
        let locked = try ReadOnlyFolder(folder.url, files: files)
        defer { locked.restore() }
        try #require(locked.isEffective, "could not make a read-only folder")
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()

        for command in StoreCommandsTests.readers + [["source", "show"], ["runs", "--format", "json"]] {
            let result = try await cli.run(command)
            #expect(result.status == 0, "\(command): \(result)")
            #expect(!result.stderr.contains("error"), "\(command): \(result)")
        }
        #expect(try await cli.run(["members"]).stdout.contains("ops@acme.com"))
        #expect(try await cli.run(["invitations", "list"]).stdout.contains("p00002@partner.io"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)

        let path = folder.file("dirsync.sqlite").path
        let refused = try await cli.run(["invitations", "send", "zed@partner.io", "--role", "viewer"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.hasPrefix("error: cannot write the store at \(path): "), "\(refused)")
        #expect(refused.stderr.contains("\nhint: "), "\(refused)")
        #expect(!refused.stderr.contains("readonly database"), "\(refused)")
    }
}
