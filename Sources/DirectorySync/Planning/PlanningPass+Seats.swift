import Foundation

/// Newcomers (joins and invitations), and who gets the seats that are left.
extension PlanningPass {
    mutating func admitNewcomers() {
        // A member matched to another person by anchor is no newcomer.
        let newcomers = people.indices.filter { !claimed[$0] && !memberEmails.contains(people[$0].email) }
        let usernames = assignUsernames(to: newcomers)
        for index in newcomers {
            let person = people[index]
            guard let username = usernames[index] else { continue }
            switch person.entry {
            case .join:
                seatTakers.append(
                    Plan.Change(
                        person.email, .join(person.role, name: person.name),
                        reason: .autoJoinDomain(person.email.domain), rule: person.rule, anchor: person.anchor,
                        grants: person.grants, givenName: person.givenName, familyName: person.familyName,
                        username: username, fields: newProfile(of: person)))
            case .invite:
                guard canMail(person), isRegistrable(person) else { continue }
                var change = Plan.Change(
                    person.email, .invite(person.role, name: person.name),
                    reason: .allowedDomain(person.email.domain), rule: person.rule, anchor: person.anchor,
                    grants: person.grants, givenName: person.givenName, familyName: person.familyName,
                    username: username, fields: newProfile(of: person))
                change.flow = policy.flow(for: person.email)
                seatTakers.append(change)
            }
        }
    }

    /// The username each newcomer (by index in `people`) gets, in anchor order: first every username the
    /// directory gives, which is never changed — one held by someone else (a member, a pending invitation, a
    /// newcomer before in anchor order) leaves its person out, with a diagnostic naming both — then the derived
    /// ones, each with the smallest free numeric suffix.
    mutating func assignUsernames(to newcomers: [Int]) -> [Int: Username] {
        var holders: [Username: EmailAddress] = [:]
        for member in snapshot.members { holders[member.username] = member.email }
        for invitation in snapshot.invitations where invitation.status == .pending {
            holders[invitation.username] = invitation.email
        }
        let ordered = newcomers.sorted { people[$0].anchor < people[$1].anchor }
        var assigned: [Int: Username] = [:]
        for index in ordered {
            let person = people[index]
            guard let wanted = person.username else { continue }
            if let holder = holders[wanted], holder != person.email {
                diagnostics.append(
                    Diagnostic(
                        .warning,
                        "\(person.email) is left out: the directory gives the username \(wanted), which \(holder) holds; "
                            + "a username from the directory is never changed",
                        at: person.location))
                continue
            }
            holders[wanted] = person.email
            assigned[index] = wanted
        }
        for index in ordered where people[index].username == nil {
            let email = people[index].email
            let username = Username.free(.derived(from: email)) { holders[$0].map { $0 != email } ?? false }
            holders[username] = email
            assigned[index] = username
        }
        return assigned
    }

    /// Whether `person` can be invited as the policy registers people: under `policy.registration: complete`
    /// the directory must give every field `organization.identity.required` names; if not, a warning says
    /// what is missing.
    mutating func isRegistrable(_ person: DesiredState.Person) -> Bool {
        guard policy.registration == .complete else { return true }
        let missing = Identity(givenName: person.givenName, familyName: person.familyName, displayName: person.name)
            .missing(policy.identityRequired)
        guard !missing.isEmpty else { return true }
        diagnostics.append(
            Diagnostic(
                .warning,
                "\(person.email) is not invited: a complete registration needs \(missing.joined(separator: ", ")), "
                    + "which the directory does not give (policy.registration: complete)",
                at: person.location))
        return false
    }

    /// Whether the mail transport can deliver an invitation to `person`; if not, a warning says who is not
    /// invited and why (the ledger would refuse the invitation, failing the whole batch).
    mutating func canMail(_ person: DesiredState.Person) -> Bool {
        guard let refusal = mail.refusal(of: person.email) else { return true }
        diagnostics.append(Diagnostic(.warning, "\(person.email) is not invited: \(refusal)", at: person.location))
        return false
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
