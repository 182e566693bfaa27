import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct MapperTests {
    private func entry(_ line: Int, dn: String? = nil, _ attributes: [String: [String]]) -> DirectoryEntry {
        DirectoryEntry(dn: dn, location: SourceLocation(source: "t", line: line), strings: attributes)
    }

    private func map(_ preset: String, _ fixture: String) throws -> DirectoryContents {
        let kind: SourceKind = fixture.hasSuffix(".ldif") ? .ldif : fixture.hasSuffix(".csv") ? .csv : .dsml
        let source = FileSource(kind: kind, path: Fixtures.url(fixture).path, displayName: fixture)
        return try source.read(mapping: try Mapping.preset(preset))
    }

    @Test func activeDirectoryExport() throws {
        let contents = try map("active-directory", "ad-shaped/ad-shaped-input-handwritten.ldif")
        #expect(contents.counts == DirectoryContents.Counts(entries: 9, users: 4, skipped: 5, disabled: 2))
        let byName = Dictionary(uniqueKeysWithValues: contents.users.map { ($0.displayName ?? "", $0) })
        let jeff = try #require(byName["Jeff Smith"])
        // objectGUID AAAAAAAAAAAAAAAAAAASNA== in Microsoft's layout.
        #expect(jeff.anchor == "00000000-0000-0000-0000-000000001234")
        #expect(jeff.email?.canonical == "jeff.smith@contoso.com")
        #expect(
            jeff.groups.first
                == DirectoryUser.Group(id: "CN=Sales Team,OU=Staff,DC=contoso,DC=test", name: "Sales Team"))
        #expect(jeff.isActive)
        #expect(byName["Disabled, User"]?.isActive == false)  // 514
        #expect(byName["Upn Only"]?.isActive == false)  // 66050
        #expect(byName["Upn Only"]?.email?.canonical == "upn.only@contoso.test")  // no mail: the UPN
        #expect(byName["José Müller"]?.isActive == true)  // 66048
        let skipped = contents.diagnostics.filter { $0.message.hasPrefix("skipped:") }.map(\.message)
        #expect(skipped.contains("skipped: excluded by exclude[0]: objectClass equals 'computer'"))
        #expect(skipped.filter { $0.hasPrefix("skipped: not a person") }.count == 3)
        // The group entry is read for its members: Sales Team lists Jeff, who is also in it by memberOf.
        #expect(skipped.contains("skipped: a group entry (its members are read for membership)"))
        #expect(jeff.groups.filter { $0.name == "Sales Team" }.count == 1)
    }

    @Test func theSameDirectoryAsCsvdeExportMapsTheSame() throws {
        let ldif = try map("active-directory", "ad-shaped/ad-shaped-input-handwritten.ldif")
        let csv = try map("active-directory", "csv/csvde-users.csv")
        let jeffLDIF = try #require(ldif.users.first { $0.displayName == "Jeff Smith" })
        let jeffCSV = try #require(csv.users.first { $0.displayName == "Jeff Smith" })
        #expect(jeffCSV.anchor == jeffLDIF.anchor)
        #expect(jeffCSV.email == jeffLDIF.email)
        #expect(jeffCSV.groups == jeffLDIF.groups)
        #expect(csv.counts.skipped == 1)
    }

    @Test func openLDAPLockedAccountsAreDisabledAndAnchoredOnEntryUUID() throws {
        let contents = try map("openldap", "openldap-2.5/openldap-2.5-slapcat-sample.ldif")
        #expect(contents.counts == DirectoryContents.Counts(entries: 14, users: 10, skipped: 4, disabled: 1))
        let locked = try #require(contents.users.first { $0.attributes["uid"] == ["user000005"] })
        #expect(!locked.isActive)  // pwdAccountLockedTime: 000001010000Z
        let timed = try #require(contents.users.first { $0.attributes["uid"] == ["user000006"] })
        #expect(timed.isActive)  // a dated lock may be temporary
        #expect(locked.anchor.count == 36)
        #expect(locked.groups.map(\.name) == ["group005"])
    }

    @Test func withoutOperationalAttributesTheDNIsTheAnchorWithAWarning() throws {
        let contents = try map("openldap", "openldap-2.5/openldap-2.5-ldapsearch-LLL-nowrap-sample.ldif")
        #expect(contents.users.allSatisfy { $0.anchor.hasPrefix("uid=") })
        #expect(contents.diagnostics.contains { $0.message.hasPrefix("anchored on its DN") && $0.severity == .warning })
    }

    @Test(arguments: [
        (["nsAccountLock": ["TRUE"]], false),
        (["nsAccountLock": ["false"]], true),
        (["pwdAccountLockedTime": ["000001010000Z"]], false),
        (["pwdAccountLockedTime": ["20261121100623Z"]], true),
        ([:], true),
    ])
    func accountState(_ extra: [String: [String]], _ active: Bool) throws {
        var attributes = ["entryUUID": ["u-1"], "mail": ["a@x.io"], "objectClass": ["inetOrgPerson"]]
        attributes.merge(extra) { $1 }
        guard case .user(let user, _) = Mapper(mapping: try Mapping.preset("openldap")).map(entry(1, attributes)) else {
            Issue.record("expected a user")
            return
        }
        #expect(user.isActive == active)
    }

    @Test(arguments: [
        (["SMTP:primary@x.io", "smtp:alias@x.io"], "primary@x.io"),
        (["smtp:alias@x.io", "SMTP:primary@x.io"], "primary@x.io"),
        (["smtp:alias@x.io", "X500:/o=x"], "mail@x.io"),
    ])
    func proxyAddressesTakeTheUpperCasePrimary(_ proxies: [String], _ expected: String) throws {
        let mapper = Mapper(mapping: try Mapping.preset("active-directory"))
        let outcome = mapper.map(
            entry(
                1,
                [
                    "objectClass": ["user"], "objectGUID": [String(repeating: "a", count: 36)],
                    "proxyAddresses": proxies, "mail": ["mail@x.io"],
                ]))
        guard case .user(let user, _) = outcome else {
            Issue.record("expected a user")
            return
        }
        #expect(user.email?.canonical == expected)
    }

    @Test func aPersonWithoutEmailIsKeptWithAWarning() throws {
        let mapper = Mapper(mapping: try Mapping.preset("openldap"))
        guard
            case .user(let user, let notes) = mapper.map(
                entry(7, ["entryUUID": ["u"], "cn": ["No Mail"], "objectClass": ["person"]]))
        else {
            Issue.record("expected a user")
            return
        }
        #expect(user.email == nil)
        let diagnostics = notes.map(\.diagnostic)
        #expect(notes.map(\.kind) == [.noEmail])
        #expect(
            diagnostics == [
                Diagnostic(
                    .warning, "No Mail has no usable email address (looked in mail)",
                    at: SourceLocation(source: "t", line: 7))
            ])
    }

    @Test func anInvalidAddressFallsThroughToTheNextSource() throws {
        let mapper = Mapper(mapping: try Mapping.preset("active-directory"))
        let outcome = mapper.map(
            entry(
                3,
                [
                    "objectClass": ["user"], "objectGUID": ["{6F9619FF-8B86-D011-B42D-00C04FC964FF}"],
                    "mail": ["not an address"], "userPrincipalName": ["bo@x.io"],
                ]))
        guard case .user(let user, let notes) = outcome else {
            Issue.record("expected a user")
            return
        }
        #expect(user.anchor == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        #expect(user.email?.canonical == "bo@x.io")
        let diagnostics = notes.map(\.diagnostic)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("mail:") == true)
    }

    @Test func machineAccountsAndConditionsExclude() throws {
        let mapper = Mapper(mapping: try Mapping.preset("active-directory"))
        let service = entry(1, ["objectClass": ["user"], "objectGUID": ["x"], "sAMAccountName": ["svc-backup$"]])
        #expect(
            mapper.map(service)
                == .skipped(reason: #"excluded by exclude[1]: sAMAccountName matches '\$$'"#, kind: .excluded))
        let plain = entry(1, ["objectClass": ["user"], "sAMAccountName": ["bo"]])
        #expect(mapper.map(plain) == .skipped(reason: "no usable anchor (looked in objectGUID)", kind: .noAnchor))
    }

    @Test func duplicatesNameBothLocationsAndActiveWinsOverDisabled() throws {
        let mapping = Mapping(
            name: "test", anchor: [.init(attribute: "id")], email: [.init(attribute: "mail")],
            disabled: [Condition(attribute: "active", .equals(["false"]))])
        var builder = DirectoryBuilder(kind: .csv, mapping: mapping)
        builder.add(entry(2, ["id": ["1"], "mail": ["old@x.io"], "active": ["false"]]))
        builder.add(entry(3, ["id": ["2"], "mail": ["old@x.io"]]))
        builder.add(entry(4, ["id": ["2"], "mail": ["other@x.io"]]))
        builder.add(entry(5, ["id": ["3"], "mail": ["old@x.io"]]))
        let contents = builder.read()
        #expect(contents.users.map(\.anchor) == ["2"])
        #expect(contents.counts == DirectoryContents.Counts(entries: 4, users: 1, skipped: 3, disabled: 0))
        let messages = contents.diagnostics.map(\.description)
        #expect(
            messages.contains(
                "t:3: warning: duplicate email old@x.io: the disabled entry at t:2 is skipped for this active one"))
        #expect(messages.contains("t:4: warning: duplicate anchor '2': also at t:3; this entry is skipped"))
        #expect(messages.contains("t:5: warning: duplicate email old@x.io: also at t:3; this entry is skipped"))
    }

    @Test func scimShapedEntriesMapWithAPlainMapping() throws {
        let mapping = try Mapping.parse(
            """
            anchor: [id, externalId]
            email: [emails, userName]
            name: { given: name.givenName, family: name.familyName }
            groups: groups
            disabled: { attribute: active, equals: "false" }
            attributes: [department]
            """, file: "scim.yaml")
        let user = DirectoryEntry(
            location: SourceLocation(source: "scim", record: "Users/2819c223"),
            strings: [
                "id": ["2819c223"], "userName": ["Bo@X.io"], "name.givenName": ["Bo"], "name.familyName": ["Brown"],
                "groups": ["Sign Admins"], "active": ["False"], "department": ["Legal"],
            ])
        guard case .user(let mapped, let notes) = Mapper(mapping: mapping).map(user) else {
            Issue.record("expected a user")
            return
        }
        #expect(notes.isEmpty)
        #expect(mapped.anchor == "2819c223")
        #expect(mapped.email?.canonical == "bo@x.io")
        #expect(mapped.displayName == "Bo Brown")
        #expect(mapped.groups == [DirectoryUser.Group(id: "Sign Admins", name: "Sign Admins")])
        #expect(!mapped.isActive)
        #expect(mapped.attributes == ["department": ["Legal"]])
        #expect(mapped.location.description == "scim:Users/2819c223")
    }

    @Test func regexConditionsWorkWithAndWithoutTheLiteralFastPath() throws {
        for (pattern, value, expected) in [
            (#"\$$"#, "ws01$", true), (#"\$$"#, "a$b", false), ("^svc-", "svc-backup", true),
            ("^svc-", "my-svc-", false),
            ("[0-9]{3}$", "room101", true), ("[0-9]{3}$", "room10", false), ("(?i)^test", "TEST-user", true),
        ] {
            let condition = Condition(attribute: "x", .matches(try Condition.Pattern(pattern)))
            #expect(condition.holds(for: entry(1, ["x": [value]])) == expected, "\(pattern) on \(value)")
        }
    }
}
