import Foundation

/// The second level of a registration: a person's personal information, beside the account (email and
/// username). Complete when it has every field `organization.identity.required` names.
public struct Identity: Sendable, Equatable {
    /// The given (first) name.
    public var givenName: String?
    /// The family (last) name.
    public var familyName: String?
    /// The name shown; for a member, their display name.
    public var displayName: String?
    /// Profile fields (`title`, `department`, `phone`, …), by key.
    public var fields: [String: String]

    /// An identity with these values.
    public init(
        givenName: String? = nil, familyName: String? = nil, displayName: String? = nil, fields: [String: String] = [:]
    ) {
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.fields = fields
    }

    /// The longest profile value kept, in characters.
    public static let valueLimit = 1000

    /// A profile value from a directory: control characters replaced, trimmed, at most `valueLimit` characters.
    public static func directoryValue(_ raw: String?) -> String? { Member.directoryText(raw, limit: valueLimit) }

    /// The built-in keys a requirement may name besides profile fields.
    public static let nameKeys = ["given_name", "family_name", "display_name"]
    /// What `organization.identity.required` is unless the configuration says otherwise.
    public static let defaultRequired = ["given_name", "family_name"]

    /// The value of `key` (a name key or a profile field), nil or blank when absent.
    public func value(_ key: String) -> String? {
        let value: String? =
            switch key {
            case "given_name": givenName
            case "family_name": familyName
            case "display_name": displayName
            default: fields[key]
            }
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return value
    }

    /// The keys of `required` this identity lacks, in the order given.
    public func missing(_ required: [String]) -> [String] { required.filter { value($0) == nil } }

    /// Why `key` cannot name a profile field, or nil: lower-case letters, digits and `_`, starting with a letter,
    /// at most 64 characters; the name keys are not fields.
    public static func fieldKeyProblem(_ key: String) -> String? {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first) else {
            return "a field name starts with a lower-case letter"
        }
        guard key.count <= 64 else { return "a field name has at most 64 characters" }
        guard key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else { return "a field name has only a-z, 0-9 and '_'" }
        return nil
    }

    /// A profile value typed by a person: trimmed, at most 1,000 characters, no control characters.
    public static func typedValue(_ raw: String, key: String) throws(LedgerError) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if let control = Organization.Settings.firstControl(in: trimmed) {
            throw .controlCharacterInName(key, control)
        }
        guard trimmed.count <= valueLimit else { throw .nameTooLong(trimmed.count) }
        return trimmed
    }
}
