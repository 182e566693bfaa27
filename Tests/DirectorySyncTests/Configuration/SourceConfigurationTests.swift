import Foundation
import Testing

@testable import DirectorySync

@Suite struct SourceConfigurationTests {
    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(
            YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
    }

    @Test func fileSourcesAndMappingsResolveAgainstTheConfigFile() throws {
        let configuration = try parse(
            "source:\n  kind: ldif\n  path: exports/users.ldif\nmapping: Mappings/acme.yaml\n")
        #expect(
            configuration.source
                == Configuration.SourceSection(
                    kind: .ldif, path: "/etc/dirsync/exports/users.ldif", pathAsWritten: "exports/users.ldif"))
        #expect(configuration.mapping == .file(path: "/etc/dirsync/Mappings/acme.yaml", shownAs: "Mappings/acme.yaml"))
        #expect(try parse("mapping: active-directory\n").mapping == .preset("active-directory"))
    }

    @Test func scimKeysAreKeptForTheSCIMSource() throws {
        let configuration = try parse(
            "source:\n  kind: scim\n  url: https://idp.example.com/scim/v2\n  token_env: DIRSYNC_SCIM_TOKEN\n")
        #expect(configuration.source?.kind == .scim)
        #expect(configuration.source?.path == nil)
        let keys = try #require(configuration.source?.scim).mapping(allowed: ["kind", "url", "token_env", "token_file"])
        #expect(try keys["url"]?.string() == "https://idp.example.com/scim/v2")
    }

    @Test(arguments: [
        (
            "source:\n  kind: ldap\n  path: a\n",
            "dirsync.yaml:2: source.kind: 'ldap' is not one of: scim, ldif, dsml, csv"
        ),
        ("source:\n  kind: ldif\n", "dirsync.yaml:2: source.path: required key is missing"),
        ("source:\n  kind: ldif\n  path: a.ldif\n  url: https://x\n", "dirsync.yaml:4: source: unknown key 'url'"),
        ("source:\n  kind: scim\n  path: a.ldif\n", "dirsync.yaml:3: source: unknown key 'path'"),
        ("source:\n  kind: csv\n  paht: a.csv\n", "dirsync.yaml:3: source: unknown key 'paht'"),
        ("mapping: ''\n", "dirsync.yaml:1: mapping: must not be empty"),
    ])
    func mistakesAreLocated(_ yaml: String, _ expected: String) {
        do {
            _ = try parse(yaml)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == expected)
        }
    }
}
