import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `dirsync serve` as a process: links in real mails open its pages, tokens never reach its log (at trace),
/// SIGTERM stops it cleanly, and bad settings are one line naming the key or flag.
@Suite struct ServeCommandTests {
    /// A socket listening on 127.0.0.1 at a port the kernel picked.
    static func listener() throws -> (socket: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 }
        }
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) == 0 }
        }
        guard bound, named, listen(socket, 1) == 0 else {
            close(socket)
            throw POSIXError(.EADDRINUSE)
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let (socket, port) = try listener()
        close(socket)
        return port
    }

    /// The demo workspace with the pages at `http://127.0.0.1:PORT` (serve.public_url), partner.io account-first.
    static func workspace(port: Int) async throws -> (TemporaryDirectory, CLIProcess) {
        let (folder, cli) = try await AccountFirstTests.workspace()
        var configuration = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        configuration = configuration.replacingOccurrences(
            of: "  accept_url: \"https://sign.acme.com/invitations/accept?token={token}\"\n", with: "")
        configuration += "\nserve: { public_url: \"http://127.0.0.1:\(port)/\" }\n"
        try configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, cli)
    }

    /// `url`'s status and body; nil while nothing listens.
    static func fetch(_ url: String, method: String = "GET", body: String? = nil, cookie: String? = nil) async
        -> (status: Int, body: String, headers: [AnyHashable: Any])?
    {
        guard let url = URL(string: url) else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        if let cookie { request.setValue("dirsync_csrf=\(cookie)", forHTTPHeaderField: "Cookie") }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.allHeaderFields)
    }

    /// Waits until the server answers `/healthz` (an upper bound, not a measurement).
    static func waitUntilServing(_ base: String) async throws {
        for _ in 0..<600 {
            if let health = await fetch(base + "/healthz"), health.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeError.notServing(base)
    }

    enum ServeError: Error { case notServing(String) }

    static func link(in message: String, path: String) -> String? {
        guard let start = message.range(of: "http://127.0.0.1:") else { return nil }
        let rest = message[start.lowerBound...]
        let link = String(rest.prefix { !$0.isWhitespace && $0 != "\"" && $0 != "<" })
        return link.contains(path) ? link : nil
    }

    @Test func linksInRealMailsOpenThePagesAndTokensNeverReachTheLog() async throws {
        let port = try Self.freePort()
        let (folder, cli) = try await Self.workspace(port: port)
        let base = "http://127.0.0.1:\(port)"
        let sent = try await cli.run(["invitations", "send", "bo@acme.com", "--role", "viewer", "--first-name", "Bo"])
        #expect(sent.status == 0, "\(sent)")
        let account = try await cli.run(["invitations", "send", "new@partner.io", "--role", "viewer"])
        #expect(account.status == 0, "\(account)")
        let invitation = try #require(try AccountFirstTests.mail(folder, to: "bo@acme.com").last)
        let link = try #require(Self.link(in: invitation, path: "/invitations/accept?token="), "\(invitation)")
        #expect(link.hasPrefix("\(base)/invitations/accept?token="), "accept_url defaults to serve.public_url")
        #expect(!link.contains("first_name"), "the pages read names from the store, not the link")
        let token = try #require(URLComponents(string: link)?.queryItems?.first { $0.name == "token" }?.value)
        let accountMail = try #require(try AccountFirstTests.mail(folder, to: "new@partner.io").last)
        #expect(accountMail.contains("\(base)/access/request"), "the account invitation names the request page")

        let server = try cli.start(["serve", "--listen", "127.0.0.1:\(port)", "--log-level", "trace"])
        // However the test ends, the server does not outlive it.
        defer { if server.process.isRunning { server.kill(SIGKILL) } }
        do { try await Self.waitUntilServing(base) } catch {
            server.kill(SIGKILL)
            Issue.record("dirsync serve did not start: \(await server.finish())")
            return
        }
        let page = try #require(await Self.fetch(link))
        #expect(page.status == 200)
        #expect(page.body.contains("<h1>Join Acme Corp</h1>"))
        let cookie = try #require(
            (page.headers["Set-Cookie"] as? String)?.split(separator: ";").first?.split(separator: "=").last)
        let csrf = try #require(
            page.body.firstMatch(of: try Regex("name=\"csrf\" value=\"([0-9a-f]+)\""))?.output[1].substring)
        let accepted = try #require(
            await Self.fetch(
                base + "/invitations/accept", method: "POST", body: "token=\(token)&csrf=\(csrf)&family_name=Lee",
                cookie: String(cookie)))
        #expect(accepted.status == 200, "\(accepted.body)")
        #expect(await Self.fetch(base + "/invitations/accept?token=\(InvitationToken.generate().text)")?.status == 410)
        server.kill(SIGTERM)
        let stopped = await server.finish()
        #expect(stopped.status == 0, "SIGTERM stops it cleanly: \(stopped)")
        #expect(stopped.stderr.contains("GET /invitations/accept 200"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("POST /invitations/accept 200"))
        #expect(!stopped.stderr.contains(token) && !stopped.stdout.contains(token), "no token in any log line")
        #expect(!stopped.stderr.contains("token="))
        let shown = try await cli.run(["members", "show", "bo@acme.com", "--format", "json"])
        #expect(
            shown.stdout.contains("\"family_name\" : \"Lee\"") || shown.stdout.contains("\"family_name\":\"Lee\""),
            "\(shown)")
    }

    @Test func badServeSettingsAreOneLineNamingTheKeyOrFlag() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        // A port something else holds: this test's own listener.
        let holder = try Self.listener()
        defer { close(holder.socket) }
        let busy = try await cli.run(["serve", "--listen", "127.0.0.1:\(holder.port)"])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("cannot listen on 127.0.0.1:\(holder.port): the address is in use"), "\(busy)")
        let flag = try await cli.run(["serve", "--listen", "example.com:80"])
        #expect(flag.status != 0)
        #expect(flag.stderr.contains("--listen example.com:80: the host must be an IP address or localhost"), "\(flag)")
        for (setting, words) in [
            ("serve: { listen: \"127.0.0.1:99999\" }", "the port must be a number from 0 to 65535"),
            ("serve: { public_url: \"ftp://join.example.com\" }", "must be an http or https URL"),
            ("serve: { public_url: \"https://join.example.com/?x=1\" }", "must be an http or https URL"),
            ("serve: { listen: \"127.0.0.1:8080\", port: 1 }", "port"),
        ] {
            let original = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            try (original + "\n" + setting + "\n").write(
                to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
            let result = try await cli.run(["serve"])
            #expect(result.status != 0, "\(setting)")
            #expect(result.stderr.contains("dirsync.yaml:"), "names the file and line: \(result)")
            #expect(result.stderr.contains(words), "\(setting): \(result)")
            try original.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        }
    }
}
