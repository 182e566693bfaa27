import DirectorySyncCurl
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The SCIM source end to end in the library: configuration section, token, client over libcurl, flattening
/// and the shipped presets, against recorded quirks and the real scim2-server.
@Suite struct SCIMSourceReadTests {
    private func section(_ url: URL, token: Configuration.SCIMSourceSection.TokenSource, pageSize: Int = 100)
        -> Configuration.SCIMSourceSection
    {
        Configuration.SCIMSourceSection(settings: SCIMSettings(baseURL: url, pageSize: pageSize), token: token)
    }

    @Test func theScimPresetMapsTheQuirkyUsersOfTheRecording() async throws {
        let server = try SCIMReplayServer(scenario: "lenient-values")
        var section = section(server.baseURL, token: .environment("TOKEN"), pageSize: 5)
        section.settings.groups = .user  // the recording has no /Groups
        let source = SCIMSource(
            section, http: CurlHTTPTransport(), environment: ["TOKEN": "t"], pacing: ImmediatePacing().pacing)
        let contents = try await source.read(mapping: try Mapping.preset("scim"))
        #expect(contents.counts.entries == 14)
        let byName = Dictionary(
            uniqueKeysWithValues: contents.users.map { ($0.attributes["username"]?.first ?? "", $0) })
        func user(_ number: Int) throws -> DirectoryUser {
            try #require(byName[String(format: "user%05d@example.com", number)])
        }
        #expect(try user(1).isActive)  // "True"
        #expect(try !user(2).isActive)  // "False"
        #expect(try !user(4).isActive)  // 0
        #expect(try user(5).isActive)  // absent: not disabled
        #expect(try user(7).email?.canonical == "second.choice@example.com")  // the first of two primaries
        #expect(try user(8).email?.canonical == "user00008@example.com")  // a plain string
        #expect(try user(12).email?.canonical == "user00012@example.com")  // no emails: userName
        #expect(try user(13).attributes["manager"] == ["0000dead0000beef"])
        #expect(try user(1).anchor == user(1).location.record?.replacingOccurrences(of: "Users/", with: ""))
        #expect(try user(3).givenName == "Given3")
        #expect(try user(3).displayName == "Given3 Family3")

        let pages = try await server.requests().filter { $0.path == "/v2/Users" }
        let asked = try #require(pages.first?.query["attributes"]?.first)
        #expect(
            asked.split(separator: ",").map(String.init) == [
                "active", "displayname", "emails", "externalid", "groups", "id", "name", "title",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costcenter",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeenumber",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization", "username", "usertype",
            ])
    }

    @Test func theRealServersUsersMapWithTheScimPreset() async throws {
        let server = try SCIMTestServer.named("DIRSYNC_TEST_SCIM_INDEX")
        let source = SCIMSource(
            section(server.baseURL, token: .file(path: server.tokenFile, shownAs: "token")), http: CurlHTTPTransport())
        let contents = try await source.read(mapping: try Mapping.preset("scim"))
        #expect(contents.counts.entries == server.users)
        #expect(contents.counts.users == server.users)
        #expect(contents.counts.skipped == 0)
        #expect(contents.counts.disabled == server.users / 7)
        #expect(contents.users.filter { $0.email == nil }.isEmpty)
        for user in contents.users {
            let name = try #require(user.attributes["username"]?.first)
            let number = try #require(Int(name.dropFirst(4).prefix(5)))
            #expect(user.email?.canonical == name, "every 10th has no primary, every 13th a second email")
            #expect(user.isActive == (number % 7 != 0))
            #expect(user.anchor.count == 32)
            let groups = Set(user.groups.map(\.name))
            #expect(groups.contains("Sign Admins") == (number % 100 == 0))
            #expect(user.attributes["department"]?.count == 1)
            #expect(groups.contains(user.attributes["department"]?.first ?? "-"))
        }
    }
}
