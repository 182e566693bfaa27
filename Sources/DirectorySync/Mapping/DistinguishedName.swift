/// Just enough of RFC 4514 for group names: the value of a DN's first RDN, unescaped.
enum DistinguishedName {
    /// The value of the first attribute of the first RDN (`CN=Sales\, EMEA,OU=Groups,…` → `Sales, EMEA`),
    /// or nil when `text` does not look like a DN.
    static func firstValue(of text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else { return nil }
        let type = bytes[..<equals]
        let isType =
            type.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
            && !type.contains(UInt8(ascii: " "))
        guard isType else { return nil }
        var value: [UInt8] = []
        var index = equals + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ";") { break }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                {
                    value.append(high << 4 | low)
                    index += 3
                } else {
                    value.append(bytes[index + 1])
                    index += 2
                }
                continue
            }
            value.append(byte)
            index += 1
        }
        let result = String(decoding: value, as: UTF8.self).trimmingSpaces()
        return result.isEmpty ? nil : result
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces (only U+0020: DN values and LDIF data keep other whitespace).
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
