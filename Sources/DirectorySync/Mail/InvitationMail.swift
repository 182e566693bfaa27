import Foundation

/// The invitation email: every word of it lives here.
///
/// It carries what the product documents require: the organization's name, who invited, the role,
/// the accept link, when the link expires, and the inviter's personal message if there is one.
public struct InvitationMail: Sendable, Equatable {
    public enum Occasion: Sendable, Equatable {
        /// The first email of an invitation.
        case invitation
        /// A resend: a new link replaces the old one.
        case reminder
    }

    public var occasion: Occasion
    public var organization: String
    public var inviter: String
    public var role: Role
    public var acceptLink: String
    public var expiresAt: Date
    public var message: String?

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

    public var subject: String {
        switch occasion {
        case .invitation: "\(inviter) invited you to join \(organization)"
        case .reminder: "Reminder: \(inviter) invited you to join \(organization)"
        }
    }

    private var roleWithArticle: String { role == .admin ? "an admin" : "a \(role)" }

    private var quotedMessage: [String] {
        guard let message, !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }
        return ["\(inviter) wrote:"] + lines + [""]
    }

    public var text: String {
        var lines = [
            "Hello,",
            "",
            "\(inviter) invited you to join \(organization) as \(roleWithArticle).",
            "",
        ]
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

    public var html: String {
        func escape(_ text: String) -> String {
            guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else {
                return text
            }
            var escaped = ""
            escaped.reserveCapacity(text.utf8.count + 16)
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": escaped += "&amp;"
                case "<": escaped += "&lt;"
                case ">": escaped += "&gt;"
                case "\"": escaped += "&quot;"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped
        }
        var body = [
            "<!DOCTYPE html>",
            "<html><body style=\"font-family: sans-serif; line-height: 1.5\">",
            "<p>Hello,</p>",
            "<p><strong>\(escape(inviter))</strong> invited you to join <strong>\(escape(organization))</strong>"
                + " as \(roleWithArticle).</p>",
        ]
        if let message, !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }
            body.append("<blockquote>\(lines.joined(separator: "<br>"))</blockquote>")
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
