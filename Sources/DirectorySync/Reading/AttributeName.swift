/// Attribute names as dirsync compares them: an LDAP attribute description (`CN;Lang-EN`) or a SCIM path
/// (`name.givenName`), normalised once so `cn`, `CN` and `commonName` are one attribute.
///
/// RFC 4512 §2.5: types and options are case-insensitive and the order of options is irrelevant, so the
/// normal form is the lower-cased type (aliases resolved) followed by the sorted, lower-cased options.
/// Active Directory's range retrieval option (`member;range=0-1499`) is dropped: the values belong to the
/// attribute itself.
public enum AttributeName {
    /// The normal form of `raw`: `CN;lang-EN;Lang-de` → `cn;lang-de;lang-en`, `commonName` → `cn`.
    public static func normalize(_ raw: some StringProtocol) -> String {
        let lowered = (raw as? String)?.lowercasedIfNeeded() ?? raw.lowercased()
        guard lowered.utf8.contains(UInt8(ascii: ";")) else { return aliases[lowered] ?? lowered }
        var parts = lowered.split(separator: ";", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty else { return lowered }
        let type = aliases[parts[0]] ?? parts[0]
        parts.removeFirst()
        let options = parts.filter { !$0.hasPrefix("range=") }.sorted()
        return ([type] + options).joined(separator: ";")
    }

    /// Other names of the same attribute type (RFC 4519 and RFC 2798 short and long names, and OIDs of
    /// the attributes mappings usually read) → the name dirsync uses.
    static let aliases: [String: String] = [
        "commonname": "cn", "2.5.4.3": "cn",
        "surname": "sn", "2.5.4.4": "sn",
        "gn": "givenname", "2.5.4.42": "givenname",
        "rfc822mailbox": "mail", "0.9.2342.19200300.100.1.3": "mail",
        "userid": "uid", "0.9.2342.19200300.100.1.1": "uid",
        "2.5.4.0": "objectclass",
        "2.16.840.1.113730.3.1.241": "displayname",
        "organizationalunitname": "ou", "2.5.4.11": "ou",
        "organizationname": "o", "2.5.4.10": "o",
        "domaincomponent": "dc", "0.9.2342.19200300.100.1.25": "dc",
    ]

    /// Every spelling that normalises to `name` through the alias table, `name` included.
    static func spellings(of name: String) -> [String] {
        [name] + aliases.filter { $0.value == name }.map(\.key).sorted()
    }
}
