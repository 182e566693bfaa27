/// Where people are read from.
public enum SourceKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case scim, ldif, dsml, csv

    public var description: String { rawValue }
}
