extension SCIMResource {
    /// The resource flattened to attribute name → values, names lower-cased, for mappings and role rules:
    ///
    /// - simple attributes by name: `username`, `externalid`, `active` (`true`/`false`, read leniently);
    /// - sub-attributes by path: `name.givenname`, `meta.lastmodified`, `emails.value`, `emails.type`;
    /// - a multi-valued or complex attribute by itself holds its `value`s (`phonenumbers`, `manager`);
    ///   `emails` holds the addresses in pick order and `groups` the group names (ids in `groups.value`);
    /// - extension attributes both fully qualified (`urn:…:enterprise:2.0:user:department`) and by their
    ///   short name (`department`, `manager`, `manager.displayname`) unless a core attribute has that name.
    ///   Unknown extensions are kept the same way.
    ///
    /// `groups` passes memberships read from `/Groups` for a server that does not fill `User.groups`;
    /// `only` limits the work to the attributes a mapping reads.
    public func attributes(groups extraGroups: [DirectoryUser.Group]? = nil, only filter: AttributeFilter? = nil)
        -> [String: [String]]
    {
        var result: [String: [String]] = [:]
        var extensions: [(urn: String, object: JSONObject)] = []
        for (key, value) in json.members {
            if key.hasPrefix("urn:") || key.hasPrefix("URN:"), case .object(let object) = value {
                extensions.append((key, object))
            } else {
                let name = key.lowercasedIfNeeded()
                // `active`, `emails` and `groups` are set below; flattened only for the paths under them.
                if let filter, Self.derived.contains(name), !filter.leadsFurther(name) { continue }
                Self.flatten(value, into: &result, at: name, filter: filter)
            }
        }
        let coreNames = extensions.isEmpty ? [] : Set(result.keys)
        for (urn, object) in extensions {
            let prefix = urn.lowercasedIfNeeded()
            // Fully qualified names are built only when the mapping reads some of this extension by them.
            let qualified = filter?.readsExtension(prefix) ?? true
            for (key, value) in object.members {
                let name = key.lowercasedIfNeeded()
                if qualified { Self.flatten(value, into: &result, at: "\(prefix):\(name)", filter: filter) }
                if !coreNames.contains(name) { Self.flatten(value, into: &result, at: name, filter: filter) }
            }
        }
        if filter?.allows("active") ?? true, let active = isActive {
            result["active"] = [active ? "true" : "false"]
        }
        if filter?.allows("emails") ?? true {
            let emails = emails
            result["emails"] = emails.isEmpty ? nil : emails
        }
        if filter?.allows("groups") ?? true, let memberships = extraGroups ?? groups {
            result["groups"] = memberships.isEmpty ? nil : memberships.map(\.name)
            result["groups.value"] = memberships.isEmpty ? nil : memberships.map(\.id)
            // Nesting (from /Groups) as RFC 7643 types it, and the group each indirect one was reached through.
            if memberships.contains(where: { !$0.isDirect }) {
                result["groups.type"] = memberships.map { $0.isDirect ? "direct" : "indirect" }
                result["groups." + Self.viaLabel] = memberships.map { $0.via ?? "" }
            }
        }
        return result
    }

    /// The sub-attribute that names, for each of `groups`, the group it was reached through (empty for a direct
    /// one). `$` is not allowed in a SCIM attribute name (RFC 7643 §2.1), so no server attribute can be it.
    static let viaLabel = "$via"

    /// The attributes `attributes(groups:only:)` sets itself, whatever flattening gave them.
    private static let derived: Set<String> = ["active", "emails", "groups"]

    private static func flatten(
        _ value: JSONValue, into result: inout [String: [String]], at path: String, filter: AttributeFilter?
    ) {
        if let filter, !filter.allows(path) { return }
        switch value {
        case .null:
            return
        case .bool, .number, .string:
            if let text = value.text, !text.isEmpty { result[path, default: []].append(text) }
        case .object(let object):
            if let text = object["value"]?.text, !text.isEmpty { result[path, default: []].append(text) }
            if let filter, !filter.leadsFurther(path) { return }
            for (key, member) in object.members {
                flatten(member, into: &result, at: path + "." + key.lowercasedIfNeeded(), filter: filter)
            }
        case .array(let items):
            for item in items { flatten(item, into: &result, at: path, filter: filter) }
        }
    }
}

/// The attribute names a mapping reads, so flattening skips everything else.
public struct AttributeFilter: Sendable {
    private let names: Set<String>
    private let prefixes: Set<String>
    /// The extension URNs (`urn:…:user`) of fully qualified names.
    private let extensions: Set<String>

    /// Keeps `names` (normalised, as `AttributeProjection` holds them) and the paths leading to them.
    public init(_ names: some Sequence<String>) {
        var all = Set<String>()
        var prefixes = Set<String>()
        var extensions = Set<String>()
        for name in names {
            all.insert(name)
            if name.hasPrefix("urn:"), let colon = name.lastIndex(of: ":") {
                extensions.insert(String(name[..<colon]))
            }
            var path = Substring(name)
            while let dot = path.lastIndex(of: ".") {
                path = path[..<dot]
                prefixes.insert(String(path))
            }
        }
        self.names = all
        self.prefixes = prefixes
        self.extensions = extensions
    }

    /// Whether a wanted name is qualified by the extension `urn` (lower-cased).
    func readsExtension(_ urn: String) -> Bool { extensions.contains(urn) }

    /// Whether `path` is wanted, or leads to something wanted.
    func allows(_ path: String) -> Bool { names.contains(path) || prefixes.contains(path) }

    /// Whether something wanted lies below `path` (`name` for `name.givenname`).
    func leadsFurther(_ path: String) -> Bool { prefixes.contains(path) }
}

extension String {
    /// Lower-cased; the string itself (no copy) when it has no upper-case letter, as attribute names rarely do.
    func lowercasedIfNeeded() -> String {
        utf8.contains { $0 >= 0x41 && $0 <= 0x5A || $0 >= 0x80 } ? lowercased() : self
    }
}
