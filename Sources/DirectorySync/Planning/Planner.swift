import Foundation

/// Turns the desired state and the organization as it is into a plan. Pure: no I/O, no clock.
///
/// People in the organization are matched to people in the directory by directory anchor first, then by
/// email, so a rename or an email change never becomes an offboarding plus a new invitation. Only what
/// dirsync created or adopted is revoked, removed or re-roled; owners are never touched; seats are
/// respected, with the changes that do not fit deferred in a deterministic order (role, then email).
public enum Planner {
    /// Why no plan could be made.
    public enum Failure: Error, Equatable, UserFacingError {
        case emptySource(SourceKind)

        public var description: String {
            switch self {
            case .emptySource(let kind):
                "the \(kind) source returned no users; no plan was made (an empty read is treated as a failure, never as everyone leaving)"
            }
        }

        public var hint: String? { "check the source (path, filter, credentials) with 'dirsync source show'" }
    }

    /// The plan that turns `snapshot` into `desired` under `policy` at `now`.
    ///
    /// - Parameter lastSourceUsers: users read at the last successful run, for the shrink guard.
    public static func plan(
        desired: DesiredState, snapshot: OrganizationSnapshot, policy: SyncPolicy, lastSourceUsers: Int?, now: Date
    ) throws(Failure) -> Plan {
        guard desired.sourceUsers > 0 else { throw .emptySource(desired.sourceKind) }
        var planning = Planning(desired: desired, snapshot: snapshot, policy: policy, now: now)
        planning.reconcileMembers()
        planning.settleEmailChanges()
        planning.reconcileInvitations()
        planning.admitNewcomers()
        planning.fitSeats()
        let changes = planning.changes.sorted { lhs, rhs in
            lhs.action != rhs.action ? lhs.action < rhs.action : lhs.email < rhs.email
        }
        let blocked = block(
            deletions: changes.filter(\.action.isDeletion).count, snapshot: snapshot, policy: policy,
            sourceUsers: desired.sourceUsers, lastSourceUsers: lastSourceUsers)
        let basis = Plan.Basis(
            organization: snapshot.organization.name, snapshot: snapshot.fingerprint, desired: desired.fingerprint,
            sourceKind: desired.sourceKind, sourceUsers: desired.sourceUsers, computedAt: now,
            seats: snapshot.organization.settings.seats, seatsUsed: planning.seatsUsed)
        return Plan(basis: basis, changes: changes, diagnostics: planning.diagnostics, blocked: blocked)
    }

    /// The safety rules: a source that shrank too much, or too many deletions, blocks the plan.
    static func block(
        deletions: Int, snapshot: OrganizationSnapshot, policy: SyncPolicy, sourceUsers: Int, lastSourceUsers: Int?
    )
        -> Plan.Blocked?
    {
        if let last = lastSourceUsers, last > 0, sourceUsers < last {
            let shrink = Double(last - sourceUsers) / Double(last)
            if shrink > policy.maxShrinkRatio {
                return Plan.Blocked(
                    reason:
                        "the source has \(sourceUsers) users, \(percent(shrink)) fewer than the \(last) of the last "
                        + "successful run (policy.max_shrink_ratio: \(percent(policy.maxShrinkRatio)))")
            }
        }
        guard deletions > 0 else { return nil }
        let managed =
            snapshot.members.filter { $0.isManaged && $0.role != .owner }.count
            + snapshot.invitations.filter(\.isManaged).count
        let limit = policy.deletionLimit(managed: managed)
        guard deletions > limit else { return nil }
        let setting =
            limit == policy.maxDeletions
            ? "policy.max_deletions: \(policy.maxDeletions)"
            : "policy.max_deletion_ratio: \(percent(policy.maxDeletionRatio)) of \(managed) managed people"
        return Plan.Blocked(
            reason:
                "the plan revokes, removes or downgrades \(deletions) people, more than the limit of \(limit) (\(setting))"
        )
    }

    static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}

/// The working state of one planning pass.
private struct Planning {
    let desired: DesiredState
    let snapshot: OrganizationSnapshot
    let policy: SyncPolicy
    let now: Date

    var changes: [Plan.Change] = []
    var diagnostics: [Diagnostic]
    /// Changes that need a free seat, decided in `fitSeats`.
    var seatTakers: [Plan.Change] = []
    /// Seats freed by the plan's removals and revocations.
    var seatsFreed = 0
    let seatsUsed: Int

    /// The desired people, and where to find them (indices into `people`: a million people are not copied).
    private let people: [DesiredState.Person]
    private let byAnchor: [String: Int]
    private let byEmail: [EmailAddress: Int]
    private let skippedByAnchor: [String: DesiredState.Skip]
    private let skippedByEmail: [EmailAddress: DesiredState.Skip]
    private let memberEmails: Set<EmailAddress>
    /// Members and pending invitations in a fixed order (by store id), whatever order the snapshot has.
    private let orderedMembers: [Member]
    private let orderedInvitations: [Invitation]
    /// Desired people (by index) matched to a member or an invitation.
    private var claimed: [Bool]
    /// Email changes of members, settled once every removal is known.
    private var emailChanges: [Plan.Change] = []
    /// The person each of `orderedMembers` (and `orderedInvitations`) matched, by index, and whether by anchor.
    private var memberMatches: [(person: Int, byAnchor: Bool)?]
    private var invitationMatches: [(person: Int, byAnchor: Bool)?]

    init(desired: DesiredState, snapshot: OrganizationSnapshot, policy: SyncPolicy, now: Date) {
        self.desired = desired
        self.snapshot = snapshot
        self.policy = policy
        self.now = now
        self.diagnostics = desired.diagnostics
        // The indexes by anchor and by email are independent: built on two cores.
        let people = desired.people
        let skipped = desired.skipped
        let members = snapshot.members
        let (anchors, emails) = Parallel.both {
            var byAnchor: [String: Int] = [:]
            byAnchor.reserveCapacity(people.count)
            for index in people.indices { byAnchor[people[index].anchor] = index }
            var skippedByAnchor: [String: DesiredState.Skip] = [:]
            for skip in skipped { skippedByAnchor[skip.anchor] = skip }
            return (byAnchor, skippedByAnchor)
        } and: {
            var byEmail: [EmailAddress: Int] = [:]
            byEmail.reserveCapacity(people.count)
            for index in people.indices { byEmail[people[index].email] = index }
            var skippedByEmail: [EmailAddress: DesiredState.Skip] = [:]
            for skip in skipped { if let email = skip.email { skippedByEmail[email] = skip } }
            var memberEmails = Set<EmailAddress>(minimumCapacity: members.count)
            for member in members { memberEmails.insert(member.email) }
            return (byEmail, skippedByEmail, memberEmails)
        }
        self.people = people
        (self.byAnchor, self.skippedByAnchor) = anchors
        (self.byEmail, self.skippedByEmail, self.memberEmails) = emails
        self.claimed = Array(repeating: false, count: people.count)
        // The store lists both by id already: then they are used as they are, not copied.
        self.orderedMembers =
            members.indices.dropFirst().allSatisfy { members[$0 - 1].id.rawValue < members[$0].id.rawValue }
            ? members : members.sorted { $0.id.rawValue < $1.id.rawValue }
        let invitations =
            snapshot.invitations.allSatisfy { $0.status == .pending }
            ? snapshot.invitations : snapshot.invitations.filter { $0.status == .pending }
        self.orderedInvitations =
            invitations.indices.dropFirst().allSatisfy {
                invitations[$0 - 1].id.rawValue < invitations[$0].id.rawValue
            } ? invitations : invitations.sorted { $0.id.rawValue < $1.id.rawValue }
        self.seatsUsed = snapshot.members.count + snapshot.invitations.count { $0.isLive(at: now) }
        self.memberMatches = Array(repeating: nil, count: orderedMembers.count)
        self.invitationMatches = Array(repeating: nil, count: orderedInvitations.count)
        matchRecords()
    }

    /// Pairs members, then pending invitations, with desired people: every anchor match first, then email
    /// matches for the rest, so an email match can never take the person another record's anchor names.
    private mutating func matchRecords() {
        func claim(_ index: Int?) -> Int? {
            guard let index, !claimed[index] else { return nil }
            claimed[index] = true
            return index
        }
        // By position, reading only the field needed: a million records are not copied four times over.
        for position in orderedMembers.indices {
            if let anchor = orderedMembers[position].anchor, let person = claim(byAnchor[anchor]) {
                memberMatches[position] = (person, true)
            }
        }
        for position in orderedInvitations.indices {
            if let anchor = orderedInvitations[position].anchor, let person = claim(byAnchor[anchor]) {
                invitationMatches[position] = (person, true)
            }
        }
        for position in orderedMembers.indices where memberMatches[position] == nil {
            if let person = claim(byEmail[orderedMembers[position].email]) { memberMatches[position] = (person, false) }
        }
        for position in orderedInvitations.indices where invitationMatches[position] == nil {
            if let person = claim(byEmail[orderedInvitations[position].email]) {
                invitationMatches[position] = (person, false)
            }
        }
    }

    /// Why someone in the organization is no longer wanted.
    private func departure(anchor: String?, email: EmailAddress) -> Plan.Departure {
        let skip = anchor.flatMap { skippedByAnchor[$0] } ?? skippedByEmail[email]
        switch skip?.reason {
        case nil: return .noLongerInDirectory
        case .disabled: return .disabled
        case .noEmail: return .noEmail
        case .domainNotAllowed(let domain): return .domainNotAllowed(domain)
        case .noRuleMatched: return .noRuleMatched
        }
    }

    // MARK: - Members

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
                guard policy.adoptExisting else {
                    if person.role != member.role {
                        diagnostics.append(
                            Diagnostic(
                                .info,
                                "\(member.email) was added by hand and is not managed: the rules say \(person.role), the role stays \(member.role) (policy.adopt_existing: false)",
                                at: person.location))
                    }
                    continue
                }
                changes.append(
                    Plan.Change(
                        member.email, .adoptMember(member.id, role: member.role), reason: .adoptedMember,
                        rule: "policy.adopt_existing", anchor: person.anchor))
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
        }
    }

    private mutating func update(_ member: Member, to person: DesiredState.Person) {
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

    private mutating func offboard(_ member: Member) {
        let departure = departure(anchor: member.anchor, email: member.email)
        switch policy.offboarding {
        case .remove:
            seatsFreed += 1
            changes.append(
                Plan.Change(
                    member.email, .remove(member.id, role: member.role), reason: .departed(departure),
                    rule: departure.rule, anchor: member.anchor))
        case .downgrade:
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

    // MARK: - Invitations

    mutating func reconcileInvitations() {
        for (position, invitation) in orderedInvitations.enumerated() {
            guard let person = invitationMatches[position].map({ people[$0.person] }) else {
                if invitation.isManaged { revoke(invitation) }
                continue
            }
            if !invitation.isManaged {
                guard policy.adoptExisting, person.email == invitation.email else {
                    if person.role != invitation.role {
                        diagnostics.append(
                            Diagnostic(
                                .info,
                                "the invitation to \(invitation.email) was sent by hand and is not managed: the rules say \(person.role), it stays \(invitation.role) (policy.adopt_existing: false)",
                                at: person.location))
                    }
                    continue
                }
                changes.append(
                    Plan.Change(
                        invitation.email, .adoptInvitation(invitation.id, role: invitation.role),
                        reason: .adoptedInvitation, rule: "policy.adopt_existing", anchor: person.anchor))
            }
            let isExpired = invitation.isExpired(at: now)
            if person.email != invitation.email || person.role != invitation.role {
                let emailChanged = person.email != invitation.email
                let change = Plan.Change(
                    person.email,
                    .reinvite(
                        invitation.id, from: invitation.role, to: person.role,
                        previousEmail: emailChanged ? invitation.email : nil),
                    reason: emailChanged
                        ? .invitationEmailChanged(from: invitation.email) : .pendingRoleChanged(to: person.role),
                    rule: person.rule, anchor: person.anchor)
                // Replacing a live invitation keeps its seat; replacing an expired one takes a new seat.
                if isExpired { seatTakers.append(change) } else { changes.append(change) }
                continue
            }
            let waited = now.timeIntervalSince(invitation.sentAt)
            guard isExpired || waited >= policy.resendAfter.timeInterval else { continue }
            guard invitation.resendCount < policy.maxResends else {
                if isExpired {
                    diagnostics.append(
                        Diagnostic(
                            .warning,
                            "the invitation to \(invitation.email) expired after \(invitation.resendCount) resends and is not resent again (policy.max_resends: \(policy.maxResends)); resend or revoke it by hand",
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

    private mutating func revoke(_ invitation: Invitation) {
        let departure =
            memberEmails.contains(invitation.email)
            ? .alreadyMember : departure(anchor: invitation.anchor, email: invitation.email)
        if invitation.isLive(at: now) { seatsFreed += 1 }
        changes.append(
            Plan.Change(
                invitation.email, .revoke(invitation.id, role: invitation.role), reason: .departed(departure),
                rule: departure.rule, anchor: invitation.anchor))
    }

    // MARK: - Newcomers and seats

    mutating func admitNewcomers() {
        for index in people.indices where !claimed[index] {
            let person = people[index]
            if memberEmails.contains(person.email) { continue }  // a member matched to another person by anchor
            switch person.entry {
            case .join:
                seatTakers.append(
                    Plan.Change(
                        person.email, .join(person.role, name: person.name),
                        reason: .autoJoinDomain(person.email.domain), rule: person.rule, anchor: person.anchor))
            case .invite:
                seatTakers.append(
                    Plan.Change(
                        person.email, .invite(person.role, name: person.name),
                        reason: .allowedDomain(person.email.domain), rule: person.rule, anchor: person.anchor))
            }
        }
    }

    /// Gives the free seats to the changes that need one, highest role first, then by email; defers the rest.
    mutating func fitSeats() {
        let seats = snapshot.organization.settings.seats
        var free = seats - seatsUsed + seatsFreed
        // Every seat taker (a join, an invitation, a renewal) has what its deferral keeps.
        let ordered = seatTakers.compactMap { change in change.effect.deferral.map { (change, $0) } }.sorted {
            lhs, rhs in
            lhs.1.role != rhs.1.role ? lhs.1.role > rhs.1.role : lhs.0.email < rhs.0.email
        }
        for (change, deferral) in ordered {
            if free > 0 {
                free -= 1
                changes.append(change)
                continue
            }
            var deferred = change
            deferred.effect = .deferred(deferral)
            deferred.reason = .noSeat(for: change.action, seats: seats, used: seatsUsed)
            changes.append(deferred)
        }
    }
}
