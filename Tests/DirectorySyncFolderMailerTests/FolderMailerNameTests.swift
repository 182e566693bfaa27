import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySyncFolderMailer

/// The folder mailer's file names come from addresses that may hold `/`, `%`, non-ASCII letters, and be 64 bytes
/// long before the `@`: each is one file, directly in the folder.
@Suite struct FolderMailerNameTests {
    static let addresses = [
        "a/b@example.com", "/@example.com", "a%2Fb@example.com", "~root@example.com", "ü@bücher.example",
        "{a}|b'c`d@example.com", String(repeating: "/", count: 64) + "@" + String(repeating: "x", count: 60) + ".io",
        String(repeating: "é", count: 32) + "@example.com",
    ]

    @Test(arguments: addresses)
    func everyAddressGetsOneSafeFileInTheFolder(_ raw: String) async throws {
        let recipient = try EmailAddress(raw)
        let name = FolderMailer.fileName(messageID: "<0b5e-41@acme.com>", recipient: recipient)
        #expect(!name.contains("/") && !name.hasPrefix(".") && name.hasSuffix(".eml"), "\(name)")
        #expect(name.utf8.count + ".partial".count + 1 <= 255, "\(name)")
        #expect(name.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.generalCategory != .control })

        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await FolderMailer(folder: folder.url).deliver("x", messageID: "<0b5e-41@acme.com>", to: recipient)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [name])
    }

    @Test func differentAddressesNeverShareAName() throws {
        let names = try Self.addresses.map {
            FolderMailer.fileName(messageID: "<same@acme.com>", recipient: try EmailAddress($0))
        }
        #expect(Set(names).count == names.count, "\(names)")
        #expect(names[0] == "a%2Fb@example.com-same.eml")
    }

    @Test func theFolderIsCreatedForTheOwnerOnly() async throws {
        let parent = try TemporaryDirectory()
        defer { parent.remove() }
        let folder = parent.file("outbox")
        try await FolderMailer(folder: folder).deliver("x", messageID: "<m@acme.com>", to: try EmailAddress("bo@x.io"))
        let mode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o700)
    }
}
