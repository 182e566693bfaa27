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
            "policy.offboarding: expected one of: remove, downgrade, keep, remove_access, found a mapping"
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

    /// A value quoted by an error is short and clean, and one that may be a credential is not quoted at all
    /// (`source: https://u:SECRET@…` pasted where a mapping belongs used to be echoed).
    @Test(arguments: [
        ("source: https://bo:SECRET_MARKER@idp.example.com/v2\n", "source: expected a mapping of keys"),
        ("source: SECRET_MARKERghp7Kx9QzLmW2\n", "source: expected a mapping of keys"),
        ("policy:\n  max_resends: SECRET_MARKER4Xy9Zq\n", "policy.max_resends: expected a whole number, found a value"),
        ("policy:\n  offboarding: SECRET_MARKER4Xy9Zq\n", "policy.offboarding: a value that is not shown"),
    ])
    func aValueThatMayBeASecretIsNotQuoted(_ yaml: String, _ start: String) throws {
        let error = try #require(failure(yaml))
        #expect(!error.description.contains("SECRET_MARKER"), "\(error)")
        #expect(error.description.contains(start), "\(error)")
    }

    @Test func aLongOrControlValueIsCutAndCleaned() throws {
        let long = String(repeating: "x", count: 500)
        let error = try #require(failure("policy:\n  max_resends: \"\(long)\\e[2J\"\n"))
        #expect(error.description.count < 150, "\(error)")
        #expect(!error.description.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    /// A configuration file that cannot be read says why in plain words (a directory, `/dev/null` and a
    /// pipe included), never Foundation's "The operation could not be completed".
    @Test func anUnreadableFileSaysWhyInPlainWords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = folder.appendingPathComponent("latin1.yaml")
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0x0A]).write(to: latin1)
        let cases: [(URL, String)] = [
            (folder, "x.yaml: cannot read the file (it is a directory)"),
            (folder.appendingPathComponent("missing.yaml"), "x.yaml: cannot read the file (no such file)"),
            (latin1, "x.yaml: the file is not UTF-8 text"),
        ]
        for (url, message) in cases {
            #expect(throws: ConfigError.self) { try YAMLValue.load(url, file: "x.yaml") }
            do {
                _ = try YAMLValue.load(url, file: "x.yaml")
            } catch {
                #expect(error.description == message)
                #expect(!error.description.contains("operation could not be completed"))
            }
        }
        let empty = try YAMLValue.load(URL(fileURLWithPath: "/dev/null"), file: "/dev/null")
        #expect(try empty.mapping(allowed: []).order.isEmpty, "/dev/null is an empty document")
    }
}
