/// Which entries of a file export are groups, and what of them membership resolution keeps.
enum GroupEntryReading {
    /// The object classes of group entries, lower-cased: AD's `group`, `groupOfNames`, `groupOfUniqueNames`,
    /// RFC 2307 `posixGroup`, and the `groupOfEntries`/`groupOfMembers` of newer schemas.
    static let classes: Set<String> = [
        "group", "groupofnames", "groupofuniquenames", "posixgroup", "groupofentries", "groupofmembers",
    ]
    /// Attributes listing members: by DN (`member`, `uniqueMember`) and by uid (`memberUid`).
    static let memberAttributes = ["member", "uniquemember", "memberuid"]

    /// Whether `entry` is a group entry. Asked of every entry, so it compares bytes, ASCII case folded, without
    /// making a lower-cased copy of each objectClass value.
    static func isGroup(_ entry: DirectoryEntry) -> Bool {
        entry.values(normalized: "objectclass").contains { value in
            guard let text = value.text else { return false }
            return classBytes.contains { name in
                name.count == text.utf8.count && zip(name, text.utf8).allSatisfy { $0 == $1 | 0x20 }
            }
        }
    }

    /// `classes` as bytes, for `isGroup`.
    private static let classBytes: [[UInt8]] = classes.map { Array($0.utf8) }

    /// What resolution needs of `entry` under `mapping`: a group's members and its own `memberOf`, or that
    /// another entry exists (with its uids, for `memberUid`).
    static func record(of entry: DirectoryEntry, mapping: Mapping) -> MembershipRecord {
        let key = entry.dn.flatMap { DNKey(dn: $0) }
        guard isGroup(entry) else {
            return .entry(key: key, uids: entry.values(normalized: "uid").compactMap { $0.text?.trimmingSpaces() })
        }
        let dn = entry.dn ?? ""
        let name =
            entry.values(normalized: "cn").lazy.compactMap { $0.text?.trimmingSpaces() }.first { !$0.isEmpty }
            ?? DistinguishedName.firstValue(of: dn) ?? dn
        var members: [String] = []
        for value in entry.values(normalized: "member") {
            if let text = value.text?.trimmingSpaces(), !text.isEmpty { members.append(text) }
        }
        for value in entry.values(normalized: "uniquemember") {
            if let text = value.text?.trimmingSpaces(), !text.isEmpty { members.append(withoutUID(text)) }
        }
        let memberUids = entry.values(normalized: "memberuid").compactMap { value -> String? in
            guard let text = value.text?.trimmingSpaces(), !text.isEmpty else { return nil }
            return text
        }
        var memberOf: [String] = []
        for attribute in mapping.groups {
            for value in entry.values(normalized: attribute) {
                if let text = value.text?.trimmingSpaces(), !text.isEmpty { memberOf.append(text) }
            }
        }
        return .group(
            .init(
                key: key, dn: dn, name: name, members: members, memberUids: memberUids, memberOf: memberOf,
                location: entry.location))
    }

    /// A `uniqueMember` value without its optional unique-identifier suffix (`…,dc=com#'0101'B`, RFC 4517
    /// NameAndOptionalUID), which does not take part in matching.
    static func withoutUID(_ text: String) -> String {
        // `#'`, binary digits, `'B` at the very end; anything else is part of the DN.
        let bytes = Array(text.utf8)
        guard bytes.count >= 4, bytes[bytes.count - 1] == UInt8(ascii: "B"), bytes[bytes.count - 2] == 0x27 else {
            return text
        }
        var start = bytes.count - 2
        while start > 0, bytes[start - 1] == UInt8(ascii: "0") || bytes[start - 1] == UInt8(ascii: "1") { start -= 1 }
        guard start >= 2, bytes[start - 1] == 0x27, bytes[start - 2] == UInt8(ascii: "#") else { return text }
        return String(decoding: bytes[..<(start - 2)], as: UTF8.self)
    }
}
