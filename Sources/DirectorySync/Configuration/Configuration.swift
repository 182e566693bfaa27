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

    /// The `mail` section.
    public struct MailSection: Sendable, Equatable {
        /// A folder receiving one `.eml` file per message; relative paths are relative to the config file.
        public var outboxFolder: String?
        public var from: Mailbox?
        public var acceptURL: String?

        public init(outboxFolder: String? = nil, from: Mailbox? = nil, acceptURL: String? = nil) {
            self.outboxFolder = outboxFolder
            self.from = from
            self.acceptURL = acceptURL
        }

        /// The sender and link template, when both are configured.
        public var settings: MailSettings? {
            guard let from, let acceptURL else { return nil }
            return MailSettings(from: from, acceptURLTemplate: acceptURL)
        }
    }

    public var organization = OrganizationSection()
    /// The store file, resolved against the config file's folder.
    public var storePath: String?
    public var mail = MailSection()

    public init() {}

    /// The keys allowed at the top of the file.
    static let topLevelKeys = ["organization", "store", "mail"]

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
            let keys = try section.mapping(allowed: ["outbox", "from", "accept_url"])
            configuration.mail.outboxFolder = try keys["outbox"].map { value throws(ConfigError) in
                resolve(try value.nonEmptyString(), against: directory)
            }
            if let from = keys["from"] {
                let text = try from.nonEmptyString()
                do {
                    configuration.mail.from = try Mailbox(parsing: text)
                } catch {
                    throw from.error(error.description, hint: "write it like \"Acme Corp <no-reply@acme.com>\"")
                }
            }
            if let url = keys["accept_url"] {
                configuration.mail.acceptURL = try acceptURL(url)
            }
        }
        return configuration
    }

    private static func acceptURL(_ value: YAMLValue) throws(ConfigError) -> String {
        let text = try value.nonEmptyString()
        guard text.contains("{token}") else {
            throw value.error(
                "must contain {token}, where the invitation token goes",
                hint: "for example https://app.example.com/invitations/accept?token={token}")
        }
        let probe = text.replacingOccurrences(of: "{token}", with: "t")
        guard let url = URL(string: probe), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else {
            throw value.error("must be an http or https URL, found '\(text)'")
        }
        return text
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
