/// One raw record of a source: attribute name → values, plus where it was read. Readers build these (an
/// LDIF record, a DSML `searchResultEntry`, a CSV row, a SCIM user flattened to attributes) and the
/// `Mapper` turns them into `DirectoryUser`s.
///
/// Attribute names are normalised with `AttributeName.normalize` when stored and when looked up, so
/// `entry.strings("Mail")` finds values stored under `mail` or `rfc822Mailbox`. Values keep their order.
public struct DirectoryEntry: Sendable, Equatable {
    /// The distinguished name for LDAP-style sources; nil for sources without one (SCIM, CSV).
    public var dn: String?
    /// Where the entry starts: `users.ldif:1204`, `scim:Users/2819c223`.
    public var location: SourceLocation
    /// Values by normalised attribute name.
    public private(set) var attributes: [String: [AttributeValue]]

    /// An entry with no attributes yet.
    public init(dn: String? = nil, location: SourceLocation) {
        self.dn = dn
        self.location = location
        self.attributes = [:]
    }

    /// An empty entry with room for `capacity` attributes (readers that know how many they will add).
    init(dn: String?, location: SourceLocation, capacity: Int) {
        self.init(dn: dn, location: location)
        attributes.reserveCapacity(capacity)
    }

    /// An entry from plain strings, e.g. a SCIM user flattened to `["userName": ["bo@x.io"], "active": ["true"]]`.
    public init(dn: String? = nil, location: SourceLocation, strings: [String: [String]]) {
        self.init(dn: dn, location: location)
        attributes.reserveCapacity(strings.count)
        for (name, values) in strings {
            attributes[AttributeName.normalize(name), default: []].append(
                contentsOf: values.lazy.map(AttributeValue.text))
        }
    }

    /// Adds `value` to the attribute `name` (any spelling).
    public mutating func append(_ value: AttributeValue, to name: String) {
        attributes[AttributeName.normalize(name), default: []].append(value)
    }

    /// Adds a text value to the attribute `name` (any spelling).
    public mutating func append(_ text: String, to name: String) {
        append(.text(text), to: name)
    }

    /// Adds a value under a name already in normal form (readers' fast path).
    mutating func append(_ value: AttributeValue, toNormalized name: String) {
        attributes[name, default: []].append(value)
    }

    /// Replaces the values of an attribute given in normal form (a computed field).
    mutating func set(_ values: [AttributeValue], toNormalized name: String) {
        attributes[name] = values.isEmpty ? nil : values
    }

    /// Adds values under a name already in normal form (readers' fast path).
    mutating func append(contentsOf values: [AttributeValue], toNormalized name: String) {
        attributes[name, default: []].append(contentsOf: values)
    }

    /// The values of the attribute `name` (any spelling); empty when absent.
    public func values(_ name: String) -> [AttributeValue] {
        attributes[AttributeName.normalize(name)] ?? []
    }

    /// The values of an attribute given in normal form.
    func values(normalized name: String) -> [AttributeValue] {
        attributes[name] ?? []
    }

    /// The values of `name` that are text (binary values that are valid UTF-8 included).
    public func strings(_ name: String) -> [String] {
        values(name).compactMap(\.text)
    }

    /// The first non-empty text value of `name`.
    public func first(_ name: String) -> String? {
        strings(name).first { !$0.isEmpty }
    }

    /// Whether the entry has the attribute `name` with at least one value.
    public func contains(_ name: String) -> Bool {
        !values(name).isEmpty
    }

    /// The attribute names present, normalised and sorted.
    public var names: [String] { attributes.keys.sorted() }
}
