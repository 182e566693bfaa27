import Testing

@testable import dirsync

/// `TerminalText.escaped` works on UTF-8 bytes; it must write exactly what escaping scalar by scalar writes.
@Suite struct TerminalTextTests {
    /// The definition, scalar by scalar: unsafe scalars as `\u{XX}`, SGR colour kept when asked.
    static func reference(_ text: String, keepingColour: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = ""
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if keepingColour, scalar == "\u{1B}", let end = colourEnd(scalars, from: index) {
                result.unicodeScalars.append(contentsOf: scalars[index...end])
                index = end + 1
                continue
            }
            if TerminalText.isUnsafe(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            index += 1
        }
        return result
    }

    static func colourEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 2 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var index = start + 2
        while index < scalars.count, index - start < 24 {
            if scalars[index] == "m" { return index }
            guard ("0"..."9").contains(scalars[index]) || scalars[index] == ";" else { return nil }
            index += 1
        }
        return nil
    }

    @Test(arguments: [
        "", "plain", "tab\tand\nline", "\u{1B}[2J\u{1B}[HCleared", "\u{1B}[1;31mred\u{1B}[0m", "\u{1B}[", "\u{1B}",
        "C1\u{9B}31m", "Bidi\u{202E}x", "Zero\u{200B}w", "—dash — kept", "\u{FEFF}bom", "\u{EFFF}private", "Ā",
        "\u{7F}",
        "😀\u{2066}",
    ])
    func escapesAsTheDefinitionSays(_ text: String) {
        for colour in [false, true] {
            #expect(TerminalText.escaped(text, keepingColour: colour) == Self.reference(text, keepingColour: colour))
        }
    }

    @Test func randomTextIsEscapedAsTheDefinitionSays() {
        let alphabet: [Unicode.Scalar] = [
            "a", "[", "m", "3", ";", "\u{1B}", "\n", "\t", "\r", "\u{0}", "\u{7F}", "\u{85}", "\u{9B}", "\u{A0}", "é",
            "\u{2014}", "\u{2028}", "\u{202E}", "\u{2066}", "\u{200B}", "\u{FEFF}", "\u{FF01}", "全", "😀",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...20, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator) ?? "a")
            }
            let text = String(scalars)
            let colour = Bool.random(using: &generator)
            #expect(
                TerminalText.escaped(text, keepingColour: colour) == Self.reference(text, keepingColour: colour),
                "\(text.debugDescription)")
        }
    }
}
