/// A digest of structured data, for detecting change (a stale plan, a changed directory). Not a secret:
/// 128 bits of two independent FNV-1a-style 64-bit lanes, fast enough for a million records.
public struct Fingerprint: Sendable {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    /// An empty digest, to `add` fields to.
    public init() {}

    /// Adds each field, separated so that ("ab","c") and ("a","bc") differ.
    public mutating func add(_ fields: String...) { add(fields) }

    /// Adds each field of `fields`, separated.
    public mutating func add(_ fields: [String]) {
        for field in fields {
            for byte in field.utf8 { mix(byte) }
            mix(0x1f)
        }
        mix(0x1e)
    }

    private mutating func mix(_ byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        b = (b ^ UInt64(byte) ^ (b >> 29)) &* 0x9e37_79b9_7f4a_7c15
    }

    /// 32 hex digits.
    public var hex: String { Self.hex(a, b) }

    private static func hex(_ values: UInt64...) -> String {
        values.map { value in
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    /// An order-independent digest of `items` (each item hashed by `fields`, the hashes summed), so the same
    /// records in another order (SCIM pages, a re-sorted export) digest the same.
    public static func unordered<Items: Sequence>(_ items: Items, _ fields: (Items.Element, inout Fingerprint) -> Void)
        -> String
    {
        var first: UInt64 = 0
        var second: UInt64 = 0
        for item in items {
            var hasher = Fingerprint()
            fields(item, &hasher)
            first &+= hasher.a
            second &+= hasher.b
        }
        return hex(first, second)
    }

    /// The digest of one mapped user: every field that matters to a sync.
    public static func of(_ user: DirectoryUser) -> Fingerprint {
        var hasher = Fingerprint()
        hasher.add(
            user.anchor, user.email?.canonical ?? "", user.givenName ?? "", user.familyName ?? "",
            user.displayName ?? "",
            user.isActive ? "1" : "0", user.requestedRole?.rawValue ?? "", user.username?.text ?? "")
        for group in user.groups { hasher.add(group.id) }
        for key in user.attributes.keys.sorted() { hasher.add([key] + (user.attributes[key] ?? [])) }
        for key in user.profile.keys.sorted() { hasher.add("profile", key, user.profile[key] ?? "") }
        return hasher
    }

    /// A digest of a set of items, built item by item in any order: the sum of their digests, from which an
    /// item can also be taken out again.
    public struct Unordered: Sendable {
        private var first: UInt64 = 0
        private var second: UInt64 = 0

        /// The digest of no items.
        public init() {}

        /// Counts `item` in the set.
        public mutating func add(_ item: Fingerprint) {
            first &+= item.a
            second &+= item.b
        }

        /// Takes out an item added before: the digest is then as if it had never been added.
        public mutating func remove(_ item: Fingerprint) {
            first &-= item.a
            second &-= item.b
        }

        /// 32 hex digits, the same for the same items whatever order they were added in.
        public var hex: String { Fingerprint.hex(first, second) }
    }
}
