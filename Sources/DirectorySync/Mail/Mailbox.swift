import Foundation

/// A mail address with an optional display name: `Acme Corp <no-reply@acme.com>`.
public struct Mailbox: Sendable, Equatable, CustomStringConvertible {
    public let displayName: String?
    public let address: EmailAddress

    public init(displayName: String?, address: EmailAddress) {
        let trimmed = displayName?.trimmingCharacters(in: .whitespaces)
        self.displayName = trimmed?.isEmpty == false ? trimmed : nil
        self.address = address
    }

    /// Reads `Name <addr@host>`, `"Name" <addr@host>` or a bare `addr@host`.
    public init(parsing text: String) throws(EmailAddress.Invalid) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
            self.init(displayName: nil, address: try EmailAddress(trimmed))
            return
        }
        let address = try EmailAddress(
            String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
        var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        self.init(displayName: name, address: address)
    }

    public var description: String {
        guard let displayName else { return address.canonical }
        return "\(displayName) <\(address.canonical)>"
    }
}

/// What invitation emails need beyond the invitation: the sender and the accept-link template.
public struct MailSettings: Sendable, Equatable {
    /// The From of every message.
    public var from: Mailbox
    /// The accept link, with `{token}` where the token goes.
    public var acceptURLTemplate: String

    public init(from: Mailbox, acceptURLTemplate: String) {
        self.from = from
        self.acceptURLTemplate = acceptURLTemplate
    }
}
