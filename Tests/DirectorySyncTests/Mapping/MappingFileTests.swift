import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct MappingFileTests {
    @Test func everyPresetParsesAndIsTheFileInMappings() throws {
        let folder = Fixtures.folder.deletingLastPathComponent().appendingPathComponent("Mappings")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(Mapping.presetNames))
        for name in ["active-directory", "openldap", "dsml", "csv"] { #expect(Mapping.presetNames.contains(name)) }
        for name in Mapping.presetNames {
            let onDisk = try String(contentsOf: folder.appendingPathComponent("\(name).yaml"), encoding: .utf8)
            let lines = onDisk.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingTrailingWhitespace
            }
            let embedded = Mapping.presetTexts[name]?.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingTrailingWhitespace }
            #expect(Array(lines.dropLast(lines.last == "" ? 1 : 0)) == embedded, "run scripts/embed-mappings")
            _ = try Mapping.preset(name)
        }
    }

    @Test func activeDirectoryPresetSaysWhatTheDesignSays() throws {
        let mapping = try Mapping.preset("active-directory")
        #expect(mapping.anchor == [Mapping.AnchorSource(attribute: "objectGUID", format: .guid)])
        #expect(mapping.email.map(\.description) == ["proxyaddresses:SMTP:", "mail", "userprincipalname"])
        #expect(mapping.disabled == [Condition(attribute: "userAccountControl", .bitmask(2))])
        #expect(mapping.exclude.count == 2)
        #expect(mapping.projection.names["objectguid"] == .bytes)
        #expect(mapping.projection.names["mail"] == .text)
    }

    /// Every error names the file, the line and the key path.
    @Test(arguments: [
        ("anchor: uid\nemail: mail\nnmae: { given: givenName }\n", 3, "", "unknown key 'nmae'"),
        ("anchor: uid\n", 1, "email", "required key is missing"),
        (
            "anchor: uid\nemail: mail\nexclude:\n  - { attribute: cn, equal: x }\n", 4, "exclude[0]",
            "unknown key 'equal'"
        ),
        ("anchor: uid\nemail: mail\nexclude:\n  - { attribute: cn }\n", 4, "exclude[0]", "says nothing to test"),
        (
            "anchor: uid\nemail: mail\nexclude:\n  - { attribute: cn, matches: '(' }\n", 4, "exclude[0].matches",
            "not a valid regular expression"
        ),
        (
            "anchor: uid\nemail: mail\ndisabled: { attribute: uac, bitmask: two }\n", 3, "disabled.bitmask",
            "expected a whole number"
        ),
        (
            "anchor: { attribute: objectGUID, format: base32 }\nemail: mail\n", 1, "anchor.format",
            "'base32' is not one of"
        ),
        ("anchor: uid\nemail: 'proxyAddresses:'\n", 2, "email", "nothing after ':'"),
        ("anchor: uid\nemail: mail\ngroups: 'member of'\n", 3, "groups", "not an attribute name"),
        ("anchor: uid\nemail: mail\ncsv: { delimiter: pipe }\n", 3, "csv.delimiter", "'pipe' is not a delimiter"),
        (
            "anchor: uid\nemail: mail\nperson: { attribute: objectClass, in: [], equals: x }\n", 3, "person",
            "has 2 tests"
        ),
    ])
    func errorsAreLocated(_ text: String, _ line: Int, _ path: String, _ problem: String) throws {
        do {
            _ = try Mapping.parse(text, file: "acme.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "acme.yaml")
            #expect(error.line == line)
            #expect(error.path == path)
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    @Test func presetsAndFilesAreTellApart() {
        let folder = URL(fileURLWithPath: "/etc/dirsync")
        #expect(MappingReference("active-directory", relativeTo: folder) == .preset("active-directory"))
        #expect(
            MappingReference("Mappings/acme.yaml", relativeTo: folder)
                == .file(path: "/etc/dirsync/Mappings/acme.yaml", shownAs: "Mappings/acme.yaml"))
        #expect(
            MappingReference("acme.yml", relativeTo: folder)
                == .file(path: "/etc/dirsync/acme.yml", shownAs: "acme.yml"))
    }

    @Test func anUnknownPresetSuggestsTheClosest() {
        do {
            _ = try Mapping.preset("active-directroy")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "active-directroy: no such mapping preset")
            #expect(error.hint?.hasPrefix("did you mean 'active-directory'?") == true)
        }
    }

    @Test func attributeNamesNormalise() {
        #expect(AttributeName.normalize("CN;Lang-EN;lang-DE") == "cn;lang-de;lang-en")
        #expect(AttributeName.normalize("commonName") == "cn")
        #expect(AttributeName.normalize("member;range=0-1499") == "member")
        #expect(AttributeName.normalize("name.givenName") == "name.givenname")
    }
}

extension Substring {
    fileprivate var trimmingTrailingWhitespace: String {
        var text = self
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
