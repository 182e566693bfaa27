import DirectorySync
import Foundation

/// JSON as dirsync prints it: snake_case keys, sorted, pretty, ISO 8601 UTC times.
enum JSONOutput {
    static func render(_ value: some Encodable) throws -> String {
        terminalSafe(try JSONText(pretty: true).string(value))
    }

    /// `json` (UTF-8) made safe for the terminal as `terminalSafe(_:)` does.
    static func terminalSafe(bytes json: [UInt8]) -> [UInt8] {
        // Only the lead bytes of what `isUnsafe` may refuse can start trouble; most documents have none.
        guard json.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 || $0 == 0xEF }) else {
            return json
        }
        return Array(terminalSafe(String(decoding: json, as: UTF8.self)).utf8)
    }

    /// `json` with every character the terminal must not receive as is (`TerminalText.isUnsafe`: controls,
    /// bidi overrides, zero-width characters…) written as a JSON `\uXXXX` escape. They can only occur inside
    /// strings, so the document stays valid JSON, decodes to the same strings, and passes `Console.out`'s
    /// terminal escaping unchanged.
    static func terminalSafe(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: TerminalText.isUnsafe) else { return json }
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            guard TerminalText.isUnsafe(scalar), scalar != "\n", scalar != "\t" else {
                result.append(scalar)
                continue
            }
            let units = Array(String(scalar).utf16)
            for unit in units {
                let hex = String(unit, radix: 16)
                result.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            }
        }
        return String(result)
    }
}

/// One member in `dirsync members list --format json`.
struct MemberJSON: Encodable {
    let email: String
    /// Null for someone whose only access here is inherited.
    let username: String?
    /// Null once the member's access was removed (`access_removed_at`).
    let role: String?
    let name: String?
    /// Null for someone whose only access here is inherited from the parent organization.
    let joined_at: String?
    let organization: String
    let via: String
    let managed: Bool
    let grants: [GrantJSON]
    let access_removed_at: String?
    /// What the identity still lacks (`organization.identity.required`); empty when it is complete, null for
    /// someone whose access here is inherited only.
    let identity_missing: [String]?

    /// One grant a member holds: `account` null for the whole organization; `inherited_from` null (grants are
    /// made in the organization itself); `managed` when dirsync made it from the grant rules.
    struct GrantJSON: Encodable {
        let role: String
        let account: String?
        let inherited_from: String?
        let managed: Bool
    }

    /// Someone whose access here is inherited from the parent organization only: no role, no seat.
    init(inherited: [InheritedGrant], organization: Organization) {
        email = inherited.first?.email.canonical ?? ""
        username = nil
        identity_missing = nil
        role = nil
        access_removed_at = nil
        name = inherited.first?.name
        joined_at = nil
        self.organization = organization.name
        via = "inherited"
        managed = false
        grants = inherited.map {
            GrantJSON(role: $0.grant.role, account: nil, inherited_from: $0.from, managed: false)
        }
    }

    init(
        _ member: Member, organization: Organization, grants: [MemberGrant] = [], inherited: [InheritedGrant] = [],
        required: [String] = Identity.defaultRequired
    ) {
        identity_missing = member.identity.missing(required)
        email = member.email.canonical
        username = member.username.text
        role = member.hasAccess ? member.role.rawValue : nil
        access_removed_at = member.accessRemovedAt.map(DateText.iso8601)
        name = member.name
        joined_at = DateText.iso8601(member.joinedAt)
        self.organization = organization.name
        via = member.origin.rawValue
        managed = member.isManaged
        self.grants =
            grants.map {
                GrantJSON(role: $0.grant.role, account: $0.grant.account, inherited_from: nil, managed: $0.isManaged)
            }
            + inherited.map { GrantJSON(role: $0.grant.role, account: nil, inherited_from: $0.from, managed: false) }
    }
}

/// One invitation in `dirsync invitations list --format json`.
struct InvitationJSON: Encodable {
    let id: Int64
    let email: String
    let username: String
    let role: String
    let status: String
    let sent_at: String
    let expires_at: String
    let resend_count: Int
    let invited_by: String
    /// What the invitee holds besides the role on accepting: `account` null for the whole organization.
    let grants: [MemberJSON.GrantJSON]
    /// The names the accept page is pre-filled with; null when unknown.
    let first_name: String?
    let last_name: String?
    /// `link`, or `account-first` for an account invitation.
    let flow: String
    /// Where the invitee is: `link_sent` (a link invitation), or `code_sent` (an account invitation whose code
    /// has not been used yet).
    let step: String

    init(_ invitation: Invitation, now: Date, grants: [Grant] = []) {
        flow = invitation.flow.rawValue
        step = invitation.flow == .link ? "link_sent" : "code_sent"
        id = invitation.id.rawValue
        email = invitation.email.canonical
        username = invitation.username.text
        role = invitation.role.rawValue
        status = invitation.state(at: now).rawValue
        sent_at = DateText.iso8601(invitation.sentAt)
        expires_at = DateText.iso8601(invitation.expiresAt)
        resend_count = invitation.resendCount
        invited_by = invitation.invitedBy
        first_name = invitation.givenName
        last_name = invitation.familyName
        self.grants = grants.map {
            MemberJSON.GrantJSON(role: $0.role, account: $0.account, inherited_from: nil, managed: invitation.isManaged)
        }
    }
}

/// One event in `dirsync audit --format json`.
struct AuditEventJSON: Encodable {
    let time: String
    let event: String
    let actor: String
    let os_user: String?
    let subject: String
    /// Every key of the event's schema (`AuditEvent.Kind.detailKeys`), null when it does not apply.
    let details: [String: String?]

    init(_ event: AuditEvent) {
        time = DateText.iso8601(event.time)
        self.event = event.kind.rawValue
        actor = event.actor
        os_user = event.osUser
        subject = event.subject
        var details: [String: String?] = event.details.mapValues { $0 }
        for key in event.kind.detailKeys where details[key] == nil { details[key] = .some(nil) }
        self.details = details
    }
}

/// One message in `dirsync outbox list --format json`.
struct OutboxMessageJSON: Encodable {
    let id: Int64
    let recipient: String
    let subject: String
    let status: String
    let attempts: Int
    let last_error: String?
    let created_at: String
    let sent_at: String?
    let next_attempt_at: String?
    let message_id: String

    init(_ message: OutboxMessage) {
        id = message.id.rawValue
        recipient = message.recipient.canonical
        subject = message.subject
        status = message.status.rawValue
        attempts = message.attempts
        last_error = message.lastError
        created_at = DateText.iso8601(message.createdAt)
        sent_at = message.sentAt.map(DateText.iso8601)
        next_attempt_at = message.nextAttemptAt.map(DateText.iso8601)
        message_id = message.messageID
    }
}

/// One offer in `dirsync offers list --format json`.
struct OfferJSON: Encodable {
    let id: Int64
    let email: String
    /// A higher organization role offered; null when only grants are.
    let role: String?
    /// The grants offered: `account` null for the whole organization; `managed` when the rules offered it.
    let grants: [MemberJSON.GrantJSON]
    let status: String
    let sent_at: String
    let expires_at: String
    let resend_count: Int
    let offered_by: String
    let closed_at: String?

    init(_ offer: Offer, now: Date) {
        id = offer.id.rawValue
        email = offer.email.canonical
        role = offer.role?.rawValue
        grants = offer.items.map {
            MemberJSON.GrantJSON(
                role: $0.grant.role, account: $0.grant.account, inherited_from: nil, managed: $0.isManaged)
        }
        status = offer.state(at: now).rawValue
        sent_at = DateText.iso8601(offer.sentAt)
        expires_at = DateText.iso8601(offer.expiresAt)
        resend_count = offer.resendCount
        offered_by = offer.offeredBy
        closed_at = offer.closedAt.map(DateText.iso8601)
    }
}

/// A registration's two levels, as `members show --format json` prints them.
struct RegistrationJSON: Encodable {
    /// The identity level: what is registered and what `organization.identity.required` still needs.
    struct IdentityJSON: Encodable {
        let given_name: String?
        let family_name: String?
        let display_name: String?
        let fields: [String: String]
        let complete: Bool
        let missing: [String]

        init(_ identity: Identity, required: [String]) {
            given_name = identity.givenName
            family_name = identity.familyName
            display_name = identity.displayName
            fields = identity.fields
            missing = identity.missing(required)
            complete = missing.isEmpty
        }
    }

    let email: String
    let username: String
    /// `active` (a member), `access_removed`, or `pending` / `expired` (an invitation not yet accepted).
    let account: String
    let role: String?
    /// Whether the invitation registers account and identity in one step; false for members.
    let complete_registration: Bool
    let identity: IdentityJSON

    init(member: Member, required: [String]) {
        email = member.email.canonical
        username = member.username.text
        account = member.hasAccess ? "active" : "access_removed"
        role = member.hasAccess ? member.role.rawValue : nil
        complete_registration = false
        identity = IdentityJSON(member.identity, required: required)
    }

    init(invitation: Invitation, required: [String], now: Date) {
        email = invitation.email.canonical
        username = invitation.username.text
        account = invitation.state(at: now).rawValue
        role = invitation.role.rawValue
        complete_registration = invitation.isComplete
        identity = IdentityJSON(invitation.identity, required: required)
    }
}
