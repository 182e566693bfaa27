import Foundation

/// Writes a synthetic directory export, the same bytes for the same seed: AD-style or OpenLDAP-style
/// LDIF, DSML v2 or CSV, with N users and M groups, folded lines, base64 (non-ASCII) names, disabled
/// accounts, and (AD) computer accounts. Used by the benchmarks and for trying dirsync on a big file.
///
/// One file on purpose, a little over the usual length: the four formats share one person model and one
/// random sequence, and keeping their writers side by side is what keeps them describing the same directory.
struct DirectoryGenerator {
    enum Format: String, CaseIterable {
        case adLDIF = "ad-ldif"
        case openLDAPLDIF = "openldap-ldif"
        case dsml
        case csv
    }

    let format: Format
    let users: Int
    let groups: Int
    var random: SplitMix64

    init(format: Format, users: Int, groups: Int, seed: UInt64) {
        self.format = format
        self.users = users
        self.groups = max(groups, 0)
        self.random = SplitMix64(seed: seed)
    }

    static let givenNames = [
        "Patricia", "Richard", "Ada", "Bo", "Chen", "Dee", "Emil", "Fatima", "Grace", "Hiro", "Ines", "Jamal",
        "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    ]
    static let familyNames = [
        "Smith", "Jones", "Lovelace", "Brown", "Wang", "Ng", "Berg", "Khan", "Hopper", "Sato", "Costa", "Diallo",
        "Mensah", "Novak", "Garcia", "Olsen", "Haddad", "Patel", "Reyes", "Silva", "Lund", "Iyer", "Aziz", "Petrov",
    ]
    /// Every tenth user has a name that needs base64 in LDIF.
    static let accentedGivenNames = ["Jürgen", "José", "Zoë", "Åsa", "Łukasz", "Renée"]
    static let accentedFamilyNames = ["Šťastný", "Müller", "Ødegård", "Núñez", "Großmann", "Çelik"]
    static let departments = ["Engineering", "Sales", "Legal", "Finance", "Support", "Marketing", "Operations"]

    /// One generated person.
    struct Person {
        let index: Int
        let given: String
        let family: String
        let department: String
        let isDisabled: Bool
        let isComputer: Bool
        let groups: [Int]
        let guid: [UInt8]
        var uid: String { String(format: "user%07d", index) }
        var cn: String { "\(given) \(family)" }
        var email: String {
            "\(Self.ascii(given)).\(Self.ascii(family)).\(index)@example.com"
        }

        /// A name as the local part of an address: transliterated to Latin letters without diacritics (Zoë → zoe,
        /// Straße → strasse, Łukasz → lukasz, 山田 → shantian), then only a–z and 0–9 kept.
        static func ascii(_ name: String) -> String {
            let folded = name.lowercased().map { character in
                Self.letterFolds[character] ?? String(character)
            }.joined()
            let latin =
                folded.applyingTransform(.toLatin, reverse: false)?.applyingTransform(.stripDiacritics, reverse: false)
                ?? folded
            return String(
                latin.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(
                    Character.init))
        }

        /// Letters that are not a base letter with a diacritic, so stripping diacritics leaves them as they are.
        static let letterFolds: [Character: String] = [
            "ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe", "ı": "i",
        ]
    }

    mutating func person(_ index: Int) -> Person {
        let accented = index % 10 == 3
        let given =
            accented
            ? Self.accentedGivenNames[random.next(Self.accentedGivenNames.count)]
            : Self.givenNames[random.next(Self.givenNames.count)]
        let family =
            accented
            ? Self.accentedFamilyNames[random.next(Self.accentedFamilyNames.count)]
            : Self.familyNames[random.next(Self.familyNames.count)]
        var memberships: [Int] = []
        if groups > 0 {
            for _ in 0..<(1 + random.next(3)) { memberships.append(random.next(groups)) }
        }
        var guid = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { guid[i] = UInt8(truncatingIfNeeded: random.nextValue()) }
        return Person(
            index: index, given: given, family: family,
            department: Self.departments[random.next(Self.departments.count)],
            isDisabled: index % 20 == 7, isComputer: format == .adLDIF && index % 50 == 49,
            groups: Array(Set(memberships)).sorted(), guid: guid)
    }

    /// Writes the whole export to `sink`.
    mutating func write(to sink: inout LineSink) {
        switch format {
        case .adLDIF, .openLDAPLDIF: writeLDIF(to: &sink)
        case .dsml: writeDSML(to: &sink)
        case .csv: writeCSV(to: &sink)
        }
    }

    // MARK: - LDIF

    private var base: String { format == .adLDIF ? "DC=contoso,DC=test" : "dc=example,dc=com" }

    private func groupDN(_ index: Int) -> String {
        format == .adLDIF
            ? String(format: "CN=Group %04d,OU=Groups,", index) + base
            : String(format: "cn=group%04d,ou=Groups,", index) + base
    }

    private mutating func writeLDIF(to sink: inout LineSink) {
        let ad = format == .adLDIF
        sink.ldif("version", "1")
        sink.line("")
        for (name, ou) in [("Staff", "Staff"), ("Groups", "Groups")] {
            sink.ldif("dn", ad ? "OU=\(name),\(base)" : "ou=\(name),\(base)")
            if ad { sink.ldif("changetype", "add") }
            sink.ldif("objectClass", "top")
            sink.ldif("objectClass", "organizationalUnit")
            sink.ldif("ou", ou)
            sink.line("")
        }
        for index in 0..<users {
            let person = self.person(index)
            if ad { writeADUser(person, to: &sink) } else { writeOpenLDAPUser(person, to: &sink) }
            sink.line("")
        }
        for group in 0..<groups {
            sink.ldif("dn", groupDN(group))
            if ad { sink.ldif("changetype", "add") }
            sink.ldif("objectClass", "top")
            sink.ldif("objectClass", ad ? "group" : "groupOfNames")
            sink.ldif("cn", ad ? String(format: "Group %04d", group) : String(format: "group%04d", group))
            if ad {
                var guid = [UInt8](repeating: 0, count: 16)
                for i in 0..<16 { guid[i] = UInt8(truncatingIfNeeded: random.nextValue()) }
                sink.ldifBinary("objectGUID", guid)
            } else {
                sink.ldif("member", "uid=user0000000,ou=Staff,\(base)")
            }
            sink.line("")
        }
    }

    private mutating func writeADUser(_ person: Person, to sink: inout LineSink) {
        let dn = person.isComputer ? "CN=WS-\(person.index),OU=Computers,\(base)" : "CN=\(person.cn),OU=Staff,\(base)"
        sink.ldif("dn", dn)
        sink.ldif("changetype", "add")
        for objectClass in ["top", "person", "organizationalPerson", "user"] { sink.ldif("objectClass", objectClass) }
        if person.isComputer {
            sink.ldif("objectClass", "computer")
            sink.ldif("cn", "WS-\(person.index)")
            sink.ldif("sAMAccountName", "WS-\(person.index)$")
            sink.ldif("userAccountControl", "4096")
            sink.ldifBinary("objectGUID", person.guid)
            return
        }
        sink.ldif("cn", person.cn)
        sink.ldif("sn", person.family)
        sink.ldif("givenName", person.given)
        sink.ldif("displayName", person.cn)
        sink.ldif("sAMAccountName", person.uid)
        sink.ldif("userPrincipalName", "\(person.uid)@contoso.test")
        sink.ldif("mail", person.email)
        sink.ldif("proxyAddresses", "SMTP:\(person.email)")
        sink.ldif("proxyAddresses", "smtp:\(person.uid)@contoso.test")
        sink.ldif("userAccountControl", person.isDisabled ? "514" : "512")
        sink.ldif("department", person.department)
        sink.ldif("title", "\(person.department) specialist")
        sink.ldif("employeeID", String(person.index + 100_000))
        sink.ldifBinary("objectGUID", person.guid)
        var sid: [UInt8] = [1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0]
        for i in 0..<16 { sid.append(UInt8(truncatingIfNeeded: (person.index >> (i % 4 * 8)) ^ i)) }
        sink.ldifBinary("objectSid", sid)
        for group in person.groups { sink.ldif("memberOf", groupDN(group)) }
        sink.ldif("memberOf", "CN=Domain Users,CN=Users,\(base)")
        if person.index % 3 == 0 {
            sink.ldif(
                "description",
                "Account of \(person.cn) in \(person.department); created by the onboarding workflow, reviewed yearly by the directory team"
            )
        }
        sink.ldif("whenCreated", "20240101120000.0Z")
        sink.ldif("accountExpires", "9223372036854775807")
    }

    private mutating func writeOpenLDAPUser(_ person: Person, to sink: inout LineSink) {
        sink.ldif("dn", "uid=\(person.uid),ou=Staff,\(base)")
        for objectClass in ["top", "person", "organizationalPerson", "inetOrgPerson"] {
            sink.ldif("objectClass", objectClass)
        }
        sink.ldif("uid", person.uid)
        sink.ldif("cn", person.cn)
        sink.ldif("sn", person.family)
        sink.ldif("givenName", person.given)
        sink.ldif("displayName", person.cn)
        sink.ldif("mail", person.email)
        sink.ldif("ou", person.department)
        sink.ldif("employeeNumber", String(person.index + 100_000))
        sink.ldifBinary("userPassword", Array("{SSHA}\(person.guid.map { String($0, radix: 16) }.joined())".utf8))
        if person.index % 13 == 0 { sink.ldifBinary("jpegPhoto", person.guid + person.guid.reversed() + person.guid) }
        if person.index % 3 == 0 {
            sink.ldif(
                "description",
                "Long description for \(person.uid): lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum")
        }
        let uuid = person.guid.map { String(format: "%02x", $0) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                uuid[
                    uuid.index(
                        uuid.startIndex, offsetBy: range.lowerBound)..<uuid.index(
                            uuid.startIndex, offsetBy: range.upperBound)])
        }
        sink.ldif("entryUUID", parts.joined(separator: "-"))
        for group in person.groups { sink.ldif("memberOf", groupDN(group)) }
        if person.isDisabled { sink.ldif("pwdAccountLockedTime", "000001010000Z") }
    }

    // MARK: - DSML

    private mutating func writeDSML(to sink: inout LineSink) {
        sink.line(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        sink.line(
            #"<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
        )
        sink.line("  <searchResponse>")
        for index in 0..<users {
            let person = self.person(index)
            sink.line("    <searchResultEntry dn=\"uid=\(person.uid),ou=Staff,dc=example,dc=com\">")
            func attr(_ name: String, _ values: [String]) {
                sink.line("      <attr name=\"\(name)\">")
                for value in values { sink.line("        <value>\(xmlEscaped(value))</value>") }
                sink.line("      </attr>")
            }
            attr("objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"])
            attr("uid", [person.uid])
            attr("cn", [person.cn])
            attr("sn", [person.family])
            attr("givenName", [person.given])
            attr("mail", [person.email])
            attr("ou", [person.department])
            sink.line("      <attr name=\"objectGUID\">")
            sink.line("        <value xsi:type=\"xsd:base64Binary\">\(Data(person.guid).base64EncodedString())</value>")
            sink.line("      </attr>")
            attr("memberOf", person.groups.map { String(format: "cn=group%04d,ou=Groups,dc=example,dc=com", $0) })
            if person.isDisabled { attr("nsAccountLock", ["true"]) }
            sink.line("    </searchResultEntry>")
        }
        sink.line("    <searchResultDone><resultCode code=\"0\" descr=\"success\"/></searchResultDone>")
        sink.line("  </searchResponse>")
        sink.line("</batchResponse>")
    }

    private func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    // MARK: - CSV

    private mutating func writeCSV(to sink: inout LineSink) {
        sink.line("email,first_name,last_name,role,groups,employee_id,active")
        for index in 0..<users {
            let person = self.person(index)
            let role = index % 25 == 0 ? "admin" : "member"
            let groupNames = person.groups.map { String(format: "Group %04d", $0) }.joined(separator: ";")
            sink.line(
                "\(person.email),\(person.given),\"\(person.family)\",\(role),\(groupNames),\(index + 100_000),\(person.isDisabled ? "false" : "true")"
            )
        }
    }
}

/// A deterministic pseudo-random generator (SplitMix64): the same seed gives the same file everywhere.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextValue() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound.
    mutating func next(_ bound: Int) -> Int { Int(nextValue() % UInt64(bound)) }
}

/// Buffered output with LDIF helpers: values that need it are base64-encoded, long lines folded at 76.
struct LineSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var bytesWritten = 0

    init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    /// `name: value`, or `name:: base64` when the value is not safe as plain text (RFC 2849 note 4).
    mutating func ldif(_ name: String, _ value: String) {
        let bytes = Array(value.utf8)
        let safe =
            bytes.allSatisfy { $0 < 0x80 && $0 != 0 && $0 != 0x0A && $0 != 0x0D }
            && !(bytes.first.map { $0 == 0x20 || $0 == 0x3A || $0 == 0x3C } ?? false) && bytes.last != 0x20
        if safe { folded("\(name): \(value)") } else { ldifBinary(name, bytes) }
    }

    mutating func ldifBinary(_ name: String, _ bytes: [UInt8]) {
        folded("\(name):: \(Data(bytes).base64EncodedString())")
    }

    private mutating func folded(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count > 76 else {
            buffer.append(contentsOf: bytes)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { flush() }
            return
        }
        buffer.append(contentsOf: bytes[0..<76])
        buffer.append(0x0A)
        var index = 76
        while index < bytes.count {
            let end = min(index + 75, bytes.count)
            buffer.append(0x20)
            buffer.append(contentsOf: bytes[index..<end])
            buffer.append(0x0A)
            index = end
        }
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
