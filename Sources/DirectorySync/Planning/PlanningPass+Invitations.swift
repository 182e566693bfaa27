import Foundation

/// Pending invitations: adopted, reinvited, resent or revoked.
extension PlanningPass {
    mutating func reconcileInvitations() {
        for (position, invitation) in orderedInvitations.enumerated() {
            guard let person = invitationMatches[position].map({ people[$0.person] }) else {
                if invitation.isManaged { revoke(invitation) }
                continue
            }
            if !invitation.isManaged {
                let adoption = Plan.Change(
                    invitation.email, .adoptInvitation(invitation.id, role: invitation.role),
                    reason: .adoptedInvitation, rule: "policy.adopt_existing", anchor: person.anchor)
                // An invitation is adopted only for the address it was sent to.
                let canAdopt = person.email == invitation.email
                guard adoptOrLeave(adoption, canAdopt: canAdopt, for: person, current: invitation.role) else {
                    continue
                }
            }
            if let request = snapshot.accessRequests[invitation.id] {
                decide(request, of: invitation, for: person)
                continue
            }
            let isExpired = invitation.isExpired(at: now)
            let carried = snapshot.invitationGrants[invitation.id] ?? []
            if person.email != invitation.email || person.role != invitation.role || carried != person.grants {
                guard canMail(person) else { continue }
                let emailChanged = person.email != invitation.email
                let reason: Plan.Reason =
                    emailChanged
                    ? .invitationEmailChanged(from: invitation.email)
                    : person.role != invitation.role ? .pendingRoleChanged(to: person.role) : .pendingGrantsChanged
                let change = Plan.Change(
                    person.email,
                    .reinvite(
                        invitation.id, from: invitation.role, to: person.role,
                        previousEmail: emailChanged ? invitation.email : nil),
                    reason: reason, rule: person.rule, anchor: person.anchor, grants: person.grants,
                    givenName: person.givenName, familyName: person.familyName,
                    fields: profileChanges(
                        invitation.profile, invitation.profileSynced, to: person, of: invitation.email))
                // Replacing a live invitation keeps its seat; replacing an expired one takes a new seat.
                if isExpired { seatTakers.append(change) } else { changes.append(change) }
                continue
            }
            let fields = profileChanges(invitation.profile, invitation.profileSynced, to: person, of: invitation.email)
            if !fields.isEmpty {
                changes.append(
                    Plan.Change(
                        invitation.email, .updateInvitation(invitation.id, role: invitation.role),
                        reason: .profileChanged(fields.map(\.field)), rule: "profile", anchor: person.anchor,
                        fields: fields))
            }
            let waited = now.timeIntervalSince(invitation.sentAt)
            guard isExpired || waited >= policy.resendAfter.timeInterval else { continue }
            guard invitation.resendCount < policy.maxResends else {
                if isExpired {
                    diagnostics.append(
                        Diagnostic(
                            .warning,
                            "the invitation to \(invitation.email) expired after \(Plural.count(invitation.resendCount, "resend")) and is not resent again (policy.max_resends: \(policy.maxResends)); resend or revoke it by hand",
                            at: person.location))
                }
                continue
            }
            let change = Plan.Change(
                invitation.email, .resend(invitation.id, role: invitation.role),
                reason: isExpired
                    ? .expired(on: invitation.expiresAt)
                    : .notAccepted(since: invitation.sentAt, resendAfter: policy.resendAfter),
                rule: person.rule, anchor: person.anchor)
            if isExpired { seatTakers.append(change) } else { changes.append(change) }
        }
    }

    mutating func revoke(_ invitation: Invitation) {
        let departure =
            memberEmails.contains(invitation.email)
            ? .alreadyMember : departure(anchor: invitation.anchor, email: invitation.email)
        if invitation.isLive(at: now) { seatsFreed += 1 }
        changes.append(
            Plan.Change(
                invitation.email, .revoke(invitation.id, role: invitation.role), reason: .departed(departure),
                rule: departure.rule, anchor: invitation.anchor))
    }

    /// A pending request for access made with `invitation`'s code: approved when the directory vouches for it
    /// (the same address, and the same username when the directory gives one), else left waiting for an admin,
    /// with a note. A lapsed request is only noted.
    mutating func decide(_ request: AccessRequest, of invitation: Invitation, for person: DesiredState.Person) {
        guard request.state(at: now) == .pending else {
            diagnostics.append(
                Diagnostic(
                    .info,
                    "the request for access of \(request.username) (\(request.email)) expired on "
                        + "\(DateText.short(request.expiresAt)); 'dirsync access deny \(request.username)' closes it",
                    at: person.location))
            return
        }
        guard invitation.isManaged, request.email == person.email,
            person.username == nil || person.username == request.username
        else {
            let why =
                request.email != person.email
                ? "the directory now has \(person.email)"
                : !invitation.isManaged
                    ? "the account invitation was sent by hand"
                    : "the directory's username is \(person.username?.text ?? "")"
            diagnostics.append(
                Diagnostic(
                    .info,
                    "the request for access of \(request.username) (\(request.email)) waits for an admin: \(why) "
                        + "('dirsync access approve \(request.username) --role ROLE')",
                    at: person.location))
            return
        }
        var change = Plan.Change(
            request.email, .approve(request.id, invitation: invitation.id, role: person.role),
            reason: .directoryVouches(request.username), rule: person.rule, anchor: person.anchor,
            grants: person.grants, givenName: request.givenName, familyName: request.familyName)
        change.flow = .accountFirst
        changes.append(change)
    }
}
