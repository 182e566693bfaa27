import Foundation

/// The mails of the account-first flow: the account invitation with its code, and the notice to the
/// organization's admins that someone requested access. Every value from a person or a directory is escaped
/// in the HTML part; the plain part carries it as text.
public enum AccessMail {
    /// The account invitation: create an account, then request access with this code.
    public static func accountInvitation(
        organization: String, inviter: String, code: AccessCode, expiresAt: Date, to recipient: EmailAddress,
        from settings: MailSettings, date: Date, messageID: String
    ) -> MailMessage {
        let subject = "\(inviter) invited you to request access to \(organization)"
        let page = settings.requestAccessURL
        var text = """
            \(inviter) invited you to \(organization).

            Create your account, then request access with this code:

                \(code.grouped)

            The code works once, for \(recipient), until \(DateText.short(expiresAt)). An admin of \(organization) \
            approves the request; you then receive the invitation to join.
            """
        var html = """
            <p>\(HTMLText.escape(inviter)) invited you to <strong>\(HTMLText.escape(organization))</strong>.</p>
            <p>Create your account, then request access with this code:</p>
            <p style="font-family: monospace; font-size: 1.4em">\(code.grouped)</p>
            <p>The code works once, for \(HTMLText.escape(recipient.canonical)), until \
            \(DateText.short(expiresAt)). An admin of \(HTMLText.escape(organization)) approves the request; you \
            then receive the invitation to join.</p>
            """
        if let page {
            text += "\n\nType the code here: \(page)"
            html += "\n<p>Type the code here: <a href=\"\(HTMLText.escape(page))\">\(HTMLText.escape(page))</a></p>"
        }
        return MailMessage(
            from: settings.from, to: Mailbox(displayName: nil, address: recipient), subject: subject, date: date,
            messageID: messageID, text: text + "\n", html: html + "\n")
    }

    /// The notice to an admin: who requested access, with which username, and how to answer.
    public static func requestNotice(
        organization: String, request: AccessRequest, to admin: EmailAddress, from settings: MailSettings,
        date: Date, messageID: String
    ) -> MailMessage {
        let name = [request.givenName, request.familyName].compactMap { $0 }.joined(separator: " ")
        let who = name.isEmpty ? request.email.canonical : "\(name) <\(request.email.canonical)>"
        let subject = "\(request.email.canonical) requests access to \(organization)"
        let text = """
            \(who) requests access to \(organization) with the username \(request.username).

            Approve:  dirsync access approve \(request.username) --role ROLE
            Deny:     dirsync access deny \(request.username) --reason "…"

            The request lapses on \(DateText.short(request.expiresAt)).
            """
        let html = """
            <p>\(HTMLText.escape(who)) requests access to <strong>\(HTMLText.escape(organization))</strong> with \
            the username <code>\(HTMLText.escape(request.username.text))</code>.</p>
            <p>Approve: <code>dirsync access approve \(HTMLText.escape(request.username.text)) --role ROLE</code><br>
            Deny: <code>dirsync access deny \(HTMLText.escape(request.username.text))</code></p>
            <p>The request lapses on \(DateText.short(request.expiresAt)).</p>
            """
        return MailMessage(
            from: settings.from, to: Mailbox(displayName: nil, address: admin), subject: subject, date: date,
            messageID: messageID, text: text + "\n", html: html + "\n")
    }
}
