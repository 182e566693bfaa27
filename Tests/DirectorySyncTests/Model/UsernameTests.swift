import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The username rules: what a username may be, how one is derived from an email, how a collision is resolved,
/// and how a plan assigns them (by anchor; the directory's never changed).
@Suite struct UsernameTests {
    @Test(arguments: [
        ("ann@acme.com", "ann"), ("Ann.Lee+Sales@acme.com", "ann.leesales"), ("_bo-x@acme.com", "bo-x"),
        ("o'brien@acme.com", "obrien"), ("üñí@acme.com", "user"), ("9lives@acme.com", "9lives"),
    ])
    func aUsernameIsDerivedFromTheLocalPart(_ email: String, _ expected: String) {
        #expect(Username.derived(from: Build.email(email)).text == expected)
    }

    @Test func aLongLocalPartIsCutAt64() {
        let derived = Username.derived(from: Build.email(String(repeating: "a", count: 64) + "@acme.com"))
        #expect(derived.text.count == 64)
        let suffixed = Username.free(derived) { $0 == derived }
        #expect(suffixed.text.count == 64 && suffixed.text.hasSuffix("1"))
    }

    @Test(
        arguments: [
            ("Ann.Lee", "ann.lee", nil), ("", nil, "it is empty"), ("ann lee", nil, "' ' is not allowed"),
            (".ann", nil, "must start with a letter or a digit"), ("a\u{1B}b", nil, "U+001B is not allowed"),
            (String(repeating: "x", count: 65), nil, "longer than 64"),
        ] as [(String, String?, String?)])
    func aGivenUsernameIsCheckedAndLowerCased(_ text: String, _ expected: String?, _ problem: String?) {
        do {
            let username = try Username(text)
            #expect(username.text == expected)
        } catch {
            #expect(problem.map { error.description.contains($0) } == true, "\(error.description)")
        }
    }

    @Test func aCollisionTakesTheSmallestFreeSuffix() {
        let taken: Set<String> = ["ann", "ann1", "ann3"]
        #expect(
            Username.free(Username.derived(from: Build.email("ann@x.io"))) { taken.contains($0.text) }.text == "ann2")
    }

    static let rules = AccessRules(
        autoJoinDomains: ["acme.com", "acme.org"], autoJoinRole: .member, allowedDomains: ["partner.io"],
        roles: [RoleRule(role: .viewer, conditions: [], label: "roles[0]")])

    private func plan(_ directory: [DirectoryUser], members: [Member] = []) throws -> Plan {
        try Planner.plan(
            desired: DesiredState(from: Build.contents(directory), rules: Self.rules),
            snapshot: Build.snapshot(members: members), policy: SyncPolicy(maxDeletionRatio: 1), lastSourceUsers: nil,
            now: testEpoch)
    }

    private func user(_ email: String, anchor: String, username: String? = nil) throws -> DirectoryUser {
        var user = DirectoryUser.user(email, anchor: anchor)
        user.username = try username.map { try Username($0) }
        return user
    }

    @Test func derivedUsernamesThatCollideAreSuffixedInAnchorOrder() throws {
        let plan = try plan(
            [
                try user("ann@acme.com", anchor: "b"), try user("ann@partner.io", anchor: "a"),
                try user("ann@acme.org", anchor: "c"),
            ], members: [.member("ann@old.example")])
        let usernames = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.email.canonical, $0.username?.text) })
        // The member holds `ann`; anchor a comes before b.
        #expect(usernames["ann@partner.io"] == "ann1")
        #expect(usernames["ann@acme.com"] == "ann2")
        #expect(usernames["ann@acme.org"] == "ann3")
    }

    @Test func aUsernameFromTheDirectoryIsNeverChangedAndACollisionLeavesThePersonOut() throws {
        let plan = try plan(
            [
                try user("bo@acme.com", anchor: "b", username: "boss"),
                try user("cy@acme.com", anchor: "a", username: "boss"),
                try user("dee@acme.com", anchor: "d", username: "owner"),
            ])
        #expect(plan.changes.map(\.email.canonical) == ["cy@acme.com"])
        #expect(plan.changes.first?.username?.text == "boss")
        let messages = plan.diagnostics.map(\.message)
        #expect(
            messages.contains {
                $0.contains("bo@acme.com is left out: the directory gives the username boss, which cy@acme.com holds")
            })
        #expect(messages.contains { $0.contains("dee@acme.com is left out") && $0.contains("owner@acme.com") })
    }

    @Test func aMembersUsernameStaysWhenTheDirectoryChangesIt() throws {
        let plan = try plan(
            [try user("bo@acme.com", anchor: "id-bo", username: "robert")], members: [.member("bo@acme.com")])
        #expect(plan.changes.allSatisfy { $0.username == nil }, "\(plan.changes.map(\.compact))")
        #expect(plan.diagnostics.contains { $0.message.contains("dirsync keeps bo (a username never changes") })
    }

    /// A directory that starts giving usernames to a million existing members must not write a million notes
    /// into the plan: the first twenty are listed, the rest counted.
    @Test func usernamesKeptForManyMembersAreListedOnceEachUpToALimitThenCounted() throws {
        let plan = try plan(
            try (0..<45).map { try user("u\($0)@acme.com", anchor: "id-\($0)", username: "new-\($0)") },
            members: (0..<45).map { .member("u\($0)@acme.com") })
        let kept = plan.diagnostics.filter { $0.message.contains("a username never changes") }
        #expect(kept.count == 20)
        #expect(
            plan.diagnostics.contains { $0.message == "25 more of this kind not listed (username kept: 45 in all)" })
    }
}
