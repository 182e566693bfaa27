import Foundation
import Testing

@testable import DirectorySync

/// The SCIM source's choices that need no server: the attributes it asks for, and the shipped presets.
@Suite struct SCIMSourceTests {
    @Test func aNameOutsideTheCoreAndEnterpriseSchemasAsksForEverything() throws {
        let mapping = try Mapping.parse("anchor: id\nemail: emails\nattributes: [badge]\n", file: "m.yaml")
        #expect(SCIMSource.requestedAttributes(for: mapping.projection) == [])
    }

    @Test func entraGuestsAreExcluded() throws {
        let mapper = Mapper(mapping: try Mapping.preset("entra-scim"))
        let guest = DirectoryEntry(
            location: SourceLocation(source: "scim", record: "users/1"),
            strings: ["id": ["1"], "username": ["x_ext#EXT#@acme.onmicrosoft.com"], "usertype": ["Guest"]])
        guard case .skipped(_, .excluded) = mapper.map(guest) else {
            Issue.record("a guest was not excluded")
            return
        }
        let member = DirectoryEntry(
            location: SourceLocation(source: "scim", record: "users/2"),
            strings: ["id": ["2"], "emails": ["bo@acme.com"], "username": ["bo@acme.com"], "usertype": ["Member"]])
        guard case .user(let user, _) = mapper.map(member) else {
            Issue.record("a member was skipped")
            return
        }
        #expect(user.email?.canonical == "bo@acme.com")
    }
}
