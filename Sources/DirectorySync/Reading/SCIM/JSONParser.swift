/// A strict JSON (RFC 8259) parser over bytes that says where a document goes wrong: a body cut off in
/// transit fails with "unexpected end of data at byte N", never with a shorter document.
public enum JSONParser {
    /// Why and where a document is not JSON.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// 0-based byte offset of the problem.
        public let offset: Int
        /// What is wrong there, e.g. `unexpected end of data (the body is truncated)`.
        public let problem: String

        /// The problem and its offset: `expected ':' after a member name at byte 42`.
        public var description: String { "\(problem) at byte \(offset)" }
    }

    /// Nesting deeper than this is refused rather than risking the stack.
    static let maximumDepth = 256

    /// Parses one JSON document; only white space may follow it.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure>? = bytes.withContiguousStorageIfAvailable { buffer in
            parse(buffer: buffer)
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in parse(buffer: buffer) }.get()
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, Failure> {
        var reader = Reader(bytes: buffer)
        do throws(Failure) {
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.position == buffer.count else {
                throw reader.failure("unexpected data after the document")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func failure(_ problem: String) -> Failure { Failure(offset: position, problem: problem) }

        var endFailure: Failure {
            Failure(offset: position, problem: "unexpected end of data (the body is truncated)")
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard position < bytes.count else { throw endFailure }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure("unexpected character '\(Self.printable(bytes[position]))'")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw failure("nesting deeper than \(maximumDepth)") }
            position += 1
            var object = JSONObject()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count else { throw endFailure }
                guard bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a quoted member name") }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count else { throw endFailure }
                guard bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
                position += 1
                skipWhitespace()
                object.append(key, try value(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw endFailure }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(object)
                default: throw failure("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw failure("nesting deeper than \(maximumDepth)") }
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw endFailure }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(items)
                default: throw failure("expected ',' or ']' in an array")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            for byte in expected {
                guard position < bytes.count else { throw endFailure }
                guard bytes[position] == byte else {
                    throw failure("unexpected character '\(Self.printable(bytes[position]))'")
                }
                position += 1
            }
        }

        mutating func number() throws(Failure) -> String {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            try digits(leadingZeroAllowed: false)
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                try digits(leadingZeroAllowed: true)
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                try digits(leadingZeroAllowed: true)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        mutating func digits(leadingZeroAllowed: Bool) throws(Failure) {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            if position == start {
                if position == bytes.count { throw endFailure }
                throw failure("expected a digit")
            }
            if !leadingZeroAllowed, position - start > 1, bytes[start] == UInt8(ascii: "0") {
                position = start
                throw failure("a number may not start with 0")
            }
        }

        /// A string starting at the opening quote; returns its unescaped text.
        mutating func string() throws(Failure) -> String {
            position += 1
            let start = position
            // Fast path: no escapes, which is nearly every SCIM value.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw failure("control character in a string") }
                position += 1
            }
            guard position < bytes.count else { throw endFailure }
            var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.count else { throw endFailure }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"): scalars.append(contentsOf: try unicodeEscape())
                    default:
                        position -= 1
                        throw failure("unknown escape '\\\(Self.printable(escape))'")
                    }
                default:
                    if byte < 0x20 { throw failure("control character in a string") }
                    scalars.append(byte)
                    position += 1
                }
            }
            throw endFailure
        }

        /// The UTF-8 bytes of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs.
        mutating func unicodeEscape() throws(Failure) -> [UInt8] {
            var code = try hex4()
            if (0xD800...0xDBFF).contains(code) {
                // A high surrogate must be followed by `\u` and a low surrogate; alone it becomes U+FFFD.
                if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                {
                    let save = position
                    position += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                        code = 0xFFFD
                    }
                } else {
                    code = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(code) {
                code = 0xFFFD
            }
            let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
            return Array(String(Character(scalar)).utf8)
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count else {
                position = bytes.count
                throw endFailure
            }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("expected a hexadecimal digit in a \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        static func printable(_ byte: UInt8) -> String {
            (0x21...0x7E).contains(byte)
                ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16, uppercase: true)
        }
    }
}
