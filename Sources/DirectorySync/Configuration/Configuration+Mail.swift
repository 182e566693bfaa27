import Foundation

extension Configuration {
    /// The `mail` section of `dirsync.yaml`.
    public struct MailSection: Sendable, Equatable {
        /// A folder receiving one `.eml` file per message; relative paths are relative to the config file.
        public var outboxFolder: String?
        /// A mail server; the alternative to `outboxFolder`.
        public var smtp: SMTPSettings?
        /// The sender of invitation mail (`from`); nil when not configured, and then no mail can be sent.
        public var from: Mailbox?
        /// The accept-link template (`accept_url`): an http(s) URL holding `{token}`; nil when not configured.
        public var acceptURL: String?
        /// The offer-link template (`offer_url`), checked like `accept_url`; nil for the default.
        public var offerURL: String?
        /// How failed deliveries are retried.
        public var retry = OutboxDelivery.RetryPolicy()
        /// The page where an account-first code is typed (`{serve.public_url}/access/request`); nil without
        /// `serve.public_url`.
        public var requestAccessURL: String?
        /// Whether `acceptURL` came from `serve.public_url` (the pages need no names in the link).
        public var acceptURLIsServed = false

        /// A section with these values and the default retry policy, unchecked (parsing is what checks them).
        public init(
            outboxFolder: String? = nil, smtp: SMTPSettings? = nil, from: Mailbox? = nil, acceptURL: String? = nil
        ) {
            self.outboxFolder = outboxFolder
            self.smtp = smtp
            self.from = from
            self.acceptURL = acceptURL
        }

        /// The sender and link template, when both are configured.
        public var settings: MailSettings? {
            guard let from, let acceptURL else { return nil }
            var settings = MailSettings(
                from: from, acceptURLTemplate: acceptURL, offerURLTemplate: offerURL,
                capabilities: smtp.map(MailCapabilities.smtp) ?? .folder)
            settings.requestAccessURL = requestAccessURL
            settings.prefillsNames = !acceptURLIsServed
            return settings
        }
    }
}

extension Configuration.MailSection {
    /// The keys allowed under `mail`.
    static let keys = [
        "outbox", "smtp", "from", "accept_url", "offer_url", "starttls", "user", "user_env", "user_file", "password",
        "password_env", "password_file", "ca_file", "connect_timeout", "timeout", "messages_per_connection", "retry",
        "smtputf8",
    ]
    /// The keys that only make sense with `smtp`.
    static let smtpKeys = [
        "starttls", "user", "user_env", "user_file", "password_env", "password_file", "ca_file", "connect_timeout",
        "timeout", "messages_per_connection", "smtputf8",
    ]

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
        if let value = keys["offer_url"] {
            offerURL = try Self.acceptURL(value)
        }
        if let value = keys["retry"] {
            retry = try Self.retryPolicy(value)
        }
        if let value = keys["password"] {
            throw value.error(
                "a password is never written in the configuration",
                hint: "name an environment variable (password_env: DIRSYNC_SMTP_PASSWORD) or a file "
                    + "(password_file: /run/secrets/smtp-password)")
        }
        if let value = keys["smtp"] {
            if keys["outbox"] != nil {
                throw value.error(
                    "'smtp' and 'outbox' are alternatives: mail goes to a server or to a folder",
                    hint: "keep one of them")
            }
            smtp = try Self.smtpSettings(value, keys: keys, directory: directory)
        } else {
            if let stray = Self.smtpKeys.first(where: { keys[$0] != nil }), let value = keys[stray] {
                throw value.error("only used with mail.smtp", hint: "add 'smtp: smtp://host:587', or remove \(stray)")
            }
            if outboxFolder == nil, from != nil || acceptURL != nil {
                throw section.error(
                    "invitation mail needs somewhere to go: 'smtp' (a mail server) or 'outbox' (a folder)",
                    hint: "add 'smtp: smtp://mail.example.com:587' or 'outbox: outbox/'")
            }
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

    private static func retryPolicy(_ value: YAMLValue) throws(ConfigError) -> OutboxDelivery.RetryPolicy {
        let keys = try value.mapping(allowed: ["attempts", "backoff", "max_backoff", "reconnect_for"])
        var policy = OutboxDelivery.RetryPolicy()
        if let attempts = keys["attempts"] { policy.maximumAttempts = try attempts.int(in: 1...100) }
        if let backoff = keys["backoff"] { policy.backoff = try backoff.timeSpan(in: .seconds(1)...TimeSpan.days(1)) }
        if let cap = keys["max_backoff"] {
            policy.maximumBackoff = try cap.timeSpan(in: .seconds(1)...TimeSpan.days(30))
        }
        if let reconnect = keys["reconnect_for"] {
            policy.reconnectFor = try reconnect.timeSpan(in: .seconds(0)...TimeSpan.hours(1))
        }
        return policy
    }

    private static func smtpSettings(_ value: YAMLValue, keys: YAMLMapping, directory: URL) throws(ConfigError)
        -> SMTPSettings
    {
        var settings = try server(value)
        if let starttls = keys["starttls"] {
            if settings.isImplicitTLS {
                throw starttls.error(
                    "smtps:// is encrypted from the first byte; starttls applies to smtp:// only",
                    hint: "remove starttls, or use smtp://host:587 with starttls: required")
            }
            settings.startTLS = try starttls.choice(SMTPSettings.StartTLS.self)
        }
        settings.user = try secret("user", in: keys, directory: directory, literalAllowed: true)
        settings.password = try secret("password", in: keys, directory: directory, literalAllowed: false)
        if (settings.user == nil) != (settings.password == nil) {
            let present = keys["user"] ?? keys["user_env"] ?? keys["user_file"] ?? keys["password_env"]
            throw (present ?? value).error(
                "a login needs both a user and a password",
                hint: "set user (or user_env, user_file) and password_env (or password_file)")
        }
        if settings.password != nil, !settings.isImplicitTLS, settings.startTLS != .required, !settings.isLoopback {
            throw (keys["starttls"] ?? value).error(
                "the password would cross the network unencrypted (starttls: \(settings.startTLS.rawValue))",
                hint: "use starttls: required, or smtps://")
        }
        settings.caFile = try keys["ca_file"].map { value throws(ConfigError) in
            Configuration.resolve(try value.nonEmptyString(), against: directory)
        }
        if let timeout = keys["connect_timeout"] {
            settings.connectTimeout = try timeout.timeSpan(in: .seconds(1)...TimeSpan.minutes(10))
        }
        if let timeout = keys["timeout"] {
            settings.timeout = try timeout.timeSpan(in: .seconds(1)...TimeSpan.hours(1))
        }
        if let count = keys["messages_per_connection"] {
            settings.messagesPerConnection = try count.int(in: 1...10_000)
        }
        if let value = keys["smtputf8"] { settings.smtputf8 = try value.bool() }
        if !settings.smtputf8, let from = keys["from"], let sender = try? Mailbox(parsing: from.nonEmptyString()),
            !sender.address.hasASCIILocalPart
        {
            throw from.error(
                "the sender \(sender.address) has a non-ASCII local part, which needs SMTPUTF8",
                hint: "set mail.smtputf8: true if the server offers SMTPUTF8, or send from an ASCII address")
        }
        return settings
    }

    /// `smtp://host[:port]` or `smtps://host[:port]`.
    private static func server(_ value: YAMLValue) throws(ConfigError) -> SMTPSettings {
        let text = try value.nonEmptyString()
        let example = "write it like smtp://mail.example.com:587 or smtps://mail.example.com:465"
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            ["smtp", "smtps"].contains(scheme)
        else {
            let found = SecretText.shownURL(text).map { ", found '\($0)'" } ?? " (the value is not shown)"
            throw value.error("must be an smtp:// or smtps:// URL\(found)", hint: example)
        }
        guard url.user == nil, url.password == nil else {
            throw value.error(
                "credentials never go in the URL",
                hint: "use user and password_env (or password_file) under mail")
        }
        guard let host = url.host, !host.isEmpty else { throw value.error("names no host", hint: example) }
        guard url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil else {
            throw value.error(
                "must be just the scheme, host and port, found '\(SecretText.shownURL(text) ?? host)'", hint: example)
        }
        if let port = url.port, !(1...65_535).contains(port) {
            throw value.error("port \(port) is not between 1 and 65535")
        }
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return SMTPSettings(isImplicitTLS: scheme == "smtps", host: bareHost, port: url.port)
    }

    /// The source of `name` from `name`, `name_env` or `name_file`, at most one of them.
    private static func secret(_ name: String, in keys: YAMLMapping, directory: URL, literalAllowed: Bool)
        throws(ConfigError) -> SecretSource?
    {
        let given = [name, "\(name)_env", "\(name)_file"].filter { keys[$0] != nil }
        if given.count > 1, let value = keys[given[1]] {
            throw value.error("give one of \(given.joined(separator: ", "))")
        }
        if literalAllowed, let value = keys[name] { return .literal(try value.nonEmptyString()) }
        if let value = keys["\(name)_env"] {
            let variable = try value.nonEmptyString()
            if let problem = SecretText.variableNameProblem(variable) {
                throw value.error(
                    problem,
                    hint: "the value itself goes in the environment: \(name)_env: DIRSYNC_SMTP_\(name.uppercased())")
            }
            return .environment(variable)
        }
        if let value = keys["\(name)_file"] {
            return .file(Configuration.resolve(try value.nonEmptyString(), against: directory))
        }
        return nil
    }
}
