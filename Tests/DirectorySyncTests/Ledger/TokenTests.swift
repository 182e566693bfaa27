import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func matchesTheStandardVectors(message: String, digest: String) {
        #expect(Digest.sha256Hex(message) == digest)
    }

    @Test func hashesAMillionAs() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let hex = Digest.sha256(message).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // RFC 4231, test cases 1 and 2.
    @Test func hmacMatchesTheStandardVectors() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        #expect(
            Digest.hex(Digest.hmacSHA256(key: key, message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Digest.hex(Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func constantTimeComparisonComparesWholeValues() {
        #expect(ConstantTime.equals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConstantTime.equals([UInt8](), Array("a".utf8)))
        // Lengths that differ by a multiple of 256 are still different values.
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abc".utf8) + [UInt8](repeating: 0x61, count: 256)))
        #expect(!ConstantTime.equals([UInt8](repeating: 0x61, count: 512), [UInt8](repeating: 0x61, count: 256)))
    }
}

@Suite struct InvitationTokenTests {
    @Test func isFortyFourURLSafeCharactersCarryingAtLeast128RandomBits() {
        var generator = SeededGenerator(seed: 7)
        let tokens = (0..<2_000).map { _ in InvitationToken.generate(using: &generator).text }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens.prefix(50) {
            #expect(token.count == 44)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
        // 33 random bytes: every base64 position varies across tokens, the verifier alone carries 192 bits.
        let distinctPerPosition = (0..<44).map { index in Set(tokens.map { Array($0)[index] }).count }
        #expect(distinctPerPosition.allSatisfy { $0 > 32 })
    }

    @Test func systemTokensDiffer() {
        #expect(InvitationToken.generate() != InvitationToken.generate())
    }

    @Test func parsesATokenOrAnAcceptLink() throws {
        var generator = SeededGenerator(seed: 1)
        let token = InvitationToken.generate(using: &generator)
        #expect(try InvitationToken(parsing: "  \(token.text)\n") == token)
        #expect(try InvitationToken(parsing: "https://sign.acme.com/accept?token=\(token.text)&x=1") == token)
        #expect(throws: LedgerError.malformedToken) { try InvitationToken(parsing: "short") }
        #expect(throws: LedgerError.malformedToken) {
            try InvitationToken(parsing: String(token.text.dropLast()) + "!")
        }
        #expect(throws: LedgerError.malformedToken) { try InvitationToken(parsing: "https://x.io/accept?id=3") }
    }

    @Test func isStoredOnlyAsItsHashAndNeverPrinted() {
        var generator = SeededGenerator(seed: 2)
        let token = InvitationToken.generate(using: &generator)
        #expect(token.hash == Digest.sha256Hex(token.text))
        #expect(token.matches(storedHash: token.hash))
        #expect(!token.matches(storedHash: Digest.sha256Hex("other")))
        #expect(!"\(token)".contains(token.text))
        #expect(token.link(from: "https://x.io/a?token={token}") == "https://x.io/a?token=\(token.text)")
    }
}

@Suite struct InvitationBatchTests {
    @Test func acceptsUpToFiftyDistinctAddresses() throws {
        let fifty = (1...50).map { "p\($0)@acme.com" }
        #expect(try InvitationBatch(parsing: fifty).addresses.count == 50)
    }

    @Test func refusesFiftyOne() {
        let fiftyOne = (1...51).map { "p\($0)@acme.com" }
        #expect(throws: LedgerError.batchTooLarge(count: 51, limit: 50)) { try InvitationBatch(parsing: fiftyOne) }
    }

    @Test func refusesDuplicatesIgnoringCase() throws {
        #expect(throws: LedgerError.duplicateInBatch(try EmailAddress("bo@acme.com"))) {
            try InvitationBatch(parsing: ["bo@acme.com", "x@acme.com", "BO@acme.com"])
        }
    }

    @Test func namesTheInvalidAddressByPosition() throws {
        #expect(throws: LedgerError.self) { try InvitationBatch(parsing: ["a@x.io", "nope"]) }
        do {
            _ = try InvitationBatch(parsing: InvitationBatch.split("a@x.io, nope"))
        } catch {
            #expect(
                error.description
                    == "address 2 of the batch: 'nope' is not a valid email address: no '@'; nothing was sent")
        }
    }

    @Test func splitsACommaSeparatedListAndIgnoresBlanks() throws {
        let batch = try InvitationBatch(parsing: InvitationBatch.split(" a@x.io ,b@x.io,, "))
        #expect(batch.addresses.map(\.canonical) == ["a@x.io", "b@x.io"])
        #expect(throws: LedgerError.emptyBatch) { try InvitationBatch(parsing: InvitationBatch.split(" , ")) }
    }
}
