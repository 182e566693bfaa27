/// Collects mapped entries into `DirectoryContents`: counts, skipped entries with their reasons, and the
/// duplicate checks that need the whole source (the same anchor or email twice, both locations named).
///
/// Readers (file readers here, the SCIM client elsewhere) call `add(_:)` for each raw entry and
/// `report(_:kind:)` for their own warnings, then `finish()`.
public struct DirectoryBuilder: Sendable {
    public let kind: SourceKind
    public let mapper: Mapper
    private var users: [DirectoryUser] = []
    private var log = DiagnosticLog(limitPerKind: 50)
    private var counts = DirectoryContents.Counts()

    public init(kind: SourceKind, mapping: Mapping) {
        self.kind = kind
        self.mapper = Mapper(mapping: mapping)
    }

    /// Maps one raw entry and keeps the result.
    public mutating func add(_ entry: DirectoryEntry) {
        counts.entries += 1
        switch mapper.map(entry) {
        case .user(let user, let diagnostics):
            for diagnostic in diagnostics {
                let kind = Self.kind(of: diagnostic)
                log.add(diagnostic, kind: kind, limit: kind == "dn-anchor" ? 5 : nil)
            }
            users.append(user)
        case .skipped(let reason, let kind):
            counts.skipped += 1
            log.add(Diagnostic(.info, "skipped: \(reason)", at: entry.location), kind: "skipped: \(kind.rawValue)")
        }
    }

    /// Records a reader's diagnostic; `kind` groups repeats so only the first few are listed.
    public mutating func report(_ diagnostic: Diagnostic, kind: String) {
        log.add(diagnostic, kind: kind)
    }

    /// Drops later duplicates (an active user wins over a disabled one with the same email), counts, and
    /// fingerprints what was read.
    public consuming func finish() -> DirectoryContents {
        var kept: [DirectoryUser] = []
        kept.reserveCapacity(users.count)
        var byAnchor: [String: Int] = [:]
        var byEmail: [EmailAddress: Int] = [:]
        var dropped = Set<Int>()
        for user in users {
            if let other = byAnchor[user.anchor] {
                counts.skipped += 1
                log.add(
                    Diagnostic(
                        .warning,
                        "duplicate anchor '\(user.anchor)': also at \(kept[other].location); this entry is skipped",
                        at: user.location), kind: "duplicate-anchor", limit: .max)
                continue
            }
            if let email = user.email, let other = byEmail[email] {
                counts.skipped += 1
                if !kept[other].isActive && user.isActive {
                    log.add(
                        Diagnostic(
                            .warning,
                            "duplicate email \(email): the disabled entry at \(kept[other].location) is skipped for this active one",
                            at: user.location), kind: "duplicate-email", limit: .max)
                    dropped.insert(other)
                    byEmail[email] = kept.count
                } else {
                    log.add(
                        Diagnostic(
                            .warning,
                            "duplicate email \(email): also at \(kept[other].location); this entry is skipped",
                            at: user.location), kind: "duplicate-email", limit: .max)
                    continue
                }
            } else if let email = user.email {
                byEmail[email] = kept.count
            }
            byAnchor[user.anchor] = kept.count
            kept.append(user)
        }
        if !dropped.isEmpty {
            kept = kept.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
        }
        counts.users = kept.count
        counts.disabled = kept.count { !$0.isActive }
        if counts.entries > 0 && kept.isEmpty {
            log.add(
                Diagnostic(.warning, "no entry became a user: check the mapping (\(mapper.mapping.name))"),
                kind: "no-users")
        }
        return DirectoryContents(
            kind: kind, users: kept, diagnostics: log.diagnostics, counts: counts,
            fingerprint: Fingerprint.of(kept))
    }

    private static func kind(of diagnostic: Diagnostic) -> String {
        if diagnostic.message.contains("no usable email") { return "no-email" }
        if diagnostic.message.hasPrefix("anchored on its DN") { return "dn-anchor" }
        return "mapping"
    }
}
