import Foundation

/// Why dirsync does, or does not, do something for one person (`dirsync explain`): the directory entries that
/// are that person, what the mapping made of each, every rule tried and the one that decided, the
/// organization's record of them, and their planned change. Built here; the CLI only prints it.
public struct Explanation: Sendable {
    /// One directory entry of the person.
    public struct Entry: Sendable {
        /// The raw entry, as the source read it.
        public let entry: DirectoryEntry
        /// What the mapping made of it: a user, or skipped with the reason.
        public let outcome: Mapper.Outcome
        /// What the rules decided, for an entry that became a user.
        public let evaluation: AccessRules.Evaluation?
        /// How the mapping's computed fields were computed for this entry, step by step.
        public var computed: [ComputedField.Trace] = []
        /// With several sources: the name of the source this entry is from; nil with one source.
        public var sourceName: String?
        /// With several sources: the mapping this entry was read with; nil with one source (see `mapping`).
        public var mapping: MappingReference?
        /// The mapping's profile fields for this entry, in the mapping's order: the attribute each was read
        /// from (nil when none of its attributes has a value) and the value kept.
        public var profile: [Mapper.ProfileSource] = []
    }

    /// With several sources: the person as merged from their entries, and what the rules decided for them.
    public struct Merged: Sendable {
        /// The merged user; its `provenance` says which source gave which field.
        public let user: DirectoryUser
        /// What the rules decided for the merged user.
        public let evaluation: AccessRules.Evaluation
    }

    /// Nothing in the directory or the organization is the person asked about.
    public struct NobodyMatches: Error, Equatable, UserFacingError {
        /// What was asked about, as given.
        public let text: String
        /// Whether `text` parses as an email address.
        public let isAddress: Bool
        /// That nothing matches `text`, and, unless it is an address, that it is no anchor either.
        public var description: String {
            "nothing in the directory or the organization matches '\(text)'"
                + (isAddress ? "" : " (it is neither an email address nor the anchor of a directory entry)")
        }
        /// Give an email address or an anchor, as `dirsync source show` lists them.
        public var hint: String? {
            "give a person's email address or directory anchor ('dirsync source show' lists both)"
        }
    }

    /// What was asked about, as given.
    public let person: String
    /// The source as messages name it: the file as the user wrote it, or the SCIM base URL.
    public let sourceName: String
    /// The mapping, as the configuration or the command line named it.
    public let mapping: MappingReference
    /// The person's directory entries, in source order: users whose address or anchor matches, and skipped
    /// entries with a value equal to what was asked.
    public let entries: [Entry]
    /// With several sources, the person merged from `entries` (whose own `evaluation` is then nil, since the
    /// rules look at the merged person only); nil with one source, or when no entry became a user.
    public var merged: Merged?
    /// The organization's name.
    public let organization: String
    /// The person's membership, matched by address or anchor; nil when they are not a member.
    public let member: Member?
    /// The grants the member holds (empty when they are not a member).
    public var memberGrants: [MemberGrant] = []
    /// The person's pending invitation (expired or not), matched by address or anchor; nil when there is none.
    public let invitation: Invitation?
    /// The latest request for access made with the person's account invitation (the account-first flow).
    public var accessRequest: AccessRequest?
    /// The person's changes in the plan (by address, previous address or anchor), in plan order.
    public let changes: [Plan.Change]
    /// Why the whole plan is blocked, if it is.
    public let blocked: Plan.Blocked?
    /// The moment the plan was made for (`--now`, or the clock).
    public let now: Date
}

extension SyncEngine {
    /// Explains `person` (an email address or a directory anchor), reading `source`'s raw entries and planning
    /// as `preview` would. Throws `Explanation.NobodyMatches` when neither the directory nor the organization
    /// knows them.
    public func explain(
        _ person: String, sources: SourceSet<MappedSource>, organization: Organization, now: Date
    ) async throws -> Explanation {
        let target = person.trimmingCharacters(in: .whitespaces).lowercased()
        let email = try? EmailAddress(person)
        var found: [Explanation.Entry] = []
        for member in sources.members {
            var entries = try await entries(of: target, in: member.part, evaluating: !sources.isMerged)
            if sources.isMerged {
                for index in entries.indices {
                    entries[index].sourceName = member.name
                    entries[index].mapping = member.part.mappingReference
                }
            }
            found += entries
        }
        var anchors = Set(
            found.compactMap { item -> String? in
                if case .user(let user, _) = item.outcome { return user.anchor }
                return nil
            })
        var merged: Explanation.Merged?
        if sources.isMerged, !anchors.isEmpty {
            let emails = Set(
                found.compactMap { item -> String? in
                    if case .user(let user, _) = item.outcome { return user.email?.canonical }
                    return nil
                })
            let people = try await sources.merged().users
            if let user = people.first(where: { anchors.contains($0.anchor) })
                ?? people.first(where: { $0.email.map { emails.contains($0.canonical) } ?? false })
            {
                merged = Explanation.Merged(user: user, evaluation: rules.evaluate(user))
                anchors.insert(user.anchor)
            }
        }
        // Not an address: it may be the anchor of someone no longer in the directory.
        if email == nil { anchors.insert(person.trimmingCharacters(in: .whitespaces)) }
        let (member, invitation, memberGrants, request) = try await store.read { [anchors] db in
            let members = try db.members(in: organization.id)
            let pending = try db.invitations(in: organization.id, statuses: [.pending])
            let member = members.first { $0.email == email || ($0.anchor.map(anchors.contains) ?? false) }
            let invitation = pending.first { $0.email == email || ($0.anchor.map(anchors.contains) ?? false) }
            let address = invitation?.email ?? email
            let request = try db.accessRequests(in: organization.id, statuses: Set(AccessRequest.Status.allCases))
                .last { $0.email == address }
            return (member, invitation, try member.map { try db.grants(of: $0.id) } ?? [], request)
        }
        if found.isEmpty && member == nil && invitation == nil {
            throw Explanation.NobodyMatches(text: person, isAddress: email != nil)
        }
        let plan = try await preview(organization, now: now).plan
        let changes = plan.changes.filter { change in
            if let email, change.email == email || change.fromEmail == email { return true }
            return change.anchor.map(anchors.contains) ?? false
        }
        var explanation = Explanation(
            person: person, sourceName: sources.members.map(\.part.displayName).joined(separator: " + "),
            mapping: sources.members[0].part.mappingReference, entries: found, organization: organization.name,
            member: member, invitation: invitation, changes: changes, blocked: plan.blocked, now: now)
        explanation.merged = merged
        explanation.memberGrants = memberGrants
        explanation.accessRequest = request
        return explanation
    }

    /// The entries of `source` that are `target` (an address or an anchor, lower-cased), mapped, each user
    /// evaluated by the rules when `evaluating`, with group entries resolved when the mapping reads them.
    private func entries(of target: String, in source: MappedSource, evaluating: Bool) async throws
        -> [Explanation.Entry]
    {
        let mapper = Mapper(mapping: source.mapping)
        var found: [Explanation.Entry] = []
        try await source.rawEntries { entry in
            let outcome = mapper.map(entry)
            let matches: Bool
            var evaluation: AccessRules.Evaluation?
            switch outcome {
            case .user(let user, _):
                matches = user.email?.canonical == target || user.anchor.lowercased() == target
                if matches && evaluating { evaluation = rules.evaluate(user) }
            case .skipped:
                // An entry the mapping skipped has no anchor or address of its own: it matches when one of its
                // values is exactly what was asked for (its mail, its objectGUID text…).
                matches = entry.names.contains { entry.strings($0).contains { $0.lowercased() == target } }
            }
            if matches {
                var item = Explanation.Entry(entry: entry, outcome: outcome, evaluation: evaluation)
                item.computed = mapper.computationSteps(for: entry)
                if case .user(let user, _) = outcome { item.profile = mapper.profileSources(of: entry, user: user) }
                found.append(item)
            }
        }
        let anchors = Set(
            found.compactMap { item -> String? in
                if case .user(let user, _) = item.outcome { return user.anchor }
                return nil
            })
        guard source.mapping.readsGroupEntries, !anchors.isEmpty else { return found }
        // Group entries anywhere in the source decide the person's groups: read them resolved.
        let resolved = try await source.readAll().users.filter { anchors.contains($0.anchor) }
        return found.map { item in
            guard case .user(let user, let notes) = item.outcome,
                let whole = resolved.first(where: { $0.anchor == user.anchor && $0.location == user.location })
            else { return item }
            var resolved = Explanation.Entry(
                entry: item.entry, outcome: .user(whole, notes: notes),
                evaluation: evaluating ? rules.evaluate(whole) : nil)
            resolved.computed = item.computed
            resolved.profile = item.profile
            return resolved
        }
    }
}
