import Foundation
import Testing

@testable import DirectorySync

@Suite struct SCIMConfigurationTests {
    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(
            YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
    }

    @Test func everyKeyIsReadIntoTheSettings() throws {
        let configuration = try parse(
            """
            source:
              kind: scim
              url: https://idp.example.com/scim/v2
              token_file: secrets/scim-token
              page_size: 200
              pagination: cursor
              filter: 'active eq true and userType eq "Employee"'
              groups: groups
              allow_empty: true
              timeout: 2m
              max_retries: 3
            """)
        let section = try #require(configuration.source?.scimSection)
        #expect(section.token == .file(path: "/etc/dirsync/secrets/scim-token", shownAs: "secrets/scim-token"))
        #expect(section.settings.baseURL.absoluteString == "https://idp.example.com/scim/v2")
        #expect(section.settings.pageSize == 200)
        #expect(section.settings.pagination == .cursor)
        #expect(section.settings.filter == #"active eq true and userType eq "Employee""#)
        #expect(section.settings.groups == .groups)
        #expect(section.settings.allowEmpty)
        #expect(section.settings.timeout == 120)
        #expect(section.settings.retry.maxAttempts == 4)
    }

    @Test func defaultsAreAutomaticPagingOf100() throws {
        let configuration = try parse(
            "source:\n  kind: scim\n  url: http://127.0.0.1:8080/v2\n  token_env: DIRSYNC_SCIM_TOKEN\n")
        let section = try #require(configuration.source?.scimSection)
        #expect(section.token == .environment("DIRSYNC_SCIM_TOKEN"))
        #expect(section.settings.pageSize == 100)
        #expect(section.settings.pagination == .auto)
        #expect(section.settings.groups == .auto)
        #expect(!section.settings.allowEmpty)
        #expect(section.settings.retry == SCIMTransport.RetryPolicy())
    }

    @Test(arguments: [
        (
            "  url: http://idp.example.com/scim/v2\n  token_env: T\n",
            "dirsync.yaml:3: source.url: plain http would send the bearer token in clear text"
        ),
        (
            "  url: idp.example.com\n  token_env: T\n",
            "dirsync.yaml:3: source.url: the value is not an http(s) URL (it may be a secret, so it is not shown)"
        ),
        ("  token_env: T\n", "dirsync.yaml:2: source.url: required key is missing"),
        ("  url: https://x.io/v2\n", "dirsync.yaml:2: source: a SCIM source needs token_env or token_file"),
        (
            "  url: https://x.io/v2\n  token_env: T\n  token_file: f\n",
            "dirsync.yaml:2: source: give token_env or token_file, not both"
        ),
        (
            "  url: https://x.io/v2\n  token_env: eyJhbGciOi.x-y\n",
            "dirsync.yaml:4: source.token_env: expected the name of an environment variable; the value is not one and "
                + "may be the secret itself, so it is not shown"
        ),
        (
            "  url: https://x.io/v2\n  token_env: T\n  page_size: 0\n",
            "dirsync.yaml:5: source.page_size: must be between 1 and 1000, found 0"
        ),
        (
            "  url: https://x.io/v2\n  token_env: T\n  pagination: offset\n",
            "dirsync.yaml:5: source.pagination: 'offset' is not one of: auto, cursor, index"
        ),
        ("  url: https://x.io/v2\n  token_env: T\n  token: abc\n", "dirsync.yaml:5: source: unknown key 'token'"),
        (
            "  url: https://x.io/v2\n  token_env: T\n  timeout: 1h\n",
            "dirsync.yaml:5: source.timeout: '1h' is out of range: must be between 1s and 10m"
        ),
    ])
    func mistakesAreLocated(_ body: String, _ message: String) {
        #expect {
            try parse("source:\n  kind: scim\n" + body)
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }

    @Test func aTokenEnvThatLooksLikeATokenGetsAHint() {
        #expect {
            try parse("source:\n  kind: scim\n  url: https://x.io/v2\n  token_env: abc.def\n")
        } throws: { error in
            (error as? ConfigError)?.hint?.contains("never the token") == true
        }
    }
}
