/// One SCIM resource (a User or a Group) as the server sent it, with the lenient readings dirsync needs:
/// keys in any case, `active` as `"True"` or `1`, numbers where text belongs, emails in the documented
/// pick order.
public struct SCIMResource: Sendable, Equatable {
    /// The server's identifier: stable, opaque, compared exactly (RFC 7643 §3.1).
    public let id: String
    /// The resource as received.
    public let json: JSONObject
    /// `scim:Users/<id>`: where it was read.
    public let location: SourceLocation

    /// The enterprise extension's schema URN (RFC 7643 §4.3).
    public static let enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    /// Wraps a decoded object; nil when it has no usable `id`.
    public init?(_ json: JSONObject, endpoint: String) {
        guard let id = json["id"]?.text?.trimmingWhitespace, !id.isEmpty else { return nil }
        self.id = String(id)
        self.json = json
        location = SourceLocation(source: "scim", record: "\(endpoint)/\(id)")
    }

    // Each of these is trimmed of white space, and nil when the server sent nothing, null or only white space.
    /// The `userName` the server identifies the account by (often a login or an email address).
    public var userName: String? { nonEmpty(json["userName"]) }
    /// The `externalId` the provisioning client set (often the upstream directory's identifier).
    public var externalId: String? { nonEmpty(json["externalId"]) }
    /// The name the server displays for the user (`displayName`).
    public var displayName: String? { nonEmpty(json["displayName"]) }
    /// The first name, from `name.givenName`.
    public var givenName: String? { nonEmpty(json["name"]?["givenName"]) }
    /// The last name, from `name.familyName`.
    public var familyName: String? { nonEmpty(json["name"]?["familyName"]) }

    /// `active` read leniently; nil when the server did not say (unknown, not false).
    public var isActive: Bool? { json["active"]?.lenientBool }

    /// The email addresses in dirsync's pick order (README, "SCIM source"), without repeats:
    /// 1. values marked primary (`true`, `"True"`, `1`…), 2. values of type `work`, 3. the others in
    /// document order. Plain strings count as values; empty values are dropped.
    public var emails: [String] {
        var primary: [String] = []
        var work: [String] = []
        var other: [String] = []
        for element in json["emails"]?.elements ?? [] {
            let value: String?
            switch element {
            case .object: value = nonEmpty(element["value"])
            default: value = nonEmpty(element)
            }
            guard let value else { continue }
            if element["primary"]?.lenientBool == true {
                primary.append(value)
            } else if element["type"]?.text?.lowercased() == "work" {
                work.append(value)
            } else {
                other.append(value)
            }
        }
        var seen = Set<String>()
        return (primary + work + other).filter { seen.insert($0.lowercased()).inserted }
    }

    /// `groups` as the server filled it (RFC 7643 §4.1.2), or nil when it did not: many servers never do.
    public var groups: [DirectoryUser.Group]? {
        guard let value = json["groups"] else { return nil }
        return value.elements.compactMap { element in
            let id = nonEmpty(element["value"]) ?? nonEmpty(element)
            let name = nonEmpty(element["display"]) ?? nonEmpty(element["displayName"]) ?? id
            guard let id, let name else { return nil }
            return DirectoryUser.Group(id: id, name: name)
        }
    }

    /// A Group's direct members: `(id, isGroup)` for each `members` entry with a value.
    var members: [(id: String, isGroup: Bool)] {
        (json["members"]?.elements ?? []).compactMap { element in
            guard let id = nonEmpty(element["value"]) else { return nil }
            return (id, element["type"]?.text?.lowercased() == "group")
        }
    }

    private func nonEmpty(_ value: JSONValue?) -> String? {
        guard let text = value?.text?.trimmingWhitespace, !text.isEmpty else { return nil }
        return String(text)
    }
}
