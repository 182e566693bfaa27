/// Just enough of RFC 4514 for group names: the value of a DN's first RDN, unescaped.
enum DistinguishedName {
    /// The value of the first attribute of the first RDN (`CN=Sales\, EMEA,OU=Groups,…` → `Sales, EMEA`),
    /// or nil when `text` does not look like a DN.
    static func firstValue(of text: String) -> String? {
        if let value = text.utf8.withContiguousStorageIfAvailable({ firstValue(ofBytes: $0) }) { return value }
        return Array(text.utf8).withUnsafeBufferPointer { firstValue(ofBytes: $0) }
    }

    private static func firstValue(ofBytes bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else { return nil }
        let type = bytes[..<equals]
        let isType =
            type.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
            && !type.contains(UInt8(ascii: " "))
        guard isType else { return nil }
        let start = equals + 1
        let end =
            bytes[start...].firstIndex {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ";")
                    || $0 == UInt8(ascii: "\\")
            } ?? bytes.count
        if end == bytes.count || bytes[end] != UInt8(ascii: "\\") {
            // No escapes: the value as it stands.
            let result = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                .trimmingSpaces()
            return result.isEmpty ? nil : result
        }
        var index = start
        guard let value = unescapedValue(of: bytes, from: &index) else { return nil }
        let result = String(decoding: value, as: UTF8.self).trimmingSpaces()
        return result.isEmpty ? nil : result
    }

    /// The bytes of an RDN value from `index` up to the next unescaped `,`, `;` or `+` (where `index` is left),
    /// with `\XX` hex escapes and `\c` escapes decoded; nil when the text ends in a lone backslash.
    static func unescapedValue<Bytes: RandomAccessCollection<UInt8>>(of bytes: Bytes, from index: inout Int)
        -> [UInt8]? where Bytes.Index == Int
    {
        var value: [UInt8] = []
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "+") { break }
            guard byte == UInt8(ascii: "\\") else {
                value.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.endIndex else { return nil }
            if index + 2 < bytes.endIndex, let high = Hex.value(bytes[index + 1]), let low = Hex.value(bytes[index + 2])
            {
                value.append(high << 4 | low)
                index += 3
            } else {
                value.append(bytes[index + 1])
                index += 2
            }
        }
        return value
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }
}

extension String {
    /// Without leading and trailing spaces (only U+0020: DN values and LDIF data keep other whitespace).
    func trimmingSpaces() -> String {
        guard utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ") else { return self }
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
