import DirectorySyncSQL
import Foundation
import GRDB

extension StoreError {
    /// What `error`, raised by SQLite on the store at `path`, means for the user: SQLite's own text is kept
    /// out of the message (a constraint's rule is translated, see `StoreError.rule(for:)`).
    init(_ error: DatabaseError, path: String, busyTimeout: Int, holders: [String] = []) {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy(path: path, seconds: busyTimeout, holders: holders)
        case .SQLITE_FULL: self = .diskFull(path: path)
        case .SQLITE_CONSTRAINT: self = .constraint(path: path, rule: Self.rule(for: error))
        case .SQLITE_CORRUPT: self = .damaged(path: path)
        case .SQLITE_NOTADB: self = .notSQLite(path: path)
        case .SQLITE_IOERR: self = .ioError(path: path)
        case .SQLITE_PERM, .SQLITE_AUTH: self = .permissionDenied(path: path, writing: true)
        case .SQLITE_READONLY:
            self =
                error.extendedResultCode == .SQLITE_READONLY_DIRECTORY
                ? .readOnlyFolder(path: path) : .permissionDenied(path: path, writing: true)
        case .SQLITE_CANTOPEN:
            self =
                error.extendedResultCode == .SQLITE_CANTOPEN_ISDIR
                ? .isDirectory(path: path) : .unreadable(path: path, reason: "SQLite cannot open the file")
        case .SQLITE_NOMEM: self = .unreadable(path: path, reason: "out of memory")
        case .SQLITE_TOOBIG: self = .unreadable(path: path, reason: "a value is larger than SQLite accepts")
        default: self = .unreadable(path: path, reason: "unexpected SQLite error \(error.extendedResultCode.rawValue)")
        }
    }

    /// The schema rule a constraint failure broke, in words. SQLite names a `CHECK` by its expression, a
    /// `UNIQUE` or `NOT NULL` by its columns, a trigger by its own message; rules dirsync's migrations define
    /// are described, others (a hand-made index or trigger) are named.
    static func rule(for error: DatabaseError) -> String {
        let message = error.message ?? ""
        let detail =
            message.range(of: "constraint failed: ").map { String(message[$0.upperBound...]) } ?? message
        let normalized = detail.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_CHECK:
            return checks[normalized] ?? "the check '\(normalized)'"
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            return uniques[normalized] ?? "\(normalized) must be unique"
        case .SQLITE_CONSTRAINT_NOTNULL:
            return "\(normalized) must have a value"
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return
                "every row must belong to an existing organization, member, account, invitation or token, and an "
                + "account with grants in it stays (a foreign key)"
        case .SQLITE_CONSTRAINT_TRIGGER:
            return normalized.isEmpty ? "a trigger refused it" : normalized
        default:
            return normalized.isEmpty ? "a constraint of the schema" : normalized
        }
    }

    /// The `CHECK`s of `Migrations`, by their expression as SQLite reports it (whitespace collapsed).
    private static let checks: [String: String] = [
        "fence >= 0": "a lease's fencing token is not negative",
        "purpose IN ('apply', 'delivery')": "a lease is for applying or for delivering mail",
        "last_fence > 0": "a fencing token counter starts at 1",
        "length(configuration) > 0": "a pool registration holds its configuration",
        "substr(folder, 1, 1) = '/'": "a pool registration's folder is an absolute path",
        "every_seconds > 0": "a pool registration runs at least every second",
        "length(trim(name)) > 0": "an organization's name must not be blank",
        "seats >= 1": "an organization has at least 1 seat",
        "invitation_validity_seconds >= 60": "invitations are valid for at least a minute",
        "email = lower(email) AND email LIKE '%_@_%'": "an email address is stored lower-case, with an '@'",
        "role IN ('owner', 'admin', 'member', 'viewer')": "a member's role is owner, admin, member or viewer",
        "origin IN ('founder', 'invitation', 'domain-auto-join')":
            "a member joined as founder, by invitation or by domain auto-join",
        "managed IN (0, 1)": "managed is 0 or 1",
        "role IN ('admin', 'member', 'viewer')":
            "an invitation's (or an offer's) role is admin, member or viewer, never owner",
        "status IN ('pending', 'accepted', 'revoked')": "an invitation is pending, accepted or revoked",
        "status IN ('pending', 'accepted', 'declined', 'revoked')":
            "an offer is pending, accepted, declined or revoked",
        "status <> 'pending' OR member_id IS NOT NULL": "a pending offer names its member",
        "expires_at > sent_at": "an invitation expires after it was sent",
        "resend_count >= 0": "an invitation's resend count is not negative",
        "(status = 'pending') = (closed_at IS NULL)": "an invitation has a closing time exactly when it is not pending",
        "length(hash) = 64": "a token or an access code is stored as a SHA-256 hash",
        "closure IN ('replaced', 'revoked', 'used')": "a token is closed as replaced, revoked or used",
        "(closure IS NULL) = (closed_at IS NULL)": "a token has a closing time exactly when it is closed",
        "json_valid(details)": "an audit event's details are JSON",
        "status IN ('pending', 'sent', 'failed', 'voided')": "an outbox message is pending, sent, failed or voided",
        "attempts >= 0": "an outbox message's attempt count is not negative",
        "status <> 'pending' OR content IS NOT NULL": "a pending outbox message has its content",
        "(status = 'sent') = (sent_at IS NOT NULL)": "an outbox message has a sending time exactly when it was sent",
        "trigger IN ('apply', 'sync', 'run')": "a run is started by apply, sync or run",
        "source_kind IN ('scim', 'ldif', 'dsml', 'csv')": "a run's source is scim, ldif, dsml or csv",
        "source_users >= 0": "a run's user count is not negative",
        "json_valid(changes)": "a run's changes are JSON",
        "outcome IN ('running', 'completed', 'no-changes', 'blocked', 'failed', 'interrupted')":
            "a run's outcome is running, completed, no-changes, blocked, failed or interrupted",
        "(outcome = 'running') = (finished_at IS NULL)": "a run has a finishing time exactly when it is not running",
        "expires_at > acquired_at": "a lease expires after it was taken",
        "consecutive_problems >= 0": "the count of consecutive problems is not negative",
        "length(value) >= 32": "a store secret has at least 32 bytes",
        "length(trim(name)) > 0 AND instr(name, '@') = 0": "an account's name is not blank and has no '@'",
        "length(role) > 0 AND lower(role) NOT IN ('owner', 'admin', 'member', 'viewer')":
            "a grant's role is a catalog role, never an organization role",
        "role <> 'account-admin' OR account_id IS NOT NULL": "account-admin is always limited to an account",
        "inherit IN (0, 1)": "inherit is 0 or 1",
        "username = lower(username)": "a username is stored lower-case",
        "json_valid(profile)": "a profile is stored as JSON",
        "json_valid(profile_synced)": "a profile's synced values are stored as JSON",
        "complete IN (0, 1)": "complete is 0 or 1",
        "inherit = 0 OR account_id IS NULL": "only an organization-wide grant is inherited by child organizations",
        "flow IN ('link', 'account-first')": "an invitation's flow is link or account-first",
        "length(selector) = 6": "an access code's selector has six characters",
        "closure IN ('used', 'locked', 'replaced')": "an access code is closed as used, locked or replaced",
        "(closed_at IS NULL) = (closure IS NULL)": "an access code has a closing time exactly when it is closed",
        "username = lower(username) AND length(username) BETWEEN 1 AND 64":
            "a requested username is lower-case, 1 to 64 characters",
        "status IN ('pending', 'approved', 'denied')": "a request for access is pending, approved or denied",
        "expires_at > requested_at": "a request for access expires after it was made",
        "expires_at > issued_at": "an access code expires after it was issued",
    ]

    /// The unique keys of `Migrations`, by the columns SQLite reports.
    private static let uniques: [String: String] = [
        "organizations.name": "organization names are unique in a store",
        "members.organization_id, members.email": "an email address is a member of an organization once",
        "invitations.organization_id, invitations.email": "an email address has at most one pending invitation",
        "invitation_tokens.selector": "token selectors are unique",
        "invitation_tokens.invitation_id": "an invitation has at most one open token",
        "outbox.message_id": "outbox message ids are unique",
        "leases.organization_id": "an organization has one lease",
        "notification_state.organization_id": "an organization has one notification state",
        "store_secrets.name": "a store secret's name is unique",
        "accounts.organization_id, accounts.name": "an account's name is unique in its organization",
        "index 'member_grants_once'": "a member holds each grant once",
        "index 'invitation_grants_once'": "an invitation carries each grant once",
        "offers.member_id": "a member has at most one pending offer",
        "members.organization_id, members.username": "a username is a member's once in an organization",
        "invitations.organization_id, invitations.username": "a username has at most one pending invitation",
        "index 'offer_grants_once'": "an offer carries each grant once",
        "offer_tokens.selector": "token selectors are unique",
        "offer_tokens.offer_id": "an offer has at most one open token",
        "access_codes.selector": "access code selectors are unique",
        "access_requests.organization_id, access_requests.email":
            "a person has at most one pending request for access in an organization",
        "access_requests.organization_id, access_requests.username":
            "a username has at most one pending request for access in an organization",
    ]
}
