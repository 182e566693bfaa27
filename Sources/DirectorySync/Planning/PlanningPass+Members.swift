import Foundation

/// Members: owners left alone, hand-added ones adopted or left, managed ones updated, re-roled or offboarded.
extension PlanningPass {
    mutating func reconcileMembers() {
        for (position, member) in orderedMembers.enumerated() {
            let found = memberMatches[position].map { (person: people[$0.person], byAnchor: $0.byAnchor) }
            if member.role == .owner {
                if let found {
                    if found.person.role != .owner {
                        notices.add(
                            Diagnostic(
                                .info,
                                "\(member.email) is an owner; the rules say \(found.person.role), but owners are never changed",
                                at: found.person.location), kind: "owner unchanged")
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
            let fields = profileChanges(member.profile, member.profileSynced, to: person, of: member.email)
            if !fields.isEmpty {
                changes.append(
                    Plan.Change(
                        person.email, .updateProfile(member.id, role: member.role),
                        reason: .profileChanged(fields.map(\.field)), rule: "profile", anchor: person.anchor,
                        fields: fields))
            }
            if let wanted = person.username, wanted != member.username {
                notices.add(
                    Diagnostic(
                        .info,
                        "\(member.email)'s username in the directory is now \(wanted); dirsync keeps \(member.username) "
                            + "(a username never changes once the account exists)",
                        at: person.location), kind: "username kept")
            }
            // A member whose access was removed is wanted again: the role, a seat and the grants come back at once,
            // as at a join.
            if !member.hasAccess {
                seatTakers.append(
                    Plan.Change(
                        person.email, .restoreAccess(member.id, role: person.role),
                        reason: .wantedAgain(since: member.accessRemovedAt ?? member.joinedAt), rule: person.rule,
                        anchor: person.anchor, grants: person.grants))
                continue
            }
            // A higher role is new access: offered, unless policy.new_access applies it at once. A lower one applies
            // at once either way.
            let offersRole = policy.newAccess == .offer && person.role > member.role
            if person.role != member.role && !offersRole {
                changes.append(
                    Plan.Change(
                        person.email, .changeRole(member.id, from: member.role, to: person.role),
                        reason: .roleChanged(to: person.role), rule: person.rule, anchor: person.anchor))
            }
            reconcileGrants(of: member, with: person, offering: offersRole ? person.role : nil)
        }
    }

    /// A managed member's grants against what the grant rules give: ones dirsync made that the rules no longer
    /// give taken away; missing ones granted, or offered (with `role`, a higher organization role the rules
    /// give) under `policy.new_access: offer`; grants made by hand stay, with a note when the rules disagree. A
    /// change names the member's role and address as they will be once the plan's earlier changes (a role
    /// change, an update) are applied.
    mutating func reconcileGrants(of member: Member, with person: DesiredState.Person, offering role: Role?) {
        let held = snapshot.grants[member.id] ?? []
        let heldGrants = Set(held.map(\.grant))
        let missing = person.grants.filter { !heldGrants.contains($0) }
        let wanted = Set(person.grants)
        let extra = held.filter { $0.isManaged && !wanted.contains($0.grant) }.map(\.grant).sorted()
        let currentRole = role == nil ? person.role : member.role
        if !extra.isEmpty {
            changes.append(
                Plan.Change(
                    person.email, .ungrant(member.id, role: currentRole), reason: .grantRulesNoLongerGive,
                    rule: "access.grants", anchor: person.anchor, grants: extra))
        }
        switch policy.newAccess {
        case .apply:
            if !missing.isEmpty {
                changes.append(
                    Plan.Change(
                        person.email, .grant(member.id, role: currentRole), reason: .grantRulesGive,
                        rule: "access.grants", anchor: person.anchor, grants: missing))
            }
            // What an earlier offer carried is granted above; the offer goes.
            if let pending = pendingOffer(of: member), pending.isManaged {
                revokeOffer(pending, of: member, email: person.email, reason: .newAccessApplied)
            }
        case .offer:
            reconcileOffer(of: member, with: person, grants: missing, role: role, currentRole: currentRole)
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

    /// The member's offer against the new access the rules give (`grants` not held, a higher `role`): offered
    /// when there is no pending offer, the pending one replaced when it carries other access (the grants made
    /// by hand in it are kept), resent when it expired unanswered, revoked when the rules no longer give any of
    /// it. What the member declined is not offered again.
    mutating func reconcileOffer(
        of member: Member, with person: DesiredState.Person, grants: [Grant], role: Role?, currentRole: Role
    ) {
        var grants = grants
        var role = role
        let latest = snapshot.offers[member.id]
        if let declined = latest, declined.status == .declined {
            let refused = Set(declined.grants)
            let again = grants.filter(refused.contains)
            grants.removeAll(where: refused.contains)
            var skipped = again.map(\.description)
            if let offered = role, declined.role == offered {
                role = nil
                skipped.insert("\(offered) (role)", at: 0)
            }
            if !skipped.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        .info,
                        "\(member.email) declined \(skipped.joined(separator: ", ")) on "
                            + "\(DateText.short(declined.closedAt ?? declined.createdAt)); not offered again by a sync "
                            + "(by hand: 'dirsync grants add' offers a grant again, 'dirsync members set-role' gives a role)",
                        at: person.location))
            }
        }
        let pending = pendingOffer(of: member)
        if let pending {
            if Set(pending.managedGrants) == Set(grants) && pending.role == role {
                if pending.isManaged, pending.isExpired(at: now), pending.resendCount < policy.maxResends {
                    changes.append(
                        Plan.Change(
                            person.email, .resendOffer(pending.id, member: member.id, role: currentRole),
                            reason: .offerExpired(on: pending.expiresAt), rule: "policy.new_access",
                            anchor: person.anchor, grants: pending.managedGrants))
                }
                return
            }
            if grants.isEmpty && role == nil {
                if pending.items.allSatisfy(\.isManaged) && pending.isManaged {
                    revokeOffer(pending, of: member, email: person.email, reason: .offerNoLongerWanted)
                }
                return
            }
        } else if grants.isEmpty && role == nil {
            return
        }
        changes.append(
            Plan.Change(
                person.email, .offer(member.id, role: currentRole, to: role, replacing: pending?.id),
                reason: pending == nil ? .newAccessOffered : .pendingOfferChanged,
                rule: role != nil && grants.isEmpty ? person.rule : "access.grants", anchor: person.anchor,
                grants: grants.sorted()))
    }

    /// The member's pending offer, expired or not.
    func pendingOffer(of member: Member) -> Offer? {
        guard let latest = snapshot.offers[member.id], latest.status == .pending else { return nil }
        return latest
    }

    /// Withdraws `offer`; revocations come before role changes, so it names the member's role as it is.
    mutating func revokeOffer(_ offer: Offer, of member: Member, email: EmailAddress, reason: Plan.Reason) {
        changes.append(
            Plan.Change(
                email, .revokeOffer(offer.id, member: member.id, role: member.role), reason: reason,
                rule: "policy.new_access", anchor: member.anchor, grants: offer.managedGrants))
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
            notices.add(
                Diagnostic(.info, what + " (policy.adopt_existing: false)", at: person.location), kind: "not managed")
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
        // Someone without access holds nothing a downgrade or another removal of access could take.
        guard member.hasAccess || policy.offboarding == .remove else { return }
        switch policy.offboarding {
        case .removeAccess:
            seatsFreed += 1
            changes.append(
                Plan.Change(
                    member.email, .removeAccess(member.id, from: member.role),
                    reason: .departedAccessRemoved(departure),
                    rule: departure.rule, anchor: member.anchor))
        case .remove:
            if member.hasAccess { seatsFreed += 1 }
            changes.append(
                Plan.Change(
                    member.email, .remove(member.id, role: member.role), reason: .departed(departure),
                    rule: departure.rule, anchor: member.anchor))
        case .downgrade:
            if let pending = pendingOffer(of: member), pending.isManaged {
                revokeOffer(pending, of: member, email: member.email, reason: .departedDowngraded(departure))
            }
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

/// Profile fields: the directory's values for the fields the mappings manage, on managed records.
extension PlanningPass {
    /// What a join or an invitation of `person` sets: every managed field the directory has a value for.
    func newProfile(of person: DesiredState.Person) -> [Plan.FieldChange] {
        Plan.FieldChange.differences(from: [:], to: person.profile, over: desired.profileKeys)
    }

    /// How a managed record's profile (`held`, with what a sync last gave it, `synced`) differs from the
    /// directory's for `person`, over the fields the mappings manage. The directory wins a field edited by hand
    /// since the last sync, with a warning naming both values.
    mutating func profileChanges(
        _ held: [String: String], _ synced: [String: String], to person: DesiredState.Person, of email: EmailAddress
    ) -> [Plan.FieldChange] {
        let changes = Plan.FieldChange.differences(from: held, to: person.profile, over: desired.profileKeys)
        for change in changes {
            guard let given = synced[change.field], given != (change.from ?? "") else { continue }
            diagnostics.append(
                Diagnostic(
                    .warning,
                    "\(email)'s \(change.field) was edited by hand (\(Self.shown(change.from))); the directory manages it "
                        + "and its \(Self.shown(change.to)) wins (remove the field from the mapping's profile: to keep "
                        + "hand edits)",
                    at: person.location))
        }
        return changes
    }

    /// A field's value as messages quote it.
    static func shown(_ value: String?) -> String { value.map { "'\($0)'" } ?? "empty" }
}
