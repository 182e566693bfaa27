import Foundation

extension Configuration {
    /// The `source` section of `dirsync.yaml`: where people come from.
    public struct SourceSection: Sendable, Equatable {
        /// What kind of source: `source.kind`.
        public var kind: SourceKind
        /// The export file for `ldif`, `dsml` and `csv`, resolved against the config file's folder.
        public var path: String?
        /// The file as written in the configuration, for messages.
        public var pathAsWritten: String?
        /// For `kind: scim`, the whole section (`url`, `token_env`, `token_file`), read by the SCIM source.
        public var scim: YAMLValue?
        /// For `kind: scim`, the section checked and read (`Configuration+SCIM.swift`).
        public var scimSection: Configuration.SCIMSourceSection?

        /// A section with these values and no `scimSection`: a SCIM source built this way cannot be read.
        public init(kind: SourceKind, path: String? = nil, pathAsWritten: String? = nil, scim: YAMLValue? = nil) {
            self.kind = kind
            self.path = path
            self.pathAsWritten = pathAsWritten
            self.scim = scim
        }

        /// Whether the two name the same source. SCIM sections compare only by being present, not by content.
        public static func == (lhs: SourceSection, rhs: SourceSection) -> Bool {
            lhs.kind == rhs.kind && lhs.path == rhs.path && lhs.pathAsWritten == rhs.pathAsWritten
                && (lhs.scim == nil) == (rhs.scim == nil)
        }
    }
}

extension Configuration.SourceSection {
    /// The keys allowed for file sources.
    static let fileKeys = ["kind", "path"]
    /// The keys allowed for `kind: scim`; their values are checked by the SCIM source.
    static let scimKeys = Configuration.SCIMSourceSection.keys

    /// `extraKeys` are allowed beside the source's own (`name` and `mapping` in a `sources:` item), for the
    /// caller to read.
    init(parsing section: YAMLValue, directory: URL, extraKeys: [String] = []) throws(ConfigError) {
        let probe = try section.mapping(allowed: Self.fileKeys + Self.scimKeys.filter { $0 != "kind" } + extraKeys)
        let kind = try probe.required("kind").choice(SourceKind.self)
        let allowed = (kind == .scim ? Self.scimKeys : Self.fileKeys) + extraKeys
        let keys = try section.mapping(allowed: allowed)
        switch kind {
        case .scim:
            // Extension point for the SCIM source: it reads url / token_env / token_file from `scim`.
            self.init(kind: kind, scim: section)
            scimSection = try Configuration.SCIMSourceSection(
                parsing: section, directory: directory, extraKeys: extraKeys)
        case .ldif, .dsml, .csv:
            let written = try keys.required("path").nonEmptyString()
            self.init(
                kind: kind, path: Configuration.resolve(written, against: directory), pathAsWritten: written)
        }
    }
}
