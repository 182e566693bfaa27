import Foundation

/// A mail address with an optional display name: `Acme Corp <no-reply@acme.com>`.
public struct Mailbox: Sendable, Equatable, CustomStringConvertible {
    /// The name shown before the address (`Acme Corp`), trimmed; nil when there is none.
    public let displayName: String?
    /// Where mail to this mailbox goes.
    public let address: EmailAddress

    /// A mailbox for `address`; `displayName` is trimmed of spaces, and a blank one counts as none.
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

    /// `Name <address>` with the canonical address, or the address alone; the name is not quoted or encoded.
    public var description: String {
        guard let displayName else { return address.canonical }
        return "\(displayName) <\(address.canonical)>"
    }
}

/// What invitation emails need beyond the invitation: the sender, the accept-link template, and which
/// addresses the transport can deliver to.
public struct MailSettings: Sendable, Equatable {
    /// The From of every message.
    public var from: Mailbox
    /// The accept link, with `{token}` where the token goes.
    public var acceptURLTemplate: String
    /// The link in an offer of new access, with `{token}` (`mail.offer_url`); by default the accept link with
    /// `invitations/accept` read as `offers/accept`.
    public var offerURLTemplate: String
    /// Consulted before anyone is invited, so an address the transport cannot take is refused then.
    public var capabilities: MailCapabilities
    /// The page where an account-first code is typed, named in the account invitation; nil names none.
    public var requestAccessURL: String?
    /// Whether the accept link carries the invitee's names (`first_name`, `last_name`) for a page elsewhere to
    /// pre-fill; false for the pages of `dirsync serve`, which read them from the store (names in a URL end
    /// up in browser histories and proxy logs).
    public var prefillsNames = true

    /// Settings for mail sent from `from`; by default every address is taken, as a folder takes them.
    public init(
        from: Mailbox, acceptURLTemplate: String, offerURLTemplate: String? = nil,
        capabilities: MailCapabilities = .folder
    ) {
        self.from = from
        self.acceptURLTemplate = acceptURLTemplate
        self.offerURLTemplate =
            offerURLTemplate ?? acceptURLTemplate.replacingOccurrences(of: "invitations/accept", with: "offers/accept")
        self.capabilities = capabilities
    }
}

/// Which addresses a mail transport can deliver to. Domains are never the problem: a non-ASCII domain goes
/// out as Punycode (`xn--…`). A non-ASCII local part (`ü@example.com`) needs a server offering SMTPUTF8
/// (RFC 6531); dirsync does not probe for it, `mail.smtputf8: true` says the server has it.
public struct MailCapabilities: Sendable, Equatable {
    /// Whether addresses such as `ü@example.com` can be delivered.
    public var acceptsNonASCIILocalParts: Bool

    /// Capabilities of a transport that does, or does not, take non-ASCII local parts.
    public init(acceptsNonASCIILocalParts: Bool) {
        self.acceptsNonASCIILocalParts = acceptsNonASCIILocalParts
    }

    /// A folder of `.eml` files takes every address.
    public static let folder = MailCapabilities(acceptsNonASCIILocalParts: true)

    /// What an SMTP server with `settings` takes.
    public static func smtp(_ settings: SMTPSettings) -> MailCapabilities {
        MailCapabilities(acceptsNonASCIILocalParts: settings.smtputf8)
    }

    /// Why mail to `address` cannot be delivered, or nil when it can.
    public func refusal(of address: EmailAddress) -> String? {
        if !acceptsNonASCIILocalParts && !address.hasASCIILocalPart {
            return "the mail server does not accept non-ASCII local parts (mail.smtputf8 is not true)"
        }
        return nil
    }
}
