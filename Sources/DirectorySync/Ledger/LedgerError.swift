import Foundation

/// Why an organization-ledger command was refused. Nothing is written when one is thrown.
public enum LedgerError: Error, Equatable, Sendable {
    /// An organization name that is blank or longer than 200 characters.
    case invalidOrganizationName(String)
    /// A name (of an organization or a person) holds a control character.
    case controlCharacterInName(String, Unicode.Scalar)
    /// A name longer than 200 characters; how many it has.
    case nameTooLong(Int)
    /// A seat limit outside `Organization.Settings.seatRange`.
    case invalidSeats(Int)
    /// An invitation validity outside `Organization.Settings.validityRange`.
    case invalidValidity(TimeSpan)
    /// A seat limit below the seats already taken.
    case seatsBelowUse(seats: Int, used: Int)
    /// The inviter named in mail and the audit log must be an owner or admin of the organization.
    case inviterNotAdmin(EmailAddress, role: Role?)
    /// `--now` (or the clock) is before the invitation's link was sent.
    case tokenNotYetValid(from: Date)
    /// The store already has an organization of this name.
    case organizationExists(String)
    /// No organization has this name; `known` lists the store's organizations.
    case organizationNotFound(String, known: [String])
    /// The store holds no organization, or no longer the one a command was working on.
    case noOrganization
    /// The store holds several organizations (named here) and none was chosen.
    case ambiguousOrganization([String])
    /// An invitation batch without a single address.
    case emptyBatch
    /// An invitation batch of `count` addresses, over its `limit`.
    case batchTooLarge(count: Int, limit: Int)
    /// The address at `position` (counting from 1) of a batch is not a valid address.
    case invalidAddressInBatch(position: Int, EmailAddress.Invalid)
    /// An address that appears twice in one batch.
    case duplicateInBatch(EmailAddress)
    /// An invitation with the role owner: owners are never invited.
    case ownerNotInvitable
    /// More seats are needed than are free: `used` of `seats` taken, `requested` more asked for.
    case seatLimitReached(used: Int, seats: Int, requested: Int)
    /// The address already belongs to a member (with `role`).
    case alreadyMember(EmailAddress, role: Role)
    /// The address already has a pending invitation, expiring at `expiresAt` (or, if `isExpired`, expired then).
    case alreadyInvited(EmailAddress, expiresAt: Date, isExpired: Bool)
    /// The address has no pending invitation; `latest` and `closedAt` describe its latest one, if it has any.
    case noPendingInvitation(EmailAddress, latest: Invitation.Status?, closedAt: Date?)
    /// Input that is neither a 44-character token nor an accept link holding one.
    case malformedToken
    /// Input that is not sixteen characters of an access code.
    case malformedCode
    /// A code that opens no account invitation: unknown, used, expired, locked after wrong attempts, or for
    /// another address — one message for each, so an attacker learns nothing about which codes exist.
    case unusableCode
    /// The person already has a pending request for access in the organization.
    case accessRequestPending(EmailAddress, username: Username)
    /// No pending request for access has this username.
    case noAccessRequest(Username)
    /// The request for access lapsed before anyone approved it.
    case accessRequestExpired(Username, on: Date)
    /// A well-formed token the store never issued, or whose invitation is no longer pending.
    case unknownToken
    /// The token's invitation was revoked at this date.
    case tokenRevoked(at: Date)
    /// The token stopped working at this date.
    case tokenExpired(at: Date)
    /// The token already accepted the invitation, at this date.
    case tokenUsed(at: Date)
    /// A resend at this date issued a newer token for the invitation.
    case tokenReplaced(at: Date)
    /// The address is not a member of the organization.
    case memberNotFound(EmailAddress)
    /// The member already has the role asked for.
    case roleUnchanged(EmailAddress, Role)
    /// The member is an owner, and owners are never changed or removed by dirsync.
    case ownerUntouchable(EmailAddress)
    /// Nobody becomes owner through dirsync.
    case ownerNotAssignable
    /// A change has to send mail, but `mail.from` or `mail.accept_url` is not configured.
    case mailNotConfigured
    /// The mail transport cannot deliver to this address (a non-ASCII local part without SMTPUTF8).
    case undeliverableAddress(EmailAddress, reason: String)
    /// The personal message holds a control character.
    case invalidMessage(InvitationMail.MessageProblem)
    /// A first or last name given for more than one address.
    case namesForABatch
    /// The member's access was removed (when): nothing may be given to them before it is restored.
    case accessRemoved(EmailAddress, at: Date)
    /// The member has access; there is nothing to restore.
    case accessNotRemoved(EmailAddress)
    /// A complete registration lacks these identity fields (`organization.identity.required`).
    case incompleteIdentity([String])
    /// The token is an offer's, not an invitation's.
    case offerToken
    /// The username given with the address at `position` (1-based) is not a username.
    case invalidUsernameInBatch(position: Int, Username.Invalid)
    /// The username is held by someone else in the organization (a member or a pending invitation).
    case usernameTaken(Username, by: EmailAddress)
    /// The parent named is not an organization of the store (those it has).
    case parentNotFound(String, known: [String])
    /// Making `parent` the organization's parent would make it its own ancestor.
    case parentCycle(String, parent: String)
}

extension LedgerError: UserFacingError {
    /// One line for `error: …`, naming what was refused.
    public var description: String {
        switch self {
        case .invalidOrganizationName(let name):
            "organization name '\(name)' must be 1 to 200 characters, not blank"
        case .controlCharacterInName(_, let scalar):
            "a name must not contain control characters such as line breaks (found \(String(format: "U+%04X", scalar.value)))"
        case .invalidSeats(let seats):
            "seats must be between \(Organization.Settings.seatRange.lowerBound) and \(Organization.Settings.seatRange.upperBound), got \(seats)"
        case .invalidValidity(let span):
            "invitation validity \(TimeSpan.describe(Organization.Settings.validityRange)), got \(span)"
        case .nameTooLong(let count):
            "a name may have at most 200 characters, this one has \(count)"
        case .seatsBelowUse(let seats, let used):
            "cannot lower the seat limit to \(seats): \(used) seats are in use (members and pending invitations)"
        case .inviterNotAdmin(let email, let role?):
            "the inviter must be an owner or admin of the organization; \(email) is a \(role)"
        case .inviterNotAdmin(let email, nil):
            "the inviter must be an owner or admin of the organization; \(email) is not a member"
        case .tokenNotYetValid(let date):
            "this invitation's link was sent on \(DateText.short(date)) and is not valid before then"
        case .organizationExists(let name):
            "organization '\(name)' already exists in this store"
        case .organizationNotFound(let name, let known):
            known.isEmpty
                ? "no organization named '\(name)' in this store (it holds none)"
                : "no organization named '\(name)' in this store (it holds: \(known.joined(separator: ", ")))"
        case .noOrganization:
            "the store holds no organization"
        case .ambiguousOrganization(let names):
            "the store holds \(names.count) organizations (\(names.joined(separator: ", "))); say which one"
        case .emptyBatch:
            "no email addresses given"
        case .batchTooLarge(let count, let limit):
            "a batch holds at most \(limit) addresses, got \(count); nothing was sent"
        case .invalidAddressInBatch(let position, let invalid):
            "address \(position) of the batch: \(invalid); nothing was sent"
        case .duplicateInBatch(let email):
            "\(email) appears more than once in the batch; nothing was sent"
        case .ownerNotInvitable:
            "an invitation cannot carry the role owner"
        case .seatLimitReached(let used, let seats, let requested):
            requested <= 1 || used >= seats
                ? "seat limit reached: \(used) of \(seats) seats used"
                : "seat limit reached: \(used) of \(seats) seats used, and this batch needs \(requested); nothing was sent"
        case .alreadyMember(let email, let role):
            "\(email) is already a member of this organization (role \(role))"
        case .alreadyInvited(let email, let expiresAt, let isExpired):
            isExpired
                ? "\(email) already has a pending invitation, expired on \(DateText.short(expiresAt))"
                : "\(email) already has a pending invitation, valid until \(DateText.short(expiresAt))"
        case .noPendingInvitation(let email, let latest, let closedAt):
            switch (latest, closedAt) {
            case (.accepted?, let date?):
                "\(email) has no pending invitation: it was accepted on \(DateText.short(date))"
            case (.revoked?, let date?): "\(email) has no pending invitation: it was revoked on \(DateText.short(date))"
            default: "\(email) has no pending invitation"
            }
        case .malformedToken:
            "that is not a dirsync token: expected 44 characters of A-Z, a-z, 0-9, - and _, or the link from the email"
        case .unknownToken:
            "no invitation matches this token"
        case .malformedCode:
            "that is not an access code: expected 16 letters and digits, as in 7KQ2-M9XD-4TBH-WC3R"
        case .unusableCode:
            "this code opens no account invitation for you: it is wrong, already used, expired or locked"
        case .accessRequestPending(let email, let username):
            "\(email) already has a request for access waiting (username \(username))"
        case .noAccessRequest(let username):
            "no request for access waits with the username \(username)"
        case .accessRequestExpired(let username, let date):
            "the request for access of \(username) expired on \(DateText.short(date))"
        case .tokenRevoked(let date):
            "this invitation was revoked on \(DateText.short(date)) and can no longer be accepted"
        case .tokenExpired(let date):
            "this invitation expired on \(DateText.short(date))"
        case .tokenUsed(let date):
            "this invitation was already accepted on \(DateText.short(date)); a link works only once"
        case .tokenReplaced(let date):
            "this link was replaced by a newer invitation email sent on \(DateText.short(date))"
        case .memberNotFound(let email):
            "\(email) is not a member of this organization"
        case .roleUnchanged(let email, let role):
            "\(email) already has the role \(role)"
        case .ownerUntouchable(let email):
            "\(email) is an owner; owners are never changed or removed by dirsync"
        case .ownerNotAssignable:
            "dirsync never makes anyone owner"
        case .mailNotConfigured:
            "invitation mail is not configured: mail.from and mail.accept_url are needed to send invitations"
        case .undeliverableAddress(let email, let reason):
            "\(email): \(reason); nobody was invited"
        case .invalidMessage(let problem):
            "--message: \(problem)"
        case .namesForABatch:
            "--first-name and --last-name name one person, and this batch has several addresses"
        case .accessRemoved(let email, let date):
            "\(email)'s access was removed on \(DateText.short(date)); they hold no role or grant"
        case .accessNotRemoved(let email):
            "\(email) has access; there is nothing to restore"
        case .offerToken:
            "this is an offer link (new access for a member), not an invitation"
        case .incompleteIdentity(let missing):
            "a complete registration needs \(missing.joined(separator: ", ")) (organization.identity.required)"
        case .invalidUsernameInBatch(let position, let invalid):
            "address \(position) of the batch: \(invalid)"
        case .usernameTaken(let username, let holder):
            "the username \(username) is taken by \(holder) in this organization"
        case .parentNotFound(let name, let known):
            "--parent: no organization named '\(name)' in this store"
                + (known.isEmpty ? "" : " (it holds: \(known.joined(separator: ", ")))")
        case .parentCycle(let name, let parent):
            name.caseInsensitiveCompare(parent) == .orderedSame
                ? "an organization cannot be its own parent"
                : "\(parent) cannot be the parent of \(name): \(name) is already a parent or ancestor of \(parent)"
        }
    }

    /// What to do next, printed as `hint: …`; nil when there is no clear next step.
    public var hint: String? {
        switch self {
        case .unusableCode, .accessRequestExpired:
            "ask the organization's admin to send a new account invitation"
        case .noAccessRequest:
            "'dirsync access list' shows the requests waiting"
        case .organizationNotFound, .ambiguousOrganization:
            "pass --org NAME, or set organization.name in dirsync.yaml"
        case .noOrganization:
            "create one with 'dirsync init --org NAME --seats N --owner EMAIL'"
        case .seatsBelowUse:
            "remove members or revoke pending invitations first, or choose a limit at or above the seats in use"
        case .inviterNotAdmin:
            "name an owner or admin, or make that person an admin first ('dirsync members set-role EMAIL admin')"
        case .batchTooLarge(_, let limit):
            "split the addresses into batches of \(limit)"
        case .ownerNotInvitable:
            "invite as admin instead"
        case .seatLimitReached:
            "raise the seat limit ('dirsync organization set --seats N'), revoke pending invitations "
                + "('dirsync invitations revoke EMAIL') or remove members ('dirsync members remove EMAIL')"
        case .alreadyInvited(let email, _, _):
            "resend it with 'dirsync invitations resend \(email)', or revoke it first"
        case .noPendingInvitation(let email, let latest, _) where latest == .revoked:
            "send a new invitation with 'dirsync invitations send \(email) --role ROLE'"
        case .tokenRevoked, .unknownToken:
            "ask an administrator of the organization for a new invitation"
        case .tokenExpired:
            "ask an administrator to resend the invitation"
        case .tokenReplaced:
            "use the link in the most recent invitation email"
        case .mailNotConfigured:
            "add a mail section to dirsync.yaml (see README, Configuration)"
        case .undeliverableAddress:
            "set mail.smtputf8: true if the server offers SMTPUTF8, or use an ASCII address for this person"
        case .invalidMessage:
            "write the message as plain text (line breaks are fine)"
        case .namesForABatch:
            "send the named invitation on its own"
        case .incompleteIdentity:
            "give them with --first-name, --last-name and --field KEY=VALUE, or send without --complete"
        case .offerToken:
            "answer it with 'dirsync offers accept' or 'dirsync offers decline'"
        case .usernameTaken:
            "choose another username ('dirsync invitations check EMAIL:USERNAME' says which are free)"
        case .parentNotFound:
            "create the parent organization first ('dirsync init --org NAME …' with the same store)"
        case .accessRemoved(let email, _):
            "give it back with 'dirsync members restore-access \(email) --role ROLE'"
        default:
            nil
        }
    }
}
