extension Applier {
    /// The safety rules and the domain and owner rules, checked in the first batch's transaction against the
    /// organization as it is, before any change: a plan that breaks one changes nothing.
    static func check(
        _ plan: Plan, against snapshot: OrganizationSnapshot, safeguards: Safeguards, db: any LedgerWriter
    ) throws {
        if !safeguards.allowDeletions {
            let lastUsers = try db.lastSuccessfulRun(in: snapshot.organization.id)?.sourceUsers
            let recomputed = Planner.block(
                deletions: plan.deletionCount, snapshot: snapshot, policy: safeguards.policy,
                sourceUsers: plan.basis.sourceUsers, lastSourceUsers: lastUsers)
            if let blocked = recomputed ?? plan.blocked { throw Failure.blocked(blocked.reason) }
        }
        var members = Dictionary(snapshot.members.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let invitations = Dictionary(snapshot.invitations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rules = safeguards.rules
        func inAutoJoin(_ email: EmailAddress) -> Bool {
            rules.autoJoinDomains.contains { DomainPattern.matches($0, email.domain) }
        }
        func invitable(_ email: EmailAddress) -> Bool {
            inAutoJoin(email) || rules.allowedDomains.contains { DomainPattern.matches($0, email.domain) }
        }
        for (index, change) in plan.changes.enumerated() where change.action != .defer {
            func refuse(_ problem: String) -> Failure {
                .refused(index: index, action: change.action, email: change.email, problem: problem)
            }
            if [change.role, change.fromRole, change.toRole].contains(.owner) {
                throw refuse("owners are never made, changed or removed by dirsync")
            }
            /// The member `id`, which must carry `address` (and must not be an owner unless `ownerAllowed`).
            func member(_ id: Member.ID, _ address: EmailAddress, ownerAllowed: Bool = false) throws -> Member {
                guard let member = members[id] else { throw refuse("it names no member of the organization") }
                guard member.email == address else {
                    throw refuse("member \(id) is \(member.email), not the address the change names")
                }
                if !ownerAllowed && member.role == .owner {
                    throw refuse("owners are never changed or removed by dirsync")
                }
                return member
            }
            func invitation(_ id: Invitation.ID, _ address: EmailAddress) throws {
                guard let invitation = invitations[id] else {
                    throw refuse("it names no pending invitation of the organization")
                }
                guard invitation.email == address else {
                    throw refuse("invitation \(id) is for \(invitation.email), not the address the change names")
                }
            }
            // What is given must be in the catalog; what is taken away may be a role or account the
            // configuration no longer lists (that is often why it is taken away).
            for grant in change.grants {
                if Role(rawValue: grant.role.lowercased()) != nil {
                    throw refuse("'\(grant.role)' is an organization role, never a grant")
                }
                if [.ungrant, .revokeOffer, .resendOffer].contains(change.action) { continue }
                guard rules.catalog.role(named: grant.role) != nil else {
                    throw refuse("'\(grant.role)' is not a role of access.roles")
                }
                if let account = grant.account, rules.catalog.account(named: account) == nil {
                    throw refuse("'\(account)' is not an account of organization.accounts")
                }
            }
            switch change.effect {
            case .join, .invite, .reinvite, .grant, .ungrant, .offer, .resendOffer, .revokeOffer, .restoreAccess,
                .approve:
                break
            default:
                if !change.grants.isEmpty {
                    throw refuse(
                        "only a join, invite, reinvite, approve, grant, ungrant or offer change carries grants")
                }
            }
            switch change.effect {
            case .join, .invite, .reinvite, .updateProfile, .updateInvitation: break
            default:
                if !change.fields.isEmpty {
                    throw refuse("only a join, invite, reinvite or update sets profile fields")
                }
            }
            switch change.effect {
            case .updateProfile, .updateInvitation:
                if change.fields.isEmpty { throw refuse("it sets no profile fields") }
            default: break
            }
            switch change.effect {
            case .join:
                guard inAutoJoin(change.email) else {
                    throw refuse("\(change.email.domain) is not an auto-join domain (organization.auto_join.domains)")
                }
            case .invite:
                guard invitable(change.email) else {
                    throw refuse("\(change.email.domain) is neither an auto-join nor an allowed domain")
                }
            case .reinvite(let id, _, _, let previous):
                try invitation(id, previous ?? change.email)
                guard invitable(change.email) else {
                    throw refuse("\(change.email.domain) is neither an auto-join nor an allowed domain")
                }
            case .resend(let id, _), .revoke(let id, _), .adoptInvitation(let id, _), .updateInvitation(let id, _),
                .approve(_, let id, _):
                try invitation(id, change.email)
            case .adoptMember(let id, _):
                _ = try member(id, change.email, ownerAllowed: true)
            case .updateEmail(let id, let previous, _):
                // Later changes (a role change after an email update) name the member by its new address.
                var renamed = try member(id, previous)
                renamed.email = change.email
                members[id] = renamed
            case .updateAnchor(let id, _), .remove(let id, _), .downgrade(let id, _), .changeRole(let id, _, _),
                .removeAccess(let id, _), .restoreAccess(let id, _):
                _ = try member(id, change.email)
            case .offer(let id, _, _, _), .resendOffer(_, let id, _), .revokeOffer(_, let id, _):
                guard let held = members[id], held.role != .owner else {
                    throw refuse("it names no member of the organization dirsync may change")
                }
                if case .offer(_, _, nil, _) = change.effect, change.grants.isEmpty {
                    throw refuse("it offers nothing")
                }
            case .updateProfile(let id, _):
                // Named, like a grant, by the address it will have once an earlier update is applied.
                guard let held = members[id], held.role != .owner else {
                    throw refuse("it names no member of the organization dirsync may change")
                }
            case .grant(let id, _), .ungrant(let id, _):
                // Named by the address it will have once an earlier update of the plan is applied, or its own.
                guard let held = members[id], held.role != .owner else {
                    throw refuse("it names no member of the organization dirsync may change")
                }
                if change.grants.isEmpty { throw refuse("it names no grants") }
            case .deferred:
                break
            }
        }
    }
}
