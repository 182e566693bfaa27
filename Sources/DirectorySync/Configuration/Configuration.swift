import Foundation

/// `dirsync.yaml`: what this organization wants. Read strictly: an unknown key, a wrong type or a bad
/// value is an error naming the file, the line and the key path.
public struct Configuration: Sendable, Equatable {
    /// The `organization` section.
    public struct OrganizationSection: Sendable, Equatable {
        /// Which organization of the store this file is about.
        public var name: String?
        /// The seat limit; when set, apply writes it to the store.
        public var seats: Int?
        /// Named in invitation emails and audit events; defaults to the organization's stored inviter.
        public var inviter: EmailAddress?
        /// What an identity needs to be complete (`organization.identity.required`): name keys and profile fields.
        public var identityRequired = Identity.defaultRequired
        /// Who is told of requests for access (`organization.notify`); nil: every owner and admin.
        public var notify: [EmailAddress]?

        /// A section naming `name` and `inviter`; `seats` starts unset.
        public init(name: String? = nil, inviter: EmailAddress? = nil) {
            self.name = name
            self.inviter = inviter
        }
    }

    /// Which organization, its seat limit and its inviter: the `organization` section.
    public var organization = OrganizationSection()
    /// Domain Auto-Join, allowed domains and role rules.
    public var rules = AccessRules()
    /// Invitation validity and resends, offboarding, and the deletion and shrink guards: the `policy` section.
    public var policy = SyncPolicy()
    /// How often `dirsync run` reconciles: the `schedule` section.
    public var schedule = ScheduleSection()
    /// Who hears about failed or blocked runs: the `notify` section.
    public var notify = NotifySection()
    /// The store: an SQLite file, resolved against the config file's folder, or a PostgreSQL URL (checked).
    public var storePath: String?
    /// Where a PostgreSQL store's password is (`store_password_env` or `store_password_file`), if anywhere.
    public var storePassword: SecretSource?
    /// Where invitation mail goes and how it is sent: the `mail` section.
    public var mail = MailSection()
    /// The `serve` section (`dirsync serve`).
    public var serve = ServeSection()
    /// Where people come from (`source:`), if configured.
    public var source: SourceSection?
    /// The mapping file or preset (`mapping:`), if configured.
    public var mapping: MappingReference?
    /// Several sources to merge (`sources:`), in precedence order; empty when `source:` (or nothing) is used.
    public var sources: [NamedSource] = []
    /// Field → source names, for fields whose source order differs from the list's (`precedence:`).
    public var precedence: [String: [String]] = [:]
    /// The file this configuration was read from, as the user named it (`dirsync.yaml` when built in code).
    public var file = "dirsync.yaml"

    /// The configuration of a file with no keys: every section at its defaults; no source, mapping or store.
    public init() {}

    /// The keys allowed at the top of the file.
    static let topLevelKeys = [
        "organization", "store", "mail", "source", "sources", "precedence", "mapping", "roles", "access", "scope",
        "policy", "schedule", "notify", "serve", "store_password_env", "store_password_file",
    ]

    /// The organization settings this file declares, which plans use and apply writes to the store.
    public var settingsOverride: SettingsOverride {
        SettingsOverride(
            seats: organization.seats, inviter: organization.inviter, invitationValidity: policy.invitationValidity,
            file: file)
    }

    /// Reads `url`, naming it `file` in errors; relative paths inside resolve against its folder.
    public static func load(_ url: URL, file: String) throws(ConfigError) -> Configuration {
        var configuration = try parse(YAMLValue.load(url, file: file), directory: url.deletingLastPathComponent())
        configuration.file = file
        return configuration
    }

    /// Interprets a parsed document; relative paths resolve against `directory`.
    public static func parse(_ document: YAMLValue, directory: URL) throws(ConfigError) -> Configuration {
        var configuration = Configuration()
        let top = try document.mapping(allowed: topLevelKeys)
        if let section = top["organization"] { try parseOrganization(section, into: &configuration) }
        if let section = top["roles"] { configuration.rules.roles = try parseRoles(section) }
        if let section = top["access"] { try parseAccess(section, into: &configuration.rules) }
        if let section = top["scope"] { configuration.rules.scope = try parseScope(section) }
        if let section = top["policy"] { configuration.policy = try parsePolicy(section) }
        if let section = top["schedule"] { configuration.schedule = try parseSchedule(section) }
        if let section = top["notify"] { configuration.notify = try parseNotify(section) }
        if let store = top["store"] {
            let text = try store.nonEmptyString()
            if PostgresLocation.isPostgres(text) {
                do {
                    _ = try PostgresLocation(text)
                } catch {
                    throw store.error(
                        error.description, hint: "write it like postgresql://dirsync@db.internal:5432/dirsync")
                }
                configuration.storePath = text
            } else {
                configuration.storePath = resolve(text, against: directory)
            }
        }
        configuration.storePassword = try parseStorePassword(top, directory: directory)
        if let section = top["serve"] { configuration.serve = try parseServe(section) }
        if let section = top["mail"] {
            configuration.mail = try MailSection(parsing: section, directory: directory)
        }
        // The pages answer the links: with serve.public_url, accept_url defaults to them.
        if let base = configuration.serve.publicURL {
            if configuration.mail.acceptURL == nil {
                configuration.mail.acceptURL = base + "/invitations/accept?token={token}"
                configuration.mail.acceptURLIsServed = true
            }
            configuration.mail.requestAccessURL = base + "/access/request"
        }
        try configuration.parseSourceKeys(top, directory: directory)
        // A complete registration (policy.registration) needs what organization.identity.required names.
        configuration.policy.identityRequired = configuration.organization.identityRequired
        configuration.policy.domainFlows = configuration.rules.domainFlows
        return configuration
    }

    /// `store_password_env` or `store_password_file`: only beside a PostgreSQL `store:`, and only one of them.
    static func parseStorePassword(_ top: YAMLMapping, directory: URL) throws(ConfigError) -> SecretSource? {
        let variable = top["store_password_env"]
        let file = top["store_password_file"]
        guard let given = variable ?? file else { return nil }
        if variable != nil, file != nil {
            throw given.error("store_password_env and store_password_file are alternatives", hint: "keep one of them")
        }
        guard let store = try top["store"]?.nonEmptyString(), PostgresLocation.isPostgres(store) else {
            throw given.error(
                "a store password is only used with a PostgreSQL store",
                hint: "set store: postgresql://USER@HOST:PORT/DATABASE, or remove it")
        }
        if let variable { return .environment(try variable.nonEmptyString()) }
        return .file(resolve(try given.nonEmptyString(), against: directory))
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
