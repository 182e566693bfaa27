import Foundation

/// Accounts and grants by hand (`dirsync accounts`, `dirsync grants`), each in one transaction with its audit
/// event. Grants made here are not managed: a sync never takes them away.
extension Ledger {
    /// The organization's accounts with how many grants each holds.
    public func accounts(in organization: Organization.ID) async throws -> [(account: Account, grants: Int)] {
        try await store.read { db in
            try db.accounts(in: organization).map { ($0, try db.grantCount(in: $0.id)) }
        }
    }

    /// Adds an account.
    public func addAccount(_ name: String, in organization: Organization.ID, by actor: String, at now: Date)
        async throws -> Account
    {
        try await store.write { db in
            try Self.rules(db, organization, now, nil, InvitationToken.generate).addAccount(name, by: actor)
        }
    }

    /// Removes an account; refused, naming how many, while grants are limited to it.
    public func removeAccount(_ name: String, in organization: Organization.ID, by actor: String, at now: Date)
        async throws
    {
        try await store.write { db in
            try Self.rules(db, organization, now, nil, InvitationToken.generate).removeAccount(name, by: actor)
        }
    }

    /// Gives the member `email` a grant by hand. `catalog` is the configuration's: the role must be in it, and
    /// an account it lists that the store does not have yet is added.
    public func grant(
        _ grant: Grant, to email: EmailAddress, in organization: Organization.ID, catalog: AccessCatalog,
        inherits: Bool = false, by actor: String, at now: Date
    ) async throws -> Member {
        try Self.check(grant, in: catalog)
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else { throw LedgerError.memberNotFound(email) }
            try rules.grant(
                [grant], to: member, managed: false, by: actor,
                addingAccounts: grant.account.flatMap(catalog.account(named:)) != nil, inherits: inherits,
                details: ["via": "cli"])
            return member
        }
    }

    /// Takes a grant from the member `email` by hand (one dirsync made, too: the next sync gives it again
    /// while the rules do).
    public func ungrant(
        _ grant: Grant, from email: EmailAddress, in organization: Organization.ID, by actor: String, at now: Date
    ) async throws -> Member {
        try await store.write { db in
            let rules = try Self.rules(db, organization, now, nil, InvitationToken.generate)
            guard let member = try db.member(email, in: organization) else {
                if let inherited = try db.inheritedGrants(in: organization).first(where: {
                    $0.email == email && $0.grant == grant
                }) {
                    throw AccessError.inherited(email, grant, from: inherited.from)
                }
                throw LedgerError.memberNotFound(email)
            }
            try rules.ungrant([grant], from: member, by: actor, details: ["via": "cli"])
            return member
        }
    }

    /// What the ledger holds of any grant, and that the catalog has its role.
    static func check(_ grant: Grant, in catalog: AccessCatalog) throws {
        try LedgerTransaction.check(grant)
        guard catalog.role(named: grant.role) != nil else {
            throw AccessError.unknownRole(grant.role, known: catalog.allRoles.map(\.name))
        }
    }
}

extension Ledger {
    /// Checks, in one read, that `actor` may do `action` in the organization (`Permissions.check`), and
    /// returns the actor's address as audit events record it. For `manageInvitation`, `invitation` names the
    /// pending invitation whose grants decide.
    public func authorize(
        _ actor: EmailAddress, to action: Permissions.Action, in organization: Organization.ID,
        invitation: EmailAddress? = nil
    ) async throws -> String {
        let (person, carried) = try await store.read { db in
            // A member whose access was removed acts as nobody.
            let member = try db.member(actor, in: organization).flatMap { $0.hasAccess ? $0 : nil }
            var grants = try member.map { try db.grants(of: $0.id).map(\.grant) } ?? []
            grants += try db.inheritedGrants(in: organization).filter { $0.email == actor }.map(\.grant)
            // An owner or admin of the parent (partner) organization manages the child as they manage their own.
            var role = member?.role
            if let parent = try db.organization(id: organization)?.parent,
                let partner = try db.member(actor, in: parent), partner.hasAccess, partner.role >= .admin
            {
                role = max(role ?? partner.role, partner.role)
            }
            let carried = try invitation.flatMap { try db.pendingInvitation(for: $0, in: organization) }
                .map { try db.grants(of: $0.id) }
            return (Permissions.Actor(email: actor, role: role, grants: grants), carried)
        }
        var action = action
        if case .manageInvitation = action { action = .manageInvitation(grants: carried ?? []) }
        try Permissions.check(person, may: action)
        return actor.canonical
    }
}
