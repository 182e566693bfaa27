import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// One file of `Fixtures/ldif-edge-cases/` and what dirsync does with it (README: "LDIF edge cases").
struct LDIFEdgeCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable {
        /// Reads this many entries, with these diagnostic kinds (and no others).
        case reads(entries: Int, warnings: [String] = [])
        /// Fails at this line with a message containing this text.
        case fails(line: Int, saying: String)
    }

    let file: String
    let outcome: Outcome

    var testDescription: String { file }

    static let all: [LDIFEdgeCase] = [
        .init(file: "01-crlf.ldif", outcome: .reads(entries: 2)),
        .init(file: "02-bom.ldif", outcome: .reads(entries: 1)),
        .init(file: "03-version-blank.ldif", outcome: .reads(entries: 1)),
        .init(file: "04-folded-comment.ldif", outcome: .reads(entries: 1)),
        .init(file: "05-two-space-continuation.ldif", outcome: .reads(entries: 1)),
        .init(file: "06-attr-case.ldif", outcome: .reads(entries: 1)),
        .init(file: "07-options.ldif", outcome: .reads(entries: 1)),
        .init(file: "08-b64-folded.ldif", outcome: .reads(entries: 1)),
        .init(file: "09-url.ldif", outcome: .reads(entries: 1, warnings: ["url-value"])),
        .init(file: "10-changetype-add.ldif", outcome: .reads(entries: 1)),
        .init(file: "11-mixed-content-and-modify.ldif", outcome: .reads(entries: 1, warnings: ["change-record"])),
        .init(file: "12-space-only-separator.ldif", outcome: .reads(entries: 2, warnings: ["whitespace-separator"])),
        .init(file: "13-empty-values.ldif", outcome: .reads(entries: 1)),
        .init(file: "14-dn-escapes.ldif", outcome: .reads(entries: 1)),
        .init(file: "15-tab-continuation.ldif", outcome: .fails(line: 5, saying: "starts with a TAB")),
        .init(file: "16-many-blank-lines.ldif", outcome: .reads(entries: 2)),
        .init(file: "17-no-trailing-newline.ldif", outcome: .fails(line: 5, saying: "ends in the middle of a line")),
        .init(file: "18-trailing-spaces.ldif", outcome: .reads(entries: 1, warnings: ["trailing-space"])),
        .init(file: "19-space-before-colon.ldif", outcome: .reads(entries: 1, warnings: ["space-before-colon"])),
        .init(file: "20-uppercase-DN.ldif", outcome: .reads(entries: 1)),
        .init(file: "21-raw-utf8-dn.ldif", outcome: .reads(entries: 1)),
        .init(file: "22-latin1-bytes.ldif", outcome: .fails(line: 1, saying: "DN is not valid UTF-8")),
        .init(file: "23-comment-inside-entry.ldif", outcome: .reads(entries: 1)),
        .init(file: "24-b64-dn.ldif", outcome: .reads(entries: 1)),
        .init(file: "25-control-line.ldif", outcome: .reads(entries: 0, warnings: ["change-record"])),
        .init(
            file: "26-blank-line-inside-entry-rfc-example5.ldif",
            outcome: .fails(line: 5, saying: "must start with 'dn:', found 'cn:'")),
        .init(file: "27-b64-invalid.ldif", outcome: .fails(line: 6, saying: "not valid base64")),
        .init(file: "28-no-space-after-colon.ldif", outcome: .reads(entries: 1)),
        .init(file: "29-ldapsearch-extended-ldif-trailer.ldif", outcome: .reads(entries: 14)),
        .init(file: "30-ldapsearch-L.ldif", outcome: .reads(entries: 14)),
    ]
}

@Suite struct LDIFEdgeCaseTests {
    static let warningKinds = [
        "url-value", "change-record", "whitespace-separator", "trailing-space", "space-before-colon",
    ]

    @Test func everyEdgeCaseFileHasAStatedBehaviour() {
        let files = Fixtures.files(in: "ldif-edge-cases", extensions: [".ldif"]).map {
            ($0 as NSString).lastPathComponent
        }
        #expect(files.count == 30)
        #expect(files == LDIFEdgeCase.all.map(\.file))
    }

    @Test(arguments: LDIFEdgeCase.all)
    func behaviour(_ edgeCase: LDIFEdgeCase) throws {
        let fixture = "ldif-edge-cases/\(edgeCase.file)"
        switch edgeCase.outcome {
        case .reads(let count, let warnings):
            let (entries, log) = try readLDIF(fixture)
            #expect(entries.count == count)
            for kind in Self.warningKinds {
                #expect((log.count(of: kind) > 0) == warnings.contains(kind), "diagnostic kind \(kind)")
            }
            for entry in entries {
                #expect(entry.dn?.isEmpty == false)
                #expect(entry.location.source == fixture)
            }
        case .fails(let line, let text):
            let error = try #require(readError { _ = try readLDIF(fixture) })
            #expect(error.location?.line == line)
            #expect(error.location?.source == fixture)
            #expect(error.description.contains(text), "\(error)")
        }
    }

    /// What the entries hold, for the cases where the value is the point.
    @Test(arguments: [
        ("01-crlf.ldif", "cn", ["Alice A"]),
        ("04-folded-comment.ldif", "uid", ["a"]),
        ("05-two-space-continuation.ldif", "cn", ["Alice A"]),
        ("06-attr-case.ldif", "cn", ["Alice A", "Alice Alias", "Alice Third"]),
        ("07-options.ldif", "cn", ["Alice A"]),
        ("07-options.ldif", "cn;lang-ja", ["アリス"]),
        ("07-options.ldif", "CN;LANG-EN", ["Alice"]),
        ("08-b64-folded.ldif", "description", ["What a careful reader you are!  This value is base-64-encoded."]),
        ("09-url.ldif", "jpegPhoto", []),
        ("10-changetype-add.ldif", "changetype", []),
        ("13-empty-values.ldif", "description", [""]),
        ("13-empty-values.ldif", "seeAlso", [""]),
        ("18-trailing-spaces.ldif", "uid", ["a  "]),
        ("19-space-before-colon.ldif", "uid", ["a"]),
        ("21-raw-utf8-dn.ldif", "cn", ["José Müller"]),
        ("23-comment-inside-entry.ldif", "objectClass", ["inetOrgPerson"]),
        ("28-no-space-after-colon.ldif", "cn", ["Alice A"]),
    ])
    func values(_ file: String, _ attribute: String, _ expected: [String]) throws {
        let (entries, _) = try readLDIF("ldif-edge-cases/\(file)")
        let entry = try #require(entries.first)
        #expect(entry.strings(attribute) == expected)
    }

    @Test(arguments: [
        ("02-bom.ldif", "uid=a,dc=example,dc=com"),
        ("05-two-space-continuation.ldif", "uid=a,dc=example, dc=com"),
        ("14-dn-escapes.ldif", #"cn=Smith\, John+uid=js,ou=P\2C Q,dc=example,dc=com"#),
        ("18-trailing-spaces.ldif", "uid=a,dc=example,dc=com"),
        ("20-uppercase-DN.ldif", "uid=a,dc=example,dc=com"),
        ("21-raw-utf8-dn.ldif", "cn=José Müller,dc=example,dc=com"),
        ("24-b64-dn.ldif", "uid=a,dc=example,dc=com"),
    ])
    func distinguishedNames(_ file: String, _ dn: String) throws {
        let (entries, _) = try readLDIF("ldif-edge-cases/\(file)")
        #expect(entries.first?.dn == dn)
    }

    @Test func crlfEntriesAreSeparateAndClean() throws {
        let (entries, _) = try readLDIF("ldif-edge-cases/01-crlf.ldif")
        #expect(entries.map(\.dn) == ["uid=a,dc=example,dc=com", "uid=b,dc=example,dc=com"])
        #expect(entries.map(\.location.line) == [1, 7])
    }

    @Test func aWhitespaceOnlySeparatorNeverMergesTwoEntries() throws {
        let (entries, log) = try readLDIF("ldif-edge-cases/12-space-only-separator.ldif")
        #expect(entries.map { $0.strings("uid") } == [["a"], ["b"]])
        #expect(log.diagnostics.first?.location?.line == 6)
    }

    @Test func theLdapsearchTrailerIsSkippedButAFailedSearchIsAnError() throws {
        #expect(try readLDIF("ldif-edge-cases/29-ldapsearch-extended-ldif-trailer.ldif").entries.count == 14)
        let text = "dn: uid=a,dc=example,dc=com\nuid: a\n\n# search result\nsearch: 2\nresult: 4 Size limit exceeded\n"
        let error = try #require(readError { _ = try readLDIF(text: text) })
        guard case .partialExport(let location, _) = error else {
            Issue.record("expected a partial export, got \(error)")
            return
        }
        #expect(location.line == 6)
    }

    @Test func dnRDNValueIsUnescapedForGroupNames() {
        #expect(
            DistinguishedName.firstValue(of: #"cn=Smith\, John+uid=js,ou=P\2C Q,dc=example,dc=com"#) == "Smith, John")
        #expect(DistinguishedName.firstValue(of: #"CN=Sales\2C EMEA,OU=Groups,DC=x"#) == "Sales, EMEA")
        #expect(DistinguishedName.firstValue(of: "Sign Admins") == nil)
    }
}
