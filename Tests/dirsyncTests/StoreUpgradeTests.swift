import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

/// A store written by an earlier release (committed under `Fixtures/stores/`, with what that release listed)
/// opens with this one, is migrated by a writer, and still holds every member, invitation, audit event and run.
@Suite struct StoreUpgradeTests {
    /// The release fixtures: the store and the JSON that release printed for it.
    static let releases = ["release-2026-12-03", "release-2026-12-03-v8"]

    /// `expected` holds within `actual`: every key `expected` has, with the same value (a newer release may add
    /// keys, never lose or change one).
    private func holds(_ expected: Any, within actual: Any, at path: String = "") -> [String] {
        switch (expected, actual) {
        case (let expected as [String: Any], let actual as [String: Any]):
            return expected.flatMap { key, value in
                actual[key].map { holds(value, within: $0, at: "\(path).\(key)") } ?? ["\(path).\(key) is missing"]
            }
        case (let expected as [Any], let actual as [Any]):
            guard expected.count == actual.count else {
                return ["\(path): \(actual.count) items, not \(expected.count)"]
            }
            return zip(expected, actual).enumerated().flatMap { index, pair in
                holds(pair.0, within: pair.1, at: "\(path)[\(index)]")
            }
        default:
            return (expected as? NSObject) == (actual as? NSObject) ? [] : ["\(path): \(actual), not \(expected)"]
        }
    }

    @Test(arguments: releases)
    func everyRecordSurvivesTheUpgrade(_ release: String) async throws {
        let folder = try TemporaryDirectory("dirsync-upgrade")
        defer { folder.remove() }
        let source = Fixtures.url("stores/\(release)")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.file(name))
        }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o600], ofItemAtPath: folder.file("dirsync.sqlite").path)
        // A command that writes migrates the store; then the read-only listings must give what the release did.
        _ = try SQLiteStore(path: folder.file("dirsync.sqlite").path, access: .readWrite)
        let cli = CLIProcess(directory: folder.url)
        let listings: [(file: String, command: [String])] = [
            ("members.json", ["members", "list", "--format", "json"]),
            (
                "invitations.json",
                ["invitations", "list", "--status", "all", "--format", "json", "--now", "2026-11-03T09:00:00Z"]
            ),
            ("audit.json", ["audit", "--format", "json"]),
            ("runs.json", ["runs", "--format", "json"]),
        ]
        for (file, command) in listings {
            let result = try await cli.run(command)
            #expect(result.status == 0, "\(result)")
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.file(file)))
            let actual = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            #expect((expected as? [Any])?.isEmpty == false, "\(file) lists something")
            let problems = holds(expected, within: actual)
            #expect(problems.isEmpty, "\(file): \(problems.prefix(5))")
        }
        // Usernames were derived for everyone there was (migration v10), each unique in the organization.
        let members = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["members", "list", "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        let usernames = members.compactMap { $0["username"] as? String }
        #expect(usernames.count == members.count && Set(usernames).count == usernames.count)
        for member in members {
            let email = try EmailAddress(member["email"] as? String ?? "")
            #expect(member["username"] as? String == Username.derived(from: email).text, "\(member)")
        }
    }
}
