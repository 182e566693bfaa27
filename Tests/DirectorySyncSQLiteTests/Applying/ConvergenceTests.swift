import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Properties of plan and apply on generated organizations and directories, with the real applier on the
/// real SQLite engine.
@Suite struct ConvergenceTests {
    static let rules = AccessRules(
        autoJoinDomains: ["acme.com"], autoJoinRole: .member, allowedDomains: ["partner.io", "*.acme.com"],
        roles: [
            RoleRule(role: .admin, conditions: [.group("Sign Admins")], label: "roles[0]"),
            RoleRule(
                role: .member, conditions: [.attribute("department", .isOneOf(["Legal", "Sales"]))], label: "roles[1]"),
            RoleRule(role: .viewer, conditions: [.domain(["partner.io"])], label: "roles[2]"),
        ])
    static let mail = MailSettings(
        from: Mailbox(displayName: "Acme", address: Build.email("no-reply@acme.com")),
        acceptURLTemplate: "https://app.example.com/accept?token={token}")

    /// A random organization and directory that overlap the way real ones do: same people, some renamed,
    /// some re-created, some gone, some hand-added.
    struct World {
        var snapshot: OrganizationSnapshot
        var directory: [DirectoryUser]
        var policy: SyncPolicy

        init(seed: UInt64) {
            var random = SeededGenerator(seed: seed)
            let names = (0..<36).map { "p\($0)" }
            let domains = ["acme.com", "acme.com", "partner.io", "eu.acme.com", "gmail.com"]
            func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &random)] }
            func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

            var directory: [DirectoryUser] = []
            var domainOf: [String: String] = [:]
            for (index, name) in names.enumerated() where chance(70) {
                let domain = pick(domains)
                domainOf[name] = domain
                var email = "\(name)@\(domain)"
                var anchor = "id-\(name)"
                if chance(8) { email = "\(name).renamed@\(domain)" }  // email changed, same anchor
                if chance(5) { anchor = "recreated-\(name)" }  // account re-created, same email
                directory.append(
                    .user(
                        chance(3) ? nil : email, anchor: anchor,
                        groups: chance(20) ? ["Sign Admins"] : [], active: chance(88),
                        attributes: chance(30) ? ["department": [pick(["Legal", "Sales", "Ops"])]] : [:],
                        line: index + 1))
            }
            var members: [Member] = []
            var invitations: [Invitation] = []
            for name in names {
                let domain = domainOf[name] ?? pick(domains)
                let email = "\(name)@\(domain)"
                if chance(40) {
                    members.append(
                        .member(
                            email, role: chance(5) ? .owner : pick([Role.viewer, .member, .admin]), managed: chance(75))
                    )
                } else if chance(25) {
                    invitations.append(
                        .pending(
                            email, role: pick([Role.viewer, .member, .admin]),
                            sentDaysAgo: Double(Int.random(in: 0...10, using: &random)),
                            resends: Int.random(in: 0...4, using: &random), managed: chance(75)))
                }
            }
            let used = members.count + 1 + invitations.filter { $0.isLive(at: testEpoch) }.count
            snapshot = Build.snapshot(
                seats: max(1, used + Int.random(in: -3...12, using: &random)), members: members,
                invitations: invitations)
            self.directory = directory
            policy = SyncPolicy(
                offboarding: pick([.remove, .downgrade, .keep]), adoptExisting: chance(40), maxDeletionRatio: 0.10)
        }
    }

    private func currentSnapshot(_ store: SQLiteStore) async throws -> OrganizationSnapshot {
        try await Build.currentSnapshot(of: store)
    }

    private func plan(_ world: World, _ snapshot: OrganizationSnapshot, policy: SyncPolicy) throws -> Plan {
        try Planner.plan(
            desired: DesiredState(from: Build.contents(world.directory), rules: Self.rules), snapshot: snapshot,
            policy: policy, lastSourceUsers: nil, now: testEpoch)
    }

    @Test(arguments: 1...100)
    func applyingAPlanThenPlanningAgainChangesNothing(seed: Int) async throws {
        let world = World(seed: UInt64(seed))
        guard !world.directory.isEmpty else { return }
        let store = try await Build.store(with: world.snapshot)
        let before = try await currentSnapshot(store)
        let first = try plan(world, before, policy: world.policy)

        let owners = Set(before.members.filter { $0.role == .owner }.map(\.id))
        let ownerEmails = Set(before.members.filter { $0.role == .owner }.map(\.email))
        for change in first.changes {
            #expect(
                change.memberID.map { !owners.contains($0) } ?? true, "seed \(seed): \(change.compact) touches an owner"
            )
            #expect(
                !(change.action.isDeletion && ownerEmails.contains(change.email)), "seed \(seed): \(change.compact)")
        }

        _ = try await Applier(store: store, mail: Self.mail).apply(
            first, to: before.organization.id, actor: "owner@acme.com", batchSize: 7,
            safeguards: Applier.Safeguards(rules: Self.rules, policy: world.policy, allowDeletions: true),
            now: { testEpoch })
        let after = try await currentSnapshot(store)

        let usedBefore = before.members.count + before.invitations.filter { $0.isLive(at: testEpoch) }.count
        let usedAfter = after.members.count + after.invitations.filter { $0.isLive(at: testEpoch) }.count
        #expect(usedAfter <= max(before.organization.settings.seats, usedBefore), "seed \(seed): seats exceeded")
        #expect(
            after.members.filter { $0.role == .owner }.map(\.id).sorted { $0.rawValue < $1.rawValue }
                == owners.sorted { $0.rawValue < $1.rawValue })

        let second = try plan(world, after, policy: world.policy)
        #expect(
            !second.hasChanges,
            "seed \(seed): planning again after apply gives \(second.applicableChanges.map(\.compact))")
    }

    @Test(arguments: 1...100)
    func noPlanExceedsTheDeletionLimitsUnlessBlocked(seed: Int) async throws {
        let world = World(seed: UInt64(seed))
        guard !world.directory.isEmpty else { return }
        let snapshot = world.snapshot
        let plan = try plan(world, snapshot, policy: world.policy)
        let managed =
            snapshot.members.filter { $0.isManaged && $0.role != .owner }.count
            + snapshot.invitations.filter(\.isManaged).count
        let limit = world.policy.deletionLimit(managed: managed)
        if plan.deletionCount > limit {
            #expect(plan.blocked != nil, "seed \(seed): \(plan.deletionCount) deletions over \(limit) not blocked")
        } else {
            #expect(plan.blocked == nil)
        }
        guard plan.blocked != nil else { return }

        // Apply refuses a blocked plan unless deletions are allowed, and changes nothing.
        let store = try await Build.store(with: snapshot)
        let organization = try await currentSnapshot(store).organization
        let engine = SyncEngine(
            store: store, source: Build.contents(world.directory), rules: Self.rules, policy: world.policy,
            settings: SettingsOverride(), mail: Self.mail)
        let preview = try await engine.preview(organization, now: testEpoch)
        let untouched = try await currentSnapshot(store).fingerprint
        await #expect(throws: Applier.Failure.self) {
            try await engine.apply(
                preview.plan, to: organization, trigger: .sync, allowDeletions: false, now: { testEpoch })
        }
        #expect(try await currentSnapshot(store).fingerprint == untouched)
        let runs = try await store.read { db in try db.runs(in: organization.id, limit: 5) }
        #expect(runs.first?.outcome == .blocked)
        _ = try await engine.apply(
            preview.plan, to: organization, trigger: .sync, allowDeletions: true, now: { testEpoch })
        #expect(try await currentSnapshot(store).fingerprint != untouched)
    }
}
