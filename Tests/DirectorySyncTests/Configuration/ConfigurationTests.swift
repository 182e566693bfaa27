import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct ConfigurationTests {
    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(
            YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
    }

    private func failure(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsTheStarterFileInitWrites() throws {
        let text = StarterConfiguration.text(
            organization: "Acme \"Corp\"", owner: try EmailAddress("ada@acme.com"), storePath: "dirsync.sqlite",
            createdAt: testEpoch)
        let configuration = try parse(text)
        #expect(configuration.organization.name == "Acme \"Corp\"")
        #expect(configuration.organization.inviter?.canonical == "ada@acme.com")
        #expect(configuration.storePath == "/etc/dirsync/dirsync.sqlite")
        #expect(configuration.mail.outboxFolder == "/etc/dirsync/outbox")
        #expect(configuration.mail.from?.description == "Acme \"Corp\" <no-reply@acme.com>")
        #expect(configuration.mail.settings?.acceptURLTemplate.contains("{token}") == true)
    }

    @Test(
        arguments: [
            ("organization:\n  nmae: Acme\n", "dirsync.yaml:2: organization: unknown key 'nmae'"),
            ("store: x.sqlite\nmial: {}\n", "dirsync.yaml:2: unknown key 'mial'"),
            (
                "mail:\n  accept_url: https://x.io/accept\n",
                "dirsync.yaml:2: mail.accept_url: must contain {token}, where the invitation token goes"
            ),
            (
                "mail:\n  accept_url: ftp://x.io/{token}\n",
                "dirsync.yaml:2: mail.accept_url: must be an http or https URL, found 'ftp://x.io/{token}'"
            ),
            ("mail:\n  from: Acme <nope>\n", "dirsync.yaml:2: mail.from: 'nope' is not a valid email address: no '@'"),
            (
                "organization:\n  inviter: [a, b]\n",
                "dirsync.yaml:2: organization.inviter: expected an email address, found a list"
            ),
            (
                "organization: Acme\n",
                "dirsync.yaml:1: organization: expected a mapping of keys (name, seats, inviter, auto_join, allowed_domains, accounts, identity, notify), found 'Acme'"
            ),
            ("store: ''\n", "dirsync.yaml:1: store: must not be empty"),
            ("store: a\nstore: b\n", nil),
            ("organization:\n  name: [unclosed\n", nil),
        ] as [(String, String?)])
    func errorsNameFileLineAndKeyPath(yaml: String, expected: String?) throws {
        let message = try #require(failure(yaml))
        if let expected {
            #expect(message == expected)
        } else {
            #expect(message.hasPrefix("dirsync.yaml:"))
            #expect(message.contains("not valid YAML"))
        }
    }

    @Test func readsTheAccountFirstSettings() throws {
        let configuration = try parse(
            """
            organization:
              allowed_domains: [partner.io, { domain: vendor.io, flow: account-first }, { domain: "*.x.io", flow: link }]
              notify: [ops@acme.com]
            policy: { invitation_flow: account-first, access_request_validity: 30d }
            """)
        #expect(configuration.rules.allowedDomains == ["partner.io", "vendor.io", "*.x.io"])
        #expect(configuration.rules.domainFlows == ["vendor.io": .accountFirst, "*.x.io": .link])
        #expect(configuration.organization.notify == [EmailAddress(storedCanonical: "ops@acme.com")])
        #expect(configuration.policy.invitationFlow == .accountFirst)
        #expect(configuration.policy.accessRequestValidity == .days(30))
        let rules = configuration.rules
        #expect(rules.flow(for: EmailAddress(storedCanonical: "a@vendor.io"), otherwise: .link) == .accountFirst)
        #expect(rules.flow(for: EmailAddress(storedCanonical: "a@b.x.io"), otherwise: .accountFirst) == .link)
        #expect(
            rules.flow(for: EmailAddress(storedCanonical: "a@partner.io"), otherwise: .accountFirst) == .accountFirst)
        #expect(
            failure("organization: { allowed_domains: [{ domain: vendor.io, flow: code }] }")?.contains(
                "dirsync.yaml:1: organization.allowed_domains[0].flow: 'code' is not one of: link, account-first")
                == true,
            "\(failure("organization: { allowed_domains: [{ domain: vendor.io, flow: code }] }") ?? "")")
        #expect(
            failure("policy: { access_request_validity: 400d }")?.hasPrefix(
                "dirsync.yaml:1: policy.access_request_validity") == true)
        #expect(
            failure("organization: { notify: [nobody] }")?.hasPrefix("dirsync.yaml:1: organization.notify[0]") == true)
    }

    @Test func suggestsTheKeyThatWasMeant() {
        do {
            _ = try parse("organization:\n  invter: a@b.io\n")
        } catch {
            #expect(error.hint == "did you mean 'inviter'?")
        }
    }

    @Test func anEmptyFileIsAnEmptyConfiguration() throws {
        #expect(try parse("") == Configuration())
        #expect(try parse("# only a comment\n") == Configuration())
    }

    @Test func absolutePathsStayAbsolute() throws {
        #expect(try parse("store: /var/lib/dirsync/x.sqlite\n").storePath == "/var/lib/dirsync/x.sqlite")
    }

    @Test func aMissingFileIsNamed() {
        #expect(
            throws: ConfigError(file: "nope.yaml", line: nil, path: "", problem: "cannot read the file (no such file)")
        ) {
            try Configuration.load(URL(fileURLWithPath: "/nonexistent/nope.yaml"), file: "nope.yaml")
        }
    }
}
