import Foundation

/// The invitation email: every word of it lives here.
///
/// It carries what the product documents require: the organization's name, who invited, the role,
/// the accept link, when the link expires, and the inviter's personal message if there is one.
public struct InvitationMail: Sendable, Equatable {
    /// Why the email is sent: it changes the subject and the words around the link.
    public enum Occasion: Sendable, Equatable {
        /// The first email of an invitation.
        case invitation
        /// A resend: a new link replaces the old one.
        case reminder
    }

    /// A first invitation or a reminder.
    public var occasion: Occasion
    /// The organization's name, as the recipient will see it.
    public var organization: String
    /// Who invited, as the invitation records them (a name or an address); shown as written.
    public var inviter: String
    /// The role the recipient will have on accepting.
    public var role: Role
    /// The accept URL, token included: whoever holds it can accept the invitation, once.
    public var acceptLink: String
    /// When the link stops working; shown in UTC to the minute.
    public var expiresAt: Date
    /// The inviter's personal message, quoted in the email; nil or blank for none.
    public var message: String?
    /// The roles the recipient will also hold, each for the whole organization or one account.
    public var grants: [Grant] = []

    /// The email for one invitation; `message` should have passed `check(message:)`.
    public init(
        occasion: Occasion, organization: String, inviter: String, role: Role, acceptLink: String, expiresAt: Date,
        message: String?
    ) {
        self.occasion = occasion
        self.organization = organization
        self.inviter = inviter
        self.role = role
        self.acceptLink = acceptLink
        self.expiresAt = expiresAt
        self.message = message
    }

    /// `<inviter> invited you to join <organization>`, with `Reminder: ` before it for a reminder.
    public var subject: String {
        switch occasion {
        case .invitation: "\(inviter) invited you to join \(organization)"
        case .reminder: "Reminder: \(inviter) invited you to join \(organization)"
        }
    }

    private var roleWithArticle: String { role == .admin ? "an admin" : "a \(role)" }

    /// `You will also hold these roles: signer (the whole organization), template-editor (account Sales US).`
    private var grantsSentence: String? {
        guard !grants.isEmpty else { return nil }
        let listed = grants.map { grant in
            "\(grant.role) (" + (grant.account.map { "account \($0)" } ?? "the whole organization") + ")"
        }
        return
            "You will also hold \(grants.count == 1 ? "this role" : "these roles"): \(listed.joined(separator: ", "))."
    }

    /// Why a personal message cannot go in an email: it holds a control character other than a line break or a
    /// tab (an escape sequence, a NUL, a backspace).
    public struct MessageProblem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The first control character found in the message.
        public let scalar: Unicode.Scalar

        /// What is wrong, naming the character by code point (`U+001B`), and what may appear instead.
        public var description: String {
            "the personal message holds \(EmailAddress.Invalid.codePoint(scalar)), a control character; "
                + "only text, tabs and line breaks may appear"
        }
    }

    /// `message` if it may go in an email, else the problem with it.
    public static func check(message: String) throws(MessageProblem) -> String {
        if let problem = problem(in: message) { throw problem }
        return message
    }

    /// What is wrong with `message`, or nil when it may go in an email.
    public static func problem(in message: String) -> MessageProblem? {
        for character in message where !character.isNewline {
            if let control = character.unicodeScalars.first(where: { Self.isForbidden($0) }) {
                return MessageProblem(scalar: control)
            }
        }
        return nil
    }

    /// Controls (Unicode Cc) other than the tab; line breaks are told apart before this is asked.
    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\t" && scalar.properties.generalCategory == .control
    }

    /// The personal message's lines: split at every kind of line break (LF, CR, CRLF, VT, FF, NEL, U+2028,
    /// U+2029), so none can end a quoted line early; a control character stored before they were refused is
    /// dropped. Empty when there is no message.
    private var messageLines: [String] {
        guard let message, !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { line in
            var kept = String.UnicodeScalarView()
            kept.append(contentsOf: line.unicodeScalars.filter { !Self.isForbidden($0) })
            return String(kept)
        }
    }

    private var quotedMessage: [String] {
        let lines = messageLines
        guard !lines.isEmpty else { return [] }
        return ["\(inviter) wrote:"] + lines.map { "> " + $0 } + [""]
    }

    /// The plain-text body: greeting, who invited and as what, any personal message quoted, the link, its expiry.
    public var text: String {
        var lines = [
            "Hello,",
            "",
            "\(inviter) invited you to join \(organization) as \(roleWithArticle).",
            "",
        ]
        if let grantsSentence { lines += [grantsSentence, ""] }
        lines += quotedMessage
        lines += [
            occasion == .reminder
                ? "Accept the invitation (this link replaces any earlier one):" : "Accept the invitation:",
            acceptLink,
            "",
            "The link works once and expires on \(DateText.short(expiresAt)).",
            "If you were not expecting this invitation, you can ignore this email.",
        ]
        return lines.joined(separator: "\n")
    }

    /// The HTML body: the same words as `text`, every interpolated value HTML-escaped.
    public var html: String {
        let escape = HTMLText.escape
        var body = [
            "<!DOCTYPE html>",
            "<html><body style=\"font-family: sans-serif; line-height: 1.5\">",
            "<p>Hello,</p>",
            "<p><strong>\(escape(inviter))</strong> invited you to join <strong>\(escape(organization))</strong>"
                + " as \(roleWithArticle).</p>",
        ]
        if let grantsSentence { body.append("<p>\(escape(grantsSentence))</p>") }
        let lines = messageLines
        if !lines.isEmpty {
            body.append("<blockquote>\(lines.map(escape).joined(separator: "<br>"))</blockquote>")
        }
        body += [
            "<p><a href=\"\(escape(acceptLink))\">Accept the invitation</a></p>",
            "<p>The link works once and expires on \(escape(DateText.short(expiresAt))).<br>",
            "If you were not expecting this invitation, you can ignore this email.</p>",
            "</body></html>",
        ]
        return body.joined(separator: "\n")
    }

    /// The message to `recipient` from `settings.from`.
    public func message(to recipient: EmailAddress, from settings: MailSettings, date: Date, messageID: String)
        -> MailMessage
    {
        MailMessage(
            from: settings.from, to: Mailbox(displayName: nil, address: recipient), subject: subject, date: date,
            messageID: messageID, text: text, html: html)
    }
}
