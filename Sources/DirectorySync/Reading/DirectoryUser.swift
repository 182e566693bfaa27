/// One person of the directory after mapping: what the rules and the planner work on.
public struct DirectoryUser: Sendable, Equatable {
    /// A group the user belongs to, by full DN (or SCIM id) and by its common name.
    public struct Group: Sendable, Equatable, Hashable {
        /// The group's distinguished name, or its identifier in a source without DNs.
        public let id: String
        /// The group's CN or display name: what role rules usually name.
        public let name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// The stable identifier the directory gives this person (objectGUID, entryUUID, SCIM id…). A rename or
    /// an email change keeps it, so matching on it never turns a rename into an offboarding.
    public var anchor: String
    /// The address invitations go to; nil when the entry has none (the person is skipped with a diagnostic).
    public var email: EmailAddress?
    public var givenName: String?
    public var familyName: String?
    public var displayName: String?
    public var groups: [Group]
    /// False when the directory marks the account disabled or locked.
    public var isActive: Bool
    /// Other attributes the role rules may test (department, title, employeeType…), names lower-cased.
    public var attributes: [String: [String]]
    /// Where the entry was read.
    public var location: SourceLocation

    public init(
        anchor: String, email: EmailAddress?, givenName: String? = nil, familyName: String? = nil,
        displayName: String? = nil, groups: [Group] = [], isActive: Bool = true, attributes: [String: [String]] = [:],
        location: SourceLocation
    ) {
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

/// The outcome of reading a whole source and mapping it: every user, and what was skipped and why.
///
/// A source that fails, times out or returns a partial listing throws instead: there is no partial
/// `DirectoryContents` (fail closed).
public struct DirectoryContents: Sendable, Equatable {
    /// Counts for summaries and for the shrink guard.
    public struct Counts: Sendable, Equatable, Codable {
        /// Raw entries read (people, groups, machines, containers…).
        public var entries: Int
        /// Entries that became users (active or not).
        public var users: Int
        /// Entries skipped by the mapping (excluded, machine accounts, not a person, no anchor…).
        public var skipped: Int
        /// Users the directory marks disabled.
        public var disabled: Int

        public init(entries: Int = 0, users: Int = 0, skipped: Int = 0, disabled: Int = 0) {
            self.entries = entries
            self.users = users
            self.skipped = skipped
            self.disabled = disabled
        }
    }

    public var kind: SourceKind
    public var users: [DirectoryUser]
    public var diagnostics: [Diagnostic]
    public var counts: Counts
    /// A digest of what was read, recorded with each run.
    public var fingerprint: String

    public init(
        kind: SourceKind, users: [DirectoryUser], diagnostics: [Diagnostic], counts: Counts, fingerprint: String
    ) {
        self.kind = kind
        self.users = users
        self.diagnostics = diagnostics
        self.counts = counts
        self.fingerprint = fingerprint
    }
}
