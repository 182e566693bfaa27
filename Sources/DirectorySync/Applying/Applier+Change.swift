extension Applier {
    /// Applies one change through the lifecycle rules, after checking that what it acts on is still as the plan
    /// saw it (a conflict otherwise: the organization changed between batches).
    static func apply(
        _ change: Plan.Change, with rules: LedgerTransaction, actor: String, offerValidity: TimeSpan,
        registration: SyncPolicy.Registration = .account, details: [String: String]
    ) throws {
        let db = rules.db
        var facts = details
        facts["via"] = "sync"
        facts["reason"] = change.reason.description
        if let rule = change.rule { facts["rule"] = rule }
        if let anchor = change.anchor { facts["anchor"] = anchor }
        func conflict(_ problem: String) -> Failure {
            .conflict(action: change.action, email: change.email, problem: problem)
        }
        /// The member `id` as it is now, which the plan saw with `role` and `email`.
        func member(_ id: Member.ID, role: Role? = nil, email: EmailAddress? = nil, managed: Bool = true) throws
            -> Member
        {
            guard let member = try db.member(id: id) else { throw conflict("the member no longer exists") }
            guard member.role != .owner else { throw conflict("an owner is never changed by dirsync") }
            guard !managed || member.isManaged else {
                throw conflict("the member was added by hand and is not managed by dirsync")
            }
            if let role, member.role != role { throw conflict("its role is now \(member.role), not \(role)") }
            if let email, member.email != email { throw conflict("its email is no longer \(email)") }
            return member
        }
        /// The pending invitation `id` as it is now.
        func invitation(_ id: Invitation.ID, managed: Bool = true) throws -> Invitation {
            guard let invitation = try db.invitation(id: id) else { throw conflict("the invitation no longer exists") }
            guard invitation.status == .pending else { throw conflict("the invitation is no longer pending") }
            guard !managed || invitation.isManaged else {
                throw conflict("the invitation was sent by hand and is not managed by dirsync")
            }
            return invitation
        }

        /// The member's pending offer `id` as it is now.
        func offer(_ id: Offer.ID, of member: Member) throws -> Offer {
            guard let offer = try db.pendingOffer(of: member.id), offer.id == id, offer.isManaged else {
                throw conflict("the offer is no longer pending")
            }
            return offer
        }

        /// Each field's value must still be the one the plan saw.
        func requireFrom(_ fields: [Plan.FieldChange], _ profile: [String: String]) throws {
            for field in fields where profile[field.field] != field.from {
                throw conflict("its \(field.field) is no longer \(field.from.map { "'\($0)'" } ?? "empty")")
            }
        }

        switch change.effect {
        case .offer(let id, let role, let to, let replacing):
            let member = try member(id, role: role)
            let pending = try db.pendingOffer(of: member.id)
            guard pending?.id == replacing else {
                throw conflict(
                    pending == nil
                        ? "the offer it replaces is no longer pending" : "the member has another pending offer")
            }
            do {
                try rules.offer(
                    change.grants.map { Offer.Item(grant: $0, isManaged: true) }, role: to, to: member, managed: true,
                    by: actor, validity: offerValidity, addingAccounts: true, details: facts)
            } catch let error as AccessError {
                throw conflict(error.description)
            }
        case .resendOffer(let id, let memberID, let role):
            try rules.resendOffer(
                try offer(id, of: try member(memberID, role: role)), by: actor, validity: offerValidity, details: facts)
        case .revokeOffer(let id, let memberID, let role):
            try rules.revokeOffer(try offer(id, of: try member(memberID, role: role)), by: actor, details: facts)
        case .adoptMember(let id, _):
            try rules.adopt(try member(id, managed: false), anchor: change.anchor, by: actor, details: facts)
        case .adoptInvitation(let id, _):
            try rules.adopt(try invitation(id, managed: false), anchor: change.anchor, by: actor, details: facts)
        case .updateEmail(let id, let previous, _):
            do {
                try rules.changeEmail(
                    of: try member(id, email: previous), to: change.email, anchor: change.anchor, by: actor,
                    details: facts)
            } catch LedgerError.alreadyMember(let email, _) {
                throw conflict("\(email) is already a member")
            }
        case .updateAnchor(let id, _):
            guard let anchor = change.anchor else { throw conflict("the plan names no new anchor") }
            try rules.changeAnchor(of: try member(id), to: anchor, by: actor, details: facts)
        case .updateProfile(let id, let role):
            let current = try member(id, role: role)
            try requireFrom(change.fields, current.profile)
            try rules.updateProfile(of: current, change.fields, by: actor, details: facts)
        case .updateInvitation(let id, _):
            let current = try invitation(id)
            try requireFrom(change.fields, current.profile)
            try rules.updateProfile(of: current, change.fields, by: actor, details: facts)
        case .revoke(let id, _):
            try rules.revoke(try invitation(id), by: actor, details: facts)
        case .remove(let id, _):
            try rules.remove(try member(id), by: actor, details: facts)
        case .removeAccess(let id, let from):
            try rules.removeAccess(of: try member(id, role: from), by: actor, details: facts)
        case .restoreAccess(let id, let role):
            let current = try member(id)
            guard !current.hasAccess else { throw conflict("the member has access again") }
            let restored = try rules.restoreAccess(of: current, as: role, by: actor, details: facts)
            try rules.grant(change.grants, to: restored, managed: true, by: actor, addingAccounts: true, details: facts)
        case .downgrade(let id, let from):
            try rules.changeRole(of: try member(id, role: from), to: .viewer, by: actor, details: facts)
        case .changeRole(let id, let from, let to):
            try rules.changeRole(of: try member(id, role: from), to: to, by: actor, details: facts)
        case .grant(let id, let role):
            do {
                try rules.grant(
                    change.grants, to: try member(id, role: role), managed: true, by: actor,
                    addingAccounts: true, details: facts)
            } catch let error as AccessError {
                throw conflict(error.description)
            }
        case .ungrant(let id, let role):
            do {
                try rules.ungrant(change.grants, from: try member(id, role: role), by: actor, details: facts)
            } catch let error as AccessError {
                throw conflict(error.description)
            }
        case .reinvite(let id, _, let to, _):
            let previous = try invitation(id)
            try requireFrom(change.fields, previous.profile)
            try rules.reinvite(
                previous, to: change.email, as: to, grants: change.grants, by: actor, anchor: change.anchor,
                givenName: change.givenName, familyName: change.familyName, fields: change.fields, details: facts)
        case .join(let role, let name):
            let joined = try rules.join(
                change.email, name: name, as: role, origin: .domainAutoJoin, by: actor, anchor: change.anchor,
                isManaged: true, username: change.username,
                identity: Identity(
                    givenName: change.givenName, familyName: change.familyName,
                    fields: Plan.FieldChange.applying(change.fields, to: [:])),
                profileSynced: Plan.FieldChange.recording(change.fields, in: [:]), details: facts)
            try rules.grant(change.grants, to: joined, managed: true, by: actor, addingAccounts: true, details: facts)
        case .invite(let role, _):
            try rules.invite(
                change.email, as: role, grants: change.grants, message: nil, by: actor, anchor: change.anchor,
                isManaged: true, givenName: change.givenName, familyName: change.familyName, username: change.username,
                profile: Plan.FieldChange.applying(change.fields, to: [:]),
                profileSynced: Plan.FieldChange.recording(change.fields, in: [:]), complete: registration == .complete,
                flow: change.flow ?? .link, details: facts)
        case .resend(let id, _):
            try rules.resend(try invitation(id), by: actor, details: facts)
        case .approve(let requestID, let invitationID, let role):
            let account = try invitation(invitationID)
            guard
                let request = try db.accessRequests(in: account.organization, statuses: [.pending]).first(where: {
                    $0.id == requestID
                }), request.invitation == account.id, request.state(at: rules.now) == .pending
            else { throw conflict("the request for access is no longer pending") }
            try rules.approve(
                request, as: role, grants: change.grants, by: actor, isManaged: true, anchor: change.anchor,
                details: facts)
        case .deferred:
            break
        }
    }
}
