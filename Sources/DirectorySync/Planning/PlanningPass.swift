import Foundation

/// The working state of one planning pass.
struct PlanningPass {
    let desired: DesiredState
    let snapshot: OrganizationSnapshot
    let policy: SyncPolicy
    let now: Date
    /// What the mail transport delivers.
    let mail: MailCapabilities

    var changes: [Plan.Change] = []
    var diagnostics: [Diagnostic]
    /// Notes that repeat per person and change nothing (a username kept, an owner left alone, a record added by
    /// hand): the first few of each kind, then a count, so a million of them do not drown the plan.
    var notices = DiagnosticLog()
    /// Changes that need a free seat, decided in `fitSeats`.
    var seatTakers: [Plan.Change] = []
    /// Seats freed by the plan's removals and revocations.
    var seatsFreed = 0
    let seatsUsed: Int

    /// The desired people, and where to find them (indices into `people`: a million people are not copied).
    let people: [DesiredState.Person]
    let byAnchor: [String: Int]
    let byEmail: [EmailAddress: Int]
    let skippedByAnchor: [String: DesiredState.Skip]
    let skippedByEmail: [EmailAddress: DesiredState.Skip]
    let memberEmails: Set<EmailAddress>
    /// Members and pending invitations in a fixed order (by store id), whatever order the snapshot has.
    let orderedMembers: [Member]
    let orderedInvitations: [Invitation]
    /// Desired people (by index) matched to a member or an invitation.
    var claimed: [Bool]
    /// Email changes of members, settled once every removal is known.
    var emailChanges: [Plan.Change] = []
    /// The person each of `orderedMembers` (and `orderedInvitations`) matched, by index, and whether by anchor.
    var memberMatches: [(person: Int, byAnchor: Bool)?]
    var invitationMatches: [(person: Int, byAnchor: Bool)?]

    init(desired: DesiredState, snapshot: OrganizationSnapshot, policy: SyncPolicy, now: Date, mail: MailCapabilities) {
        self.desired = desired
        self.mail = mail
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
        self.seatsUsed = snapshot.members.count(where: \.hasAccess) + snapshot.invitations.count { $0.isLive(at: now) }
        self.memberMatches = Array(repeating: nil, count: orderedMembers.count)
        self.invitationMatches = Array(repeating: nil, count: orderedInvitations.count)
        matchRecords()
    }

    /// Pairs members, then pending invitations, with desired people: every anchor match first, then email
    /// matches for the rest, so an email match can never take the person another record's anchor names.
    mutating func matchRecords() {
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
    func departure(anchor: String?, email: EmailAddress) -> Plan.Departure {
        let skip = anchor.flatMap { skippedByAnchor[$0] } ?? skippedByEmail[email]
        switch skip?.reason {
        case nil: return .noLongerInDirectory
        case .disabled: return .disabled
        case .noEmail: return .noEmail
        case .domainNotAllowed(let domain): return .domainNotAllowed(domain)
        case .noRuleMatched: return .noRuleMatched
        case .outOfScope(let why): return .outOfScope(why)
        }
    }
}
