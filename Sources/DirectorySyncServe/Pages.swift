import DirectorySync
import Foundation

/// The HTML of every page `dirsync serve` shows: server-rendered, usable without JavaScript, on a phone and
/// with a screen reader (one `main` landmark, labelled fields, the page's purpose in its title and `h1`).
/// Every string that comes from the directory, the store or the request goes through `HTMLText.escape`.
enum Pages {
    /// The stylesheet every page links to (`/style.css`); served from here, so the policy can forbid inline
    /// styles.
    static let stylesheet = """
        :root { color-scheme: light dark; --accent: #2557a7; }
        * { box-sizing: border-box; }
        body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; }
        main { max-width: 34rem; margin: 2rem auto; }
        h1 { font-size: 1.5rem; line-height: 1.25; }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input[type=text], input[type=email] { width: 100%; padding: .6rem; font: inherit; margin-top: .25rem; }
        button { margin-top: 1.5rem; padding: .7rem 1.4rem; font: inherit; border: 0; border-radius: .3rem;
          background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: transparent; color: inherit; border: 1px solid currentColor; }
        blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: .25rem solid var(--accent); }
        .note { font-size: .9rem; opacity: .8; }
        .problem { padding: .75rem 1rem; border: 1px solid #b3261e; border-radius: .3rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        """

    /// A whole page: `title` names it (escaped here), `body` is markup already escaped by its builder.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(HTMLText.escape(title))</title>
        <link rel="stylesheet" href="\(stylesheetPath)">
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// The stylesheet, relative to the page (every page is one folder deep), so a reverse proxy may serve the
    /// pages under a path prefix.
    static let stylesheetPath = "../style.css"

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// A hidden form field.
    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(name)\" value=\"\(escape(value))\">"
    }

    /// A labelled text field.
    static func field(
        _ name: String, label: String, value: String?, type: String = "text", autocomplete: String,
        required: Bool = false, extra: String = ""
    ) -> String {
        """
        <label for="\(name)">\(escape(label))</label>
        <input type="\(type)" id="\(name)" name="\(name)" value="\(escape(value ?? ""))" \
        autocomplete="\(autocomplete)" maxlength="200"\(required ? " required" : "")\(extra)>
        """
    }

    /// What a grant gives, in words.
    static func describe(_ grant: Grant) -> String {
        grant.account.map { "\(grant.role) for the account \($0)" } ?? "\(grant.role) for the whole organization"
    }

    // MARK: - Invitations

    /// The accept page: who invites, to what, with which roles, until when; the form to accept.
    static func invitation(_ opened: Ledger.OpenedInvitation, token: String, csrf: String) -> String {
        let invitation = opened.invitation
        let organization = opened.organization.name
        var body = """
            <h1>Join \(escape(organization))</h1>
            <p>\(escape(invitation.invitedBy)) invited <strong>\(escape(invitation.email.canonical))</strong> \
            to join \(escape(organization)).</p>
            <dl>
            <dt>Role</dt><dd>\(escape(invitation.role.rawValue))</dd>

            """
        for grant in opened.grants {
            body += "<dt>Also</dt><dd>\(escape(describe(grant)))</dd>\n"
        }
        body += "<dt>Expires</dt><dd>\(escape(DateText.short(invitation.expiresAt)))</dd>\n</dl>\n"
        if let message = invitation.message, !message.isEmpty {
            body += "<p>\(escape(invitation.invitedBy)) wrote:</p>\n<blockquote>\(escape(message))</blockquote>\n"
        }
        body += """
            <form method="post" action="accept">
            \(hidden("token", token))
            \(hidden("csrf", csrf))
            \(field("given_name", label: "First name", value: invitation.givenName, autocomplete: "given-name"))
            \(field("family_name", label: "Last name", value: invitation.familyName, autocomplete: "family-name"))

            """
        body += "<p>Your username: <strong>\(escape(invitation.username.text))</strong></p>\n"
        body += """
            <button type="submit">Accept the invitation</button>
            </form>
            <p class="note">Not for you? Ignore the mail: the invitation expires on its own.</p>
            """
        return document(title: "Join \(organization)", body: body)
    }

    /// After accepting.
    static func joined(_ member: Member, organization: String) -> String {
        document(
            title: "Welcome to \(organization)",
            body: """
                <h1>Welcome to \(escape(organization))</h1>
                <p>\(escape(member.email.canonical)) is a member now, with the role \(escape(member.role.rawValue)). \
                You can close this page.</p>
                """)
    }

    /// The one page for a link that cannot be used, whatever the reason (expired, revoked, replaced, used or
    /// unknown), so the page tells nobody which links exist.
    static let unusableLink = document(
        title: "This link cannot be used",
        body: """
            <h1>This link cannot be used</h1>
            <p>It may have expired, been replaced by a newer one, been used already, or be incomplete.</p>
            <p>Ask the person who sent it to resend the invitation (or the offer); the new mail has a link that \
            works.</p>
            """)

    /// An invitation to someone who is a member already.
    static func alreadyMember(organization: String) -> String {
        document(
            title: "Already a member",
            body: """
                <h1>You are a member already</h1>
                <p>This address is a member of \(escape(organization)); there is nothing to accept.</p>
                """)
    }

    // MARK: - Offers

    /// The offer page: the roles offered, accept or decline.
    static func offer(_ opened: Ledger.OpenedOffer, token: String, csrf: String) -> String {
        let offer = opened.offer
        let organization = opened.organization.name
        var body = """
            <h1>New access in \(escape(organization))</h1>
            <p>\(escape(offer.offeredBy)) offers \(escape(opened.member.email.canonical)):</p>
            <ul>

            """
        if let role = offer.role {
            body += "<li>the role \(escape(role.rawValue))</li>\n"
        }
        for item in offer.items {
            body += "<li>\(escape(describe(item.grant)))</li>\n"
        }
        body += """
            </ul>
            <p>The offer expires \(escape(DateText.short(offer.expiresAt))).</p>
            <form method="post" action="accept">
            \(hidden("token", token))
            \(hidden("csrf", csrf))
            <button type="submit" name="answer" value="accept">Accept</button>
            <button type="submit" name="answer" value="decline" class="secondary">Decline</button>
            </form>
            """
        return document(title: "New access in \(organization)", body: body)
    }

    /// After answering an offer.
    static func answered(accepted: Bool, organization: String) -> String {
        let what = accepted ? "You accepted the offer" : "You declined the offer"
        return document(
            title: what,
            body: """
                <h1>\(what)</h1>
                <p>\(accepted ? "The new access in \(escape(organization)) is yours now." : "Nothing changes in \(escape(organization)).") \
                You can close this page.</p>
                """)
    }

    // MARK: - Access requests

    /// What the person typed into the access request form (never the code, which is not shown back).
    struct RequestForm {
        var email: String?
        var username: String?
        var givenName: String?
        var familyName: String?
    }

    /// The access request form of the account-first flow, with `problem` above it when the last try failed.
    static func requestAccess(_ form: RequestForm, csrf: String, problem: String?) -> String {
        var body = "<h1>Request access</h1>\n"
        if let problem {
            body += "<p class=\"problem\" role=\"alert\">\(escape(problem))</p>\n"
        }
        body += """
            <p>Enter the code from your account invitation and the username you want. An admin \
            of the organization then looks at your request and, if they approve, invites you.</p>
            <form method="post" action="request">
            \(hidden("csrf", csrf))
            \(field("code", label: "Code (required)", value: nil, autocomplete: "one-time-code", required: true, extra: " spellcheck=\"false\" autocapitalize=\"characters\""))
            \(field("username", label: "Username (required)", value: form.username, autocomplete: "username", required: true, extra: " spellcheck=\"false\" autocapitalize=\"none\""))
            \(field("email", label: "Email address (the one the code was sent to)", value: form.email, type: "email", autocomplete: "email"))
            \(field("given_name", label: "First name", value: form.givenName, autocomplete: "given-name"))
            \(field("family_name", label: "Last name", value: form.familyName, autocomplete: "family-name"))
            <button type="submit">Request access</button>
            </form>
            """
        return document(title: "Request access", body: body)
    }

    /// After a request for access was recorded.
    static func requested(_ request: AccessRequest, organization: String) -> String {
        document(
            title: "Request sent",
            body: """
                <h1>Your request was sent</h1>
                <p>An admin of \(escape(organization)) will look at it. If they approve, an invitation for \
                <strong>\(escape(request.username.text))</strong> goes to \(escape(request.email.canonical)).</p>
                <p class="note">The request waits until \(escape(DateText.short(request.expiresAt))).</p>
                """)
    }

    // MARK: - Refusals

    /// A form posted without its token, from another site, or after the token changed.
    static let forbidden = document(
        title: "The form could not be sent",
        body: """
            <h1>The form could not be sent</h1>
            <p>It was not sent from this site's page, or the page is too old. Go back, reload the page and try \
            again.</p>
            """)

    /// Too many wrong links or codes from one address.
    static func tooMany(retryAfter seconds: Int) -> String {
        let minutes = max(1, (seconds + 59) / 60)
        return document(
            title: "Too many attempts",
            body: """
                <h1>Too many attempts</h1>
                <p>Too many links or codes that do not work came from your network. Try again in \
                \(minutes) minute\(minutes == 1 ? "" : "s").</p>
                """)
    }

    /// Any other status: a short page, never a stack trace.
    static func status(_ code: Int, _ reason: String) -> String {
        document(
            title: reason,
            body: """
                <h1>\(escape(reason))</h1>
                <p>\(code == 404 ? "There is no page here." : "The request could not be handled (\(code)).")</p>
                """)
    }
}
