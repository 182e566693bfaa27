import DirectorySyncCurl
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Against real scim2-server instances started and loaded by `scripts/test` (scripts/scim-server): one with
/// the default configuration (index paging only), one announcing RFC 9865 cursors; both hold 2,500 users of
/// `scripts/lib/scim_load.py` and their groups, behind a bearer token.
@Suite struct SCIMServerTests {
    private func client(
        _ server: SCIMTestServer, token: SCIMToken? = nil, _ configure: (inout SCIMSettings) -> Void = { _ in }
    ) throws -> (SCIMClient, SCIMTransport) {
        var settings = SCIMSettings(baseURL: server.baseURL)
        configure(&settings)
        let transport = SCIMTransport(
            token: try token ?? SCIMToken.fromFile(server.tokenFile), http: CurlHTTPTransport())
        return (SCIMClient(settings: settings, transport: transport), transport)
    }

    /// Checks every user against what the loader created: the quirks are every 10th user without a primary
    /// email, every 7th inactive, every 13th with a second (home) email.
    private func expectLoaderUsers(_ directory: SCIMDirectory, count: Int) throws {
        #expect(directory.users.count == count)
        let byName = Dictionary(directory.users.map { ($0.userName ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName.count == count)
        #expect(Set(directory.users.map(\.id)).count == count)
        for i in 1...count {
            let name = String(format: "user%05d@example.com", i)
            let user = try #require(byName[name], "\(name) missing")
            var emails = [name]
            if i % 13 == 0 { emails.append("u\(i)@personal.example") }
            #expect(user.emails == emails, "\(name)")
            #expect(user.isActive == (i % 7 != 0), "\(name)")
            #expect(user.externalId == "ext-\(i)")
            #expect(user.givenName == "Given\(i)")
            #expect(user.familyName == "Family\(i)")
            let attributes = user.attributes()
            let departments = ["Engineering", "Sales", "Support", "Finance", "Legal", "HR"]
            #expect(attributes["department"] == [departments[i % 6]], "\(name)")
            #expect(attributes["employeenumber"] == [String(format: "E%05d", i)])
            #expect(user.location.description == "scim:Users/\(user.id)")
        }
    }

    @Test func indexModeReadsEveryUserWithTheLoaderQuirksAndGroupsFromTheGroupsEndpoint() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        let (client, transport) = try client(server)
        defer { transport.close() }
        let pages = ProgressLog()
        let directory = try await client.readUsers(wantsGroups: true) { pages.append($0) }
        try expectLoaderUsers(directory, count: server.users)
        #expect(directory.pagination == "index")
        #expect(directory.total == server.users)
        // 100 per page, then the empty page that ends an index listing.
        #expect(directory.pages == (server.users + 99) / 100 + 1)
        let userProgress = pages.entries.filter { $0.endpoint == "/Users" }
        #expect(userProgress.map(\.pages) == Array(1...directory.pages))
        #expect(userProgress.last?.received == server.users)
        #expect(userProgress.last?.total == server.users)

        // scim2-server does not fill User.groups, so memberships come from /Groups.
        let groupsByUser = try #require(directory.groupsByUser)
        for user in directory.users {
            let number = Int(user.userName?.dropFirst(4).prefix(5) ?? "") ?? 0
            let names = Set(directory.groups(of: user)?.map(\.name) ?? [])
            var expected: Set = [["Engineering", "Sales", "Support", "Finance", "Legal", "HR"][number % 6]]
            if number % 100 == 0 { expected.insert("Sign Admins") }
            #expect(names == expected, "\(user.userName ?? user.id)")
        }
        #expect(groupsByUser.values.map(\.count).reduce(0, +) == server.users + server.users / 100)
    }

    @Test func cursorModeWithATokenReadsEveryUser() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_CURSOR")
        let (client, transport) = try client(server) { $0.pageSize = 500 }
        defer { transport.close() }
        let discovery = try await client.discover()
        #expect(discovery.supportsCursor)
        #expect(discovery.maxPageSize == 100)
        let directory = try await client.readUsers(wantsGroups: false)
        try expectLoaderUsers(directory, count: server.users)
        #expect(directory.pagination == "cursor")
        // count capped to the announced maxPageSize: 100 per page, the last page without nextCursor.
        #expect(directory.pages == (server.users + 99) / 100)
        #expect(directory.groupsByUser == nil)
    }

    @Test func aFilterAndAttributesScopeAnIndexReadOfTheCursorServer() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_CURSOR")
        let (client, transport) = try client(server) {
            $0.filter = "active eq false"
            $0.pagination = .index
            $0.pageSize = 500
        }
        defer { transport.close() }
        let directory = try await client.readUsers(attributes: ["userName", "emails", "active"], wantsGroups: false)
        #expect(directory.pagination == "index")
        // count capped to 100 by the announced maxPageSize; then the empty page.
        #expect(directory.pages == (server.users / 7 + 99) / 100 + 1)
        #expect(directory.users.count == server.users / 7)
        #expect(directory.users.allSatisfy { $0.isActive == false })
        #expect(directory.users.allSatisfy { $0.displayName == nil && $0.emails.count >= 1 })
    }

    @Test func cursorPaginationOnAServerWithoutCursorsIsAnError() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        let (client, transport) = try client(server) { $0.pagination = .cursor }
        defer { transport.close() }
        await #expect(throws: SCIMError.self) { try await client.readUsers(wantsGroups: false) }
        do {
            _ = try await client.readUsers(wantsGroups: false)
        } catch {
            guard case .cursorNotSupported(let location) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(location.url.contains("cursor=&count=100"))
        }
    }

    @Test(arguments: ["DIRSYNC_TEST_SCIM_INDEX", "DIRSYNC_TEST_SCIM_CURSOR"])
    func aWrongTokenStopsAtOnceWith401Explained(_ variable: String) async throws {
        let server = try SCIMTestServer.named(variable)
        let (client, transport) = try client(server, token: SCIMToken("not-the-token"))
        defer { transport.close() }
        do {
            _ = try await client.readUsers(wantsGroups: false)
            Issue.record("read with a wrong token")
        } catch {
            guard case .unauthorized(401, let location, let detail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(location.page == nil)  // discovery, before any page of users
            #expect(detail?.contains("Authorization failure") == true)
            #expect(error.description.contains("401 (the token was refused)"))
            #expect(error.hint?.contains("source.token_env or source.token_file") == true)
            #expect(!error.description.contains("not-the-token"))
        }
    }
}

/// Progress reports collected from a listing.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [SCIMProgress] = []

    func append(_ progress: SCIMProgress) { lock.withLock { recorded.append(progress) } }
    var entries: [SCIMProgress] { lock.withLock { recorded } }
}
