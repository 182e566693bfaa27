import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The applier's own checks, in the library against a real SQLite store: a plan changed after it was made
/// (in memory here; a saved file is also signed) is refused before its first change, and changes nothing.
@Suite struct ApplierChecksTests {
    static let rules = AccessRules(
        autoJoinDomains: ["acme.com"], allowedDomains: ["partner.io"],
        roles: [RoleRule(role: .member, conditions: [], label: "roles[0]")])
    static let mail = MailSettings(
        from: Mailbox(displayName: "Acme", address: Build.email("no-reply@acme.com")),
        acceptURLTemplate: "https://app.example.com/accept?token={token}")

    /// A store with the owner and two managed members, and the plan that joins eve and invites dee.
    private func world() async throws -> (any OrganizationStore, OrganizationSnapshot, Plan) {
        let snapshot = Build.snapshot(members: [Build.member("bo@acme.com"), Build.member("cy@acme.com")])
        let store = try await Build.store(with: snapshot)
        let stored = try await currentSnapshot(store)
        let directory = ["bo@acme.com", "cy@acme.com", "dee@partner.io", "eve@acme.com"].map { Build.user($0) }
        let plan = try Planner.plan(
            desired: DesiredState(from: Build.contents(directory), rules: Self.rules), snapshot: stored,
            policy: SyncPolicy(), lastSourceUsers: nil, now: testEpoch)
        #expect(plan.changes.map(\.action).sorted { $0.rawValue < $1.rawValue } == [.invite, .join])
        return (store, stored, plan)
    }

    private func currentSnapshot(_ store: any OrganizationStore) async throws -> OrganizationSnapshot {
        try await Build.currentSnapshot(of: store)
    }

    /// Applies with deletions allowed, so that only the domain, owner and record checks stand in the way.
    private func apply(_ plan: Plan, _ store: any OrganizationStore, _ snapshot: OrganizationSnapshot) async throws {
        _ = try await Applier(store: store, mail: Self.mail).apply(
            plan, to: snapshot.organization.id, actor: "owner@acme.com", batchSize: 1,
            safeguards: Applier.Safeguards(rules: Self.rules, policy: SyncPolicy(), allowDeletions: true),
            now: { testEpoch })
    }

    /// One edit of the plan each, and the words the refusal must contain.
    typealias Edit = @Sendable (inout Plan, OrganizationSnapshot) -> Void
    static let edits: [(String, Edit, String)] = [
        (
            "an invitation raised to owner",
            { plan, _ in Self.editChange(&plan, .invite) { $0.effect = .invite(.owner, name: nil) } },
            "owners are never made"
        ),
        (
            "an invitation redirected outside the allowed domains",
            { plan, _ in Self.editChange(&plan, .invite) { $0.email = Build.email("dee@evil.example") } },
            "neither an auto-join nor an allowed domain"
        ),
        (
            "a join for a domain that is only allowed",
            { plan, _ in Self.editChange(&plan, .join) { $0.email = Build.email("eve@partner.io") } },
            "not an auto-join domain"
        ),
        (
            "a removal of the owner",
            { plan, snapshot in
                guard let owner = snapshot.members.first(where: { $0.role == .owner }) else { return }
                plan.changes.append(
                    Plan.Change(owner.email, .remove(owner.id, role: .member), reason: .departed(.noLongerInDirectory)))
            },
            "owners are never changed or removed"
        ),
        (
            "a removal pointed at another member",
            { plan, snapshot in
                guard let bo = snapshot.members.first(where: { $0.email.canonical == "bo@acme.com" }) else { return }
                plan.changes.append(
                    Plan.Change(
                        Build.email("cy@acme.com"), .remove(bo.id, role: .member),
                        reason: .departed(.noLongerInDirectory)))
            },
            "not the address the change names"
        ),
        (
            "a resend of an invitation that does not exist",
            { plan, _ in
                plan.changes.append(
                    Plan.Change(
                        Build.email("dee@partner.io"), .resend(Invitation.ID(rawValue: 999), role: .member),
                        reason: .departed(.noLongerInDirectory)))
            },
            "names no pending invitation"
        ),
    ]

    private static func editChange(_ plan: inout Plan, _ action: Plan.Action, _ edit: (inout Plan.Change) -> Void) {
        guard let index = plan.changes.firstIndex(where: { $0.action == action }) else { return }
        edit(&plan.changes[index])
    }

    @Test(arguments: 0..<edits.count) func anEditedPlanIsRefusedAndChangesNothing(_ index: Int) async throws {
        let (name, edit, words) = Self.edits[index]
        let (store, snapshot, original) = try await world()
        var plan = original
        edit(&plan, snapshot)
        #expect(plan != original, "\(name): the edit changed nothing")
        do {
            try await apply(plan, store, snapshot)
            Issue.record("\(name) was applied")
        } catch let interrupted as Applier.Interrupted {
            guard case .refused(_, _, _, let problem) = interrupted.cause as? Applier.Failure else {
                Issue.record("\(name): \(interrupted.cause)")
                return
            }
            #expect(problem.contains(words), "\(name): \(problem)")
        }
        #expect(try await currentSnapshot(store).fingerprint == snapshot.fingerprint, "\(name) changed the store")
    }

    @Test func theUneditedPlanApplies() async throws {
        let (store, snapshot, plan) = try await world()
        try await apply(plan, store, snapshot)
        let after = try await currentSnapshot(store)
        #expect(after.members.map(\.email.canonical).contains("eve@acme.com"))
        #expect(after.invitations.map(\.email.canonical) == ["dee@partner.io"])
    }

    @Test func aPlanMadeBeforeTheOrganizationChangedIsStale() async throws {
        let (store, snapshot, plan) = try await world()
        let ledger = Ledger(store: store)
        _ = try await ledger.invite(
            InvitationBatch(parsing: ["fay@partner.io"]), as: .member, message: nil, in: snapshot.organization.id,
            mail: Self.mail, by: "owner@acme.com", at: testEpoch)
        let changed = try await currentSnapshot(store)
        await #expect(throws: Applier.Interrupted.self) { try await apply(plan, store, snapshot) }
        #expect(try await currentSnapshot(store).fingerprint == changed.fingerprint)
    }
}
