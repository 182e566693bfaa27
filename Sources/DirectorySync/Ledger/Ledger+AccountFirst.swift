import Foundation

/// The account-first flow through the store: each step in one transaction with its audit event and mail.
extension Ledger {
    /// A request for access with `code` (what a sign-up page, or `dirsync access request`, calls). The
    /// organization is the code's; a refused code is counted before `LedgerError.unusableCode` is thrown.
    public func requestAccess(
        code: AccessCode, email: EmailAddress?, username: Username, givenName: String?, familyName: String?,
        validity: TimeSpan, notify: [EmailAddress]?, mail: MailSettings?, at now: Date
    ) async throws -> (AccessRequest, notified: [EmailAddress]) {
        let makeToken = self.makeToken
        let outcome = try await store.write { db -> LedgerTransaction.AccessRequestOutcome in
            guard let stored = try db.accessCode(selector: code.selector),
                let invitation = try db.invitation(id: stored.invitation)
            else { return .refused }
            let rules = try Self.rules(db, invitation.organization, now, mail, makeToken)
            return try rules.requestAccess(
                code: code, email: email, username: username, givenName: givenName, familyName: familyName,
                validity: validity, notify: notify)
        }
        guard case .requested(let request, let notified) = outcome else { throw LedgerError.unusableCode }
        return (request, notified)
    }

    /// The organization's requests for access in `states` (expiry read from the clock), oldest first.
    public func accessRequests(
        in organization: Organization.ID, states: Set<AccessRequest.State>, at now: Date
    ) async throws -> [AccessRequest] {
        try await store.read { db in
            try db.accessRequests(in: organization, statuses: Set(AccessRequest.Status.allCases)).filter {
                states.contains($0.state(at: now))
            }
        }
    }

    /// Approves the pending request of `username`: the organization invitation goes to them with `role` and
    /// `grants`.
    public func approveAccess(
        _ username: Username, as role: Role, grants: [Grant], catalog: AccessCatalog, in organization: Organization.ID,
        mail: MailSettings, by actor: String, at now: Date
    ) async throws -> (AccessRequest, Invitation) {
        guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
        for grant in grants { try Self.check(grant, in: catalog) }
        let makeToken = self.makeToken
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            let request = try rules.pendingRequest(username: username)
            let invitation = try rules.approve(
                request, as: role, grants: grants, by: actor, details: ["via": "cli"])
            return (request, invitation)
        }
    }

    /// Denies the pending (or lapsed) request of `username`; its account invitation is revoked.
    public func denyAccess(
        _ username: Username, reason: String?, in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> AccessRequest {
        let makeToken = self.makeToken
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, makeToken)
            guard
                let request = try db.accessRequests(in: organization, statuses: [.pending]).first(where: {
                    $0.username == username
                })
            else { throw LedgerError.noAccessRequest(username) }
            try rules.deny(request, reason: reason, by: actor, details: ["via": "cli"])
            return request
        }
    }
}
