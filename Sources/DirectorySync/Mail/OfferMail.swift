import Foundation

/// The mail offering an existing member new access: who offers which roles in which scope, in which
/// organization, and the link to accept or decline, with its expiry. Every word of it lives here.
public struct OfferMail: Sendable, Equatable {
    /// The first mail of an offer, or a resend with a new link.
    public var isReminder: Bool
    /// The organization's name.
    public var organization: String
    /// Who offers, as the offer records them.
    public var offeredBy: String
    /// A higher organization role offered, if any.
    public var role: Role?
    /// The grants offered.
    public var grants: [Grant]
    /// The link, token included: whoever holds it can accept or decline the offer, once.
    public var link: String
    /// When the link stops working.
    public var expiresAt: Date

    /// The mail for one offer.
    public init(
        isReminder: Bool, organization: String, offeredBy: String, role: Role?, grants: [Grant], link: String,
        expiresAt: Date
    ) {
        self.isReminder = isReminder
        self.organization = organization
        self.offeredBy = offeredBy
        self.role = role
        self.grants = grants
        self.link = link
        self.expiresAt = expiresAt
    }

    /// `<offeredBy> offers you new access in <organization>`, with `Reminder: ` before it for a resend.
    public var subject: String {
        (isReminder ? "Reminder: " : "") + "\(offeredBy) offers you new access in \(organization)"
    }

    /// Each offered role with its scope, one per line.
    private var offered: [String] {
        (role.map { ["\($0) (your role in the organization)"] } ?? [])
            + grants.map { "\($0.role) (" + ($0.account.map { "account \($0)" } ?? "the whole organization") + ")" }
    }

    /// The plain-text body.
    public var text: String {
        var lines = ["Hello,", "", "\(offeredBy) offers you new access in \(organization):", ""]
        lines += offered.map { "  - " + $0 }
        lines += [
            "",
            "Nothing changes until you accept. Accept or decline"
                + (isReminder ? " (this link replaces any earlier one):" : ":"),
            link,
            "",
            "The link works once and expires on \(DateText.short(expiresAt)).",
        ]
        return lines.joined(separator: "\n")
    }

    /// The HTML body: the same words, every interpolated value HTML-escaped.
    public var html: String {
        let escape = HTMLText.escape
        return [
            "<!DOCTYPE html>",
            "<html><body style=\"font-family: sans-serif; line-height: 1.5\">",
            "<p>Hello,</p>",
            "<p><strong>\(escape(offeredBy))</strong> offers you new access in <strong>\(escape(organization))</strong>:</p>",
            "<ul>" + offered.map { "<li>\(escape($0))</li>" }.joined() + "</ul>",
            "<p>Nothing changes until you accept.</p>",
            "<p><a href=\"\(escape(link))\">Accept or decline</a></p>",
            "<p>The link works once and expires on \(escape(DateText.short(expiresAt))).</p>",
            "</body></html>",
        ].joined(separator: "\n")
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
