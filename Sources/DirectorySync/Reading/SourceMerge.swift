/// Which source wins a field when several sources (`sources:`) have the same person: the sources in the
/// order they are configured, unless `precedence:` names another order for that field.
public struct SourcePrecedence: Sendable, Equatable {
    /// The fields a person has besides attributes, by the names `precedence:` and provenance use.
    public static let fields = [
        "anchor", "email", "given_name", "family_name", "display_name", "active", "role", "dn", "username",
    ]

    /// The source names in configuration order: the default precedence.
    public var sources: [String]
    /// Field → source names, highest first, for the fields given their own order; sources not named come
    /// after them, in configuration order.
    public var byField: [String: [String]]

    /// Precedence over `sources` (configuration order) with `byField`'s orders for some fields.
    public init(sources: [String], byField: [String: [String]] = [:]) {
        self.sources = sources
        self.byField = byField
    }

    /// The source indexes in the order they are tried for `field`.
    func order(for field: String) -> [Int] {
        guard let named = byField[field] else { return Array(sources.indices) }
        let first = named.compactMap { sources.firstIndex(of: $0) }
        return first + sources.indices.filter { !first.contains($0) }
    }
}

/// Merges the reads of several sources into one: the same person in several sources (the same anchor, else the
/// same email) becomes one user whose fields come from the sources by `SourcePrecedence` and whose groups are
/// the union of theirs, with provenance saying which source gave what. Pure: the reads are done before.
public enum SourceMerge {
    /// One source's read, with the name `sources:` gives it.
    public struct Part: Sendable {
        /// The source's name (`name:` in `sources:`).
        public let name: String
        /// Everything it read, whole.
        public let read: DirectoryContents

        /// The read `read` of the source called `name`.
        public init(name: String, read: DirectoryContents) {
            self.name = name
            self.read = read
        }
    }

    /// The merged read: users in the order first seen (sources in configuration order), every source's
    /// diagnostics then the merge's, counts summed (users counted once), a fingerprint over every part's.
    public static func merge(_ parts: [Part], precedence: SourcePrecedence) -> DirectoryContents {
        var people: [[(source: Int, user: DirectoryUser)]] = []
        var byAnchor: [String: Int] = [:]
        var byEmail: [String: Int] = [:]
        var log = DiagnosticLog()
        var counts = DirectoryCounts()
        var fingerprint = Fingerprint()
        for (index, part) in parts.enumerated() {
            counts.entries += part.read.counts.entries
            counts.skipped += part.read.counts.skipped
            fingerprint.add(part.name, part.read.fingerprint)
            for user in part.read.users {
                let email = user.email?.canonical
                let byItsAnchor = byAnchor[user.anchor]
                let byItsEmail = email.flatMap { byEmail[$0] }
                if let one = byItsAnchor, let other = byItsEmail, one != other {
                    counts.skipped += 1
                    log.add(
                        Diagnostic(
                            .warning,
                            "\(part.name): anchor '\(user.anchor)' is \(describe(people[one])) and \(email ?? "") is "
                                + "\(describe(people[other])), two different people; this entry is skipped",
                            at: user.location), kind: "merge-conflict")
                    continue
                }
                guard let person = byItsAnchor ?? byItsEmail else {
                    byAnchor[user.anchor] = people.count
                    if let email { byEmail[email] = people.count }
                    people.append([(index, user)])
                    continue
                }
                if let earlier = people[person].first(where: { $0.source == index }) {
                    counts.skipped += 1
                    log.add(
                        Diagnostic(
                            .warning,
                            "\(part.name): this entry and the one at \(earlier.user.location) are both "
                                + "\(describe(people[person])) (by anchor or email); this entry is skipped",
                            at: user.location), kind: "merge-conflict")
                    continue
                }
                people[person].append((index, user))
                if byAnchor[user.anchor] == nil { byAnchor[user.anchor] = person }
                if let email, byEmail[email] == nil { byEmail[email] = person }
            }
        }
        let names = parts.map(\.name)
        // The standard fields' orders, worked out once (a field with its own order may be one of them).
        let orders = Dictionary(
            (SourcePrecedence.fields + Array(precedence.byField.keys)).map { ($0, precedence.order(for: $0)) },
            uniquingKeysWith: { first, _ in first })
        var users: [DirectoryUser] = []
        users.reserveCapacity(people.count)
        var hashes = Fingerprint.Unordered()
        for contributions in people {
            let user = merged(contributions, names: names, orders: orders, precedence: precedence)
            if !user.isActive { counts.disabled += 1 }
            hashes.add(Fingerprint.of(user))
            users.append(user)
        }
        counts.users = users.count
        fingerprint.add(hashes.hex)
        let merges = people.count(where: { $0.count > 1 })
        var diagnostics = parts.flatMap(\.read.diagnostics)
        log.add(
            Diagnostic(
                .info,
                "\(Plural.count(users.count, "person", "people")) from \(Plural.count(parts.count, "source")) "
                    + "(\(parts.map { "\($0.name): \($0.read.users.count)" }.joined(separator: ", "))); "
                    + "\(Plural.count(merges, "person", "people")) found in more than one",
                at: SourceLocation(source: "sources", record: names.joined(separator: "+"))), kind: "merge")
        diagnostics += log.diagnostics
        return DirectoryContents(
            kind: parts.first?.read.kind ?? .csv, users: users, diagnostics: diagnostics, counts: counts,
            fingerprint: fingerprint.hex)
    }

    /// How a merge conflict names a person: by the first entry that is them (`ann@example.com (at ad.ldif:12)`).
    private static func describe(_ person: [(source: Int, user: DirectoryUser)]) -> String {
        guard let first = person.first else { return "someone else" }
        return "\(first.user.email?.canonical ?? first.user.anchor) (at \(first.user.location))"
    }

    /// One person from their contributions (each from a different source).
    private static func merged(
        _ contributions: [(source: Int, user: DirectoryUser)], names: [String], orders: [String: [Int]],
        precedence: SourcePrecedence
    ) -> DirectoryUser {
        if contributions.count == 1 {
            var user = contributions[0].user
            user.provenance = Provenance.single(user, from: names[contributions[0].source])
            return user
        }
        var fields: [String: String] = [:]
        func pick<T>(_ field: String, _ value: (DirectoryUser) -> T?) -> (T, DirectoryUser)? {
            for source in orders[field] ?? precedence.order(for: field) {
                guard let contribution = contributions.first(where: { $0.source == source }),
                    let found = value(contribution.user)
                else { continue }
                fields[field] = names[source]
                return (found, contribution.user)
            }
            return nil
        }
        // Every contribution has an anchor and an activity, so these two always pick one.
        let (anchor, base) = pick("anchor") { $0.anchor } ?? (contributions[0].user.anchor, contributions[0].user)
        var user = base
        user.anchor = anchor
        user.email = pick("email") { $0.email }?.0
        user.givenName = pick("given_name") { $0.givenName }?.0
        user.familyName = pick("family_name") { $0.familyName }?.0
        user.displayName = pick("display_name") { $0.displayName }?.0
        user.isActive = pick("active") { $0.isActive }?.0 ?? base.isActive
        user.requestedRole = pick("role") { $0.requestedRole }?.0
        user.dn = pick("dn") { $0.dn }?.0
        user.username = pick("username") { $0.username }?.0
        var attributes: [String: [String]] = [:]
        let attributeNames = Set(contributions.flatMap { $0.user.attributes.keys })
        for name in attributeNames.sorted() {
            attributes[name] = pick(name) { $0.attributes[name] }?.0
        }
        user.attributes = attributes
        var profile: [String: String] = [:]
        for key in Set(contributions.flatMap { $0.user.profile.keys }).sorted() {
            profile[key] = pick("profile.\(key)") { $0.profile[key] }?.0
        }
        user.profile = profile
        // Groups are not chosen but joined: in source order, each group once.
        var groups: [DirectoryUser.Group] = []
        for contribution in contributions.sorted(by: { $0.source < $1.source }) {
            for group in contribution.user.groups where !groups.contains(where: { $0.id == group.id }) {
                groups.append(group)
            }
        }
        user.groups = groups
        user.provenance = DirectoryUser.Provenance(
            sources: contributions.map(\.source).sorted().map { names[$0] }, fields: fields)
        return user
    }

    private typealias Provenance = DirectoryUser.Provenance
}

extension DirectoryUser.Provenance {
    /// A person only one source has: every field that has a value came from it.
    static func single(_ user: DirectoryUser, from source: String) -> Self {
        var fields = ["anchor": source, "active": source]
        if user.email != nil { fields["email"] = source }
        if user.givenName != nil { fields["given_name"] = source }
        if user.familyName != nil { fields["family_name"] = source }
        if user.displayName != nil { fields["display_name"] = source }
        if user.requestedRole != nil { fields["role"] = source }
        if user.dn != nil { fields["dn"] = source }
        if user.username != nil { fields["username"] = source }
        for name in user.attributes.keys { fields[name] = source }
        for key in user.profile.keys { fields["profile.\(key)"] = source }
        return Self(sources: [source], fields: fields)
    }
}
