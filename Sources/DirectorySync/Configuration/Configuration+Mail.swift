import Foundation

extension Configuration {
    /// The `mail` section of `dirsync.yaml`.
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
}

extension Configuration.MailSection {
    /// The keys allowed under `mail`.
    static let keys = ["outbox", "from", "accept_url"]

    init(parsing section: YAMLValue, directory: URL) throws(ConfigError) {
        self.init()
        let keys = try section.mapping(allowed: Self.keys)
        outboxFolder = try keys["outbox"].map { value throws(ConfigError) in
            Configuration.resolve(try value.nonEmptyString(), against: directory)
        }
        if let value = keys["from"] {
            let text = try value.nonEmptyString()
            do {
                from = try Mailbox(parsing: text)
            } catch {
                throw value.error(error.description, hint: "write it like \"Acme Corp <no-reply@acme.com>\"")
            }
        }
        if let value = keys["accept_url"] {
            acceptURL = try Self.acceptURL(value)
        }
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
}
