import Foundation
import Testing

@testable import DirectorySync

/// No configuration error for a secret-bearing key prints more than a variable name, a path, or a URL
/// without credentials: every secret below, written where a name or a URL belongs, stays out of the message
/// and its hint.
@Suite struct SecretEchoTests {
    private func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try Configuration.parse(
                YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
            return nil
        } catch {
            return error
        }
    }

    static let secrets = [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-Nry_P4J3",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "hunter2!",
        "S3cr3t/Base64+Token==",
        "xoxb-1234-5678-abcdefghijkl",
        "correct horse battery staple",
        "tok.with.dots.0123456789",
    ]

    /// `{s}` is replaced by each secret.
    static let placements: [(key: String, yaml: String)] = [
        ("source.token_env", "source:\n  kind: scim\n  url: https://idp.example.com/v2\n  token_env: '{s}'\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'https://admin:{s}@idp.example.com/v2'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'https://{s}@idp.example.com/v2'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'http://user:{s}@127.0.0.1:8080/v2'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'https://idp.example.com/v2?access_token={s}'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'https://idp.example.com/v2#{s}'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: 'ftp://u:{s}@idp.example.com/v2'\n  token_env: T\n"),
        ("source.url", "source:\n  kind: scim\n  url: '{s}'\n  token_env: T\n"),
        ("mail.password_env", "mail:\n  smtp: smtps://m.acme.com\n  user: it\n  password_env: '{s}'\n"),
        ("mail.user_env", "mail:\n  smtp: smtps://m.acme.com\n  user_env: '{s}'\n  password_env: PW\n"),
        ("mail.smtp", "mail:\n  smtp: 'smtps://it:{s}@m.acme.com'\n"),
        ("mail.smtp", "mail:\n  smtp: 'smtpx://it:{s}@m.acme.com'\n"),
        ("mail.smtp", "mail:\n  smtp: 'smtps://m.acme.com/?password={s}'\n"),
    ]

    @Test(arguments: placements.indices, secrets)
    func aSecretWrittenInTheWrongPlaceIsNeverEchoed(_ index: Int, _ secret: String) throws {
        let (key, yaml) = Self.placements[index]
        let escaped = secret.replacingOccurrences(of: "'", with: "''")
        let found = try #require(error(yaml.replacingOccurrences(of: "{s}", with: escaped)), "accepted")
        #expect(found.path == key, "\(found)")
        #expect(found.line != nil)
        for part in secret.split(separator: " ") + [Substring(secret)] where part.count > 4 {
            #expect(!found.description.contains(part), "\(found)")
            #expect(!(found.hint ?? "").contains(part), "hint: \(found.hint ?? "")")
        }
    }

    @Test func credentialsInTheSCIMURLAreRefusedLikeInTheSMTPURL() throws {
        let found = try #require(
            error("source:\n  kind: scim\n  url: http://user:SECRET@127.0.0.1:8080/v2\n  token_env: T\n"))
        #expect(
            found.description == "dirsync.yaml:3: source.url: credentials never go in the URL (the value is not shown)")
        #expect(found.hint?.contains("token_env or token_file") == true)
    }

    @Test(arguments: [
        ("https://idp.example.com/v2?x=1", "'https://idp.example.com/v2?…' has a query or fragment"),
        ("idp.example.com", "the value is not an http(s) URL (it may be a secret, so it is not shown)"),
        ("gopher://idp.example.com", "'gopher://idp.example.com' is not an http(s) URL"),
    ])
    func aURLWithoutCredentialsIsQuotedWithoutItsQuery(_ url: String, _ message: String) throws {
        let found = try #require(error("source:\n  kind: scim\n  url: '\(url)'\n  token_env: T\n"))
        #expect(found.description == "dirsync.yaml:3: source.url: \(message)")
    }

    @Test(arguments: ["DIRSYNC_SCIM_TOKEN", "_T", "t0", "DIRSYNC_SCIM_TOKEN_2", "scim_token_2024"])
    func variableNamesAreAccepted(_ name: String) {
        #expect(error("source:\n  kind: scim\n  url: https://idp.example.com/v2\n  token_env: \(name)\n") == nil)
    }
}
