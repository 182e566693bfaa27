/// Text as the terminal shows it: what could act on a terminal is made visible, and widths are counted in
/// columns, not characters.
///
/// Every byte dirsync writes to stdout or stderr in text form goes through `escaped` (in `Console` and the
/// buffered writer of `source show`): C0 controls but line feed and tab, DEL, C1 controls, bidirectional
/// overrides and isolates, zero-width characters and the line and paragraph separators are written as
/// `\u{…}`, so a display name cannot clear the screen, set the window title or make two people look alike.
/// The one sequence kept is colour (SGR, `ESC [ … m`), and only when `keepingColour`: dirsync's own styles,
/// written to a colour terminal.
enum TerminalText {
    /// `text` with every character that could act on a terminal written as `\u{XX}`.
    ///
    /// Works on the UTF-8 bytes: runs of safe bytes are copied as they are, and only a byte that may start an
    /// unsafe character (`mayNeedEscaping`) is decoded, so a large document (a plan of a million people) costs
    /// one pass over its bytes.
    static func escaped(_ text: String, keepingColour: Bool = false) -> String {
        guard text.utf8.contains(where: mayNeedEscaping) else { return text }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 16)
        var runStart = 0
        var index = 0
        while index < bytes.count {
            guard mayNeedEscaping(bytes[index]) else {
                index += 1
                continue
            }
            result.append(contentsOf: bytes[runStart..<index])
            if keepingColour, bytes[index] == 0x1B, let end = colourSequenceEnd(bytes, from: index) {
                result.append(contentsOf: bytes[index...end])
                index = end + 1
            } else {
                let (scalar, length) = decode(bytes, at: index)
                if isUnsafe(scalar) {
                    result.append(contentsOf: ("\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}").utf8)
                } else {
                    result.append(contentsOf: bytes[index..<index + length])
                }
                index += length
            }
            runStart = index
        }
        result.append(contentsOf: bytes[runStart..<bytes.count])
        return String(decoding: result, as: UTF8.self)
    }

    /// The scalar starting at `index` of valid UTF-8 and its length in bytes.
    private static func decode(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard index + length <= bytes.count else { return ("\u{FFFD}", 1) }
        var value = length == 1 ? UInt32(lead) : UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Bytes that start (or are) a character `isUnsafe` may refuse: controls, and the lead bytes of C1 (0xC2),
    /// of U+2000–U+2FFF (0xE2) and of U+F000–U+FFFF (0xEF).
    private static func mayNeedEscaping(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x0A && byte != 0x09) || byte == 0x7F || byte == 0xC2 || byte == 0xE2 || byte == 0xEF
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// The index of the `m` ending an SGR sequence starting at `start` (`ESC [` digits and `;`), if it is one.
    private static func colourSequenceEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start + 2 < bytes.count, bytes[start + 1] == UInt8(ascii: "[") else { return nil }
        var index = start + 2
        while index < bytes.count, index - start < 24 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "m") { return index }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ";") else {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// Columns `text` takes on a terminal: East Asian wide characters and emoji take two, combining marks and
    /// zero-width characters none.
    static func width(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
        return text.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x80 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if value == 0x200D || (0xFE00...0xFE0F).contains(value) { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD,
        ]
        if wide.contains(where: { $0.contains(value) }) { return 2 }
        return scalar.properties.isEmojiPresentation ? 2 : 1
    }

    /// `text` cut to at most `columns` columns, ending in `…` when cut.
    static func truncated(_ text: String, toWidth columns: Int) -> String {
        guard width(text) > columns else { return text }
        var result = ""
        var used = 0
        for character in text {
            let characterWidth = width(String(character))
            if used + characterWidth > columns - 1 { break }
            result.append(character)
            used += characterWidth
        }
        return result + "…"
    }
}
