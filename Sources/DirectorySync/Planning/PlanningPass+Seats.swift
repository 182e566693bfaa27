import Foundation

/// Newcomers (joins and invitations), and who gets the seats that are left.
extension PlanningPass {
    mutating func admitNewcomers() {
        for index in people.indices where !claimed[index] {
            let person = people[index]
            if memberEmails.contains(person.email) { continue }  // a member matched to another person by anchor
            switch person.entry {
            case .join:
                seatTakers.append(
                    Plan.Change(
                        person.email, .join(person.role, name: person.name),
                        reason: .autoJoinDomain(person.email.domain), rule: person.rule, anchor: person.anchor,
                        grants: person.grants))
            case .invite:
                guard canMail(person) else { continue }
                seatTakers.append(
                    Plan.Change(
                        person.email, .invite(person.role, name: person.name),
                        reason: .allowedDomain(person.email.domain), rule: person.rule, anchor: person.anchor,
                        grants: person.grants, givenName: person.givenName, familyName: person.familyName))
            }
        }
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
