import Foundation

/// Members: owners left alone, hand-added ones adopted or left, managed ones updated, re-roled or offboarded.
extension PlanningPass {
    mutating func reconcileMembers() {
        for (position, member) in orderedMembers.enumerated() {
            let found = memberMatches[position].map { (person: people[$0.person], byAnchor: $0.byAnchor) }
            if member.role == .owner {
                if let found {
                    if found.person.role != .owner {
                        diagnostics.append(
                            Diagnostic(
                                .info,
                                "\(member.email) is an owner; the rules say \(found.person.role), but owners are never changed",
                                at: found.person.location))
                    }
                }
                continue
            }
            guard let (person, byAnchor) = found else {
                if member.isManaged { offboard(member) }
                continue
            }
            if !member.isManaged {
                let adoption = Plan.Change(
                    member.email, .adoptMember(member.id, role: member.role), reason: .adoptedMember,
                    rule: "policy.adopt_existing", anchor: person.anchor)
                guard adoptOrLeave(adoption, canAdopt: true, for: person, current: member.role) else { continue }
            } else if byAnchor ? person.email != member.email : person.anchor != member.anchor {
                // An adoption records the anchor itself; otherwise an email change (matched by anchor) or a
                // re-created account (matched by email, new anchor) updates the member in place.
                update(member, to: person)
            }
            if person.role != member.role {
                changes.append(
                    Plan.Change(
                        person.email, .changeRole(member.id, from: member.role, to: person.role),
                        reason: .roleChanged(to: person.role), rule: person.rule, anchor: person.anchor))
            }
            reconcileGrants(of: member, with: person)
        }
    }

    /// A managed member's grants against what the grant rules give: missing ones granted, ones dirsync made
    /// that the rules no longer give taken away; grants made by hand stay, with a note when the rules
    /// disagree. A grant or ungrant names the member's role and address as they will be once the plan's
    /// earlier changes (a role change, an update) are applied.
    mutating func reconcileGrants(of member: Member, with person: DesiredState.Person) {
        let held = snapshot.grants[member.id] ?? []
        guard !held.isEmpty || !person.grants.isEmpty else { return }
        let heldGrants = Set(held.map(\.grant))
        let missing = person.grants.filter { !heldGrants.contains($0) }
        let wanted = Set(person.grants)
        let extra = held.filter { $0.isManaged && !wanted.contains($0.grant) }.map(\.grant).sorted()
        if !extra.isEmpty {
            changes.append(
                Plan.Change(
                    person.email, .ungrant(member.id, role: person.role), reason: .grantRulesNoLongerGive,
                    rule: "access.grants", anchor: person.anchor, grants: extra))
        }
        if !missing.isEmpty {
            changes.append(
                Plan.Change(
                    person.email, .grant(member.id, role: person.role), reason: .grantRulesGive,
                    rule: "access.grants", anchor: person.anchor, grants: missing))
        }
        let byHand = held.filter { !$0.isManaged && !wanted.contains($0.grant) }.map(\.grant)
        if !byHand.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .info,
                    "\(member.email) holds \(byHand.sorted().map(\.description).joined(separator: ", ")), granted by hand; "
                        + "the grant rules do not give it, so it stays",
                    at: person.location))
        }
    }

    /// A member or invitation added by hand, matched to `person`: adopted (the change is planned, and planning
    /// goes on for it) when `policy.adopt_existing` allows, otherwise left alone, with a diagnostic when the
    /// rules would give another role. Returns whether it was adopted.
    mutating func adoptOrLeave(
        _ adoption: Plan.Change, canAdopt: Bool, for person: DesiredState.Person, current role: Role
    ) -> Bool {
        if policy.adoptExisting && canAdopt {
            changes.append(adoption)
            return true
        }
        if person.role != role {
            let what =
                adoption.action == .adopt && adoption.memberID != nil
                ? "\(adoption.email) was added by hand and is not managed: the rules say \(person.role), the role stays \(role)"
                : "the invitation to \(adoption.email) was sent by hand and is not managed: the rules say \(person.role), it stays \(role)"
            diagnostics.append(Diagnostic(.info, what + " (policy.adopt_existing: false)", at: person.location))
        }
        return false
    }

    mutating func update(_ member: Member, to person: DesiredState.Person) {
        if person.email != member.email {
            // Whether the new address is free is known once every removal is planned: see `settleEmailChanges`.
            emailChanges.append(
                Plan.Change(
                    person.email, .updateEmail(member.id, from: member.email, role: member.role),
                    reason: .emailChanged(from: member.email), anchor: person.anchor))
        } else {
            changes.append(
                Plan.Change(
                    person.email, .updateAnchor(member.id, role: member.role), reason: .anchorChanged,
                    anchor: person.anchor))
        }
    }

    /// Keeps the email changes whose new address no remaining member holds.
    mutating func settleEmailChanges() {
        let removed = Set(changes.filter { $0.action == .remove }.map(\.email))
        let taken = memberEmails.subtracting(removed)
        for change in emailChanges {
            if taken.contains(change.email) {
                diagnostics.append(
                    Diagnostic(
                        .warning,
                        "\(change.fromEmail?.canonical ?? "a member") changed email to \(change.email) in the directory, but \(change.email) is already another member; left as is"
                    ))
            } else {
                changes.append(change)
            }
        }
    }

    mutating func offboard(_ member: Member) {
        let departure = departure(anchor: member.anchor, email: member.email)
        switch policy.offboarding {
        case .remove:
            seatsFreed += 1
            changes.append(
                Plan.Change(
                    member.email, .remove(member.id, role: member.role), reason: .departed(departure),
                    rule: departure.rule, anchor: member.anchor))
        case .downgrade:
            // The grants dirsync made go too; a removal takes every grant with the member.
            let made = (snapshot.grants[member.id] ?? []).filter(\.isManaged).map(\.grant).sorted()
            if !made.isEmpty {
                changes.append(
                    Plan.Change(
                        member.email, .ungrant(member.id, role: .viewer), reason: .departedDowngraded(departure),
                        rule: departure.rule, anchor: member.anchor, grants: made))
            }
            guard member.role != .viewer else { return }
            changes.append(
                Plan.Change(
                    member.email, .downgrade(member.id, from: member.role), reason: .departedDowngraded(departure),
                    rule: departure.rule, anchor: member.anchor))
        case .keep:
            diagnostics.append(
                Diagnostic(
                    .info,
                    "\(member.email): \(departure.description); kept as \(member.role) (policy.offboarding: keep)"))
        }
    }
}
