/// Strict RFC 4648 base64 decoding in place: LDIF allows no characters but the alphabet and the final
/// padding (RFC 2849 note 10).
enum Base64 {
    private static let invalid: UInt8 = 0xFF

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        return table
    }()

    /// Decodes `count` base64 characters at `start` into the same memory; returns the decoded length, or nil
    /// when the text is not valid base64. Writing never overtakes reading (4 characters → at most 3 bytes).
    static func decodeInPlace(_ start: UnsafeMutablePointer<UInt8>, count: Int) -> Int? {
        var length = count
        if length == 0 { return 0 }
        guard length % 4 == 0 else { return nil }
        var padding = 0
        if start[length - 1] == UInt8(ascii: "=") { padding += 1 }
        if start[length - 2] == UInt8(ascii: "=") { padding += 1 }
        length -= padding
        return table.withUnsafeBufferPointer { table -> Int? in
            var read = 0
            var written = 0
            while read + 4 <= length {
                let a = table[Int(start[read])]
                let b = table[Int(start[read + 1])]
                let c = table[Int(start[read + 2])]
                let d = table[Int(start[read + 3])]
                guard (a | b | c | d) & 0xC0 == 0 else { return nil }
                start[written] = a << 2 | b >> 4
                start[written + 1] = b << 4 | c >> 2
                start[written + 2] = c << 6 | d
                read += 4
                written += 3
            }
            let rest = length - read
            if rest >= 2 {
                let a = table[Int(start[read])]
                let b = table[Int(start[read + 1])]
                guard (a | b) & 0xC0 == 0 else { return nil }
                start[written] = a << 2 | b >> 4
                written += 1
                if rest == 3 {
                    let c = table[Int(start[read + 2])]
                    guard c & 0xC0 == 0 else { return nil }
                    start[written] = b << 4 | c >> 2
                    written += 1
                }
            } else if rest == 1 {
                return nil
            }
            return written
        }
    }

    /// Decodes base64 text that may contain XML whitespace (DSML wraps long values); nil when invalid.
    static func decode(ignoringWhitespace text: some StringProtocol) -> [UInt8]? {
        var bytes = text.utf8.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        let count = bytes.count
        let decoded = bytes.withUnsafeMutableBufferPointer { pointer -> Int? in
            guard let base = pointer.baseAddress else { return 0 }
            return decodeInPlace(base, count: count)
        }
        guard let decoded else { return nil }
        bytes.removeLast(count - decoded)
        return bytes
    }
}
