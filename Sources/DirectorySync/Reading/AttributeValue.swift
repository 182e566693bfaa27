/// One value of an attribute: text, or bytes when the source marked it binary (LDIF `::` that is not
/// UTF-8, DSML `base64Binary`, an `objectGUID`).
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    /// A textual value.
    case text(String)
    /// Bytes the source marked binary; they may still be valid UTF-8 (see `text`).
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

    /// The value as text, or `0x` and its bytes in hex when it is not valid UTF-8.
    public var description: String {
        text ?? "0x" + Hex.string(bytes)
    }
}
