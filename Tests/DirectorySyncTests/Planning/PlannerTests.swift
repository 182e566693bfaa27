import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The rules most scenarios use: acme.com auto-joins as member, partner.io is invited as viewer, and the
/// Sign Admins group makes anyone an admin.
let standardRules = AccessRules(
    autoJoinDomains: ["acme.com"], autoJoinRole: .member, allowedDomains: ["partner.io"],
    roles: [
        RoleRule(role: .admin, conditions: [.group("Sign Admins")], label: "roles[0]"),
        RoleRule(role: .viewer, conditions: [.domain(["partner.io"])], label: "roles[1]"),
    ])

/// Titles starting with "VP ".
let vicePresident: RoleRule.Pattern = {
    guard let pattern = try? RoleRule.Pattern("^VP ") else { preconditionFailure("bad pattern") }
    return pattern
}()

/// A lenient deletion limit, so scenarios about other actions are never blocked.
/// New access applies at once here: these tables are about who gets which role (`OfferPlanningTests` covers
/// offering it, the default).
let lenient = SyncPolicy(maxDeletions: 50, maxDeletionRatio: 1.0, newAccess: .apply)

struct Scenario: Sendable, CustomTestStringConvertible {
    let name: String
    var directory: [DirectoryUser]
    var members: [Member] = []
    var invitations: [Invitation] = []
    var seats = 100
    var rules = standardRules
    var policy = lenient
    var lastSourceUsers: Int? = nil
    let expected: [String]
    var blocked: String? = nil
    var mail = MailCapabilities.folder

    var testDescription: String { name }

    func plan() throws -> Plan {
        try Planner.plan(
            desired: DesiredState(from: Build.contents(directory), rules: rules),
            snapshot: Build.snapshot(seats: seats, members: members, invitations: invitations), policy: policy,
            lastSourceUsers: lastSourceUsers, now: testEpoch, mail: mail)
    }
}

@Suite struct PlannerTests {
    static let scenarios: [Scenario] = [
        // Joining and inviting
        Scenario(
            name: "an auto-join person joins", directory: [.user("bo@acme.com")], expected: ["join bo@acme.com member"]),
        Scenario(
            name: "an allowed-domain person is invited", directory: [.user("cy@partner.io")],
            expected: ["invite cy@partner.io viewer"]),
        Scenario(
            name: "a group grants admin", directory: [.user("bo@acme.com", groups: ["Sign Admins"])],
            expected: ["join bo@acme.com admin"]),
        Scenario(
            name: "a group matches by DN, ignoring case", directory: [.user("bo@acme.com", groups: ["Sign Admins"])],
            rules: AccessRules(
                autoJoinDomains: ["acme.com"],
                roles: [
                    RoleRule(
                        role: .admin, conditions: [.group("CN=sign admins, OU=Groups, DC=acme, DC=com")],
                        label: "roles[0]")
                ]),
            expected: ["join bo@acme.com admin"]),
        Scenario(name: "another domain is skipped", directory: [.user("zed@gmail.com")], expected: []),
        Scenario(
            name: "an invitee no rule matches is skipped", directory: [.user("cy@partner.io")],
            rules: AccessRules(autoJoinDomains: ["acme.com"], allowedDomains: ["partner.io"]), expected: []),
        Scenario(
            name: "a subdomain wildcard is allowed", directory: [.user("cy@eu.partner.io")],
            rules: AccessRules(
                allowedDomains: ["*.partner.io"], roles: [RoleRule(role: .viewer, conditions: [], label: "roles[0]")]),
            expected: ["invite cy@eu.partner.io viewer"]),
        Scenario(
            name: "attribute rules: in and matches",
            directory: [
                .user("bo@acme.com", attributes: ["department": ["legal"]]),
                .user("cy@acme.com", attributes: ["title": ["VP Sales"]]),
            ],
            rules: AccessRules(
                autoJoinDomains: ["acme.com"], autoJoinRole: .viewer,
                roles: [
                    RoleRule(
                        role: .member, conditions: [.attribute("Department", .isOneOf(["Legal", "Sales"]))],
                        label: "roles[0]"),
                    RoleRule(
                        role: .admin, conditions: [.attribute("title", .matches(vicePresident))], label: "roles[1]"
                    ),
                ]),
            expected: ["join bo@acme.com member", "join cy@acme.com admin"]),
        Scenario(
            name: "a disabled newcomer is not invited",
            directory: [.user("cy@partner.io", active: false), .user("bo@acme.com")],
            expected: ["join bo@acme.com member"]),
        Scenario(
            name: "someone without an email is skipped", directory: [.user(nil), .user("bo@acme.com")],
            expected: ["join bo@acme.com member"]),

        // Members
        Scenario(
            name: "a member in step needs nothing", directory: [.user("bo@acme.com")],
            members: [.member("bo@acme.com")], expected: []),
        Scenario(
            name: "a group change re-roles a member", directory: [.user("bo@acme.com", groups: ["Sign Admins"])],
            members: [.member("bo@acme.com")],
            expected: ["change_role bo@acme.com member→admin"]),
        Scenario(
            name: "a member who left is removed", directory: [.user("cy@acme.com")],
            members: [.member("bo@acme.com"), .member("cy@acme.com")],
            expected: ["remove bo@acme.com member"]),
        Scenario(
            name: "a disabled member is removed", directory: [.user("bo@acme.com", active: false)],
            members: [.member("bo@acme.com")],
            expected: ["remove bo@acme.com member"]),
        Scenario(
            name: "offboarding downgrade makes a viewer", directory: [.user("cy@acme.com")],
            members: [.member("bo@acme.com", role: .admin), .member("cy@acme.com")],
            policy: SyncPolicy(offboarding: .downgrade, maxDeletionRatio: 1.0),
            expected: ["downgrade bo@acme.com admin→viewer"]),
        Scenario(
            name: "offboarding downgrade leaves a viewer alone", directory: [.user("cy@acme.com")],
            members: [.member("bo@acme.com", role: .viewer), .member("cy@acme.com")],
            policy: SyncPolicy(offboarding: .downgrade, maxDeletionRatio: 1.0), expected: []),
        Scenario(
            name: "offboarding keep only reports", directory: [.user("cy@acme.com")],
            members: [.member("bo@acme.com"), .member("cy@acme.com")],
            policy: SyncPolicy(offboarding: .keep, maxDeletionRatio: 1.0), expected: []),
        Scenario(
            name: "a hand-added member is never removed", directory: [.user("cy@acme.com")],
            members: [.member("bo@acme.com", managed: false), .member("cy@acme.com")], expected: []),
        Scenario(
            name: "a hand-added member is not re-roled", directory: [.user("bo@acme.com", groups: ["Sign Admins"])],
            members: [.member("bo@acme.com", managed: false)], expected: []),
        Scenario(
            name: "adopt_existing adopts by email, then re-roles",
            directory: [.user("bo@acme.com", groups: ["Sign Admins"])],
            members: [.member("bo@acme.com", managed: false)],
            policy: SyncPolicy(adoptExisting: true, maxDeletionRatio: 1.0, newAccess: .apply),
            expected: ["adopt bo@acme.com member", "change_role bo@acme.com member→admin"]),
        Scenario(
            name: "the owner is never removed", directory: [.user("bo@acme.com")], members: [.member("bo@acme.com")],
            expected: []),
        Scenario(
            name: "the owner is never re-roled", directory: [.user("owner@acme.com", groups: ["Sign Admins"])],
            expected: []),
        Scenario(
            name: "an owner dirsync once managed is never removed", directory: [.user("bo@acme.com")],
            members: [.member("boss@acme.com", role: .owner)],
            expected: ["join bo@acme.com member"]),
        Scenario(
            name: "an owner dirsync once managed is never re-roled", directory: [.user("boss@acme.com")],
            members: [.member("boss@acme.com", role: .owner)], expected: []),
        Scenario(
            name: "an email change updates the member in place", directory: [.user("robert@acme.com", anchor: "id-bo")],
            members: [.member("bo@acme.com")],
            expected: ["update robert@acme.com member"]),
        Scenario(
            name: "an email change and a group change together",
            directory: [.user("robert@acme.com", anchor: "id-bo", groups: ["Sign Admins"])],
            members: [.member("bo@acme.com")],
            expected: ["update robert@acme.com member", "change_role robert@acme.com member→admin"]),
        Scenario(
            name: "a re-created account keeps the member (new anchor, same email)",
            directory: [.user("bo@acme.com", anchor: "new-guid")],
            members: [.member("bo@acme.com", anchor: "old-guid")],
            expected: ["update bo@acme.com member"]),
        Scenario(
            name: "anchors match before emails: a taken address is not confused",
            directory: [.user("cy@acme.com", anchor: "id-dee")],
            members: [.member("cy@acme.com"), .member("dee@acme.com")],
            expected: ["remove cy@acme.com member", "update cy@acme.com member"]),

        // Invitations
        Scenario(
            name: "a fresh invitation needs nothing", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 1)], expected: []),
        Scenario(
            name: "an invitation unaccepted for 3 days is nudged", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 3)],
            expected: ["resend cy@partner.io viewer"]),
        Scenario(
            name: "an expired invitation is renewed", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 8, resends: 1)],
            expected: ["resend cy@partner.io viewer"]),
        Scenario(
            name: "no nudge past max_resends", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 4, resends: 3)], expected: []),
        Scenario(
            name: "no renewal past max_resends", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 9, resends: 3)], expected: []),
        Scenario(
            name: "a role change of a pending invitation reinvites",
            directory: [.user("cy@partner.io", groups: ["Sign Admins"])],
            invitations: [.pending("cy@partner.io", role: .viewer)],
            expected: ["reinvite cy@partner.io viewer→admin"]),
        Scenario(
            name: "an email change of an invitee reinvites the new address",
            directory: [.user("cyril@partner.io", anchor: "id-cy")],
            invitations: [.pending("cy@partner.io", role: .viewer)],
            expected: ["reinvite cyril@partner.io viewer→viewer"]),
        Scenario(
            name: "an invitation for someone who left is revoked", directory: [.user("bo@acme.com")],
            members: [.member("bo@acme.com")], invitations: [.pending("cy@partner.io", role: .viewer)],
            expected: ["revoke cy@partner.io viewer"]),
        Scenario(
            name: "an invitation for someone disabled is revoked", directory: [.user("cy@partner.io", active: false)],
            invitations: [.pending("cy@partner.io", role: .viewer)],
            expected: ["revoke cy@partner.io viewer"]),
        Scenario(
            name: "an invitation sent by hand is never revoked", directory: [.user("bo@acme.com")],
            members: [.member("bo@acme.com")], invitations: [.pending("cy@partner.io", role: .viewer, managed: false)],
            expected: []),
        Scenario(
            name: "an invitation to a member is revoked", directory: [.user("bo@acme.com")],
            members: [.member("bo@acme.com")], invitations: [.pending("bo@acme.com", anchor: "id-other")],
            expected: ["revoke bo@acme.com member"]),

        // Seats
        Scenario(
            name: "what does not fit is deferred, highest role first, then by email",
            directory: [.user("cy@acme.com"), .user("bo@acme.com", groups: ["Sign Admins"]), .user("ab@acme.com")],
            seats: 3,
            expected: ["join ab@acme.com member", "join bo@acme.com admin", "defer cy@acme.com member"]),
        Scenario(
            name: "a removal frees a seat for a newcomer", directory: [.user("new@acme.com")],
            members: [.member("old@acme.com")], seats: 2,
            expected: ["remove old@acme.com member", "join new@acme.com member"]),
        Scenario(
            name: "a revoked live invitation frees a seat", directory: [.user("new@acme.com")],
            invitations: [.pending("gone@partner.io", role: .viewer)], seats: 2,
            expected: ["revoke gone@partner.io viewer", "join new@acme.com member"]),
        Scenario(
            name: "renewing an expired invitation takes a seat", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 8)], seats: 1,
            expected: ["defer cy@partner.io viewer"]),
        Scenario(
            name: "a nudge of a live invitation needs no seat", directory: [.user("cy@partner.io")],
            invitations: [.pending("cy@partner.io", role: .viewer, sentDaysAgo: 4)], seats: 2,
            expected: ["resend cy@partner.io viewer"]),
        Scenario(
            name: "over the limit already: nothing new fits",
            directory: [.user("bo@acme.com"), .user("cy@acme.com"), .user("new@acme.com")],
            members: [.member("bo@acme.com"), .member("cy@acme.com")], seats: 2,
            expected: ["defer new@acme.com member"]),

        // Safety
        Scenario(
            name: "deletions over max_deletions block", directory: [.user("cy@acme.com")],
            members: [.member("a@acme.com"), .member("b@acme.com"), .member("cy@acme.com")],
            policy: SyncPolicy(maxDeletions: 1, maxDeletionRatio: 1.0),
            expected: ["remove a@acme.com member", "remove b@acme.com member"],
            blocked:
                "the plan revokes, removes, downgrades or ungrants 2 people, more than the limit of 1 (policy.max_deletions: 1)"
        ),
        Scenario(
            name: "deletions over max_deletion_ratio block", directory: (0..<8).map { .user("p\($0)@acme.com") },
            members: (0..<10).map { .member("p\($0)@acme.com") }, policy: SyncPolicy(maxDeletionRatio: 0.1),
            expected: ["remove p8@acme.com member", "remove p9@acme.com member"],
            blocked:
                "the plan revokes, removes, downgrades or ungrants 2 people, more than the limit of 1 (policy.max_deletion_ratio: 10% of 10 managed people)"
        ),
        Scenario(
            name: "deletions within the ratio pass", directory: (0..<9).map { .user("p\($0)@acme.com") },
            members: (0..<10).map { .member("p\($0)@acme.com") }, policy: SyncPolicy(maxDeletionRatio: 0.1),
            expected: ["remove p9@acme.com member"]),
        Scenario(
            name: "a shrinking source blocks", directory: (0..<8).map { .user("p\($0)@acme.com") }, lastSourceUsers: 10,
            expected: (0..<8).map { "join p\($0)@acme.com member" },
            blocked:
                "the source has 8 users, 20% fewer than the 10 of the last successful run (policy.max_shrink_ratio: 10%)"
        ),
        Scenario(
            name: "a source within the shrink ratio passes", directory: (0..<9).map { .user("p\($0)@acme.com") },
            lastSourceUsers: 10, expected: (0..<9).map { "join p\($0)@acme.com member" }),
    ]

    @Test(arguments: scenarios)
    func plans(_ scenario: Scenario) throws {
        let plan = try scenario.plan()
        #expect(plan.changes.map(\.compact) == scenario.expected)
        #expect(plan.blocked?.reason == scenario.blocked)
    }

    @Test func everyChangeSaysWhyAndWhichRuleDecided() throws {
        let plan = try Scenario(
            name: "",
            directory: [
                .user("bo@acme.com", groups: ["Sign Admins"]), .user("cy@partner.io"),
                .user("dee@acme.com", active: false),
            ],
            members: [.member("dee@acme.com")], expected: []
        ).plan()
        let byEmail = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.email.canonical, $0) })
        #expect(byEmail["bo@acme.com"]?.rule == "roles[0] admin: group 'Sign Admins'")
        #expect(byEmail["bo@acme.com"]?.reason.description == "auto-join domain acme.com")
        #expect(byEmail["cy@partner.io"]?.rule == "roles[1] viewer: domain partner.io")
        #expect(byEmail["dee@acme.com"]?.reason.description == "disabled in the directory")
        #expect(byEmail["bo@acme.com"]?.anchor == "id-bo")
    }

    @Test func departureReasonsNameTheRuleThatNoLongerAdmits() throws {
        var scenario = Scenario(
            name: "", directory: [.user("bo@acme.com"), .user("cy@partner.io")],
            members: [.member("cy@partner.io", role: .viewer)], expected: [])
        scenario.rules.allowedDomains = []
        let plan = try scenario.plan()
        let removal = try #require(plan.changes.first { $0.action == .remove })
        #expect(removal.reason.description == "domain partner.io is no longer allowed")
        #expect(removal.rule == "organization.allowed_domains")
    }

    @Test func anEmptySourceIsAnErrorNotEveryoneLeaving() {
        #expect(throws: Planner.Failure.emptySource(.ldif)) {
            try Scenario(name: "", directory: [], members: [.member("bo@acme.com")], expected: []).plan()
        }
    }

    @Test func outputIsDeterministicWhateverTheInputOrder() throws {
        var scenario = Scenario(
            name: "", directory: (0..<30).map { .user("p\($0)@acme.com", groups: $0 % 3 == 0 ? ["Sign Admins"] : []) },
            seats: 12,
            expected: [])
        let first = try scenario.plan()
        scenario.directory.reverse()
        let second = try scenario.plan()
        #expect(first.changes == second.changes)
        #expect(first.basis.snapshot == second.basis.snapshot)
    }

    @Test func theBasisFingerprintsTheOrganization() throws {
        let base = Scenario(
            name: "", directory: [.user("bo@acme.com")], members: [.member("bo@acme.com")], expected: [])
        var changed = base
        changed.members = [.member("bo@acme.com", role: .admin)]
        #expect(try base.plan().basis.snapshot != changed.plan().basis.snapshot)
        #expect(try base.plan().basis.snapshot == base.plan().basis.snapshot)
    }

    @Test func whomTheMailCannotReachIsNotInvitedAndNobodyIsRemovedForIt() throws {
        var scenario = Scenario(
            name: "",
            directory: [
                .user("jürgen@partner.io"), .user("zoë@acme.com"), .user("cy@partner.io"), .user("müller@partner.io"),
            ],
            members: [.member("zoë@acme.com")],
            invitations: [.pending("ana@partner.io", anchor: "id-jürgen")], expected: [])
        scenario.mail = MailCapabilities(acceptsNonASCIILocalParts: false)
        let plan = try scenario.plan()
        // cy is invited, müller is not; ana's invitation is not redirected to an address the server refuses;
        // zoë stays a member.
        #expect(plan.changes.map(\.compact) == ["invite cy@partner.io viewer"])
        let warnings = plan.diagnostics.filter { $0.severity == .warning }.map(\.message)
        #expect(warnings.count == 2)
        for name in ["jürgen", "müller"] {
            #expect(
                warnings.contains { $0.hasPrefix("\(name)@partner.io is not invited: the mail server does not accept") }
            )
        }

        scenario.mail = .folder
        #expect(try scenario.plan().changes.map(\.action).contains(.reinvite))
    }
}
