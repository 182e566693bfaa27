import Foundation

extension Configuration {
    /// `source` with `kind: scim`: where the service provider is, where its token is, and how to page it.
    public struct SCIMSourceSection: Sendable, Equatable {
        /// Where the bearer token comes from; it is never written in the configuration itself.
        public enum TokenSource: Sendable, Equatable {
            /// An environment variable's name.
            case environment(String)
            /// A file (absolute path, and as written for messages).
            case file(path: String, shownAs: String)
        }

        /// The base URL and how to page, filter, group and retry, as the section gives them.
        public var settings: SCIMSettings
        /// Where the bearer token is read when the source is read (`token_env` or `token_file`).
        public var token: TokenSource

        /// A section with these settings and token source, unchecked (parsing is what checks a configuration).
        public init(settings: SCIMSettings, token: TokenSource) {
            self.settings = settings
            self.token = token
        }

        /// The keys allowed under `source` for `kind: scim`.
        static let keys = [
            "kind", "url", "token_env", "token_file", "page_size", "pagination", "filter", "groups", "allow_empty",
            "timeout", "max_retries",
        ]

        init(parsing section: YAMLValue, directory: URL, extraKeys: [String] = []) throws(ConfigError) {
            let keys = try section.mapping(allowed: Self.keys + extraKeys)
            let urlValue = try keys.required("url")
            var settings = SCIMSettings(baseURL: try Self.baseURL(urlValue))
            switch (keys["token_env"], keys["token_file"]) {
            case (let variable?, nil):
                let name = try variable.nonEmptyString()
                if let problem = SecretText.variableNameProblem(name) {
                    throw variable.error(
                        problem,
                        hint: "name the variable that holds the token (e.g. DIRSYNC_SCIM_TOKEN), never the token")
                }
                token = .environment(name)
            case (nil, let file?):
                let written = try file.nonEmptyString()
                token = .file(path: Configuration.resolve(written, against: directory), shownAs: written)
            case (.some, .some):
                throw section.error("give token_env or token_file, not both")
            case (nil, nil):
                throw section.error(
                    "a SCIM source needs token_env or token_file",
                    hint: "for example token_env: DIRSYNC_SCIM_TOKEN (the token itself never goes in this file)")
            }
            if let value = keys["page_size"] { settings.pageSize = try value.int(in: 1...1000) }
            if let value = keys["pagination"] { settings.pagination = try value.choice(SCIMSettings.Pagination.self) }
            if let value = keys["filter"] { settings.filter = try value.nonEmptyString() }
            if let value = keys["groups"] { settings.groups = try value.choice(SCIMSettings.GroupSource.self) }
            if let value = keys["allow_empty"] { settings.allowEmpty = try value.bool() }
            if let value = keys["timeout"] {
                settings.timeout = try value.timeSpan(in: .seconds(1)...TimeSpan.minutes(10)).timeInterval
            }
            if let value = keys["max_retries"] { settings.retry.maxAttempts = try value.int(in: 0...20) + 1 }
            self.settings = settings
        }

        /// An https URL, or http to this machine only: the token must not cross a network in clear text. No
        /// credentials in it, and errors never quote more than the URL without them.
        private static func baseURL(_ value: YAMLValue) throws(ConfigError) -> URL {
            let text = try value.nonEmptyString()
            let example = "the SCIM base URL, e.g. https://idp.example.com/scim/v2"
            guard !SecretText.hasUserInfo(text) else {
                throw value.error(
                    "credentials never go in the URL (the value is not shown)",
                    hint: "give the bearer token with token_env or token_file; the URL is \(example)")
            }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
                !host.isEmpty, ["http", "https"].contains(scheme), url.user == nil, url.password == nil
            else {
                let problem = SecretText.shownURL(text).map { "'\($0)' is not an http(s) URL" }
                throw value.error(
                    problem ?? "the value is not an http(s) URL (it may be a secret, so it is not shown)", hint: example
                )
            }
            guard url.query == nil, url.fragment == nil else {
                throw value.error(
                    "'\(SecretText.shownURL(text) ?? scheme + "://" + host)' has a query or fragment", hint: example)
            }
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
            guard scheme == "https" || loopback else {
                throw value.error(
                    "plain http would send the bearer token in clear text",
                    hint: "use https (http is accepted only for 127.0.0.1 and localhost)")
            }
            return url
        }
    }
}
