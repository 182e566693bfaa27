/// A digest of structured data, for detecting change (a stale plan, a changed directory). Not a secret:
/// 128 bits of two independent FNV-1a-style 64-bit lanes, fast enough for a million records.
public struct Fingerprint: Sendable {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

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

    /// An order-independent digest of mapped users (each user hashed, the hashes summed), so a source that
    /// returns the same people in another order (SCIM pages, a re-sorted export) reads as unchanged.
    public static func of(_ users: [DirectoryUser]) -> String {
        var first: UInt64 = 0
        var second: UInt64 = 0
        for user in users {
            var hasher = Fingerprint()
            hasher.add(
                user.anchor, user.email?.canonical ?? "", user.givenName ?? "", user.familyName ?? "",
                user.displayName ?? "", user.isActive ? "1" : "0")
            for group in user.groups { hasher.add(group.id) }
            for key in user.attributes.keys.sorted() { hasher.add([key] + (user.attributes[key] ?? [])) }
            first &+= hasher.a
            second &+= hasher.b
        }
        return hex(first, second)
    }
}
