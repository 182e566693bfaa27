import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct DSMLReaderTests {
    /// An external entity would read a local file (XXE); nested entities would expand to gigabytes. Both are
    /// refused before the XML parser runs, naming the DOCTYPE's line.
    @Test(arguments: ["dsml-cases/xxe.xml", "dsml-cases/billion-laughs.xml"])
    func dtdAttacksAreRefused(_ fixture: String) throws {
        let error = try #require(readError { _ = try readDSML(fixture) })
        guard case .refused(let location, let detail) = error else {
            Issue.record("expected a refusal, got \(error)")
            return
        }
        #expect(location.line == 2)
        #expect(detail.contains("DTD"))
        #expect(!error.description.contains("root:"), "nothing from /etc/passwd may appear")
    }

    @Test func aDTDAfterHTTPHeadersIsRefusedToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text =
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<?xml version='1.0'?>\n"
            + "<!DOCTYPE r [<!ENTITY a \"aaaa\">]>\n<batchResponse xmlns='urn:oasis:names:tc:DSML:2:0:core'/>\n"
        try Data(text.utf8).write(to: directory.file("r.xml"))
        let error = try #require(readError { _ = try readDSML(path: directory.file("r.xml").path, name: "r.xml") })
        #expect(error.location?.line == 5)
        #expect(error.description.contains("refused"))
    }

    @Test func anUndeclaredEntityIsRefusedNotReadAsAnEmptyValue() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text =
            "<batchResponse xmlns='urn:oasis:names:tc:DSML:2:0:core'><searchResponse>"
            + "<searchResultEntry dn='cn=a'><attr name='cn'><value>&secret;</value></attr></searchResultEntry>"
            + "<searchResultDone><resultCode code='0'/></searchResultDone></searchResponse></batchResponse>\n"
        try Data(text.utf8).write(to: directory.file("e.xml"))
        let error = try #require(readError { _ = try readDSML(path: directory.file("e.xml").path, name: "e.xml") })
        #expect(error.description.contains("refused: the XML refers to the entity '&secret;'"), "\(error)")
    }

    @Test(arguments: [
        ("dsml-cases/partial-sizelimit.xml", 9, "result code 4 (sizeLimitExceeded)"),
        ("dsml-cases/error-response.xml", 5, "errorResponse (couldNotConnect"),
        ("dsml-cases/missing-search-result-done.xml", 7, "without its searchResultDone"),
    ])
    func partialExportsAreErrors(_ fixture: String, _ line: Int, _ text: String) throws {
        let error = try #require(readError { _ = try readDSML(fixture) })
        guard case .partialExport(let location, let detail) = error else {
            Issue.record("expected a partial export, got \(error)")
            return
        }
        #expect(location.line == line)
        #expect(detail.contains(text), "\(detail)")
    }

    @Test func truncatedFilesAreErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bytes = try Fixtures.bytes("opendj-dsml/02oasissuite-search.res")
        try Data(bytes.prefix(5000)).write(to: directory.file("cut.res"))
        let error = try #require(readError { _ = try readDSML(path: directory.file("cut.res").path, name: "cut.res") })
        #expect(error.location?.source == "cut.res")
    }

    @Test func requestFormWithAPrefixAndBase64() throws {
        let (entries, log) = try readDSML("dsml-cases/request-form-prefixed.xml")
        let entry = try #require(entries.first)
        #expect(entry.dn == "uid=ines,ou=People,dc=example,dc=com")
        #expect(entry.strings("cn") == ["Inês Costa"])
        #expect(entry.strings("objectClass") == ["top", "inetOrgPerson"])
        #expect(log.count(of: "change-request") == 1)
    }

    @Test func locationsAreTheFilesOwnLinesPastTheHTTPHeaders() throws {
        let (entries, _) = try readDSML("opendj-dsml/02oasissuite-search.res")
        // The first searchResultEntry is on line 22 of the file (9 lines of HTTP headers and blank line).
        #expect(entries.first?.location.line == 22)
    }
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsLineBreaksAndDoubledQuotes() throws {
        let rows = try readCSV("csv/bulk-invite.csv", options: Mapping.CSVOptions(split: ["groups": ";"]))
        #expect(rows.count == 4)
        #expect(rows[0].strings("groups") == ["Engineering", "Sign Admins"])
        #expect(rows[1].strings("last_name") == ["Brown, Jr."])
        #expect(rows[2].strings("email") == ["cy@partner.io"])
        #expect(rows[2].strings("last_name") == [#"O"Neil"#])
        #expect(rows[2].contains("groups") == false)
        #expect(rows[3].strings("last_name") == ["Multi\nLine"])
        #expect(rows.map(\.location.line) == [2, 3, 4, 5])
    }

    @Test func excelSemicolonsAndTheByteOrderMark() throws {
        let rows = try readCSV("csv/excel-semicolon.csv")
        #expect(rows.count == 2)
        #expect(rows[0].strings("email") == ["ines.costa@acme.com"])
        #expect(rows[0].strings("first_name") == ["Inês"])
        #expect(rows[1].strings("last_name") == ["Haddad; Jr."])
    }

    @Test func csvdeMultiValuesAndBinary() throws {
        let options = Mapping.CSVOptions(split: ["proxyaddresses": ";", "memberof": ";"])
        let rows = try readCSV("csv/csvde-users.csv", options: options)
        #expect(rows.count == 3)
        #expect(rows[0].dn == "CN=Jeff Smith,OU=Staff,DC=contoso,DC=test")
        #expect(rows[0].strings("proxyAddresses") == ["SMTP:jeff.smith@contoso.com", "smtp:jsmith@contoso.test"])
        #expect(rows[0].strings("memberOf").count == 2)
        #expect(rows[0].values("objectGUID").first?.bytes == [UInt8](repeating: 0, count: 14) + [0x12, 0x34])
    }

    @Test(arguments: [
        ("a,b\n1,\"2\n", 2, "never closed"),
        ("a,b\n1,2,3\n", 2, "more than the header's 2 fields"),
        ("a,,c\n1,2,3\n", 1, "column 2 has no name"),
        ("a,A\n1,2\n", 1, "names column 'A' twice"),
        ("a,b\n\"x\"y,2\n", 2, "after a closing quote"),
        ("a,b\n1,\u{FF}\n", 2, "not valid UTF-8"),
        ("", 1, "no header row"),
    ])
    func malformedFilesNameTheLine(_ text: String, _ line: Int, _ message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var bytes = Array(text.utf8)
        if let marker = bytes.firstIndex(of: 0xC3), text.contains("\u{FF}") { bytes[marker...marker + 1] = [0xFF] }
        try Data(bytes).write(to: directory.file("t.csv"))
        let error = try #require(readError { _ = try readCSV(path: directory.file("t.csv").path, name: "t.csv") })
        #expect(error.location?.line == line)
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func powerShellTypeLineIsSkipped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("#TYPE System.Management.Automation.PSCustomObject\r\n\"mail\",\"sn\"\r\n\"a@x.io\",\"A\"\r\n".utf8)
            .write(to: directory.file("p.csv"))
        let rows = try readCSV(path: directory.file("p.csv").path, name: "p.csv")
        #expect(rows.count == 1)
        #expect(rows[0].strings("mail") == ["a@x.io"])
        #expect(rows[0].location.line == 3)
    }
}
