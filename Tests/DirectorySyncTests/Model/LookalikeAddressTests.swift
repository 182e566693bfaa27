import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Control and format characters (Unicode Cc and Cf) are refused in both parts of an address, naming the
/// code point: otherwise `ada@acme.com` and `ada\u{200B}@acme.com` are two people who look identical.
@Suite struct LookalikeAddressTests {
    /// Every Cc and Cf scalar of Unicode.
    static let invisible: [Unicode.Scalar] = (0...0x10_FFFF).compactMap { value in
        guard let scalar = Unicode.Scalar(value), EmailAddress.isInvisible(scalar) else { return nil }
        return scalar
    }

    /// Where a character can hide: inside the local part, next to the '@', inside a domain label.
    static let placements = [
        "a{c}da@acme.com", "ada{c}@acme.com", "ada@{c}acme.com", "ada@ac{c}me.com", "ada@acme.{c}com",
    ]

    @Test func theCategoriesHoldTheCharactersThatMatter() {
        let named: [UInt32] = [
            0x00, 0x09, 0x0A, 0x1B, 0x7F, 0x85, 0x9F, 0xAD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
            0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xE0001, 0xE007F,
        ]
        let values = Set(Self.invisible.map(\.value))
        for value in named { #expect(values.contains(value), "U+\(String(value, radix: 16))") }
        #expect(Self.invisible.count > 200)
    }

    @Test(arguments: placements)
    func everyInvisibleCharacterIsRefusedAnywhere(_ placement: String) {
        for scalar in Self.invisible {
            let raw = placement.replacingOccurrences(of: "{c}", with: String(Character(scalar)))
            do {
                let accepted = try EmailAddress(raw)
                Issue.record("accepted \(accepted.canonical.unicodeScalars.map { String($0.value, radix: 16) })")
            } catch {
                #expect(error.reason == .invisibleCharacter(scalar), "U+\(String(scalar.value, radix: 16)): \(error)")
            }
        }
    }

    @Test(arguments: [
        (
            "ada\u{200B}@acme.com",
            "'ada<U+200B>@acme.com' is not a valid email address: it holds U+200B (zero width space), an invisible or control character that makes addresses look alike"
        ),
        (
            "\u{202E}moc.emca@ada",
            "'<U+202E>moc.emca@ada' is not a valid email address: it holds U+202E (right-to-left override), an invisible or control character that makes addresses look alike"
        ),
        (
            "ada@acme\u{0007}.com",
            "'ada@acme<U+0007>.com' is not a valid email address: it holds U+0007, an invisible or control character that makes addresses look alike"
        ),
    ])
    func theReasonNamesTheCodePointAndTheMessageShowsIt(_ raw: String, _ message: String) {
        #expect(throws: EmailAddress.Invalid.self) { try EmailAddress(raw) }
        do {
            _ = try EmailAddress(raw)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func visibleNonASCIIAddressesStillRead() throws {
        #expect(try EmailAddress("jürgen@bücher.de").canonical == "jürgen@bücher.de")
        #expect(try EmailAddress("  ada@acme.com\n").canonical == "ada@acme.com")
    }

    // MARK: - Every source turns such an address into a located diagnostic

    static let hidden = "ada\u{200B}@acme.com"

    private func diagnostics(_ kind: SourceKind, _ text: String, mapping: String) throws -> DirectoryContents {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("export")
        try Data(text.utf8).write(to: url)
        return try FileSource(kind: kind, path: url.path, displayName: "export").read(mapping: Mapping.preset(mapping))
    }

    private func expectLocatedWarning(_ contents: DirectoryContents, at location: DirectorySync.SourceLocation) {
        let warning = contents.diagnostics.first { $0.message.contains("U+200B") }
        #expect(warning?.location == location, "\(contents.diagnostics)")
        #expect(warning?.severity == .warning)
        #expect(contents.users.allSatisfy { $0.email?.canonical.unicodeScalars.contains("\u{200B}") != true })
        #expect(contents.users.contains { $0.email?.canonical == "bo@acme.com" })
    }

    @Test func ldif() throws {
        let text =
            "dn: uid=bo,dc=acme,dc=com\nobjectClass: inetOrgPerson\nuid: bo\nmail: bo@acme.com\n\n"
            + "dn: uid=ada,dc=acme,dc=com\nobjectClass: inetOrgPerson\nuid: ada\nmail: \(Self.hidden)\n"
        expectLocatedWarning(
            try diagnostics(.ldif, text, mapping: "openldap"),
            at: DirectorySync.SourceLocation(source: "export", line: 6))
    }

    @Test func ldifBase64() throws {
        let encoded = Data(Self.hidden.utf8).base64EncodedString()
        let text =
            "dn: uid=bo,dc=acme,dc=com\nobjectClass: inetOrgPerson\nuid: bo\nmail: bo@acme.com\n\n"
            + "dn: uid=ada,dc=acme,dc=com\nobjectClass: inetOrgPerson\nuid: ada\nmail:: \(encoded)\n"
        expectLocatedWarning(
            try diagnostics(.ldif, text, mapping: "openldap"),
            at: DirectorySync.SourceLocation(source: "export", line: 6))
    }

    @Test func csv() throws {
        let text = "email,first_name\nbo@acme.com,Bo\n\(Self.hidden),Ada\n"
        expectLocatedWarning(
            try diagnostics(.csv, text, mapping: "csv"), at: DirectorySync.SourceLocation(source: "export", line: 3))
    }

    @Test func dsml() throws {
        func entry(_ uid: String, _ mail: String) -> String {
            "<searchResultEntry dn='uid=\(uid),dc=acme,dc=com'>\n<attr name='objectClass'><value>inetOrgPerson</value>"
                + "</attr><attr name='mail'><value>\(mail)</value></attr></searchResultEntry>\n"
        }
        let text =
            "<batchResponse xmlns='urn:oasis:names:tc:DSML:2:0:core'><searchResponse>\n"
            + entry("bo", "bo@acme.com") + entry("ada", "ada&#x200B;@acme.com")
            + "<searchResultDone><resultCode code='0'/></searchResultDone></searchResponse></batchResponse>\n"
        expectLocatedWarning(
            try diagnostics(.dsml, text, mapping: "dsml"), at: DirectorySync.SourceLocation(source: "export", line: 4))
    }

    @Test func scim() throws {
        var builder = DirectoryBuilder(kind: .scim, mapping: try Mapping.preset("scim"))
        for (id, email) in [("1", "bo@acme.com"), ("2", "ada\\u200B@acme.com")] {
            let json = #"{"id":"\#(id)","userName":"\#(email)","emails":[{"value":"\#(email)","primary":true}]}"#
            let object = try #require(try JSONValue.parse(Array(json.utf8)).object)
            let user = try #require(SCIMResource(object, endpoint: "Users"))
            builder.add(
                SCIMSource.entry(
                    for: user,
                    in: SCIMDirectory(
                        users: [user], groupsByUser: nil,
                        pagination: "index", pages: 1, total: nil, diagnostics: [])))
        }
        expectLocatedWarning(builder.read(), at: DirectorySync.SourceLocation(source: "scim", record: "Users/2"))
    }
}
