import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// An export whose last record is not terminated is a failed read: every fixture cut in the middle of a line
/// (LDIF, CSV) or before its document ends (DSML) fails with an error naming the file, never reads as a
/// shorter directory.
@Suite struct TruncatedExportTests {
    static let ldifFixtures =
        Fixtures.files(in: "ldif-edge-cases", extensions: [".ldif"])
        + Fixtures.files(in: "openldap", extensions: [".ldif"])
        + Fixtures.files(in: "openldap-2.5", extensions: [".ldif"])
        + Fixtures.files(in: "ad-shaped", extensions: [".ldif"])
        + Fixtures.files(in: "opendj-dsml", extensions: [".ldif"])
    static let csvFixtures = Fixtures.files(in: "csv", extensions: [".csv"])
    static let dsmlFixtures =
        Fixtures.files(in: "opendj-dsml", extensions: [".res", ".dat"])
        + Fixtures.files(in: "apache-ldap-api-dsml", extensions: [".xml"])
        + Fixtures.files(in: "dsmlv1", extensions: [".xml"])
        + ["dsml-cases/request-form-prefixed.xml", "dsml-cases/batch-request-in-soap.xml"]

    /// Cut points: every byte of small files, a seeded sample of large ones.
    static func cuts(of bytes: [UInt8], seed: String) -> [Int] {
        guard bytes.count > 3_000 else { return Array(1..<bytes.count) }
        var random = SeededGenerator(seed: UInt64(truncatingIfNeeded: seed.hashValueStable))
        return (0..<150).map { _ in 1 + Int(random.next() % UInt64(bytes.count - 1)) }
    }

    private static func isLineBreak(_ byte: UInt8?) -> Bool { byte == 0x0A || byte == 0x0D }

    @Test(arguments: ldifFixtures + csvFixtures)
    func everyCutInTheMiddleOfALineFailsAtThatLine(_ fixture: String) throws {
        let original = try Fixtures.bytes(fixture)
        let readsWhole = readError { try Self.read(original, name: fixture) } == nil
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for cut in Self.cuts(of: original, seed: fixture) where !Self.isLineBreak(original[cut - 1]) {
            let bytes = Array(original.prefix(cut))
            let url = directory.file("cut")
            try Data(bytes).write(to: url)
            let name = "\(fixture)@\(cut)"
            let error = try #require(
                readError { try Self.read(path: url.path, name: name, csv: fixture.hasSuffix(".csv")) },
                "\(name) was read although it ends in the middle of a line")
            #expect(error.location?.source == name)
            #expect(error.location?.line != nil, "\(name): \(error)")
            if readsWhole {
                let lines = 1 + bytes.count { $0 == 0x0A }
                let truncated = error.description.contains("ends in the middle of a line")
                let unclosedQuote = error.description.contains("quoted field is never closed")
                let onlyABOM = cut == 3 && original.starts(with: [0xEF, 0xBB, 0xBF])
                #expect(truncated || unclosedQuote || onlyABOM, "\(name): \(error)")
                if truncated { #expect(error.location?.line == lines, "\(name): \(error)") }
            }
        }
    }

    /// A DSML document cut anywhere before the end of its outermost element fails, SOAP envelope included.
    @Test(arguments: dsmlFixtures)
    func everyCutBeforeTheDocumentEndsFails(_ fixture: String) throws {
        let original = try Fixtures.bytes(fixture)
        let end = try #require(original.lastIndex(of: UInt8(ascii: ">")))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for cut in Self.cuts(of: original, seed: fixture) where cut <= end {
            let url = directory.file("cut.xml")
            try Data(original.prefix(cut)).write(to: url)
            let name = "\(fixture)@\(cut)"
            let error = try #require(readError { _ = try readDSML(path: url.path, name: name) }, "\(name) was read")
            #expect(error.location?.source == name)
        }
    }

    @Test(arguments: [
        "dsml-cases/batch-request-in-soap.xml", "opendj-dsml/02oasissuite-search.res",
        "opendj-dsml/02oasissuite-search.dat",
    ])
    func aSOAPDocumentCutAfterItsBatchIsAnError(_ fixture: String) throws {
        let text = try String(decoding: Fixtures.bytes(fixture), as: UTF8.self)
        for closing in ["</batchRequest>", "</dsml:batchRequest>", "</batchResponse>", "</soap-env:Body>"] {
            guard let range = text.range(of: closing) else { continue }
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let url = directory.file("cut.xml")
            try Data((text[..<range.upperBound] + "\n").utf8).write(to: url)
            let error = try #require(
                readError { _ = try readDSML(path: url.path, name: "cut.xml") }, "cut after \(closing)")
            #expect(error.description.contains("the file ends before the XML document does"), "\(error)")
            #expect(error.location?.line != nil)
        }
    }

    private static func read(_ bytes: [UInt8], name: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("whole")
        try Data(bytes).write(to: url)
        try read(path: url.path, name: name, csv: name.hasSuffix(".csv"))
    }

    private static func read(path: String, name: String, csv: Bool) throws {
        if csv {
            _ = try readCSV(path: path, name: name)
        } else {
            let reader = try LDIFReader(path: path, file: name, chunkSize: 4096)
            while try reader.nextEntry(projection: nil) != nil {}
        }
    }
}

/// `ldapsearch` output (`# extended LDIF` on its first line) must end with its result trailer and the
/// `# numEntries` count, which must agree with the entries read: a file cut before them is a partial export.
@Suite struct LDAPSearchTrailerTests {
    static let fixture = "ldif-edge-cases/29-ldapsearch-extended-ldif-trailer.ldif"

    private func text() throws -> String { try String(decoding: Fixtures.bytes(Self.fixture), as: UTF8.self) }

    private func read(_ text: String) throws -> Int {
        let reader = LDIFReader(bytes: Array(text.utf8), file: "search.ldif")
        var count = 0
        while try reader.nextEntry(projection: nil) != nil { count += 1 }
        return count
    }

    /// The fixture cut after each of its trailer lines, and with entries missing or added.
    static let cases: [(cutAfter: String?, edit: String, message: String)] = [
        (nil, "drop everything from the trailer on", "ends before its '# search result' trailer"),
        ("# search result\n", "", "ends before its '# search result' trailer"),
        ("search: 2\n", "", "the ldapsearch trailer ends before its 'result:' line"),
        ("result: 0 Success\n", "", "ends before its '# numEntries: 14' line"),
        ("result: 0 Success\n\n", "", "ends before its '# numEntries: 14' line"),
        ("# numResponses: 15\n", "", "ends before its '# numEntries: 14' line"),
        (nil, "count one more", "ldapsearch counted 15 entries ('# numEntries: 15') but the file holds 14"),
        (nil, "drop the last entry", "ldapsearch counted 14 entries ('# numEntries: 14') but the file holds 13"),
    ]

    @Test(arguments: 0..<cases.count)
    func aCutOrMiscountedTrailerIsAPartialExport(_ index: Int) throws {
        let (cutAfter, edit, message) = Self.cases[index]
        var text = try text()
        if let cutAfter {
            let range = try #require(text.range(of: cutAfter, options: .backwards))
            text = String(text[..<range.upperBound])
        }
        switch edit {
        case "drop everything from the trailer on":
            text = String(text[..<(try #require(text.range(of: "# search result"))).lowerBound])
        case "count one more":
            text = text.replacingOccurrences(of: "# numEntries: 14", with: "# numEntries: 15")
        case "drop the last entry":
            let trailer = try #require(text.range(of: "# search result"))
            let entries = text[..<trailer.lowerBound]
            let lastEntry = try #require(entries.range(of: "\n\n# ", options: .backwards))
            text = String(entries[..<lastEntry.lowerBound]) + "\n\n" + String(text[trailer.lowerBound...])
        default:
            break
        }
        let error = try #require(readError { _ = try read(text) })
        guard case .partialExport(let location, let detail) = error else {
            Issue.record("expected a partial export, got \(error)")
            return
        }
        #expect(location.source == "search.ldif")
        #expect(detail.contains(message), "\(detail)")
    }

    @Test func aCompleteFileReads() throws {
        #expect(try read(try text()) == 14)
        #expect(try readLDIF(Self.fixture).entries.count == 14)
        #expect(try readLDIF("openldap-2.5/openldap-2.5-ldapsearch-default-sample.ldif").entries.count == 14)
    }

    /// A paged search (`-E pr=…`) prints a trailer per page and the count once, at the end.
    @Test func aPagedSearchReadsAndMustEndWithItsLastPage() throws {
        let entry = { (uid: String) in "# \(uid), example.com\ndn: uid=\(uid),dc=example,dc=com\nuid: \(uid)\n\n" }
        let page =
            "# search result\nsearch: 2\nresult: 0 Success\ncontrol: 1.2.840.113556.1.4.319 false MA0CAQAECAAAAAAAAAAB\n"
            + "# pagedresults cookie=AAAAAAAAAAE=\n\n"
        let head = "# extended LDIF\n#\n# LDAPv3\n# base <dc=example,dc=com> with scope subtree\n#\n\n"
        let whole = head + entry("a") + entry("b") + page + entry("c") + page + "# numResponses: 5\n# numEntries: 3\n"
        #expect(try read(whole) == 3)
        let firstPageOnly = head + entry("a") + entry("b") + page + entry("c")
        let error = try #require(readError { _ = try read(firstPageOnly) })
        #expect(error.description.contains("ends before the '# search result' trailer of its last page"), "\(error)")
    }

    @Test func outputThatDoesNotSayItIsFromLdapsearchNeedsNoTrailer() throws {
        #expect(try readLDIF("ldif-edge-cases/30-ldapsearch-L.ldif").entries.count == 14)
        #expect(try read("# a comment\ndn: uid=a,dc=example,dc=com\nuid: a\n") == 1)
    }
}
