/// One value of an attribute: text, or bytes when the source marked it binary (LDIF `::` that is not
/// UTF-8, DSML `base64Binary`, an `objectGUID`).
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case binary([UInt8])

    /// The value as text: text values, and binary values that are valid UTF-8.
    public var text: String? {
        switch self {
        case .text(let text): text
        case .binary(let bytes): String(validating: bytes, as: UTF8.self)
        }
    }

    /// The value's bytes (text as UTF-8).
    public var bytes: [UInt8] {
        switch self {
        case .text(let text): Array(text.utf8)
        case .binary(let bytes): bytes
        }
    }

    public var description: String {
        text ?? "0x" + bytes.map { Self.hexDigits[Int($0 >> 4)] + Self.hexDigits[Int($0 & 0xF)] }.joined()
    }

    private static let hexDigits = "0123456789abcdef".map(String.init)
}
