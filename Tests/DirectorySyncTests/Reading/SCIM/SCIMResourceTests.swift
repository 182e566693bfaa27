import Testing

@testable import DirectorySync

@Suite struct SCIMResourceTests {
    private func resource(_ json: String) throws -> SCIMResource {
        let object = try #require(try JSONValue.parse(Array(json.utf8)).object)
        return try #require(SCIMResource(object, endpoint: "Users"))
    }

    @Test(arguments: [
        // 1. primary first, even when listed last and of another type
        (#"[{"value":"a@x.io","type":"work"},{"value":"b@x.io","type":"home","primary":true}]"#, ["b@x.io", "a@x.io"]),
        // 2. then work, before earlier entries of other types
        (#"[{"value":"h@x.io","type":"home"},{"value":"w@x.io","type":"Work"}]"#, ["w@x.io", "h@x.io"]),
        // 3. then the others in document order; plain strings count
        (#"["s@x.io",{"value":"o@x.io","type":"other"}]"#, ["s@x.io", "o@x.io"]),
        // several primaries: document order among them
        (#"[{"value":"p1@x.io","primary":"True"},{"value":"p2@x.io","primary":1}]"#, ["p1@x.io", "p2@x.io"]),
        // an empty primary is skipped; repeats (any case) appear once
        (#"[{"value":"","primary":true},{"value":"A@x.io"},{"value":"a@X.io","type":"work"}]"#, ["a@X.io"]),
        // one object instead of a list
        (#"{"value":"one@x.io"}"#, ["one@x.io"]),
        ("null", []),
        ("[]", []),
    ])
    func emailsFollowThePickOrder(_ emails: String, _ expected: [String]) throws {
        let user = try resource(#"{"id":"1","userName":"u","emails":\#(emails)}"#)
        #expect(user.emails == expected)
    }

    @Test func aResourceWithoutIDIsRefused() throws {
        let object = try #require(try JSONValue.parse(Array(#"{"userName":"a","id":"  "}"#.utf8)).object)
        #expect(SCIMResource(object, endpoint: "Users") == nil)
        let numeric = try resource(#"{"id": 42}"#)
        #expect(numeric.id == "42")
        #expect(numeric.location.description == "scim:Users/42")
    }

    @Test func attributesFlattenCoreExtensionsAndUnknownSchemas() throws {
        let user = try resource(
            #"""
            {"id":"2819c223","externalId":701984,"userName":"Bjensen@Example.com","active":"False",
             "name":{"givenName":"Barbara","familyName":"Jensen"},"title":"Tour Guide",
             "emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
             "phoneNumbers":[{"value":"555-555-5555","type":"work"}],
             "groups":[{"value":"e9e30dba","display":"Tour Guides"},{"value":"fc348aa8"}],
             "meta":{"created":"2010-01-23T04:56:22Z"},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations",
               "title":"Not the core title","manager":{"value":"26118915","displayName":"John Smith"}},
             "urn:example:acme:2.0:User":{"badge":4711,"sites":["Lyon","Oslo"]}}
            """#)
        let attributes = user.attributes()
        #expect(attributes["id"] == ["2819c223"])
        #expect(attributes["externalid"] == ["701984"])
        #expect(attributes["username"] == ["Bjensen@Example.com"])
        #expect(attributes["active"] == ["false"])
        #expect(attributes["name.givenname"] == ["Barbara"])
        #expect(attributes["title"] == ["Tour Guide"])  // the core attribute keeps its short name
        #expect(
            attributes["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:title"] == ["Not the core title"])
        #expect(attributes["emails"] == ["bjensen@example.com", "babs@jensen.org"])
        #expect(attributes["emails.type"] == ["work", "home"])
        #expect(attributes["phonenumbers"] == ["555-555-5555"])
        #expect(attributes["groups"] == ["Tour Guides", "fc348aa8"])
        #expect(attributes["groups.value"] == ["e9e30dba", "fc348aa8"])
        #expect(attributes["meta.created"] == ["2010-01-23T04:56:22Z"])
        #expect(attributes["department"] == ["Tour Operations"])
        #expect(attributes["employeenumber"] == ["701984"])
        #expect(attributes["manager"] == ["26118915"])
        #expect(attributes["manager.displayname"] == ["John Smith"])
        #expect(attributes["badge"] == ["4711"])
        #expect(attributes["urn:example:acme:2.0:user:sites"] == ["Lyon", "Oslo"])
        #expect(user.isActive == false)

        let fromGroupsEndpoint = user.attributes(groups: [DirectoryUser.Group(id: "g1", name: "Sign Admins")])
        #expect(fromGroupsEndpoint["groups"] == ["Sign Admins"])
        #expect(fromGroupsEndpoint["groups.value"] == ["g1"])
    }

    /// Flattening only what a mapping reads skips whole subtrees and extensions; for every name it is asked
    /// for, it must give exactly what flattening everything gives.
    @Test(arguments: [
        ["emails", "username", "active", "id"],
        ["emails.type", "emails.value", "name.givenname", "groups", "groups.value"],
        ["manager", "manager.displayname", "department", "title"],
        ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:title", "urn:example:acme:2.0:user:sites"],
        ["urn:example:acme:2.0:user:badge", "sites", "meta.created", "phonenumbers", "name"],
    ])
    func flatteningOnlyWhatTheMappingReadsChangesNoValue(_ names: [String]) throws {
        let user = try resource(
            #"""
            {"id":"7","userName":"Jo@X.io","active":1,"name":{"givenName":"Jo","familyName":"Doe","value":"JD"},
             "title":"Guide","emails":[{"value":"jo@x.io","type":"work"},"alt@x.io"],
             "phoneNumbers":[{"value":"555","type":"work"}],"groups":[{"value":"g1","display":"Ops"}],
             "meta":{"created":"2010-01-23T04:56:22Z"},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops","title":"Other",
               "manager":{"value":"m1","displayName":"Max"}},
             "URN:example:acme:2.0:User":{"badge":4711,"sites":["Lyon","Oslo"]}}
            """#)
        let everything = user.attributes()
        let filtered = user.attributes(only: AttributeFilter(names))
        for name in names {
            #expect(filtered[name] == everything[name], "\(name)")
            #expect(everything[name] != nil || name == "name", "\(name) is in the fixture")
        }
        #expect(filtered["meta.created"] == nil || names.contains("meta.created"))
    }

    @Test func membershipsIncludeNestedGroupsAndIgnoreCycles() throws {
        func group(_ id: String, _ name: String, _ members: String) throws -> SCIMResource {
            try resource(#"{"id":"\#(id)","displayName":"\#(name)","members":[\#(members)]}"#)
        }
        let groups = [
            try group("g-all", "Everyone", #"{"value":"g-eng","type":"Group"},{"value":"u3"}"#),
            try group(
                "g-eng", "Engineering",
                #"{"value":"u1","type":"User"},{"value":"u2"},{"value":"g-loop","type":"Group"}"#),
            try group("g-loop", "Loop", #"{"value":"g-eng","type":"Group"}"#),
            try group("g-adm", "Sign Admins", #"{"value":"u1"}"#),
        ]
        let (memberships, diagnostics) = SCIMClient.memberships(groups, users: ["u1", "u2"])
        // Direct groups first, by name; then the groups they are in, each through the group that led there.
        #expect(memberships["u1"]?.map(\.name) == ["Engineering", "Sign Admins", "Everyone", "Loop"])
        #expect(memberships["u1"]?.map(\.isDirect) == [true, true, false, false])
        #expect(memberships["u1"]?.map(\.via) == [nil, nil, "Engineering", "Engineering"])
        #expect(memberships["u2"]?.map(\.name) == ["Engineering", "Everyone", "Loop"])
        #expect(memberships["g-eng"] == nil)
        // u3 is no user of the listing: Everyone has a member that names nobody.
        #expect(memberships["u3"] == nil)
        #expect(
            diagnostics.map(\.message) == [
                "group 'Everyone': 1 member names no entry of the listing (u3)",
                "groups form a cycle: Engineering ⊂ Loop ⊂ Engineering; each of their members is a member of all of them",
            ])
    }
}
