/// One person of the directory after mapping: what the rules and the planner work on.
public struct DirectoryUser: Sendable, Equatable {
    /// A group the user belongs to, by full DN (or SCIM id) and by its common name.
    public struct Group: Sendable, Equatable, Hashable {
        /// The group's distinguished name, or its identifier in a source without DNs.
        public let id: String
        /// The group's CN or display name: what role rules usually name.
        public let name: String
        /// Whether the user is in the group itself, rather than through a group that is in it.
        public let isDirect: Bool
        /// For a group reached through another: the id of the group (one of the user's) it was reached
        /// through, so the whole path can be shown (`Legal EU ⊂ Legal`); nil for a direct group.
        public let via: String?

        /// A group known by `id` (a DN or an identifier) and shown and matched by `name`; direct unless `via`
        /// names the group it was reached through.
        public init(id: String, name: String, isDirect: Bool = true, via: String? = nil) {
            self.id = id
            self.name = name
            self.isDirect = isDirect
            self.via = via
        }
    }

    /// The stable identifier the directory gives this person (objectGUID, entryUUID, SCIM id…). A rename or
    /// an email change keeps it, so matching on it never turns a rename into an offboarding.
    public var anchor: String
    /// The address invitations go to; nil when the entry has none (the person is skipped with a diagnostic).
    public var email: EmailAddress?
    /// The first name, from the mapping's `name.given` attributes; nil when none has a value.
    public var givenName: String?
    /// The last name, from the mapping's `name.family` attributes; nil when none has a value.
    public var familyName: String?
    /// The full name as shown: the mapping's `name.display`, else the given and family names joined.
    public var displayName: String?
    /// The user's effective groups, each once: direct ones first (the mapping's `groups` attributes in source
    /// order, then group entries listing the user), then those reached through groups that contain groups.
    public var groups: [Group]
    /// False when the directory marks the account disabled or locked.
    public var isActive: Bool
    /// Other attributes the role rules may test (department, title, employeeType…), names lower-cased.
    public var attributes: [String: [String]]
    /// The role the source itself gives this person (the mapping's `role`: a CSV template's `role` column).
    public var requestedRole: Role?
    /// The username the directory gives (the mapping's `username:`), checked; nil when the mapping has none or
    /// the value is not a username (then a diagnostic says so, and the email's is derived).
    public var username: Username?
    /// Profile fields from the mapping's `profile:` block that have a value, by key; each cleaned as a
    /// directory value (`Identity.directoryValue`), an email field in canonical form.
    public var profile: [String: String] = [:]
    /// Where the entry was read.
    public var location: SourceLocation
    /// The entry's distinguished name, for sources with DNs (LDIF, DSML); what `base:` conditions test.
    public var dn: String?
    /// For a person merged from several sources (`sources:`), which source gave which field; nil when the
    /// person was read from one source.
    public var provenance: Provenance?

    /// A user with these fields as given: nothing is derived or checked here (the `Mapper` does that).
    public init(
        anchor: String, email: EmailAddress?, givenName: String? = nil, familyName: String? = nil,
        displayName: String? = nil, groups: [Group] = [], isActive: Bool = true, attributes: [String: [String]] = [:],
        requestedRole: Role? = nil, location: SourceLocation
    ) {
        self.requestedRole = requestedRole
        self.anchor = anchor
        self.email = email
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.groups = groups
        self.isActive = isActive
        self.attributes = attributes
        self.location = location
    }
}

extension DirectoryUser {
    /// Where a merged person's fields came from: the sources that have the person, in precedence order, and
    /// for each field that has a value the source it was taken from.
    public struct Provenance: Sendable, Equatable {
        /// The names of the sources that have this person, in the configuration's order.
        public var sources: [String]
        /// Field (`anchor`, `email`, `given_name`, `family_name`, `display_name`, `active`, `role`, `dn`, or
        /// an attribute's lower-cased name) → the name of the source its value came from.
        public var fields: [String: String]

        /// Provenance naming `sources` and, per field, the source that gave it.
        public init(sources: [String], fields: [String: String]) {
            self.sources = sources
            self.fields = fields
        }

        /// `email from ad, title from contractors`: the fields grouped by source, in the order of `sources`.
        public var summary: String {
            sources.compactMap { source -> String? in
                let names = fields.filter { $0.value == source }.map(\.key).sorted {
                    (Self.order($0), $0) < (Self.order($1), $1)
                }
                return names.isEmpty ? nil : "\(names.joined(separator: ", ")) from \(source)"
            }.joined(separator: "; ")
        }

        /// The mapped fields first, in the order `source show` prints them, then attributes by name.
        private static func order(_ field: String) -> Int {
            ["anchor", "email", "given_name", "family_name", "display_name", "active", "role", "dn"].firstIndex(
                of: field) ?? 100
        }
    }

    /// The names from a direct group of the user's down to `group`, following `via` (`[Legal EU, Legal]`):
    /// how the user came to be in it. One name for a direct group; cut short if the chain is broken.
    public func path(to group: Group) -> [String] {
        var names = [group.name]
        var current = group
        while let via = current.via, names.count <= groups.count,
            let previous = groups.first(where: { $0.id == via })
        {
            names.insert(previous.name, at: 0)
            current = previous
        }
        return names
    }
}

/// A whole source read and mapped, reduced to one `Item` per user: whole users (`DirectoryContents`, for
/// `source show`) or only what a plan needs of each (so a million-user export is never held in memory as a
/// million users). Also what was skipped and why, counts, and a digest of the users read.
///
/// A source that fails, times out or returns a partial listing throws instead: there is no partial read
/// (fail closed).
public struct DirectoryRead<Item: Sendable>: Sendable {
    /// What was read and what became of it; see `DirectoryCounts`.
    public typealias Counts = DirectoryCounts

    /// The kind of source read.
    public var kind: SourceKind
    /// One per user, in the source's order.
    public var items: [Item]
    /// Why entries were skipped or dropped, and what the reader warned about, capped per kind.
    public var diagnostics: [Diagnostic]
    /// How many entries were read, became users, were skipped or are disabled.
    public var counts: Counts
    /// An order-independent digest of the users read, recorded with each run.
    public var fingerprint: String

    /// A read with these parts as given; readers get one from `DirectoryBuilder.read()`, which computes them.
    public init(kind: SourceKind, items: [Item], diagnostics: [Diagnostic], counts: Counts, fingerprint: String) {
        self.kind = kind
        self.items = items
        self.diagnostics = diagnostics
        self.counts = counts
        self.fingerprint = fingerprint
    }
}

extension DirectoryRead: Equatable where Item: Equatable {}

/// Every user of a source, whole.
public typealias DirectoryContents = DirectoryRead<DirectoryUser>

extension DirectoryRead where Item == DirectoryUser {
    /// The users read, in the source's order: `items` under its proper name.
    public var users: [DirectoryUser] {
        get { items }
        set { items = newValue }
    }

    /// A read of whole users, with the other parts as given.
    public init(
        kind: SourceKind, users: [DirectoryUser], diagnostics: [Diagnostic], counts: Counts, fingerprint: String
    ) {
        self.init(kind: kind, items: users, diagnostics: diagnostics, counts: counts, fingerprint: fingerprint)
    }
}

/// Counts of a source read, for summaries and for the shrink guard.
public struct DirectoryCounts: Sendable, Equatable, Codable {
    /// Raw entries read (people, groups, machines, containers…).
    public var entries: Int
    /// Entries that became users (active or not).
    public var users: Int
    /// Entries skipped by the mapping (excluded, machine accounts, not a person, no anchor…).
    public var skipped: Int
    /// Users the directory marks disabled.
    public var disabled: Int

    /// Counts with these values, zero unless given.
    public init(entries: Int = 0, users: Int = 0, skipped: Int = 0, disabled: Int = 0) {
        self.entries = entries
        self.users = users
        self.skipped = skipped
        self.disabled = disabled
    }
}

/// A directory to read: an export file, a SCIM service, or users already read.
public protocol DirectorySource: Sendable {
    /// Reads and maps every user, keeping `keep(user)` of each; throws on a failed or partial read.
    func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>

    /// The same read, told whether the caller looks at groups: when it does not (no rule or scope tests them),
    /// a source may skip resolving membership from group entries, which keeps a big file streaming.
    func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, groupsMatter: Bool)
        async throws -> DirectoryRead<Item>

    /// The profile fields the source's mapping manages (`profile:`), sorted. Required of every source (no
    /// default), so a wrapper cannot forget to pass its mapping's on.
    var profileKeys: [String] { get }
}

extension DirectorySource {
    /// Sources that have nothing to skip read the same either way.
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, groupsMatter: Bool)
        async throws -> DirectoryRead<Item>
    {
        try await read(keeping: keep)
    }
}

/// Users already read are a source too (tests, and anything that reads once and plans twice).
extension DirectoryRead: DirectorySource where Item == DirectoryUser {
    /// Users already read were mapped already: no mapping to manage profile fields.
    public var profileKeys: [String] { [] }

    /// The same read with `keep(user)` of each user; diagnostics, counts and fingerprint are unchanged.
    public func read<Other: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Other)
        -> DirectoryRead<Other>
    {
        DirectoryRead<Other>(
            kind: kind, items: items.map(keep), diagnostics: diagnostics, counts: counts, fingerprint: fingerprint)
    }
}
