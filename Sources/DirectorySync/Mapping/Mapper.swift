import Foundation

/// Turns raw entries into directory users with a `Mapping`. Pure and synchronous: the same entry and
/// mapping always give the same outcome, which `dirsync explain` and the tests rely on.
public struct Mapper: Sendable {
    /// What became of one entry.
    public enum Outcome: Sendable, Equatable {
        /// A person, active or not; notes say what was odd (no email, DN as anchor…).
        case user(DirectoryUser, notes: [Note])
        /// Not a person, excluded, or without an anchor; `reason` says which.
        case skipped(reason: String, kind: SkipKind)
    }

    /// Something odd about a mapped user, with what kind of thing it is (repeats of a kind are summarised).
    public struct Note: Sendable, Equatable {
        /// What a note is about; notes of the same kind are summarised together.
        public enum Kind: String, Sendable, Equatable {
            /// No attribute gave a valid address.
            case noEmail = "no-email"
            /// The DN was the only anchor.
            case dnAnchor = "dn-anchor"
            /// Anything else the mapping said (an invalid address tried, an unknown role).
            case mapping
        }

        /// What the note is about, which decides how its repeats are summarised.
        public let kind: Kind
        /// The message, with the entry's location.
        public let diagnostic: Diagnostic
    }

    /// Why an entry was skipped, as a stable label for summaries.
    public enum SkipKind: String, Sendable, Equatable {
        case notAPerson = "not-a-person"
        case excluded
        case noAnchor = "no-anchor"
        case duplicate
        /// A group entry, read for its members when the mapping reads group entries.
        case group
    }

    /// The mapping every entry is read with.
    public let mapping: Mapping

    /// For each of the mapping's group attributes, the names of the values that say which of its groups are
    /// indirect and through which group (`groups.type`, `groups.$via`: how the SCIM reader passes nesting).
    private let groupLabels: [(type: String, via: String)]

    /// A mapper reading entries with `mapping`.
    public init(mapping: Mapping) {
        self.mapping = mapping
        groupLabels = mapping.groups.map { ($0 + ".type", $0 + "." + SCIMResource.viaLabel) }
    }

    /// Maps one entry.
    public func map(_ entry: DirectoryEntry) -> Outcome {
        guard mapping.computed.isEmpty else { return mapComputed(computing(entry)) }
        return mapComputed(entry)
    }

    /// `entry` with the mapping's computed fields added, in order (each may use the ones before it).
    public func computing(_ entry: DirectoryEntry) -> DirectoryEntry {
        var entry = entry
        for field in mapping.computed {
            entry.set(field.expression.evaluate(entry).map(AttributeValue.text), toNormalized: field.name)
        }
        return entry
    }

    /// Where one profile field of a mapped user came from, for `dirsync explain`.
    public struct ProfileSource: Sendable, Equatable {
        /// The field's key.
        public let field: String
        /// The attribute (as the mapping wrote it) that had the value; nil when none had one.
        public let attribute: String?
        /// The value the user has; nil when none (or an email field whose value is no address).
        public let value: String?
    }

    /// For each profile field of the mapping, the attribute of `entry` it was read from and `user`'s value.
    public func profileSources(of entry: DirectoryEntry, user: DirectoryUser) -> [ProfileSource] {
        let entry = computing(entry)
        return mapping.profile.map { field in
            let index = field.attributes.firstIndex { firstText([$0], in: entry) != nil }
            return ProfileSource(
                field: field.key, attribute: index.map { field.labels[$0] }, value: user.profile[field.key])
        }
    }

    /// Every step of every computed field for `entry`, for `dirsync explain`.
    public func computationSteps(for entry: DirectoryEntry) -> [ComputedField.Trace] {
        var entry = entry
        var result: [ComputedField.Trace] = []
        for field in mapping.computed {
            var steps: [ComputedField.Step]? = []
            let values = field.expression.evaluate(entry, steps: &steps)
            entry.set(values.map(AttributeValue.text), toNormalized: field.name)
            var all = steps ?? []
            if all.last?.expression != field.expression.description {
                all.append(ComputedField.Step(expression: field.expression.description, values: values))
            }
            result.append(ComputedField.Trace(name: field.name, source: field.source, steps: all))
        }
        return result
    }

    private func mapComputed(_ entry: DirectoryEntry) -> Outcome {
        if mapping.readsGroupEntries, GroupEntryReading.isGroup(entry) {
            return .skipped(reason: "a group entry (its members are read for membership)", kind: .group)
        }
        if !mapping.person.isEmpty, !mapping.person.contains(where: { $0.holds(for: entry) }) {
            let classes = entry.strings("objectClass")
            let detail = classes.isEmpty ? "" : " (objectClass \(classes.joined(separator: ", ")))"
            return .skipped(reason: "not a person\(detail)", kind: .notAPerson)
        }
        if let index = mapping.exclude.firstIndex(where: { $0.holds(for: entry) }) {
            return .skipped(reason: "excluded by exclude[\(index)]: \(mapping.exclude[index])", kind: .excluded)
        }
        var notes: [Note] = []
        guard let anchor = anchor(of: entry, notes: &notes) else {
            let names = mapping.anchor.map(\.label).joined(separator: ", ")
            return .skipped(reason: "no usable anchor (looked in \(names))", kind: .noAnchor)
        }
        let email = email(of: entry, notes: &notes)
        let given = firstText(mapping.givenName, in: entry)
        let family = firstText(mapping.familyName, in: entry)
        var display = firstText(mapping.displayName, in: entry)
        if display == nil {
            let joined = [given, family].compactMap { $0 }.joined(separator: " ")
            display = joined.isEmpty ? nil : joined
        }
        var user = DirectoryUser(
            anchor: anchor, email: email, givenName: given, familyName: family, displayName: display,
            groups: groups(of: entry), isActive: !mapping.disabled.contains { $0.holds(for: entry) },
            attributes: attributes(of: entry), requestedRole: requestedRole(of: entry, notes: &notes),
            location: entry.location)
        if let raw = firstText(mapping.username, in: entry) {
            do { user.username = try Username(raw) } catch {
                notes.append(
                    Note(
                        kind: .mapping,
                        diagnostic: Diagnostic(
                            .warning, "\(error.description); the username is derived from the email instead",
                            at: entry.location)))
            }
        }
        for field in mapping.profile {
            guard let raw = firstText(field.attributes, in: entry), let value = Identity.directoryValue(raw) else {
                continue
            }
            guard field.isEmail else {
                user.profile[field.key] = value
                continue
            }
            do { user.profile[field.key] = try EmailAddress(value).canonical } catch {
                notes.append(
                    Note(
                        kind: .mapping,
                        diagnostic: Diagnostic(
                            .warning,
                            "profile field \(field.key) (as: email): \(error.description); left empty",
                            at: entry.location)))
            }
        }
        if email == nil {
            let sources = mapping.email.map(\.description).joined(separator: ", ")
            notes.append(
                Note(
                    kind: .noEmail,
                    diagnostic: Diagnostic(
                        .warning, "\(user.displayName ?? anchor) has no usable email address (looked in \(sources))",
                        at: entry.location)))
        }
        user.groups = user.groups.uniqued()
        user.dn = entry.dn
        return .user(user, notes: notes)
    }

    /// What group membership resolution needs of `entry`; nil when the mapping does not read group entries.
    func membership(of entry: DirectoryEntry) -> MembershipRecord? {
        mapping.readsGroupEntries ? GroupEntryReading.record(of: entry, mapping: mapping) : nil
    }

    // MARK: - Pieces

    private func anchor(of entry: DirectoryEntry, notes: inout [Note]) -> String? {
        for source in mapping.anchor {
            if source.isDN {
                guard let dn = entry.dn, !dn.isEmpty else { continue }
                notes.append(
                    Note(
                        kind: .dnAnchor,
                        diagnostic: Diagnostic(
                            .warning,
                            "anchored on its DN (no anchor attribute has a value): a rename or move will look like a new person",
                            at: entry.location)))
                return dn
            }
            for value in entry.values(normalized: source.attribute) {
                if let anchor = Self.render(value, as: source.format), !anchor.isEmpty { return anchor }
            }
        }
        return nil
    }

    /// The anchor string for `value`: GUIDs in their string form, other binary values in hex.
    static func render(_ value: AttributeValue, as format: AnchorFormat) -> String? {
        switch format {
        case .text:
            if let text = value.text { return text.trimmingSpaces() }
            return Hex.string(value.bytes)
        case .lowercase:
            return value.text?.trimmingSpaces().lowercased()
        case .hex:
            return Hex.string(value.bytes)
        case .guid:
            let bytes = value.bytes
            if bytes.count == 16 {
                let digits = Array("0123456789abcdef".utf8)
                var text = [UInt8]()
                text.reserveCapacity(36)
                for (position, index) in [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 { text.append(0x2D) }
                    text.append(digits[Int(bytes[index] >> 4)])
                    text.append(digits[Int(bytes[index] & 0xF)])
                }
                return String(decoding: text, as: UTF8.self)
            }
            // Some exports (csvde, PowerShell) already give the string form.
            if let text = value.text?.trimmingSpaces(), text.count == 36 || text.count == 38 {
                return text.lowercased().trimmingCharacters(in: ["{", "}"])
            }
            return nil
        }
    }

    private func email(of entry: DirectoryEntry, notes: inout [Note]) -> EmailAddress? {
        for source in mapping.email {
            for value in entry.values(normalized: source.attribute) {
                guard var text = value.text?.trimmingSpaces(), !text.isEmpty else { continue }
                if let prefix = source.prefix {
                    guard text.hasPrefix(prefix) else { continue }
                    text.removeFirst(prefix.count)
                }
                do {
                    return try EmailAddress(text)
                } catch {
                    notes.append(
                        Note(
                            kind: .mapping,
                            diagnostic: Diagnostic(
                                .warning, "\(source): \(error.description); trying the next source",
                                at: entry.location)))
                }
            }
        }
        return nil
    }

    /// The first role the mapping's `role` attributes give, if any; a value that is not admin, member or
    /// viewer is a warning, and the configuration's rules decide.
    private func requestedRole(of entry: DirectoryEntry, notes: inout [Note]) -> Role? {
        guard let text = firstText(mapping.role, in: entry) else { return nil }
        guard let role = try? Role(parsing: text), role.isInvitable else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            notes.append(
                Note(
                    kind: .mapping,
                    diagnostic: Diagnostic(
                        .warning, "role '\(shown)' is not admin, member or viewer; the role rules decide instead",
                        at: entry.location)))
            return nil
        }
        return role
    }

    private func firstText(_ names: [String], in entry: DirectoryEntry) -> String? {
        for name in names {
            let candidate = name == "dn" ? entry.dn : entry.values(normalized: name).lazy.compactMap(\.text).first
            if let text = candidate?.trimmingSpaces(), !text.isEmpty { return text }
        }
        return nil
    }

    /// The groups the mapping's group attributes name. Where a parallel `NAME.type` attribute has as many
    /// values (RFC 7643 §4.1.2 `groups.type`), a group typed `indirect` is one reached through another, which a
    /// parallel `NAME.$via` names.
    private func groups(of entry: DirectoryEntry) -> [DirectoryUser.Group] {
        var result: [DirectoryUser.Group] = []
        for (name, labels) in zip(mapping.groups, groupLabels) {
            let values = entry.values(normalized: name)
            guard !values.isEmpty else { continue }
            let types = entry.values(normalized: labels.type)
            let vias = types.count == values.count ? entry.values(normalized: labels.via) : []
            for (index, value) in values.enumerated() {
                guard let text = value.text?.trimmingSpaces(), !text.isEmpty else { continue }
                let indirect = types.count == values.count && types[index].text?.lowercased() == "indirect"
                let via =
                    indirect && vias.count == values.count ? vias[index].text.flatMap { $0.isEmpty ? nil : $0 } : nil
                result.append(
                    DirectoryUser.Group(
                        id: text, name: DistinguishedName.firstValue(of: text) ?? text, isDirect: !indirect, via: via))
            }
        }
        return result
    }

    private func attributes(of entry: DirectoryEntry) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for name in mapping.attributes {
            if name == "dn" {
                if let dn = entry.dn { result["dn"] = [dn] }
                continue
            }
            let values = entry.values(normalized: name).compactMap(\.text)
            if !values.isEmpty { result[name] = values }
        }
        return result
    }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        // A person's handful of groups is checked faster by comparing than by hashing.
        if count <= 16 {
            var result: [Element] = []
            result.reserveCapacity(count)
            for element in self where !result.contains(element) { result.append(element) }
            return result
        }
        var seen = Set<Element>(minimumCapacity: count)
        return filter { seen.insert($0).inserted }
    }
}
