/// Where people are read from.
public enum SourceKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case scim, ldif, dsml, csv

    /// The kind as configurations and messages spell it: `scim`, `ldif`, `dsml` or `csv`.
    public var description: String { rawValue }
}
