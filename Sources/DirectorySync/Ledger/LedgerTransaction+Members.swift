import Foundation

/// Members: join, change of role, email or anchor, adoption and removal, each with its audit event in the
/// transaction. Owners are never changed or removed here, and nobody becomes owner.
extension LedgerTransaction {
    /// Adds a member directly (the organization's founder, or a domain auto-join).
    @discardableResult
    public func join(
        _ email: EmailAddress, name: String?, as role: Role, origin: Member.Origin, by actor: String,
        anchor: String? = nil, isManaged: Bool = false, username: Username? = nil, identity: Identity = Identity(),
        profileSynced: [String: String] = [:], details: [String: String] = [:]
    ) throws -> Member {
        if let existing = try db.member(email, in: orgID) {
            throw LedgerError.alreadyMember(email, role: existing.role)
        }
        try requireSeats(1)
        var draft = Member.Draft(
            organization: orgID, email: email, name: Member.directoryName(name), role: role, joinedAt: now,
            invitedBy: nil, origin: origin, anchor: anchor, isManaged: isManaged,
            username: try self.username(for: email, wanted: username))
        draft.identity = identity
        draft.profileSynced = profileSynced
        let member = try db.insertMember(draft)
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
        return try Username.free(.derived(from: email)) { candidate in
            try db.holder(of: candidate, in: orgID).map { $0 != email } ?? false
        }
    }
}

extension LedgerTransaction {
    /// Registers personal information for the member `email`, or for the pending invitee `email` (the
    /// registration guide's "keep operating on a user who has not accepted yet"): each value given replaces the
    /// one held; `fields` are profile fields. Writes `TEAM_MEMBER_UPDATED` naming the fields changed.
    @discardableResult
    public func registerIdentity(
        of email: EmailAddress, givenName: String?, familyName: String?, displayName: String?,
        fields: [String: String], by actor: String, details: [String: String] = [:]
    ) throws -> Identity {
        var changed: [String] = []
        func apply(_ identity: inout Identity) {
            if let givenName, identity.givenName != givenName {
                identity.givenName = givenName
                changed.append("given_name")
            }
            if let familyName, identity.familyName != familyName {
                identity.familyName = familyName
                changed.append("family_name")
            }
            if let displayName, identity.displayName != displayName {
                identity.displayName = displayName
                changed.append("display_name")
            }
            for key in fields.keys.sorted() where identity.fields[key] != fields[key] {
                identity.fields[key] = fields[key]
                changed.append(key)
            }
        }
        let result: Identity
        if var member = try db.member(email, in: orgID) {
            var identity = member.identity
            apply(&identity)
            member.givenName = identity.givenName
            member.familyName = identity.familyName
            member.name = identity.displayName
            member.profile = identity.fields
            try db.updateMember(member)
            result = member.identity
        } else if var invitation = try db.pendingInvitation(for: email, in: orgID) {
            var identity = invitation.identity
            apply(&identity)
            invitation.givenName = identity.givenName
            invitation.familyName = identity.familyName
            invitation.profile = identity.fields
            try db.updateInvitation(invitation)
            result = invitation.identity
        } else {
            throw LedgerError.memberNotFound(email)
        }
        if !changed.isEmpty {
            var facts = details
            facts["fields"] = changed.joined(separator: ", ")
            try audit(.memberUpdated, actor: actor, subject: email.canonical, facts)
        }
        return result
    }
}

extension LedgerTransaction {
    /// A sync's profile update of a managed member: each field set as `changes` say, and recorded as the value the
    /// directory gave (`Member.profileSynced`). Writes `TEAM_MEMBER_UPDATED` naming the fields.
    @discardableResult
    public func updateProfile(
        of member: Member, _ changes: [Plan.FieldChange], by actor: String, details: [String: String] = [:]
    ) throws -> Member {
        var updated = member
        (updated.profile, updated.profileSynced) = Self.updated(member.profile, member.profileSynced, by: changes)
        try db.updateMember(updated)
        try auditProfileUpdate(of: member.email, changes, by: actor, details)
        return updated
    }

    /// The same for a pending invitation's pre-filled profile; the event also names the invitation.
    @discardableResult
    public func updateProfile(
        of invitation: Invitation, _ changes: [Plan.FieldChange], by actor: String, details: [String: String] = [:]
    ) throws -> Invitation {
        var updated = invitation
        (updated.profile, updated.profileSynced) = Self.updated(
            invitation.profile, invitation.profileSynced, by: changes)
        try db.updateInvitation(updated)
        var facts = details
        facts["invitation_id"] = invitation.id.description
        try auditProfileUpdate(of: invitation.email, changes, by: actor, facts)
        return updated
    }

    /// A profile and its synced values with `changes` made and recorded.
    private static func updated(
        _ profile: [String: String], _ synced: [String: String], by changes: [Plan.FieldChange]
    ) -> ([String: String], [String: String]) {
        (Plan.FieldChange.applying(changes, to: profile), Plan.FieldChange.recording(changes, in: synced))
    }

    private func auditProfileUpdate(
        of email: EmailAddress, _ changes: [Plan.FieldChange], by actor: String, _ details: [String: String]
    ) throws {
        var facts = details
        facts["fields"] = changes.map(\.field).joined(separator: ", ")
        try audit(.memberUpdated, actor: actor, subject: email.canonical, facts)
    }
}
