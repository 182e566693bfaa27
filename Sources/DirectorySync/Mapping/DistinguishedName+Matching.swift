extension DistinguishedName {
    /// `text` in a form two spellings of one DN share, the way a directory compares them (RFC 4514 syntax,
    /// RFC 4517 `distinguishedNameMatch` with `caseIgnoreMatch` values): attribute types lower-cased,
    /// escapes (`\,`, `\2C`) decoded, spaces around separators and at the ends of values dropped, runs of
    /// inner spaces folded to one, values case-folded, the parts of a multi-valued RDN (`a=1+b=2`) sorted.
    /// Nil when `text` is not a DN (an RDN without `=`, an empty type, a dangling escape) or is empty.
    ///
    /// Values given as `#hex` (BER) are compared as their lower-cased hex. Attribute types are not resolved
    /// to OIDs: `2.5.4.3=x` and `cn=x` are different here.
    static func matchingForm(of text: String) -> String? {
        plainMatchingForm(of: text) ?? parsedMatchingForm(of: text)
    }

    /// The matching form by the full RFC 4514 parser (what `plainMatchingForm` must agree with).
    static func parsedMatchingForm(of text: String) -> String? {
        var parser = Parser(Array(text.utf8))
        return parser.parse()
    }

    /// The matching form of the common DN, computed in one pass: printable ASCII, no escapes, quotes, `+`,
    /// `#`, `;`, `<` or `>`, one `=` per RDN, no space beside a separator or at either end, no double space.
    /// Then the form is the text lower-cased, exactly what the parser would make. Nil for any other DN
    /// (the parser decides those).
    static func plainMatchingForm(of text: String) -> String? {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        var sawEquals = false
        var inType = true
        var typeLength = 0
        var previous: UInt8 = 0x2C  // as if after a separator
        for byte in text.utf8 {
            switch byte {
            case 0x21...0x7E:
                break
            case 0x20:
                // A space is plain only inside a value, between two other characters.
                guard !inType, previous != 0x20, previous != 0x3D else { return nil }
            default:
                return nil
            }
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: "#"), UInt8(ascii: ";"),
                UInt8(ascii: "<"), UInt8(ascii: ">"):
                return nil
            case UInt8(ascii: "="):
                guard !sawEquals, typeLength > 0 else { return nil }
                sawEquals = true
                inType = false
            case UInt8(ascii: ","):
                guard sawEquals, previous != 0x20 else { return nil }
                sawEquals = false
                inType = true
                typeLength = 0
            default:
                if inType {
                    let isTypeCharacter =
                        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D
                        || byte == 0x2E
                    guard isTypeCharacter else { return nil }
                    // `oid.` prefixes are the parser's business.
                    if typeLength == 3, byte == 0x2E { return nil }
                    typeLength += 1
                }
            }
            result.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
            previous = byte
        }
        guard sawEquals, previous != 0x20 else { return nil }
        return String(decoding: result, as: UTF8.self)
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func parse() -> String? {
            skipSpaces()
            guard index < bytes.count else { return nil }
            var rdns: [String] = []
            while true {
                var parts: [String] = []
                while true {
                    guard let part = attributeValue() else { return nil }
                    parts.append(part)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "+") else { break }
                    index += 1
                }
                rdns.append(parts.count == 1 ? parts[0] : parts.sorted().joined(separator: "+"))
                guard index < bytes.count else { break }
                // After a value only a separator can follow.
                guard bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: ";") else { return nil }
                index += 1
            }
            return rdns.joined(separator: ",")
        }

        /// `type=value`, both normalised, the value re-escaped so the result is unambiguous.
        private mutating func attributeValue() -> String? {
            skipSpaces()
            let typeStart = index
            while index < bytes.count, Self.isTypeCharacter(bytes[index]) { index += 1 }
            guard index > typeStart else { return nil }
            var type = bytes[typeStart..<index].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            if type.starts(with: Array("oid.".utf8)) { type.removeFirst(4) }
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return nil }
            index += 1
            skipSpaces()
            guard let value = value() else { return nil }
            return String(decoding: type, as: UTF8.self) + "=" + value
        }

        /// The value up to the next unescaped `,`, `;` or `+`: `#hex` lower-cased, else unescaped, folded and
        /// escaped again.
        private mutating func value() -> String? {
            if index < bytes.count, bytes[index] == UInt8(ascii: "#") {
                let start = index
                index += 1
                while index < bytes.count, Hex.value(bytes[index]) != nil { index += 1 }
                let hex = bytes[start..<index].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                skipSpaces()
                return String(decoding: hex, as: UTF8.self)
            }
            guard let raw = DistinguishedName.unescapedValue(of: bytes, from: &index) else { return nil }
            return Self.escaped(Self.folded(raw))
        }

        /// caseIgnoreMatch's view of a value: no spaces at the ends, one for each inner run, case-folded.
        private static func folded(_ raw: [UInt8]) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(raw.count)
            var pendingSpace = false
            var isASCII = true
            for byte in raw {
                if byte == 0x20 {
                    pendingSpace = !bytes.isEmpty
                    continue
                }
                if pendingSpace { bytes.append(0x20) }
                pendingSpace = false
                if byte >= 0x80 { isASCII = false }
                bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            return isASCII ? text : text.lowercased()
        }

        /// The characters RFC 4514 makes special, escaped, so `a\,b` and `a,b` never meet.
        private static func escaped(_ text: String) -> String {
            guard text.utf8.contains(where: { Self.special.contains($0) }) else { return text }
            var result: [UInt8] = []
            for byte in text.utf8 {
                if Self.special.contains(byte) { result.append(UInt8(ascii: "\\")) }
                result.append(byte)
            }
            return String(decoding: result, as: UTF8.self)
        }

        private static let special: Set<UInt8> = Set(",;+=\\\"<>#".utf8)

        private static func isTypeCharacter(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D
                || byte == 0x2E
        }

        private mutating func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        }
    }
}
