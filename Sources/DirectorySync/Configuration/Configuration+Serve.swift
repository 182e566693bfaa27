import Foundation

extension Configuration {
    /// The `serve` section: where `dirsync serve` listens and the address people reach it at.
    public struct ServeSection: Sendable, Equatable {
        /// Where to listen: `127.0.0.1:8080` unless told (loopback, for a reverse proxy in front).
        public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
        /// The public base URL of the pages, without a trailing slash (`https://join.example.com`); when set,
        /// `mail.accept_url` defaults to `{public_url}/invitations/accept?token={token}`.
        public var publicURL: String?
        /// Whether the right-most `X-Forwarded-For` entry names the client (behind a reverse proxy that sets it).
        public var trustForwardedFor = false

        /// The section of a file without `serve`.
        public init() {}
    }

    /// A host and port to listen on.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        /// An IPv4 or IPv6 address, or `localhost`.
        public var host: String
        /// 0 (any free port) to 65535.
        public var port: Int

        /// `host:port`, as given.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `127.0.0.1:8080`, `[::1]:8080`, `localhost:0`; nil for anything else, with why.
        public static func parse(_ text: String) -> Result<ListenAddress, Problem> {
            let host: Substring
            let port: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                    return .failure(Problem(text: "write an IPv6 address as [::1]:8080"))
                }
                host = text[text.index(after: text.startIndex)..<close]
                port = text[text.index(close, offsetBy: 2)...]
            } else {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    return .failure(Problem(text: "write it as host:port, e.g. 127.0.0.1:8080"))
                }
                host = parts[0]
                port = parts[1]
            }
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), let number = Int(port),
                (0...65535).contains(number)
            else { return .failure(Problem(text: "the port must be a number from 0 to 65535")) }
            let isAddress =
                host == "localhost"
                || (!host.isEmpty && host.count <= 45 && host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" })
            guard isAddress else {
                return .failure(Problem(text: "the host must be an IP address or localhost (not a name to resolve)"))
            }
            return .success(ListenAddress(host: String(host), port: number))
        }

        /// Why a listen address was refused.
        public struct Problem: Error, Sendable {
            /// The reason, for an error message.
            public let text: String
        }

        /// `host:port`, with IPv6 in brackets.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    static func parseServe(_ section: YAMLValue) throws(ConfigError) -> ServeSection {
        let keys = try section.mapping(allowed: ["listen", "public_url", "trust_forwarded_for"])
        var serve = ServeSection()
        if let value = keys["listen"] {
            switch ListenAddress.parse(try value.nonEmptyString()) {
            case .success(let address): serve.listen = address
            case .failure(let problem): throw value.error(problem.text)
            }
        }
        if let value = keys["public_url"] {
            var text = try value.nonEmptyString()
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false, url.query == nil, url.fragment == nil, !text.contains("{")
            else {
                throw value.error("must be an http or https URL without a query, e.g. https://join.example.com")
            }
            while text.hasSuffix("/") { text.removeLast() }
            serve.publicURL = text
        }
        if let value = keys["trust_forwarded_for"] { serve.trustForwardedFor = try value.bool() }
        return serve
    }
}
