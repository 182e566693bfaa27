import Foundation

/// Hands messages to a transport: an SMTP server, a folder of `.eml` files, or memory in tests.
///
/// Delivery goes one message at a time so each can be marked sent the moment the transport accepts
/// it; a conformer that keeps a connection open between calls (SMTP) reuses it for a whole batch
/// and releases it in `finish()`.
public protocol Mailer: Sendable {
    /// Delivers one rendered RFC 5322 message to `recipient`.
    func deliver(_ content: String, messageID: String, to recipient: EmailAddress) async throws(MailDeliveryError)
    /// Releases whatever a batch kept open; the next `deliver` starts afresh.
    func finish() async
}

extension Mailer {
    public func finish() async {}
}

/// Why a message was not delivered.
public enum MailDeliveryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Worth retrying this message later: a 4xx reply to its recipient or its data.
    case temporary(String)
    /// Never worth retrying: a 5xx reply to this message's recipient or data.
    case permanent(String)
    /// The transport takes no message at the moment, whichever it is: connection refused, a timeout, a TLS
    /// or login failure, a 421 reply, the sender refused. Nothing is wrong with the message itself.
    case unavailable(String)
    /// The transport refuses this client, whichever the message, until its configuration changes: the login,
    /// the TLS certificate, a missing STARTTLS, the sender. Waiting does not help.
    case misconfigured(String)

    public var description: String {
        switch self {
        case .temporary(let reason): "temporary failure: \(reason)"
        case .permanent(let reason): "permanent failure: \(reason)"
        case .unavailable(let reason): "transport unavailable: \(reason)"
        case .misconfigured(let reason): "transport refuses this client: \(reason)"
        }
    }
}

/// Writes each message as an RFC 5322 `.eml` file into a folder: for previews, demos and tests.
///
/// The file name comes from the Message-ID, so delivering the same message twice (after a crash
/// between writing and marking it sent) rewrites the same file instead of adding a second one.
public struct FolderMailer: Mailer {
    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    public func deliver(_ content: String, messageID: String, to recipient: EmailAddress)
        async throws(MailDeliveryError)
    {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
            let name = Self.fileName(messageID: messageID, recipient: recipient)
            let target = folder.appendingPathComponent(name)
            // Write beside, then rename: a reader never sees half a message. The partial file is named after the
            // message, so a delivery cut short by a crash is overwritten and renamed by the redelivery.
            let partial = folder.appendingPathComponent(".\(name).partial")
            try Data(content.utf8).write(to: partial)
            if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
            try fileManager.moveItem(at: partial, to: target)
        } catch {
            // Waiting does not make a folder writable: stop the run and say why.
            throw .misconfigured("cannot write to \(folder.path): \(error.localizedDescription)")
        }
    }

    /// `bo@acme.com-1b4e….eml`: the recipient first, for people browsing the folder.
    static func fileName(messageID: String, recipient: EmailAddress) -> String {
        let unique =
            messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>")).split(separator: "@").first ?? ""
        let safe = String(unique).filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return "\(recipient.canonical)-\(safe).eml"
    }
}
