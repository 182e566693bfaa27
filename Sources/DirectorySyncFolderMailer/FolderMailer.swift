import CSyncFS
import DirectorySync
import Foundation

/// Writes each message as an RFC 5322 `.eml` file into a folder: for previews, demos and tests.
///
/// The file name comes from the Message-ID, so delivering the same message twice (after a crash
/// between writing and marking it sent) rewrites the same file instead of adding a second one: messages
/// are written in batches of 500, made durable together by one `syncfs`, then marked sent.
public struct FolderMailer: Mailer {
    /// The folder messages are written into; created (mode 0700) on the first delivery when missing.
    public let folder: URL

    /// A mailer writing into `folder`; nothing is created until the first delivery.
    public init(folder: URL) { self.folder = folder }

    /// 500: a redelivery only rewrites the same file, so messages are made durable and marked sent 500 at a time.
    public var batchSize: Int { 500 }

    /// Makes every file written so far durable with one `syncfs` of the folder's file system; a failure is
    /// `.misconfigured`.
    public func flush() async throws(MailDeliveryError) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0, csystem_syncfs(descriptor) == 0 else {
            let failure = errno
            if descriptor >= 0 { close(descriptor) }
            throw .misconfigured("cannot flush \(folder.path) to disk: \(String(cString: strerror(failure)))")
        }
        close(descriptor)
    }

    /// Writes the message to `<recipient>-<Message-ID>.eml` (mode 0600), written beside and renamed over any
    /// earlier copy. A folder that cannot be written is `.misconfigured`; a file that cannot take its name,
    /// `.temporary`.
    public func deliver(_ content: String, messageID: String, to recipient: EmailAddress)
        async throws(MailDeliveryError)
    {
        let name = Self.fileName(messageID: messageID, recipient: recipient)
        let target = folder.path + "/" + name
        // Write beside, then rename over any earlier copy: a reader never sees half a message. The partial file
        // is named after the message, so a delivery cut short by a crash is overwritten and renamed by the
        // redelivery.
        let partial = folder.path + "/." + name + ".partial"
        var failure = Self.write(content, to: partial)
        if failure == ENOENT {
            try createFolder()
            failure = Self.write(content, to: partial)
        }
        // Waiting does not make a folder writable: stop the run and say why.
        guard failure == 0 else {
            throw .misconfigured("cannot write to \(folder.path): \(String(cString: strerror(failure)))")
        }
        guard rename(partial, target) == 0 else {
            // The folder takes files, this one cannot go where it belongs (something else is there): a problem
            // of this message only, retried later while the others are delivered.
            let failure = errno
            unlink(partial)
            throw .temporary("cannot write \(target): \(String(cString: strerror(failure)))")
        }
    }

    /// Creates the folder, mode 0700: its files hold accept links.
    private func createFolder() throws(MailDeliveryError) {
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .misconfigured("cannot write to \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Writes `content` to a new file at `path` (mode 0600: it holds an accept link); the `errno` of a
    /// failure, else 0.
    private static func write(_ content: String, to path: String) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return errno }
        let bytes = Array(content.utf8)
        let failure = bytes.withUnsafeBytes { buffer -> Int32 in
            guard let start = buffer.baseAddress else { return 0 }
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, start + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
        close(descriptor)
        if failure != 0 { unlink(path) }
        return failure
    }

    /// `bo@acme.com-1b4e….eml`: the recipient first, for people browsing the folder. A name, never a path:
    /// bytes outside letters, digits and `@._+-` are percent-encoded (`a/b@x.io` → `a%2Fb@x.io`), a leading dot
    /// too; a long address is cut and given a hash of the whole, so every name stays well under 255 bytes.
    static func fileName(messageID: String, recipient: EmailAddress) -> String {
        let unique =
            messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>")).split(separator: "@").first ?? ""
        var safe = String(unique).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        if safe.isEmpty || safe.count > 64 { safe = String(Digest.sha256Hex(messageID).prefix(32)) }
        var shown = ""
        for byte in recipient.canonical.utf8 {
            let isSafe =
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || [UInt8(ascii: "@"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-")]
                    .contains(byte)
            if isSafe && !(shown.isEmpty && byte == UInt8(ascii: ".")) {
                shown.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                shown += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        if shown.utf8.count > maximumShownRecipient {
            var cut = shown.prefix(maximumShownRecipient - 17)
            // Never half a %XX escape.
            if let percent = cut.suffix(2).lastIndex(of: "%") { cut = cut[..<percent] }
            shown = cut + "~" + Digest.sha256Hex(recipient.canonical).prefix(16)
        }
        return "\(shown)-\(safe).eml"
    }

    /// Bytes of the recipient's part of a file name: with the Message-ID's 64 at most and `.partial`, under 255.
    private static let maximumShownRecipient = 150
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
