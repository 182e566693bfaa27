import Foundation

/// Members: join, change of role, email or anchor, adoption and removal, each with its audit event in the
/// transaction. Owners are never changed or removed here, and nobody becomes owner.
extension LedgerTransaction {
    /// Adds a member directly (the organization's founder, or a domain auto-join).
    @discardableResult
    public func join(
        _ email: EmailAddress, name: String?, as role: Role, origin: Member.Origin, by actor: String,
        anchor: String? = nil, isManaged: Bool = false, username: Username? = nil, details: [String: String] = [:]
    ) throws -> Member {
        if let existing = try db.member(email, in: orgID) {
            throw LedgerError.alreadyMember(email, role: existing.role)
        }
        try requireSeats(1)
        let member = try db.insertMember(
            Member.Draft(
                organization: orgID, email: email, name: Member.directoryName(name), role: role, joinedAt: now,
                invitedBy: nil, origin: origin, anchor: anchor, isManaged: isManaged,
                username: try self.username(for: email, wanted: username)))
        try adjustSeats(by: 1)
        var facts = details
        facts["role"] = role.rawValue
        facts["via"] = origin.rawValue
        facts["joined_at"] = DateText.iso8601(now)
        try audit(.memberJoined, actor: actor, subject: email.canonical, facts)
        return member
    }

    /// Changes a member's role. Owners are never changed, and nobody becomes owner this way.
    @discardableResult
    public func changeRole(of member: Member, to role: Role, by actor: String, details: [String: String] = [:]) throws
        -> Member
    {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        guard role != .owner else { throw LedgerError.ownerNotAssignable }
        try requireAccess(member)
        var updated = member
        updated.role = role
        try db.updateMember(updated)
        var facts = details
        facts["from_role"] = member.role.rawValue
        facts["to_role"] = role.rawValue
        try audit(.memberRoleChanged, actor: actor, subject: member.email.canonical, facts)
        return updated
    }

    /// Removes a member. Owners are never removed.
    public func remove(_ member: Member, by actor: String, details: [String: String] = [:]) throws {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        try closeOffer(of: member, by: actor, details: details)
        try db.deleteMember(member.id)
        if member.hasAccess { try adjustSeats(by: -1) }
        var facts = details
        facts["role"] = member.role.rawValue
        try audit(.memberRemoved, actor: actor, subject: member.email.canonical, facts)
    }

    /// A member added by hand is managed by dirsync from now on, matched to the directory by `anchor`.
    @discardableResult
    public func adopt(_ member: Member, anchor: String?, by actor: String, details: [String: String] = [:]) throws
        -> Member
    {
        var adopted = member
        adopted.isManaged = true
        adopted.anchor = anchor ?? member.anchor
        try db.updateMember(adopted)
        var facts = details
        facts["managed"] = "yes"
        try audit(.memberUpdated, actor: actor, subject: adopted.email.canonical, facts)
        return adopted
    }

    /// A member's address changes in place (the directory renamed them): role, seat and history stay. The new
    /// address may not be another member's.
    @discardableResult
    public func changeEmail(
        of member: Member, to email: EmailAddress, anchor: String?, by actor: String, details: [String: String] = [:]
    ) throws -> Member {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        if let other = try db.member(email, in: orgID), other.id != member.id {
            throw LedgerError.alreadyMember(email, role: other.role)
        }
        var updated = member
        updated.email = email
        updated.anchor = anchor ?? member.anchor
        try db.updateMember(updated)
        var facts = details
        facts["from_email"] = member.email.canonical
        try audit(.memberUpdated, actor: actor, subject: email.canonical, facts)
        return updated
    }

    /// A member's directory anchor changes (the account was re-created with the same address).
    @discardableResult
    public func changeAnchor(of member: Member, to anchor: String, by actor: String, details: [String: String] = [:])
        throws -> Member
    {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        var updated = member
        updated.anchor = anchor
        try db.updateMember(updated)
        try audit(.memberUpdated, actor: actor, subject: member.email.canonical, details)
        return updated
    }
}

extension LedgerTransaction {
    /// Takes every role and grant from `member` but keeps the profile (`policy.offboarding: remove_access`):
    /// their pending offer is withdrawn, their grants deleted, their role set to viewer (nothing counts it while
    /// access is removed), and their seat freed. Owners keep theirs.
    @discardableResult
    public func removeAccess(of member: Member, by actor: String, details: [String: String] = [:]) throws -> Member {
        guard member.role != .owner else { throw LedgerError.ownerUntouchable(member.email) }
        if let removed = member.accessRemovedAt { throw LedgerError.accessRemoved(member.email, at: removed) }
        try closeOffer(of: member, by: actor, details: details)
        try ungrant(try grants(of: member).map(\.grant), from: member, by: actor, details: details)
        var updated = member
        updated.role = .viewer
        updated.accessRemovedAt = now
        try db.updateMember(updated)
        try adjustSeats(by: -1)
        var facts = details
        facts["role"] = member.role.rawValue
        try audit(.memberAccessRemoved, actor: actor, subject: member.email.canonical, facts)
        return updated
    }

    /// Gives a member whose access was removed the role `role` (and a seat, which must be free) again.
    @discardableResult
    public func restoreAccess(of member: Member, as role: Role, by actor: String, details: [String: String] = [:])
        throws -> Member
    {
        guard role != .owner else { throw LedgerError.ownerNotAssignable }
        guard !member.hasAccess else { throw LedgerError.accessNotRemoved(member.email) }
        try requireSeats(1)
        var updated = member
        updated.role = role
        updated.accessRemovedAt = nil
        try db.updateMember(updated)
        try adjustSeats(by: 1)
        var facts = details
        facts["role"] = role.rawValue
        try audit(.memberAccessRestored, actor: actor, subject: member.email.canonical, facts)
        return updated
    }

    /// Refuses to give anything to a member whose access was removed.
    func requireAccess(_ member: Member) throws {
        if let removed = member.accessRemovedAt { throw LedgerError.accessRemoved(member.email, at: removed) }
    }
}

extension LedgerTransaction {
    /// The username `email` gets: `wanted` when it is free (held by nobody else; refused, naming who holds it,
    /// otherwise), else the username derived from the address with the smallest free numeric suffix.
    public func username(for email: EmailAddress, wanted: Username?) throws -> Username {
        if let wanted {
            if let holder = try db.holder(of: wanted, in: orgID), holder != email {
                throw LedgerError.usernameTaken(wanted, by: holder)
            }
            return wanted
        }
        var failure: (any Error)?
        let free = Username.free(.derived(from: email)) { candidate in
            do {
                guard let holder = try db.holder(of: candidate, in: orgID) else { return false }
                return holder != email
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return free
    }
}
