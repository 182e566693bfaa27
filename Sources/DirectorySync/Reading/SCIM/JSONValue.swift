/// A JSON document as a tree, read leniently: object keys are looked up ignoring ASCII case (SCIM attribute
/// names are case-insensitive, RFC 7643 §2.1), and scalars convert the way real SCIM servers need
/// (`"True"` and `1` as booleans, numbers where text belongs).
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`; lookups treat it as absent.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number as written in the document, so `12345` can become the text `"12345"` unchanged.
    case number(String)
    /// A string, escapes decoded.
    case string(String)
    /// An array, in document order.
    case array([JSONValue])
    /// An object, its members in document order.
    case object(JSONObject)

    /// Parses a whole document.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(bytes)
    }

    /// The member `key` of an object, compared ignoring ASCII case; nil for a missing key, a JSON null
    /// or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self, let value = object[key], value != .null else { return nil }
        return value
    }

    /// The members of an object, in document order.
    public var object: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The elements of an array; a single non-null value is taken as a list of one, null as empty.
    public var elements: [JSONValue] {
        switch self {
        case .array(let items): items
        case .null: []
        default: [self]
        }
    }

    /// The value as text: strings as they are, numbers as written, booleans as `true`/`false`; nil for
    /// null, arrays and objects.
    public var text: String? {
        switch self {
        case .string(let text): text
        case .number(let literal): literal
        case .bool(let flag): flag ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// The value as a boolean, leniently: `true`/`false`, `"true"`/`"True"`/`"FALSE"`, `"yes"`/`"no"`,
    /// `1`/`0` and `"1"`/`"0"`. Nil when it is none of these (absent is unknown, not false).
    public var lenientBool: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .number(let literal): return Double(literal).flatMap { $0 == 1 ? true : $0 == 0 ? false : nil }
        case .string(let text):
            switch text.trimmingWhitespace.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: return nil
            }
        case .null, .array, .object: return nil
        }
    }

    /// The value as a whole number: a JSON integer or a string holding one (`"400"`).
    public var lenientInt: Int? {
        switch self {
        case .number(let literal):
            if let value = Int(literal) { return value }
            return Double(literal).flatMap { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) : nil }
        case .string(let text): return Int(text.trimmingWhitespace)
        default: return nil
        }
    }
}

/// The members of a JSON object in document order. Lookups ignore ASCII case; when a key appears twice in
/// different cases, the first wins.
public struct JSONObject: Sendable, Equatable {
    /// The member names as written, in document order; `values[i]` is the value of `keys[i]`.
    public private(set) var keys: [String]
    /// The member values, in the same order as `keys`.
    public private(set) var values: [JSONValue]

    /// An object of the members `keys[i]: values[i]`; the two arrays must have the same length (not checked).
    public init(keys: [String] = [], values: [JSONValue] = []) {
        self.keys = keys
        self.values = values
    }

    /// How many members the object has, repeated keys included.
    public var count: Int { keys.count }

    /// The value of `key`, compared ignoring ASCII case.
    public subscript(key: String) -> JSONValue? {
        let wanted = key.utf8
        for index in keys.indices where keys[index].utf8.equalsIgnoringASCIICase(wanted) {
            return values[index]
        }
        return nil
    }

    /// The members as pairs, in document order.
    public var members: Zip2Sequence<[String], [JSONValue]> { zip(keys, values) }

    mutating func append(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
    }
}

extension String.UTF8View {
    /// Whether the two are the same text when ASCII letters are folded to lower case.
    func equalsIgnoringASCIICase(_ other: String.UTF8View) -> Bool {
        guard count == other.count else { return false }
        for (a, b) in zip(self, other) where a != b {
            guard a | 0x20 == b | 0x20, (a | 0x20) >= 0x61, (a | 0x20) <= 0x7A else { return false }
        }
        return true
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (SCIM values, tokens, headers).
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
