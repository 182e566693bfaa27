import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// DTDs, entity declarations and entities are refused wherever they stand and whatever encoding the file
/// claims: every hostile variant fails with a located `refused` or `malformed` error, and no read succeeds
/// with an entity silently dropped.
@Suite struct DSMLRefusalTests {
    static let entry =
        "<batchResponse xmlns='urn:oasis:names:tc:DSML:2:0:core'><searchResponse>\n"
        + "<searchResultEntry dn='cn=a'><attr name='mail'><value>a@x.io&e;</value></attr></searchResultEntry>\n"
        + "<searchResultDone><resultCode code='0'/></searchResultDone></searchResponse></batchResponse>\n"

    /// What comes before the declaration, and how many lines it takes.
    static let paddings: [(name: String, text: String)] = [
        ("nothing", ""),
        ("2 MB of spaces", String(repeating: " ", count: 2 << 20) + "\n"),
        ("a 1.1 MB comment", "<!-- " + String(repeating: "x", count: 1_100 << 10) + " -->\n"),
        ("a comment that mentions a DOCTYPE", "<!-- <!DOCTYPE x> &e; <![CDATA[ -->\n"),
        ("a processing instruction", "<?xml-stylesheet href='a.xsl' note='<!DOCTYPE'?>\n"),
        ("many short lines", String(repeating: "\n", count: 5_000)),
    ]

    static let declarations: [(name: String, text: String)] = [
        ("an internal entity", "<!DOCTYPE batchResponse [<!ENTITY e \"EXPANDED\">]>\n"),
        ("an external entity", "<!DOCTYPE batchResponse [<!ENTITY e SYSTEM \"file:///etc/hostname\">]>\n"),
        ("an external DTD", "<!DOCTYPE batchResponse SYSTEM \"http://127.0.0.1:9/x.dtd\">\n"),
        (
            "billion laughs",
            "<!DOCTYPE r [<!ENTITY l0 'ha'>"
                + (1...9).map { "<!ENTITY l\($0) '" + String(repeating: "&l\($0 - 1);", count: 10) + "'>" }.joined()
                + "<!ENTITY e '&l9;'>]>\n"
        ),
        ("an element declaration", "<!ELEMENT batchResponse ANY>\n"),
        ("an attribute declaration", "<!ATTLIST value type CDATA 'x'>\n"),
        ("a notation", "<!NOTATION gif SYSTEM 'image/gif'>\n"),
        ("a lower-case doctype", "<!doctype batchResponse [<!ENTITY e 'x'>]>\n"),
    ]

    struct Variant: Sendable, CustomTestStringConvertible {
        let padding: Int
        let declaration: Int
        let declaredEncoding: Bool
        var testDescription: String {
            "\(DSMLRefusalTests.declarations[declaration].name) after \(DSMLRefusalTests.paddings[padding].name)"
                + (declaredEncoding ? " (UTF-8 declared)" : "")
        }
    }

    static let variants: [Variant] = paddings.indices.flatMap { padding in
        declarations.indices.flatMap { declaration in
            [false, true].map { Variant(padding: padding, declaration: declaration, declaredEncoding: $0) }
        }
    }

    private func failure(_ bytes: [UInt8], file: String = "t.xml") throws -> ReadError {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file(file)
        try Data(bytes).write(to: url)
        var read: [DirectoryEntry] = []
        let error = readError {
            let reader = try DSMLReader(path: url.path, file: file)
            try reader.read { read.append($0) }
        }
        guard let error else {
            Issue.record("read \(read.count) entries: \(read.map { $0.strings("mail") })")
            throw CancellationError()
        }
        return error
    }

    private func lines(_ text: String) -> Int { text.utf8.count { $0 == 0x0A } }

    @Test(arguments: variants)
    func aDeclarationIsRefusedWhereverItStands(_ variant: Variant) throws {
        let head = variant.declaredEncoding ? "<?xml version='1.0' encoding='UTF-8'?>\n" : ""
        let padding = Self.paddings[variant.padding].text
        let text = head + padding + Self.declarations[variant.declaration].text + Self.entry
        let error = try failure(Array(text.utf8))
        guard case .refused(let location, let detail) = error else {
            Issue.record("expected a refusal, got \(error)")
            return
        }
        #expect(location == SourceLocation(source: "t.xml", line: 1 + lines(head + padding)))
        #expect(detail.contains("DTDs and entities are never processed"))
        #expect(!error.description.contains("EXPANDED"))
    }

    @Test(arguments: [
        "<searchResponse>", "<searchResultEntry dn='cn=a'>", "</searchResultEntry>", "</batchResponse>",
    ])
    func aDeclarationInsideTheDocumentIsRefusedToo(_ after: String) throws {
        let text = Self.entry.replacingOccurrences(of: after, with: after + "<!DOCTYPE x [<!ENTITY e 'Z'>]>")
        let error = try failure(Array(text.utf8))
        guard case .refused = error else {
            Issue.record("expected a refusal, got \(error)")
            return
        }
        #expect(error.location?.line != nil)
    }

    /// UTF-16 or UTF-32 without a byte-order mark: every other byte of the markup is NUL.
    @Test(arguments: ["utf-16le", "utf-16be", "utf-32le", "utf-32be"])
    func wideEncodingsWithoutAByteOrderMarkAreRefused(_ encoding: String) throws {
        let text =
            "<?xml version='1.0' encoding='\(encoding.uppercased())'?>\n" + Self.declarations[0].text + Self.entry
        let width = encoding.hasPrefix("utf-16") ? 2 : 4
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            var units = [UInt8](repeating: 0, count: width)
            units[encoding.hasSuffix("le") ? 0 : width - 1] = UInt8(scalar.value)
            bytes += units
        }
        let error = try failure(bytes)
        guard case .malformed(let location, let detail, _) = error else {
            Issue.record("expected malformed, got \(error)")
            return
        }
        #expect(location.line == 1)
        #expect(detail.contains("NUL byte"))
    }

    /// libxml2 would switch decoders on any other declared encoding; UTF-7 spells `<!DOCTYPE` as `+ADw-!DOCTYPE`.
    @Test(arguments: ["UTF-7", "utf-7", "ISO-8859-1", "UTF-16", "EBCDIC-US", "windows-1252", "UCS-4"])
    func anEncodingOtherThanUTF8IsRefused(_ encoding: String) throws {
        let doctype = Self.declarations[0].text.replacingOccurrences(of: "<", with: "+ADw-")
            .replacingOccurrences(of: ">", with: "+AD4-")
        let text = "<?xml version=\"1.0\" encoding=\"\(encoding)\" ?>\n" + doctype + Self.entry
        let error = try failure(Array(text.utf8))
        #expect(error.location?.line == 1)
        #expect(error.description.contains("declares encoding '\(encoding)'"), "\(error)")
    }

    @Test(arguments: ["UTF-8", "utf-8", "US-ASCII", "ascii"])
    func utf8AndASCIIDeclarationsRead(_ encoding: String) throws {
        let text =
            "<?xml version='1.0' encoding='\(encoding)'?>\n" + Self.entry.replacingOccurrences(of: "&e;", with: "")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data(text.utf8).write(to: directory.file("ok.xml"))
        let (entries, _) = try readDSML(path: directory.file("ok.xml").path, name: "ok.xml")
        #expect(entries.map { $0.strings("mail") } == [["a@x.io"]])
    }

    /// A UTF-16 file with its byte-order mark is transcoded, and its `encoding="UTF-16"` relabelled (libxml2
    /// refused UTF-8 labelled UTF-16 before); a declaration in it is still refused.
    @Test(arguments: [true, false])
    func utf16WithAByteOrderMarkReadsAndStillRefusesDeclarations(_ littleEndian: Bool) throws {
        func utf16(_ text: String) -> [UInt8] {
            var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
            for unit in text.utf16 {
                bytes +=
                    littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
            }
            return bytes
        }
        let head = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data(utf16(head + Self.entry.replacingOccurrences(of: "a@x.io&e;", with: "josé@x.io"))).write(
            to: directory.file("u.xml"))
        let (entries, _) = try readDSML(path: directory.file("u.xml").path, name: "u.xml")
        #expect(entries.map { $0.strings("mail") } == [["josé@x.io"]])
        let error = try failure(utf16(head + "<!-- x -->\n" + Self.declarations[1].text + Self.entry))
        #expect(error.location?.line == 3)
        #expect(error.description.contains("refused"), "\(error)")
    }

    @Test(arguments: [
        ("<value>&secret;</value>", "refused: the XML refers to the entity '&secret;'"),
        ("<value>x&e;y</value>", "refused: the XML refers to the entity '&e;'"),
        ("<value name='&e;'>x</value>", "refused: the XML refers to the entity '&e;'"),
        ("<value name=\"a&ent.ity-1;\">x</value>", "refused: the XML refers to the entity '&ent.ity-1;'"),
        ("<value>&#xZZ;</value>", "'&#xZZ;' is not a character reference"),
        ("<value>&#;</value>", "'&#;' is not a character reference"),
        ("<value>a & b</value>", "an '&' that starts no entity or character reference"),
        ("<value>a &b c;</value>", "an '&' that starts no entity or character reference"),
    ])
    func anEntityReferenceThatIsNotPredefinedIsAnError(_ value: String, _ message: String) throws {
        let text = Self.entry.replacingOccurrences(of: "<value>a@x.io&e;</value>", with: value)
        let error = try failure(Array(text.utf8))
        #expect(error.location?.line == 2)
        #expect(error.description.contains(message), "\(error)")
    }

    /// What is not markup stays data: comments, CDATA, processing instructions and attribute values may hold
    /// `<!DOCTYPE`, `&name;` and `>` without being refused, and predefined and character references read.
    @Test func markupLookalikesInsideDataAreData() throws {
        let text =
            "<?xml version='1.0'?>\n<!-- <!DOCTYPE x [<!ENTITY e 'y'>]> &e; - -->\n<?note <!ENTITY x ?>\n"
            + "<batchResponse xmlns='urn:oasis:names:tc:DSML:2:0:core' note='a > b &amp; &#60;!DOCTYPE'>"
            + "<searchResponse><searchResultEntry dn='cn=a'>"
            + "<attr name='mail'><value>a@x.io</value></attr>"
            + "<attr name='description'><value><![CDATA[<!DOCTYPE x> &e; ]] ]>]]>&lt;&#65;&#x42;&quot;&apos;</value>"
            + "</attr></searchResultEntry><searchResultDone><resultCode code='0'/></searchResultDone>"
            + "</searchResponse></batchResponse>\n"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data(text.utf8).write(to: directory.file("ok.xml"))
        let (entries, _) = try readDSML(path: directory.file("ok.xml").path, name: "ok.xml")
        #expect(entries.first?.strings("description") == ["<!DOCTYPE x> &e; ]] ]><AB\"'"])
    }

    // MARK: - The scanner across chunk boundaries

    /// Feeds `bytes` to a scanner in pieces of the given sizes the way `DSMLInputStream` does (held-back
    /// bytes come again, first, with the next piece); returns the bytes let through, or the error.
    static func scanInPieces(_ bytes: [UInt8], sizes: [Int]) -> Result<[UInt8], ReadError> {
        var scanner = XMLMarkupScanner(file: "t.xml", firstLine: 1)
        var passed: [UInt8] = []
        var held: [UInt8] = []
        var offset = 0
        var size = sizes.makeIterator()
        while offset < bytes.count || !held.isEmpty {
            let take = min(bytes.count - offset, size.next() ?? 1)
            var piece = held + bytes[offset..<(offset + take)]
            offset += take
            let atEnd = offset == bytes.count
            do {
                let safe = try scan(&scanner, &piece, atEnd: atEnd)
                passed += piece[..<safe]
                held = Array(piece[safe...])
                piece.removeAll()
            } catch {
                return .failure(error)
            }
            if atEnd && held.isEmpty { break }
        }
        return .success(passed)
    }

    private static func scan(_ scanner: inout XMLMarkupScanner, _ bytes: inout [UInt8], atEnd: Bool)
        throws(ReadError) -> Int
    {
        try bytes.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
            guard let base = pointer.baseAddress else { return 0 }
            return try scanner.scan(base, count: pointer.count, atEnd: atEnd)
        }
    }

    static let scannerInputs: [String] =
        [
            entry.replacingOccurrences(of: "&e;", with: "&amp;&#38;&#x26;"),
            "<!-- a - b --><![CDATA[ <!x ]]]]>" + entry.replacingOccurrences(of: "&e;", with: ""),
            "<?xml version='1.0' encoding='UTF-8'?>\n" + entry.replacingOccurrences(of: "&e;", with: "&lt;"),
        ] + declarations.map { "<!-- x -->\n" + $0.text + entry }
        + ["<a b='&e;'/>", "<a>&#xZZ;</a>", "<?xml version='1.0' encoding='UTF-7'?><a/>", "<a>x\u{0}</a>"]

    @Test(arguments: scannerInputs.indices)
    func piecesOfAnySizeGiveTheSameVerdictAsTheWhole(_ index: Int) {
        let bytes = Array(Self.scannerInputs[index].utf8)
        let whole = Self.scanInPieces(bytes, sizes: [bytes.count])
        var random = SeededGenerator(seed: UInt64(index + 1))
        for round in 0..<40 {
            let sizes = (0..<bytes.count).map { _ in 1 + Int(random.next() % UInt64(round < 20 ? 3 : 40)) }
            let pieces = Self.scanInPieces(bytes, sizes: sizes)
            switch (whole, pieces) {
            case (.success(let all), .success(let passed)):
                #expect(passed == all && all == bytes)
            case (.failure(let expected), .failure(let found)):
                #expect(found == expected)
            default:
                Issue.record("whole \(whole) but in pieces \(pieces) (sizes \(sizes.prefix(10)))")
            }
        }
    }

    /// The parser is never handed the start of a declaration that is refused once the next bytes arrive.
    @Test func theStartOfADeclarationIsHeldBackUntilItIsDecided() throws {
        var scanner = XMLMarkupScanner(file: "t.xml", firstLine: 1)
        var bytes = Array("<a>x</a><!".utf8)
        #expect(try Self.scan(&scanner, &bytes, atEnd: false) == 8)
        var start = Array("<!DOC".utf8)
        #expect(try Self.scan(&scanner, &start, atEnd: false) == 0)
        var rest = Array("<!DOCTYPE r>".utf8)
        let error = readError { _ = try Self.scan(&scanner, &rest, atEnd: false) }
        #expect(
            error?.description
                == "t.xml:1: refused: the XML declares a DTD or an entity (<!DOCTYPE); DTDs and entities are never processed"
        )
    }

    // MARK: - The delegate's second line

    /// Every declaration callback of `XMLParserDelegate` refuses (should a declaration ever get past the scan,
    /// on a FoundationXML that reports them), and an entity the parser cannot resolve is a refusal, never
    /// dropped text.
    @Test(arguments: 0..<7)
    func everyDeclarationCallbackRefuses(_ callback: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data().write(to: directory.file("t.xml"))
        let input = try InputFile(path: directory.file("t.xml").path, name: "t.xml")
        let handler = DSMLHandler(file: "t.xml", stream: DSMLInputStream(file: input), body: { _ in }, progress: nil)
        let parser = XMLParser(data: Data())
        switch callback {
        case 0: handler.parser(parser, foundInternalEntityDeclarationWithName: "e", value: "EXPANDED")
        case 1:
            handler.parser(parser, foundExternalEntityDeclarationWithName: "e", publicID: nil, systemID: "file:///x")
        case 2:
            handler.parser(
                parser, foundUnparsedEntityDeclarationWithName: "e", publicID: nil, systemID: "x", notationName: "n")
        case 3: handler.parser(parser, foundNotationDeclarationWithName: "n", publicID: nil, systemID: "x")
        case 4: handler.parser(parser, foundElementDeclarationWithName: "value", model: "ANY")
        case 5:
            handler.parser(
                parser, foundAttributeDeclarationWithName: "a", forElement: "value", type: "CDATA", defaultValue: nil)
        default: #expect(handler.parser(parser, resolveExternalEntityName: "e", systemID: "file:///x") == nil)
        }
        let failure = try #require(handler.failure)
        guard case .refused(let location, let detail) = failure else {
            Issue.record("expected a refusal, got \(failure)")
            return
        }
        #expect(location.source == "t.xml")
        #expect(detail.hasSuffix("DTDs and entities are never processed"), "\(detail)")
        #expect(!failure.description.contains("EXPANDED"))
    }
}
