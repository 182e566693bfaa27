import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// How the planner reconciles grants: what the grant rules give is granted (at a join, or to a managed
/// member), what dirsync made and the rules no longer give is taken away, and nothing else is touched.
@Suite struct GrantPlanningTests {
    static let rules: AccessRules = {
        var rules = standardRules
        rules.catalog = AccessCatalog(roles: [.init(name: "signer")], accounts: ["EU"])
        rules.grants = [
            GrantRule(grants: [Grant(role: "signer")], conditions: [.group("Legal")], label: "access.grants[0]"),
            GrantRule(
                grants: [Grant(role: "account-admin", account: "EU")], conditions: [.group("EU Admins")],
                label: "access.grants[1]"),
        ]
        return rules
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var directory: [DirectoryUser]
        var members: [Member] = []
        /// Grants held before the plan, by member position in `members` (0 is the first after the owner).
        var held: [(Int, Grant, managed: Bool)] = []
        /// These cases apply new access at once (`OfferPlanningTests` covers offering it).
        var policy = SyncPolicy(maxDeletions: 50, maxDeletionRatio: 1, newAccess: .apply)
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a joiner joins with the grants the rules give",
            directory: [.user("bo@acme.com", groups: ["Legal", "EU Admins"])],
            expected: ["join bo@acme.com member [signer, account-admin@EU]"]),
        Case(
            name: "a managed member is given what is missing",
            directory: [.user("bo@acme.com", groups: ["Legal", "EU Admins"])], members: [.member("bo@acme.com")],
            held: [(0, Grant(role: "signer"), true)], expected: ["grant bo@acme.com member [account-admin@EU]"]),
        Case(
            name: "a grant dirsync made that the rules no longer give is taken away",
            directory: [.user("bo@acme.com")], members: [.member("bo@acme.com")],
            held: [(0, Grant(role: "signer"), true)], expected: ["ungrant bo@acme.com member [signer]"]),
        Case(
            name: "a grant made by hand stays",
            directory: [.user("bo@acme.com")], members: [.member("bo@acme.com")],
            held: [(0, Grant(role: "signer"), false)], expected: []),
        Case(
            name: "a grant the rules give that is held by hand is not given twice",
            directory: [.user("bo@acme.com", groups: ["Legal"])], members: [.member("bo@acme.com")],
            held: [(0, Grant(role: "signer"), false)], expected: []),
        Case(
            name: "a member added by hand keeps their grants as they are",
            directory: [.user("bo@acme.com", groups: ["Legal"])], members: [.member("bo@acme.com", managed: false)],
            policy: SyncPolicy(adoptExisting: false, maxDeletions: 50, maxDeletionRatio: 1, newAccess: .apply),
            expected: []),
        Case(
            name: "grants follow a role change",
            directory: [.user("bo@acme.com", groups: ["Sign Admins", "Legal"])], members: [.member("bo@acme.com")],
            expected: ["change_role bo@acme.com member→admin", "grant bo@acme.com admin [signer]"]),
        Case(
            name: "an offboarded member's grants go with the downgrade",
            directory: [.user("cy@acme.com")], members: [.member("bo@acme.com", role: .admin)],
            held: [(0, Grant(role: "signer"), true), (0, Grant(role: "signer", account: "EU"), false)],
            policy: SyncPolicy(offboarding: .downgrade, maxDeletions: 50, maxDeletionRatio: 1, newAccess: .apply),
            expected: [
                "downgrade bo@acme.com admin→viewer", "ungrant bo@acme.com viewer [signer]", "join cy@acme.com member",
            ]),
    ]

    /// `email` as a managed member whose access was removed a day before `testEpoch`.
    static func withoutAccess(_ email: String) -> Member {
        var member = Member.member(email)
        member.role = .viewer
        member.accessRemovedAt = testEpoch.adding(hours: -24)
        return member
    }

    static let removeAccess = SyncPolicy(
        offboarding: .removeAccess, maxDeletions: 50, maxDeletionRatio: 1, newAccess: .apply)

    static let accessCases: [Case] = [
        Case(
            name: "remove_access takes a departed member's role and every grant, by hand or not, in one change",
            directory: [.user("cy@acme.com")], members: [.member("bo@acme.com", role: .admin)],
            held: [(0, Grant(role: "signer"), true), (0, Grant(role: "signer", account: "EU"), false)],
            policy: removeAccess, expected: ["remove_access bo@acme.com admin", "join cy@acme.com member"]),
        Case(
            name: "a departed member without access is left as they are",
            directory: [.user("cy@acme.com")], members: [withoutAccess("bo@acme.com")], policy: removeAccess,
            expected: ["join cy@acme.com member"]),
        Case(
            name: "a member without access whom the directory wants again regains the role and the grants",
            directory: [.user("bo@acme.com", groups: ["Legal"])], members: [withoutAccess("bo@acme.com")],
            policy: removeAccess, expected: ["restore_access bo@acme.com member [signer]"]),
        Case(
            name: "remove as the policy removes a member without access too",
            directory: [.user("cy@acme.com")], members: [withoutAccess("bo@acme.com")],
            expected: ["remove bo@acme.com viewer", "join cy@acme.com member"]),
    ]

    @Test(arguments: accessCases)
    func plansAccessRemoval(_ scenario: Case) throws {
        try plans(scenario)
    }

    @Test func aMemberWithoutAccessHoldsNoSeat() throws {
        let numbered = Build.snapshot(seats: 2, members: [Self.withoutAccess("bo@acme.com")])
        let plan = try Planner.plan(
            desired: DesiredState(
                from: Build.contents([.user("bo@acme.com"), .user("cy@acme.com")]), rules: Self.rules),
            snapshot: numbered, policy: Self.removeAccess, lastSourceUsers: nil, now: testEpoch)
        #expect(plan.basis.seatsUsed == 1)
        // One seat is free: the higher role, then the address, decides who gets it.
        #expect(
            plan.changes.map(\.compact).sorted() == ["defer cy@acme.com member", "restore_access bo@acme.com member"])
    }

    @Test(arguments: cases)
    func plans(_ scenario: Case) throws {
        let numbered = Build.snapshot(members: scenario.members)
        let grants = scenario.held.map { position, grant, managed in
            MemberGrant(
                member: numbered.members[position + 1].id, grant: grant, isManaged: managed, grantedAt: testEpoch)
        }
        let snapshot = OrganizationSnapshot(
            organization: numbered.organization, members: numbered.members, invitations: [], grants: grants)
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(scenario.directory), rules: Self.rules), snapshot: snapshot,
            policy: scenario.policy, lastSourceUsers: nil, now: testEpoch)
        #expect(plan.applicableChanges.map(\.compact).sorted() == scenario.expected.sorted())
    }

    @Test func takingGrantsAwayCountsTowardTheDeletionLimit() throws {
        let members = (0..<4).map { Member.member("p\($0)@acme.com") }
        let numbered = Build.snapshot(members: members)
        let grants = numbered.members.dropFirst().map {
            MemberGrant(member: $0.id, grant: Grant(role: "signer"), isManaged: true, grantedAt: testEpoch)
        }
        let snapshot = OrganizationSnapshot(
            organization: numbered.organization, members: numbered.members, invitations: [], grants: grants)
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(members.map { .user($0.email.canonical) }), rules: Self.rules),
            snapshot: snapshot, policy: SyncPolicy(maxDeletions: 2, maxDeletionRatio: 1), lastSourceUsers: nil,
            now: testEpoch)
        #expect(plan.deletionCount == 4)
        #expect(
            plan.blocked?.reason.contains("ungrants 4 people, more than the limit of 2") == true,
            "\(plan.blocked as Any)")
    }
}
