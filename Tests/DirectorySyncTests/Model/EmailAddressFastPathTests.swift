import Testing

@testable import DirectorySync

/// The byte-level fast path for plain ASCII addresses agrees with the general rules on every input it accepts,
/// and leaves everything else (with its error wording) to them.
@Suite struct EmailAddressFastPathTests {
    @Test func agreesWithTheGeneralRulesOnRandomInput() {
        let alphabet = Array("ab.Z9-@@..--_+x y'\"[]é!#") + ["c", "o", "m"]
        var state: UInt64 = 0x1234_5678
        var accepted = 0
        for _ in 0..<50_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var text = ""
            for index in 0..<Int(state >> 59 + 3) {
                text.append(alphabet[Int((state >> UInt64(index % 50)) % UInt64(alphabet.count))])
            }
            if state % 3 == 0 { text = "ab.c@x\(text).com" }
            let general = try? EmailAddress(general: text)
            if let fast = EmailAddress.plainASCII(text) {
                accepted += 1
                #expect(fast == general, "\(text)")
            }
        }
        #expect(accepted > 100)
    }

    @Test(arguments: [
        "Ada@Acme.com", "a.b-c+d@sub.example.co", "x@a-b.io", "o'neil@acme.com", "1@2.io",
    ])
    func plainAddressesTakeTheFastPath(_ text: String) throws {
        let fast = try #require(EmailAddress.plainASCII(text))
        #expect(fast == (try EmailAddress(general: text)))
        #expect(fast.canonical == text.lowercased())
    }

    @Test(arguments: [
        " ada@acme.com", "ada@acme", "ada@acme.123", ".ada@acme.com", "a..b@acme.com", "ada@-acme.com",
        "ada@acme-.com", "ada@acme..com", "\"ada\"@acme.com", "ada@[1.2.3.4]", "josé@acme.com", "ada@", "@acme.com",
        "a@b@acme.com", String(repeating: "a", count: 65) + "@acme.com",
    ])
    func everythingElseTakesTheGeneralPath(_ text: String) {
        #expect(EmailAddress.plainASCII(text) == nil)
    }
}
