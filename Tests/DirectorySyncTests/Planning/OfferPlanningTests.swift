import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// How the planner offers new access under `policy.new_access: offer` (the default): grants the rules give a
/// member, and a higher organization role, become one offer; a pending offer is left, resent, replaced or
/// revoked as the rules move; what was declined is not offered again; what is taken away goes at once.
@Suite struct OfferPlanningTests {
    static let policy = SyncPolicy(maxResends: 2, maxDeletions: 50, maxDeletionRatio: 1)

    /// A pending (or answered) offer to the first member after the owner, as the store would hold it.
    struct Held: Sendable {
        var grants: [Grant] = []
        var role: Role? = nil
        var status: Offer.Status = .pending
        var expired = false
        var resends = 0
        var byHand: [Grant] = []
        var managed = true
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var directory: [DirectoryUser]
        var member: Member = .member("bo@acme.com")
        var held: [Grant] = []
        var offer: Held? = nil
        var policy = OfferPlanningTests.policy
        let expected: [String]
        var testDescription: String { name }
    }

    static let signer = Grant(role: "signer")
    static let euAdmin = Grant(role: "account-admin", account: "EU")

    static let cases: [Case] = [
        Case(
            name: "grants the rules give an existing member are offered, not granted",
            directory: [.user("bo@acme.com", groups: ["Legal", "EU Admins"])],
            expected: ["offer bo@acme.com member [signer, account-admin@EU]"]),
        Case(
            name: "a higher role is offered with the grants, in one offer",
            directory: [.user("bo@acme.com", groups: ["Sign Admins", "Legal"])],
            expected: ["offer bo@acme.com member→admin [signer]"]),
        Case(
            name: "a lower role applies at once",
            directory: [.user("bo@partner.io")],
            member: .member("bo@partner.io", role: .member), expected: ["change_role bo@partner.io member→viewer"]),
        Case(
            name: "a pending offer of what the rules give is left alone",
            directory: [.user("bo@acme.com", groups: ["Legal"])], offer: Held(grants: [signer]), expected: []),
        Case(
            name: "an expired offer is resent",
            directory: [.user("bo@acme.com", groups: ["Legal"])], offer: Held(grants: [signer], expired: true),
            expected: ["resend_offer bo@acme.com member [signer]"]),
        Case(
            name: "an expired offer resent policy.max_resends times is left",
            directory: [.user("bo@acme.com", groups: ["Legal"])],
            offer: Held(grants: [signer], expired: true, resends: 2), expected: []),
        Case(
            name: "a pending offer of other access is replaced",
            directory: [.user("bo@acme.com", groups: ["Legal", "EU Admins"])], offer: Held(grants: [signer]),
            expected: ["offer bo@acme.com member [signer, account-admin@EU]"]),
        Case(
            name: "a pending offer the rules no longer give is revoked",
            directory: [.user("bo@acme.com")], offer: Held(grants: [signer]),
            expected: ["revoke_offer bo@acme.com member [signer]"]),
        Case(
            name: "a pending offer made by hand is never revoked",
            directory: [.user("bo@acme.com")], offer: Held(byHand: [signer], managed: false), expected: []),
        Case(
            name: "a replaced offer keeps what was offered by hand, and the plan names only what the rules offer",
            directory: [.user("bo@acme.com", groups: ["EU Admins"])], offer: Held(grants: [signer], byHand: [signer]),
            expected: ["offer bo@acme.com member [account-admin@EU]"]),
        Case(
            name: "what the member declined is not offered again",
            directory: [.user("bo@acme.com", groups: ["Legal"])], offer: Held(grants: [signer], status: .declined),
            expected: []),
        Case(
            name: "a declined offer does not hold back what it did not carry",
            directory: [.user("bo@acme.com", groups: ["Legal", "EU Admins"])],
            offer: Held(grants: [signer], status: .declined), expected: ["offer bo@acme.com member [account-admin@EU]"]),
        Case(
            name: "an accepted offer's grants, now held, offer nothing",
            directory: [.user("bo@acme.com", groups: ["Legal"])], held: [signer],
            offer: Held(grants: [signer], status: .accepted), expected: []),
        Case(
            name: "removing grants applies at once while something else is offered",
            directory: [.user("bo@acme.com", groups: ["EU Admins"])], held: [signer],
            expected: ["ungrant bo@acme.com member [signer]", "offer bo@acme.com member [account-admin@EU]"]),
        Case(
            name: "with new_access: apply the grants are given and a pending offer goes",
            directory: [.user("bo@acme.com", groups: ["Legal", "Sign Admins"])], offer: Held(grants: [signer]),
            policy: SyncPolicy(maxDeletions: 50, maxDeletionRatio: 1, newAccess: .apply),
            expected: [
                "revoke_offer bo@acme.com member [signer]", "change_role bo@acme.com member→admin",
                "grant bo@acme.com admin [signer]",
            ]),
        Case(
            name: "an offboarded member's pending offer goes with the downgrade",
            directory: [.user("cy@acme.com")], offer: Held(grants: [signer]),
            policy: SyncPolicy(offboarding: .downgrade, maxDeletions: 50, maxDeletionRatio: 1),
            expected: [
                "revoke_offer bo@acme.com member [signer]", "downgrade bo@acme.com member→viewer",
                "join cy@acme.com member",
            ]),
        Case(
            name: "owners are offered nothing",
            directory: [.user("owner@acme.com", groups: ["Legal"]), .user("bo@acme.com")], expected: []),
    ]

    static func snapshot(for scenario: Case) -> OrganizationSnapshot {
        let numbered = Build.snapshot(members: [scenario.member])
        let member = numbered.members[1]
        let grants = scenario.held.map {
            MemberGrant(member: member.id, grant: $0, isManaged: true, grantedAt: testEpoch)
        }
        let offers = scenario.offer.map { held in
            Offer(
                id: Offer.ID(rawValue: 7), organization: numbered.organization.id, member: member.id,
                email: member.email,
                role: held.role,
                items: held.grants.map { Offer.Item(grant: $0, isManaged: true) }
                    + held.byHand.filter { !held.grants.contains($0) }.map { Offer.Item(grant: $0, isManaged: false) },
                status: held.status, createdAt: testEpoch.adding(hours: -100), sentAt: testEpoch.adding(hours: -100),
                expiresAt: testEpoch.adding(hours: held.expired ? -28 : 44), resendCount: held.resends,
                offeredBy: "owner@acme.com", isManaged: held.managed,
                closedAt: held.status == .pending ? nil : testEpoch.adding(hours: -50))
        }
        return OrganizationSnapshot(
            organization: numbered.organization, members: numbered.members, invitations: [], grants: grants,
            offers: offers.map { [$0] } ?? [])
    }

    @Test(arguments: cases)
    func plans(_ scenario: Case) throws {
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(scenario.directory), rules: GrantPlanningTests.rules),
            snapshot: Self.snapshot(for: scenario), policy: scenario.policy, lastSourceUsers: nil, now: testEpoch)
        #expect(plan.applicableChanges.map(\.compact).sorted() == scenario.expected.sorted())
        // Every offer change names the pending offer it replaces, if there is one.
        for change in plan.changes where change.action == .offer {
            #expect(change.offerID == (scenario.offer?.status == .pending ? Offer.ID(rawValue: 7) : nil))
        }
    }

    @Test func aDeclineIsReportedWhenTheRulesStillGiveIt() throws {
        let scenario = Case(
            name: "declined", directory: [.user("bo@acme.com", groups: ["Legal"])],
            offer: Held(grants: [Self.signer], status: .declined), expected: [])
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(scenario.directory), rules: GrantPlanningTests.rules),
            snapshot: Self.snapshot(for: scenario), policy: Self.policy, lastSourceUsers: nil, now: testEpoch)
        #expect(
            plan.diagnostics.contains {
                $0.message.contains("bo@acme.com declined signer") && $0.message.contains("not offered again")
            }, "\(plan.diagnostics)")
    }

    @Test func offerChangesRoundTripThroughThePlanFile() throws {
        let scenario = Case(
            name: "replace", directory: [.user("bo@acme.com", groups: ["Sign Admins", "Legal", "EU Admins"])],
            offer: Held(grants: [Self.signer]), expected: [])
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(scenario.directory), rules: GrantPlanningTests.rules),
            snapshot: Self.snapshot(for: scenario), policy: Self.policy, lastSourceUsers: nil, now: testEpoch)
        let offer = try #require(plan.changes.first { $0.action == .offer })
        #expect(offer.toRole == .admin && offer.offerID == Offer.ID(rawValue: 7))
        let decoded = try JSONDecoder().decode(Plan.self, from: try JSONEncoder().encode(plan))
        #expect(decoded.changes.map(\.effect) == plan.changes.map(\.effect))
        #expect(decoded.changes.map(\.grants) == plan.changes.map(\.grants))
    }
}
