import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySyncFolderMailer

/// The folder mailer on real files: one `.eml` per message, the same message twice is one file, an unwritable
/// folder stops delivery with the reason.
@Suite struct FolderMailerTests {
    @Test func writesOneEmlPerMessageNamedByRecipientAndMessageID() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let mailer = FolderMailer(folder: folder.file("outbox"))
        try await mailer.deliver(
            "Subject: a\r\n\r\nbody\r\n", messageID: "<m-1@acme.com>", to: try EmailAddress("bo@acme.com"))
        try await mailer.deliver(
            "Subject: b\r\n\r\nbody\r\n", messageID: "<m-2@acme.com>", to: try EmailAddress("cy@acme.com"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).sorted()
        #expect(names == ["bo@acme.com-m-1.eml", "cy@acme.com-m-2.eml"])
        #expect(
            try String(contentsOf: folder.file("outbox/bo@acme.com-m-1.eml"), encoding: .utf8)
                == "Subject: a\r\n\r\nbody\r\n")
    }

    @Test func deliveringTheSameMessageTwiceLeavesOneFile() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let mailer = FolderMailer(folder: folder.url)
        for _ in 0..<2 {
            try await mailer.deliver("x", messageID: "<same@acme.com>", to: try EmailAddress("bo@acme.com"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bo@acme.com-same.eml"])
    }

    @Test func anUnwritableFolderStopsDeliveryWithTheReason() async throws {
        let mailer = FolderMailer(folder: URL(fileURLWithPath: "/proc/dirsync-cannot-write-here"))
        let recipient = try EmailAddress("bo@acme.com")
        do {
            try await mailer.deliver("x", messageID: "<m@acme.com>", to: recipient)
            Issue.record("wrote into /proc")
        } catch {
            guard case .misconfigured(let reason) = error else {
                Issue.record("expected .misconfigured, got \(error)")
                return
            }
            #expect(reason.hasPrefix("cannot write to /proc/dirsync-cannot-write-here"))
        }
    }
}
