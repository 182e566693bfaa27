import Foundation

/// The organization ledger: organizations, members and invitations, with the invitation lifecycle's
/// rules. Every command is one store transaction; a refused command writes nothing.
public struct Ledger: Sendable {
    /// The store each command runs its one transaction in.
    public let store: any OrganizationStore
    let makeToken: @Sendable () -> InvitationToken
    /// How this ledger makes tokens, for its extensions.
    var makeTokenFunction: @Sendable () -> InvitationToken { makeToken }

    /// A ledger over `store`. `makeToken` makes each new invitation token (tests pass a predictable one).
    public init(
        store: any OrganizationStore, makeToken: @escaping @Sendable () -> InvitationToken = InvitationToken.generate
    ) {
        self.store = store
        self.makeToken = makeToken
    }

    // MARK: - Organizations

    /// Creates an organization with `owner` as its first member, role owner.
    public func createOrganization(
        _ settings: Organization.Settings, owner: EmailAddress, ownerName: String?, parent: String? = nil,
        at now: Date
    ) async throws -> Organization {
        let ownerName = try Member.typedName(ownerName)
        return try await store.write { db in
            if try db.organization(named: settings.name) != nil { throw LedgerError.organizationExists(settings.name) }
            let parentID = try parent.map { name in
                guard let found = try db.organization(named: name) else {
                    throw LedgerError.parentNotFound(name, known: try db.organizations().map(\.name))
                }
                return found.id
            }
            var organization = try db.insertOrganization(settings, at: now)
            if let parentID {
                organization.parent = parentID
                try db.updateOrganization(organization)
            }
            let rules = LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
            try rules.audit(
                .organizationCreated, actor: owner.canonical, subject: organization.name,
                ["seats": String(settings.seats), "invitation_validity": settings.invitationValidity.description])
            try rules.join(owner, name: ownerName, as: .owner, origin: .founder, by: owner.canonical)
            return organization
        }
    }

    /// The organization named `name`, or the store's only organization when `name` is nil.
    public func organization(named name: String?) async throws -> Organization {
        try await store.read { db in
            let all = try db.organizations()
            if let name {
                if let found = try db.organization(named: name) { return found }
                throw LedgerError.organizationNotFound(name, known: all.map(\.name))
            }
            switch all.count {
            case 0: throw LedgerError.noOrganization
            case 1: return all[0]
            default: throw LedgerError.ambiguousOrganization(all.map(\.name))
            }
        }
    }

    /// Makes `parent` (by name) the organization's partner organization, or detaches it when nil. An
    /// organization is never its own ancestor.
    public func setParent(of id: Organization.ID, to parent: String?, by actor: String, at now: Date) async throws
        -> Organization
    {
        try await store.write { db in
            guard var organization = try db.organization(id: id) else { throw LedgerError.noOrganization }
            let previous = try organization.parent.flatMap { try db.organization(id: $0)?.name }
            var parentID: Organization.ID?
            if let parent {
                guard let found = try db.organization(named: parent) else {
                    throw LedgerError.parentNotFound(parent, known: try db.organizations().map(\.name))
                }
                // Walk up from the new parent: meeting this organization would make a cycle.
                var ancestor: Organization? = found
                var seen = Set<Organization.ID>()
                while let current = ancestor, seen.insert(current.id).inserted {
                    if current.id == id { throw LedgerError.parentCycle(organization.name, parent: found.name) }
                    ancestor = try current.parent.flatMap { try db.organization(id: $0) }
                }
                parentID = found.id
            }
            guard organization.parent != parentID else { return organization }
            organization.parent = parentID
            try db.updateOrganization(organization)
            try LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
                .audit(
                    .organizationSettingsChanged, actor: actor, subject: organization.name,
                    ["parent": "\(previous ?? "none") -> \(parent ?? "none")", "via": "cli"])
            return organization
        }
    }

    /// Changes an organization's seats, inviter or invitation validity.
    public func updateSettings(
        of id: Organization.ID, by actor: String, at now: Date,
        _ change: @escaping @Sendable (inout Organization.Settings) -> Void
    )
        async throws -> Organization
    {
        try await store.write { db in
            guard let organization = try db.organization(id: id) else { throw LedgerError.noOrganization }
            var wanted = organization.settings
            change(&wanted)
            let checked = try Organization.Settings(
                name: wanted.name, seats: wanted.seats, inviter: wanted.inviter,
                invitationValidity: wanted.invitationValidity)
            return try LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
                .changeSettings(to: checked, by: actor, via: "cli")
        }
    }

    // MARK: - Invitations

    /// Invites every address of `batch` with `role` and `grants`: all of them, or (on any refusal) none. The
    /// grants' roles must be in `catalog` and their accounts exist. `givenName` and `familyName` (for a batch of
    /// one) pre-fill the accept page.
    public func invite(
        _ batch: InvitationBatch, as role: Role, grants: [Grant] = [], catalog: AccessCatalog = AccessCatalog(),
        message: String?, givenName: String? = nil, familyName: String? = nil, profile: [String: String] = [:],
        complete required: [String]? = nil,
        flow: @escaping @Sendable (EmailAddress) -> Invitation.Flow = { _ in .link },
        in organization: Organization.ID, mail: MailSettings, by actor: String, at now: Date
    ) async throws -> [Invitation] {
        guard role.isInvitable else { throw LedgerError.ownerNotInvitable }
        let givenName = try Member.typedName(givenName)
        let familyName = try Member.typedName(familyName)
        if givenName != nil || familyName != nil || !profile.isEmpty, batch.addresses.count > 1 {
            throw LedgerError.namesForABatch
        }
        // A complete registration has the whole identity now.
        if let required {
            let missing = Identity(givenName: givenName, familyName: familyName, fields: profile).missing(required)
            guard missing.isEmpty else { throw LedgerError.incompleteIdentity(missing) }
        }
        for grant in grants { try Self.check(grant, in: catalog) }
        let makeToken = self.makeToken
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            for email in batch.addresses {
                try rules.requireInvitable(email)
                try rules.requireDeliverable(email)
            }
            try rules.requireSeats(batch.addresses.count)
            return try batch.addresses.map {
                try rules.invite(
                    $0, as: role, grants: grants, message: message, by: actor,
                    addingAccounts: grants.allSatisfy { $0.account.map { catalog.account(named: $0) != nil } ?? true },
                    givenName: givenName, familyName: familyName, username: batch.usernames[$0], profile: profile,
                    complete: required != nil, flow: flow($0), details: ["via": "cli"])
            }
        }
    }

    /// Resends the pending invitation of `email` with a new token and validity window.
    public func resend(
        to email: EmailAddress, in organization: Organization.ID, mail: MailSettings, by actor: String, at now: Date
    ) async throws -> Invitation {
        let makeToken = self.makeToken
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            return try rules.resend(try Self.pending(email, db, organization), by: actor, details: ["via": "cli"])
        }
    }

    /// Revokes the pending invitation of `email`.
    public func revoke(to email: EmailAddress, in organization: Organization.ID, by actor: String, at now: Date)
        async throws -> Invitation
    {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            return try rules.revoke(try Self.pending(email, db, organization), by: actor, details: ["via": "cli"])
        }
    }

    /// Accepts the invitation `token` belongs to: the invitee becomes a member with the invitation's role.
    /// A revoked, expired, replaced or already used token fails with its own error. `givenName` and
    /// `familyName`, when given, replace the names the invitation pre-filled (the accept page's form).
    public func accept(
        _ token: InvitationToken, name: String?, givenName: String? = nil, familyName: String? = nil, at now: Date
    ) async throws -> Member {
        try await store.write { db in
            guard let issued = try db.token(selector: token.selector), token.matches(storedHash: issued.hash),
                let id = issued.invitation, let invitation = try db.invitation(id: id),
                let organization = try db.organization(id: invitation.organization)
            else {
                if let offer = try db.offerToken(selector: token.selector), token.matches(storedHash: offer.hash) {
                    throw LedgerError.offerToken
                }
                throw LedgerError.unknownToken
            }
            return try LedgerTransaction(db: db, organization: organization, now: now, mail: nil)
                .accept(invitation, with: issued, name: name, givenName: givenName, familyName: familyName)
        }
    }

    // MARK: - Members

    /// Removes the member `email` by hand. Owners are never removed.
    public func removeMember(_ email: EmailAddress, in organization: Organization.ID, by actor: String, at now: Date)
        async throws -> Member
    {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            try rules.remove(member, by: actor, details: ["via": "cli"])
            return member
        }
    }

    /// Registers personal information for the member or pending invitee `email` (`members identity set`).
    public func registerIdentity(
        of email: EmailAddress, givenName: String?, familyName: String?, displayName: String?,
        fields: [String: String], in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> Identity {
        let givenName = try Member.typedName(givenName)
        let familyName = try Member.typedName(familyName)
        let displayName = try Member.typedName(displayName)
        return try await store.write { db in
            try Self.rules(db, organization, now, nil, InvitationToken.generate).registerIdentity(
                of: email, givenName: givenName, familyName: familyName, displayName: displayName, fields: fields,
                by: actor, details: ["via": "cli"])
        }
    }

    /// Takes every role and grant from the member `email` by hand, keeping the profile; frees their seat.
    public func removeAccess(
        of email: EmailAddress, in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> Member {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            return try rules.removeAccess(of: member, by: actor, details: ["via": "cli"])
        }
    }

    /// Gives the member `email`, whose access was removed, the role `role` again (a seat must be free).
    public func restoreAccess(
        of email: EmailAddress, as role: Role, in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> Member {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            return try rules.restoreAccess(of: member, as: role, by: actor, details: ["via": "cli"])
        }
    }

    /// Gives the member `email` the role `role` by hand. Owners are never changed, and nobody becomes owner.
    public func changeRole(
        of email: EmailAddress, to role: Role, in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> (before: Member, after: Member) {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            guard member.role != role else { throw LedgerError.roleUnchanged(email, role) }
            return (member, try rules.changeRole(of: member, to: role, by: actor, details: ["via": "cli"]))
        }
    }

    // MARK: - Reads

    /// The organization's members, ordered by email.
    public func members(in organization: Organization.ID) async throws -> [Member] {
        try await store.read { db in try db.members(in: organization) }.sorted {
            $0.email.canonical < $1.email.canonical
        }
    }

    /// The organization's invitations whose state at `now` is one of `states`, oldest first.
    public func invitations(in organization: Organization.ID, states: Set<Invitation.State>, at now: Date) async throws
        -> [Invitation]
    {
        var statuses = Set<Invitation.Status>()
        if states.contains(.pending) || states.contains(.expired) { statuses.insert(.pending) }
        if states.contains(.accepted) { statuses.insert(.accepted) }
        if states.contains(.revoked) { statuses.insert(.revoked) }
        let rows = try await store.read { [statuses] db in try db.invitations(in: organization, statuses: statuses) }
        return rows.filter { states.contains($0.state(at: now)) }
    }

    /// The organization's audit events at or after `since`, oldest first.
    public func auditEvents(in organization: Organization.ID, since: Date?) async throws -> [AuditEvent] {
        try await store.read { db in try db.auditEvents(in: organization, since: since) }
    }

    // MARK: - Transactions

    /// The lifecycle rules over `db` for one organization at `now`.
    static func rules(
        _ db: any LedgerWriter, _ id: Organization.ID, _ now: Date, _ mail: MailSettings?,
        _ makeToken: @escaping @Sendable () -> InvitationToken
    ) throws -> LedgerTransaction {
        guard let organization = try db.organization(id: id) else { throw LedgerError.noOrganization }
        return LedgerTransaction(db: db, organization: organization, now: now, mail: mail, makeToken: makeToken)
    }

    private static func pending(_ email: EmailAddress, _ db: any LedgerWriter, _ organization: Organization.ID) throws
        -> Invitation
    {
        if let pending = try db.pendingInvitation(for: email, in: organization) { return pending }
        let latest = try db.latestInvitation(for: email, in: organization)
        throw LedgerError.noPendingInvitation(email, latest: latest?.status, closedAt: latest?.closedAt)
    }
}
