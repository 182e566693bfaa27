import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// DN comparison (RFC 4514) and membership resolution from group entries, on entries built here.
@Suite struct GroupMembershipTests {
    /// Pairs that are one DN, spelled two ways.
    @Test(arguments: [
        ("uid=jo,ou=People,dc=example,dc=com", "UID=jo , OU=people,DC=Example, dc=COM"),
        ("cn=Sales\\, EMEA,ou=G", "cn=sales\\2c emea,ou=g"),
        ("cn=Sales\\2C EMEA,ou=G", "CN=SALES\\, EMEA,OU=G"),
        ("cn=Smith  John,ou=G", "cn=smith john,ou=g"),
        ("ou=Sales+cn=J. Smith,dc=x", "cn=j. smith+ou=sales,dc=x"),
        ("cn=\\#John Smith\\ ,dc=x", "cn=\\23John Smith\\20,dc=x"),
        ("cn=Lu\\C4\\8Di\\C4\\87,dc=x", "cn=LUČIĆ,dc=x"),
        ("oid.2.5.4.3=x,dc=y", "2.5.4.3=X,DC=Y"),
        ("cn=x;dc=y", "cn=x,dc=y"),
    ])
    func spellingsOfOneDNMatch(_ one: String, _ other: String) throws {
        let first = try #require(DistinguishedName.matchingForm(of: one))
        #expect(first == DistinguishedName.matchingForm(of: other))
    }

    @Test(arguments: [
        ("cn=a\\,b,dc=x", "cn=a,b=,dc=x"),
        ("cn=a+sn=b,dc=x", "cn=a\\+sn=b,dc=x"),
        ("cn=ab,dc=x", "cn=a b,dc=x"),
        ("cn=a,dc=x", "cn=a,dc=x,dc=y"),
    ])
    func differentDNsDoNot(_ one: String, _ other: String) {
        #expect(DistinguishedName.matchingForm(of: one) != DistinguishedName.matchingForm(of: other))
    }

    @Test(arguments: ["", "   ", "no equals sign", "=value", "cn=x,", "cn=x\\", "cn=x,,dc=y"])
    func whatIsNoDNIsNil(_ text: String) {
        #expect(DistinguishedName.matchingForm(of: text) == nil)
    }

    /// The one-pass form of plain DNs is exactly the parser's, on every DN of the OpenLDAP test data and on
    /// random spellings.
    @Test func thePlainFastPathAgreesWithTheParser() throws {
        var samples = [
            "cn=x,dc=y", "CN=Sales Team,OU=Staff,DC=contoso,DC=test", "cn=,dc=y", "cn=a b  c,dc=y", "oid.2.5.4.3=x",
            "2.5.4.3=x", "cn=x=y", "cn=x, dc=y", "cn=x ,dc=y", " cn=x", "cn=x ", "c n=x", "cn=x,", ",cn=x", "=x",
        ]
        for name in ["openldap/test-dn.ldif", "openldap/test.ldif", "openldap-groups/groups-slapcat.ldif"] {
            let text = try String(contentsOf: Fixtures.url(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                for prefix in ["dn: ", "member: ", "uniqueMember: "] where line.hasPrefix(prefix) {
                    samples.append(String(line.dropFirst(prefix.count)))
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZ= ,+\\#;\"0.-9")
        for _ in 0..<2000 {
            samples.append(
                String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement()! }))
        }
        var plain = 0
        for sample in samples {
            guard let fast = DistinguishedName.plainMatchingForm(of: sample) else { continue }
            plain += 1
            #expect(fast == DistinguishedName.parsedMatchingForm(of: sample), "\(sample)")
        }
        #expect(plain > 100, "the fast path takes the common DNs")
    }

    @Test func uniqueMemberSuffixesAreDropped() {
        #expect(GroupEntryReading.withoutUID("uid=a,dc=x#'0101'B") == "uid=a,dc=x")
        #expect(GroupEntryReading.withoutUID("uid=a,dc=x#''B") == "uid=a,dc=x")
        #expect(GroupEntryReading.withoutUID("#'B") == "#'B", "one quote is no bit string")
        #expect(GroupEntryReading.withoutUID("cn=a#'x'B") == "cn=a#'x'B", "not a bit string")
        #expect(GroupEntryReading.withoutUID("uid=a,dc=x") == "uid=a,dc=x")
    }

    private static let mapping: Mapping = {
        var mapping = Mapping(
            name: "test", anchor: [Mapping.AnchorSource(attribute: "uid")],
            email: [Mapping.EmailSource(attribute: "mail")],
            groups: ["memberOf"], person: [Condition(attribute: "objectClass", .equals(["person"]))])
        mapping.readsGroupEntries = true
        return mapping
    }()

    private func person(_ uid: String, memberOf: [String] = []) -> DirectoryEntry {
        var strings = ["objectClass": ["person"], "uid": [uid], "mail": ["\(uid)@x.io"]]
        if !memberOf.isEmpty { strings["memberOf"] = memberOf }
        return DirectoryEntry(dn: "uid=\(uid),dc=x", location: SourceLocation(source: "t", line: 1), strings: strings)
    }

    private func group(_ name: String, members: [String], memberOf: [String] = []) -> DirectoryEntry {
        var strings = ["objectClass": ["groupOfNames"], "cn": [name], "member": members]
        if !memberOf.isEmpty { strings["memberOf"] = memberOf }
        return DirectoryEntry(dn: "cn=\(name),dc=x", location: SourceLocation(source: "t", line: 2), strings: strings)
    }

    private func read(_ entries: [DirectoryEntry]) -> DirectoryContents {
        var builder = DirectoryBuilder(kind: .ldif, mapping: Self.mapping)
        for entry in entries { builder.add(entry) }
        return builder.read()
    }

    @Test func memberOfAndGroupEntriesJoinAndNestingFollowsBoth() throws {
        // bo's memberOf names Staff; Staff's own memberOf names All (which is no entry of this export);
        // Admins lists bo and is listed in Staff.
        let contents = read([
            person("bo", memberOf: ["CN=Staff,DC=x"]),
            group("Staff", members: ["cn=Admins,dc=x"], memberOf: ["cn=All,dc=elsewhere"]),
            group("Admins", members: ["uid=bo,dc=x"]),
        ])
        let bo = try #require(contents.users.first)
        #expect(bo.groups.map(\.name) == ["Staff", "Admins", "All"])
        #expect(bo.groups.map(\.isDirect) == [true, true, false])
        #expect(bo.path(to: bo.groups[2]) == ["Staff", "All"])
        #expect(bo.groups[0].id == "cn=Staff,dc=x", "the group entry's own spelling")
    }

    @Test func aLongChainOfGroupsIsResolvedWithoutRecursion() throws {
        let depth = 20_000
        var entries = [person("bo")]
        entries.append(group("g0", members: ["uid=bo,dc=x"]))
        for level in 1..<depth { entries.append(group("g\(level)", members: ["cn=g\(level - 1),dc=x"])) }
        // g0 ⊂ g1 ⊂ … ⊂ top, and g0 lists top as a member: one cycle through every group.
        entries.append(group("top", members: ["cn=g\(depth - 1),dc=x"]))
        entries[1] = group("g0", members: ["uid=bo,dc=x", "cn=top,dc=x"])
        let contents = read(entries)
        let bo = try #require(contents.users.first)
        #expect(bo.groups.count == depth + 1)
        let cycle = try #require(contents.diagnostics.first { $0.message.hasPrefix("groups form a cycle: ") })
        #expect(cycle.message.contains("… (\(depth + 1) groups)"), "a long cycle is named by its start and length")
        #expect(cycle.message.count < 400)
    }

    @Test func aGroupThatIsAlsoNamedAsAPersonIsNotConfused() throws {
        // A member value that is no DN at all is dangling, not an error.
        let contents = read([person("bo"), group("G", members: ["bo", "uid=bo,dc=x"])])
        #expect(contents.users.first?.groups.map(\.name) == ["G"])
        #expect(contents.diagnostics.contains { $0.message == "group 'G': 1 member names no entry of the export (bo)" })
    }
}
