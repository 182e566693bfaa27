import Foundation
import Testing

@testable import DirectorySync

/// YAML errors are one located line that never quotes the document, and every typed value says what it
/// expected and what it found.
@Suite struct YAMLErrorTests {
    private func failure(_ yaml: String) -> ConfigError? {
        do {
            _ = try Configuration.parse(
                YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
            return nil
        } catch {
            return error
        }
    }

    @Test func aRepeatedKeyNamesItsLineAndNotTheFile() throws {
        let yaml = """
            organization:
              name: Acme Corp
              seats: 250
            source:
              kind: scim
              url: https://idp.example.com/v2
              token_env: SECRET_MARKER_VARIABLE
            organization:
              name: Beta
            """
        let error = try #require(failure(yaml))
        #expect(
            error.description
                == "dirsync.yaml:8: not valid YAML: the key 'organization' is given twice in the same mapping, first on line 1"
        )
        #expect(!error.description.contains("SECRET_MARKER"))
        #expect(!error.description.contains("Acme"))
    }

    @Test func aRepeatedNestedKeyIsFoundToo() throws {
        let error = try #require(failure("policy:\n  max_resends: 3\n  batch_size: 10\n  max_resends: 4\n"))
        #expect(
            error.description
                == "dirsync.yaml:4: not valid YAML: the key 'max_resends' is given twice in the same mapping, first on line 2"
        )
    }

    /// Broken documents of every kind Yams reports: one line each, with a line number, and nothing of the
    /// document's text beyond what the problem is about.
    @Test(arguments: [
        "organization:\n  name: Acme\n  password: SECRET_MARKER\n  name: Beta\n",
        "organization: {name: SECRET_MARKER, name: b}\n",
        "store: a\n\tseats: SECRET_MARKER\n",
        "organization:\n  name: \"SECRET_MARKER\n",
        "organization:\n  name: [SECRET_MARKER\n",
        "a: b\n  c: SECRET_MARKER\n",
        "key: SECRET_MARKER\u{1}\n",
        "- SECRET_MARKER\nkey: value\n",
        "&anchor a: *unknown SECRET_MARKER\n",
    ])
    func aBrokenDocumentIsOneLocatedLine(_ yaml: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.line != nil, "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
        #expect(!error.description.contains("SECRET_MARKER"), "\(error)")
        #expect(error.description.hasPrefix("dirsync.yaml:"))
    }

    /// `policy.max_resends: [1, 2]` said "expected a text value".
    @Test(arguments: [
        ("policy:\n  max_resends: [1, 2]\n", "policy.max_resends: expected a whole number, found a list"),
        ("policy:\n  batch_size: {a: 1}\n", "policy.batch_size: expected a whole number, found a mapping"),
        ("policy:\n  max_deletion_ratio: [0.1]\n", "policy.max_deletion_ratio: expected a number, found a list"),
        ("policy:\n  adopt_existing: [true]\n", "policy.adopt_existing: expected true or false, found a list"),
        (
            "policy:\n  resend_after: [3d]\n",
            "policy.resend_after: expected a duration such as 7d, 72h or 15m, found a list"
        ),
        (
            "policy:\n  offboarding: {how: remove}\n",
            "policy.offboarding: expected one of: remove, downgrade, keep, found a mapping"
        ),
        ("organization:\n  inviter: [a@x.io]\n", "organization.inviter: expected an email address, found a list"),
        ("organization:\n  seats: [250]\n", "organization.seats: expected a whole number, found a list"),
        ("organization:\n  name: [Acme]\n", "organization.name: expected a text value, found a list"),
        (
            "organization:\n  allowed_domains: {a: b}\n",
            "organization.allowed_domains: expected a text value or a list of them, found a mapping"
        ),
        ("policy:\n  max_resends: many\n", "policy.max_resends: expected a whole number, found 'many'"),
    ])
    func aValueOfTheWrongKindSaysWhatWasExpectedAndFound(_ yaml: String, _ message: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.description == "dirsync.yaml:2: \(message)")
    }
}
