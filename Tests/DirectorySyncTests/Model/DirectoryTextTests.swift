import Foundation
import Testing

@testable import DirectorySync

/// `Member.directoryText` keeps printable ASCII as it is and cleans everything else exactly as the definition
/// says: controls and line separators become spaces, surrounding space separators go, and the result is cut
/// at the limit in characters.
@Suite struct DirectoryTextTests {
    /// The definition, written the slow and obvious way with Foundation.
    static func reference(_ raw: String, limit: Int) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            let isControl =
                scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
            scalars.append(isControl ? " " : scalar)
        }
        let cleaned = String(scalars).trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : String(cleaned.prefix(limit))
    }

    @Test(arguments: [
        "", " ", "Ann", " Ann ", "Ann\tLee", "\tAnn\n", "Ann\u{2028}Lee", "\u{3000}全角\u{3000}", "Zoë",
        "\u{A0}nbsp\u{A0}",
        "e\u{301}", " \u{301}x", "\u{1B}[2Jx", "\r\n", "abc\r\ndef", String(repeating: "a", count: 12),
        String(repeating: "é", count: 12), "\u{200B}zero", "a\u{85}b",
    ])
    func cleansAsTheDefinitionSays(_ raw: String) {
        #expect(Member.directoryText(raw, limit: 10) == Self.reference(raw, limit: 10))
        #expect(Member.directoryText(raw, limit: 1000) == Self.reference(raw, limit: 1000))
    }

    @Test func randomTextIsCleanedAsTheDefinitionSays() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", " ", "\t", "\n", "\r", "\u{0}", "\u{7F}", "\u{85}", "\u{A0}", "é", "\u{301}", "\u{2028}",
            "\u{2029}",
            "\u{3000}", "\u{200B}", "\u{202E}", "全", "😀", "~", "-",
        ]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...14, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator) ?? "a")
            }
            let raw = String(scalars)
            let limit = Int.random(in: 1...12, using: &generator)
            #expect(
                Member.directoryText(raw, limit: limit) == Self.reference(raw, limit: limit), "\(raw.debugDescription)")
        }
    }

    @Test func nilStaysNil() {
        #expect(Member.directoryText(nil, limit: 10) == nil)
    }
}
