import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct RealExportTests {
    /// Every real export reads whole, with the number of entries its producer wrote.
    @Test(arguments: [
        ("openldap/test.ldif", 19),
        ("openldap/test-dn.ldif", 35),
        ("openldap/its9282-exampledb.ldif", 1011),
        ("opendj-dsml/oasis.ldif", 160),
        ("openldap-2.5/openldap-2.5-slapcat-sample.ldif", 14),
        ("openldap-2.5/openldap-2.5-ldapsearch-L-sample.ldif", 14),
        ("openldap-2.5/openldap-2.5-ldapsearch-LLL-all-attrs-sample.ldif", 14),
        ("openldap-2.5/openldap-2.5-ldapsearch-LLL-nowrap-sample.ldif", 14),
        ("openldap-2.5/openldap-2.5-ldapsearch-default-sample.ldif", 14),
        ("ad-shaped/ad-shaped-input-handwritten.ldif", 9),
        ("ad-shaped/ad-shaped-openldap-msuser-slapcat.ldif", 9),
        ("ad-shaped/ad-shaped-openldap-msuser-ldapsearch-LLL.ldif", 5),
    ])
    func ldifExportsReadWhole(_ fixture: String, _ count: Int) throws {
        let (entries, log) = try readLDIF(fixture)
        #expect(entries.count == count)
        #expect(log.diagnostics.isEmpty, "\(log.diagnostics)")
    }

    @Test(arguments: [
        ("opendj-dsml/02oasissuite-search.res", 160),
        ("opendj-dsml/04addmodaddsuite-add999.res", 4),
        ("apache-ldap-api-dsml/response_with_1_attr_1_base64_value.xml", 1),
        ("apache-ldap-api-dsml/response_with_1_attr_1_empty_value.xml", 1),
        ("apache-ldap-api-dsml/response_with_2_SearchResponse.xml", 0),
        ("dsmlv1/openldap-test.ldif.as-dsmlv1-by-Net-LDAP-DSML.xml", 19),
        ("dsml-cases/request-form-prefixed.xml", 1),
    ])
    func dsmlExportsReadWhole(_ fixture: String, _ count: Int) throws {
        #expect(try readDSML(fixture).entries.count == count)
    }

    /// OpenDJ's LDIF and the DSML response recorded from the same directory hold the same 160 entries with the
    /// same values; the gateway leaves out only `userPassword`, `aci` and OpenDJ's `ds-rlim-*` limits.
    @Test func oasisLDIFAndDSMLAreTheSameDirectory() throws {
        let ldif = try readLDIF("opendj-dsml/oasis.ldif").entries
        let dsml = try readDSML("opendj-dsml/02oasissuite-search.res").entries
        #expect(ldif.count == 160)
        #expect(dsml.count == 160)
        func normalized(_ entries: [DirectoryEntry], dropping: Set<String>) -> [String: [String: Set<String>]] {
            var result: [String: [String: Set<String>]] = [:]
            for entry in entries {
                var attributes: [String: Set<String>] = [:]
                for name in entry.names where !dropping.contains(name) && !name.hasPrefix("ds-rlim-") {
                    attributes[name] = Set(entry.strings(name).map { name == "objectclass" ? $0.lowercased() : $0 })
                }
                result[entry.dn ?? ""] = attributes
            }
            return result
        }
        let fromLDIF = normalized(ldif, dropping: ["userpassword", "aci"])
        let fromDSML = normalized(dsml, dropping: [])
        #expect(Set(fromLDIF.keys) == Set(fromDSML.keys))
        for (dn, attributes) in fromLDIF { #expect(fromDSML[dn] == attributes, "\(dn)") }
        let valueCount = dsml.reduce(0) { $0 + $1.attributes.values.reduce(0) { $0 + $1.count } }
        #expect(valueCount == 2302)
    }

    @Test func openLDAPTestDataKeepsFoldedAndBase64Values() throws {
        let (entries, _) = try readLDIF("openldap/test.ldif")
        let jensen = try #require(entries.first { $0.dn?.hasPrefix("cn=Barbara Jensen") == true })
        #expect(jensen.strings("cn").contains("Babs Jensen"))
        let withSpaces = entries.first { $0.strings("sn").contains(" Jensen ") }
        #expect(withSpaces != nil, "sn:: IEplbnNlbiA= decodes to ' Jensen ' with its spaces")
    }

    @Test func base64WithoutAPrefixAndWrappedIsDecoded() throws {
        let (entries, _) = try readDSML("opendj-dsml/04addmodaddsuite-add999.res")
        let photo = try #require(entries.first?.values("jpegPhoto").first)
        #expect(photo.bytes.starts(with: [0xFF, 0xD8, 0xFF, 0xE0]))
        let apache = try readDSML("apache-ldap-api-dsml/response_with_1_attr_1_base64_value.xml").entries
        #expect(apache.first?.strings("cn") == ["Emmanuel Lécharny"])
        let empty = try readDSML("apache-ldap-api-dsml/response_with_1_attr_1_empty_value.xml").entries
        #expect(empty.first?.strings("dc") == [""])
    }

    @Test func dsmlVersion1ObjectClassesAndBase64() throws {
        let dsml = try readDSML("dsmlv1/openldap-test.ldif.as-dsmlv1-by-Net-LDAP-DSML.xml").entries
        let ldif = try readLDIF("openldap/test.ldif").entries
        let group = try #require(dsml.first { $0.dn == "cn=All Staff,ou=Groups,dc=example,dc=com" })
        #expect(group.strings("objectClass") == ["groupOfNames"])
        #expect(group.strings("member").count == 11)
        // The same entries as the LDIF it was converted from, base64 values included.
        #expect(Set(dsml.compactMap(\.dn)) == Set(ldif.compactMap(\.dn)))
        let fromLDIF = try #require(ldif.first { $0.strings("sn").contains(" Jensen ") })
        let fromDSML = try #require(dsml.first { $0.dn == fromLDIF.dn })
        #expect(fromDSML.strings("sn").sorted() == fromLDIF.strings("sn").sorted())
    }

    /// A record split across read chunks reads the same as one read whole: the buffer logic is exercised on
    /// every byte boundary of real files.
    @Test(arguments: [
        "openldap/test.ldif", "openldap/test-dn.ldif", "ldif-edge-cases/01-crlf.ldif",
        "ldif-edge-cases/08-b64-folded.ldif", "openldap-2.5/openldap-2.5-slapcat-sample.ldif",
        "ad-shaped/ad-shaped-input-handwritten.ldif", "ldif-edge-cases/02-bom.ldif",
    ])
    func tinyReadChunksGiveTheSameEntries(_ fixture: String) throws {
        let whole = try readLDIF(fixture).entries
        for chunkSize in [1, 2, 3, 7, 64] {
            let chunked = try readLDIF(fixture, chunkSize: chunkSize).entries
            #expect(chunked == whole, "chunk size \(chunkSize)")
        }
    }

    @Test(arguments: ["utf-16le", "utf-16be"])
    func utf16WithAByteOrderMarkIsTranscoded(_ encoding: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = "dn: cn=José Müller,dc=example,dc=com\ncn: José Müller\ncn: 𝔘nicode\nsn: Müller\n"
        let little = encoding == "utf-16le"
        var bytes: [UInt8] = little ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            bytes += little ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        let url = directory.file("export.ldif")
        try Data(bytes).write(to: url)
        let reader = try LDIFReader(path: url.path, file: "export.ldif", chunkSize: 5)
        let entry = try #require(try reader.nextEntry(projection: nil))
        #expect(entry.dn == "cn=José Müller,dc=example,dc=com")
        #expect(entry.strings("cn") == ["José Müller", "𝔘nicode"])
        #expect(try reader.nextEntry(projection: nil) == nil)
    }

    @Test func aProjectionDecodesOnlyWhatTheMappingReadsAndChecksItsUTF8() throws {
        let projection = AttributeProjection(["cn": .text, "objectguid": .bytes])
        let text = "dn: cn=a\ncommonName: Alice\nobjectGUID:: AAECAwQFBgcICQoLDA0ODw==\nsn:: /w==\n"
        let reader = LDIFReader(bytes: Array(text.utf8), file: "t.ldif")
        let entry = try #require(try reader.nextEntry(projection: projection))
        #expect(entry.names == ["cn", "objectguid"])
        #expect(entry.strings("cn") == ["Alice"])
        #expect(entry.values("objectGUID").first?.bytes == Array(0...15))
        // A text attribute the mapping needs must be UTF-8; the line is named.
        let bad = LDIFReader(bytes: Array("dn: cn=a\nsn: x\ncn:: /w==\n".utf8), file: "t.ldif")
        let error = try #require(readError { _ = try bad.nextEntry(projection: projection) })
        #expect(error.location?.line == 3)
        #expect(error.description.contains("'cn' is not valid UTF-8"))
    }

    @Test func urlValuesAreNeverFetched() throws {
        let (entries, log) = try readLDIF("ldif-edge-cases/09-url.ldif")
        #expect(entries.first?.values("jpegPhoto").isEmpty == true)
        #expect(log.diagnostics.first?.message.contains("never fetches") == true)
    }
}
