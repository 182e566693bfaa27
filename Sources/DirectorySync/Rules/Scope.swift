/// Who is in scope before any rule runs (`scope:` in `dirsync.yaml`): people any `include` item holds for
/// (everyone when there is none) and no `exclude` item holds for. Each item is a list of conditions that must
/// all hold, in the rules' condition language (`group`, `direct`, `attribute`, `domain`, and `base` for a DN
/// subtree). People out of scope are not wanted: a managed member who leaves scope is offboarded by the policy.
public struct Scope: Sendable, Equatable {
    /// One `include` or `exclude` item.
    public struct Item: Sendable, Equatable, CustomStringConvertible {
        /// All must hold.
        public let conditions: [RoleRule.Condition]
        /// Where the item is: `scope.exclude[1]`.
        public let label: String

        /// An item of `conditions`, found at `label`.
        public init(conditions: [RoleRule.Condition], label: String) {
            self.conditions = conditions
            self.label = label
        }

        /// `scope.exclude[1]: group 'Contractors'`.
        public var description: String { "\(label): \(conditions.map(\.description).joined(separator: " and "))" }

        func holds(for user: DirectoryUser, email: EmailAddress) -> Bool {
            conditions.allSatisfy { RoleRule.holds($0, for: user, email: email) }
        }
    }

    /// People are in scope only when one of these holds; empty means everyone.
    public var include: [Item]
    /// People are out of scope when one of these holds.
    public var exclude: [Item]

    /// A scope of `include` and `exclude` items; by default everyone is in scope.
    public init(include: [Item] = [], exclude: [Item] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Whether everyone is in scope.
    public var isEverything: Bool { include.isEmpty && exclude.isEmpty }

    /// Nil when `user` is in scope; otherwise which entry left them out, in words.
    func exclusion(of user: DirectoryUser, email: EmailAddress) -> String? {
        if !include.isEmpty, !include.contains(where: { $0.holds(for: user, email: email) }) {
            return "matches no scope.include item"
        }
        if let item = exclude.first(where: { $0.holds(for: user, email: email) }) { return "excluded by \(item)" }
        return nil
    }
}

/// A DN subtree (`base:` in a condition): the base entry and everything beneath it, DNs compared as the
/// directory compares them (RFC 4514).
public struct DNSubtree: Sendable, Equatable, CustomStringConvertible {
    /// The base as written.
    public let base: String
    /// The base in matching form.
    let form: String

    /// The subtree under `base`; nil when `base` is not a DN.
    public init?(_ base: String) {
        guard let form = DistinguishedName.matchingForm(of: base) else { return nil }
        self.base = base
        self.form = form
    }

    /// `under ou=People,dc=example,dc=com`.
    public var description: String { "under \(base)" }

    /// Whether the entry named `dn` is the base or beneath it.
    public func contains(dn: String) -> Bool {
        guard let entry = DistinguishedName.matchingForm(of: dn) else { return false }
        if entry == form { return true }
        guard entry.utf8.count > form.utf8.count + 1, entry.hasSuffix(form) else { return false }
        // The byte before the base must be an RDN separator, not an escaped comma inside a value.
        let bytes = Array(entry.utf8)
        var position = bytes.count - form.utf8.count - 1
        guard bytes[position] == UInt8(ascii: ",") else { return false }
        var backslashes = 0
        while position > 0, bytes[position - 1] == UInt8(ascii: "\\") {
            backslashes += 1
            position -= 1
        }
        return backslashes % 2 == 0
    }
}
