/// Maps a source's raw entries as they arrive and keeps, for each user, what the caller needs: the whole
/// `DirectoryUser` for `source show`, or only the rules' decision for a plan (so a million-user export is
/// never held in memory as a million users). It counts, collects diagnostics, drops duplicates (the same
/// anchor or email twice, both locations named) and fingerprints what it read.
///
/// Readers (file readers here, the SCIM client elsewhere) call `add(_:)` for each raw entry and
/// `report(_:kind:)` for their own warnings, then `read()`.
public struct DirectoryBuilder<Item: Sendable>: Sendable {
    /// The kind of source being read, recorded in the read.
    public let kind: SourceKind
    /// The mapper each raw entry goes through, made from the builder's mapping.
    public let mapper: Mapper
    private let keep: @Sendable (DirectoryUser) -> Item
    /// Whether to share repeated strings of kept users (only worth it when whole users are kept).
    private let interns: Bool
    private var items: [Item] = []
    private var duplicates = DuplicateFilter()
    private var digest = Fingerprint.Unordered()
    private var log = DiagnosticLog(limitPerKind: 50)
    private var counts = DirectoryCounts()
    /// Group names and attribute values repeat across thousands of users; one shared copy of each keeps a
    /// million-user directory in memory at a fraction of the size.
    private var interned: [String: String] = [:]
    /// Membership from group entries, when the mapping reads them: users then wait in `pending` until the
    /// whole source is read, because a group may come after its members.
    private var membership: GroupMembership?
    private var pending: [DirectoryUser] = []

    /// A builder keeping `keep(user)` for each user.
    public init(kind: SourceKind, mapping: Mapping, keep: @escaping @Sendable (DirectoryUser) -> Item) {
        self.init(kind: kind, mapping: mapping, interns: false, keep: keep)
    }

    private init(kind: SourceKind, mapping: Mapping, interns: Bool, keep: @escaping @Sendable (DirectoryUser) -> Item) {
        self.kind = kind
        self.mapper = Mapper(mapping: mapping)
        self.keep = keep
        self.interns = interns
        if mapping.readsGroupEntries { membership = GroupMembership() }
    }

    /// Maps one raw entry and keeps the result.
    public mutating func add(_ entry: DirectoryEntry) {
        add(mapper.map(entry), at: entry.location, membership: mapper.membership(of: entry))
    }

    /// Keeps what `mapper` made of the raw entry at `location` (mapped elsewhere, on another thread), with
    /// what `Mapper.membership(of:)` made of it.
    mutating func add(_ outcome: Mapper.Outcome, at location: SourceLocation, membership record: MembershipRecord?) {
        counts.entries += 1
        switch outcome {
        case .user(let user, let notes):
            for note in notes {
                log.add(note.diagnostic, kind: note.kind.rawValue, limit: note.kind == .dnAnchor ? 5 : nil)
            }
            if membership != nil {
                if let record { membership?.record(record, user: pending.count) }
                pending.append(user)
                return
            }
            admit(interns ? intern(user) : user)
        case .skipped(let reason, let kind):
            if let record { membership?.record(record, user: nil) }
            counts.skipped += 1
            log.add(Diagnostic(.info, "skipped: \(reason)", at: location), kind: "skipped: \(kind.rawValue)")
        }
    }

    private mutating func admit(_ user: DirectoryUser) {
        let hash = Fingerprint.of(user)
        switch duplicates.admit(user, hash: hash) {
        case .kept:
            items.append(keep(user))
            digest.add(hash)
        case .skipped(let diagnostic, let kind):
            counts.skipped += 1
            log.add(diagnostic, kind: kind, limit: .max)
        case .replacing(let earlier, let diagnostic, let kind):
            counts.skipped += 1
            log.add(diagnostic, kind: kind, limit: .max)
            digest.remove(earlier)
            items.append(keep(user))
            digest.add(hash)
        }
    }

    private mutating func intern(_ user: DirectoryUser) -> DirectoryUser {
        var user = user
        user.groups = user.groups.map { group in
            DirectoryUser.Group(
                id: intern(group.id), name: intern(group.name), isDirect: group.isDirect,
                via: group.via.map { intern($0) })
        }
        if !user.attributes.isEmpty {
            user.attributes = user.attributes.mapValues { values in values.map { intern($0) } }
        }
        return user
    }

    private mutating func intern(_ text: String) -> String {
        if text.utf8.count <= 15 { return text }  // small strings live inline anyway
        if let shared = interned[text] { return shared }
        if interned.count < 1 << 20 { interned[text] = text }
        return text
    }

    /// Makes room for `count` users, when a reader knows how many are coming (a complete SCIM listing), so
    /// the duplicate check's indexes are not rehashed as they grow.
    public mutating func reserveCapacity(_ count: Int) {
        items.reserveCapacity(count)
        duplicates.reserveCapacity(count)
    }

    /// Records a reader's diagnostic; `kind` groups repeats so only the first few are listed.
    public mutating func report(_ diagnostic: Diagnostic, kind: String) {
        log.add(diagnostic, kind: kind)
    }

    /// What was read: the kept items (without those a later active duplicate replaced), counts, diagnostics
    /// and the fingerprint.
    public consuming func read() -> DirectoryRead<Item> {
        if var membership {
            var users = pending
            var resolving = log
            pending = []
            membership.resolve(&users, log: &resolving)
            log = resolving
            self.membership = nil
            for user in users { admit(interns ? intern(user) : user) }
        }
        interned = [:]
        let replaced = duplicates.replaced
        let kept = replaced.isEmpty ? items : items.enumerated().filter { !replaced.contains($0.offset) }.map(\.element)
        counts.users = kept.count
        counts.disabled = duplicates.disabledKept
        if counts.entries > 0 && kept.isEmpty {
            log.add(
                Diagnostic(.warning, "no entry became a user: check the mapping (\(mapper.mapping.name))"),
                kind: "no-users")
        }
        return DirectoryRead(
            kind: kind, items: kept, diagnostics: log.diagnostics, counts: counts, fingerprint: digest.hex)
    }
}

extension DirectoryBuilder where Item == DirectoryUser {
    /// A builder keeping whole users (repeated group names and attribute values shared).
    public init(kind: SourceKind, mapping: Mapping) {
        self.init(kind: kind, mapping: mapping, interns: true, keep: { $0 })
    }
}

/// Decides, user by user in reading order, which duplicates are dropped: a later entry with an anchor already
/// seen is skipped; for an email already seen, an active account replaces a disabled one, otherwise the later
/// entry is skipped. Keeps only what those decisions need.
struct DuplicateFilter: Sendable {
    enum Admission {
        case kept
        case skipped(Diagnostic, kind: String)
        /// The earlier kept user at `index` (with fingerprint `earlier`) is dropped for this one.
        case replacing(earlier: Fingerprint, Diagnostic, kind: String)
    }

    private var byAnchor: [String: Int] = [:]
    private var byEmail: [EmailAddress: Int] = [:]
    private var locations: [SourceLocation] = []
    private var active: [Bool] = []
    private var hashes: [Fingerprint] = []
    /// Positions of kept users a later active duplicate replaced.
    private(set) var replaced = Set<Int>()
    /// Disabled users among those finally kept.
    private(set) var disabledKept = 0

    mutating func reserveCapacity(_ count: Int) {
        byAnchor.reserveCapacity(count)
        byEmail.reserveCapacity(count)
        locations.reserveCapacity(count)
        active.reserveCapacity(count)
        hashes.reserveCapacity(count)
    }

    mutating func admit(_ user: DirectoryUser, hash: Fingerprint) -> Admission {
        let index = locations.count
        // Each key is hashed once when it is new (the common case): recorded first, taken back for a duplicate.
        if let other = byAnchor.updateValue(index, forKey: user.anchor) {
            byAnchor[user.anchor] = other
            return .skipped(
                Diagnostic(
                    .warning, "duplicate anchor '\(user.anchor)': also at \(locations[other]); this entry is skipped",
                    at: user.location), kind: "duplicate-anchor")
        }
        var admission = Admission.kept
        if let email = user.email, let other = byEmail.updateValue(index, forKey: email) {
            guard !active[other] && user.isActive else {
                byEmail[email] = other
                byAnchor[user.anchor] = nil
                return .skipped(
                    Diagnostic(
                        .warning, "duplicate email \(email): also at \(locations[other]); this entry is skipped",
                        at: user.location), kind: "duplicate-email")
            }
            replaced.insert(other)
            disabledKept -= 1
            admission = .replacing(
                earlier: hashes[other],
                Diagnostic(
                    .warning,
                    "duplicate email \(email): the disabled entry at \(locations[other]) is skipped for this active one",
                    at: user.location), kind: "duplicate-email")
        }
        locations.append(user.location)
        active.append(user.isActive)
        hashes.append(hash)
        if !user.isActive { disabledKept += 1 }
        return admission
    }
}
