import Foundation

/// `dirsync.yaml`: what this organization wants. Read strictly: an unknown key, a wrong type or a bad
/// value is an error naming the file, the line and the key path.
public struct Configuration: Sendable, Equatable {
    /// The `organization` section.
    public struct OrganizationSection: Sendable, Equatable {
        /// Which organization of the store this file is about.
        public var name: String?
        /// Named in invitation emails and audit events; defaults to the organization's stored inviter.
        public var inviter: EmailAddress?

        public init(name: String? = nil, inviter: EmailAddress? = nil) {
            self.name = name
            self.inviter = inviter
        }
    }

    public var organization = OrganizationSection()
    /// The store file, resolved against the config file's folder.
    public var storePath: String?
    public var mail = MailSection()
    /// Where people come from (`source:`), if configured.
    public var source: SourceSection?
    /// The mapping file or preset (`mapping:`), if configured.
    public var mapping: MappingReference?

    public init() {}

    /// The keys allowed at the top of the file.
    static let topLevelKeys = ["organization", "store", "mail", "source", "mapping"]

    /// Reads `url`, naming it `file` in errors; relative paths inside resolve against its folder.
    public static func load(_ url: URL, file: String) throws(ConfigError) -> Configuration {
        try parse(YAMLValue.load(url, file: file), directory: url.deletingLastPathComponent())
    }

    /// Interprets a parsed document; relative paths resolve against `directory`.
    public static func parse(_ document: YAMLValue, directory: URL) throws(ConfigError) -> Configuration {
        var configuration = Configuration()
        let top = try document.mapping(allowed: topLevelKeys)
        if let section = top["organization"] {
            let keys = try section.mapping(allowed: ["name", "inviter"])
            configuration.organization.name = try keys["name"]?.nonEmptyString()
            configuration.organization.inviter = try keys["inviter"]?.email()
        }
        if let store = top["store"] {
            configuration.storePath = resolve(try store.nonEmptyString(), against: directory)
        }
        if let section = top["mail"] {
            configuration.mail = try MailSection(parsing: section, directory: directory)
        }
        try configuration.parseSourceKeys(top, directory: directory)
        return configuration
    }

    /// `path` made absolute against `directory` unless it already is.
    static func resolve(_ path: String, against directory: URL) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2)))
                .path
        }
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }
}
