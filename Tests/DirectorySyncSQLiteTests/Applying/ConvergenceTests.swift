import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Properties of plan and apply on generated organizations and directories, with the real applier on the
/// real SQLite engine.
@Suite struct ConvergenceTests {
    static let rules: AccessRules = {
        var rules = AccessRules(
            autoJoinDomains: ["acme.com"], autoJoinRole: .member, allowedDomains: ["partner.io", "*.acme.com"],
            roles: [
                RoleRule(role: .admin, conditions: [.group("Sign Admins")], label: "roles[0]"),
                RoleRule(
                    role: .member, conditions: [.attribute("department", .isOneOf(["Legal", "Sales"]))],
                    label: "roles[1]"),
                RoleRule(role: .viewer, conditions: [.domain(["partner.io"])], label: "roles[2]"),
            ])
        rules.catalog = AccessCatalog(roles: [.init(name: "signer"), .init(name: "editor")], accounts: ["EU", "US"])
        rules.grants = [
            GrantRule(grants: [Grant(role: "signer")], conditions: [.group("Sign Admins")], label: "access.grants[0]"),
            GrantRule(
                grants: [Grant(role: "editor", account: "EU"), Grant(role: "account-admin", account: "EU")],
                conditions: [.attribute("department", .equals("Legal"))], label: "access.grants[1]"),
            GrantRule(
                grants: [Grant(role: "signer", account: "US")], conditions: [.domain(["acme.com"])],
                label: "access.grants[2]"),
        ]
        return rules
    }()

    /// Grants members may hold before the plan, by hand or made by an earlier sync.
    static let possibleGrants = [
        Grant(role: "signer"), Grant(role: "editor", account: "EU"), Grant(role: "signer", account: "US"),
        Grant(role: "account-admin", account: "EU"), Grant(role: "editor"),
    ]
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
            let numbered = Build.snapshot(
                seats: max(1, used + Int.random(in: -3...12, using: &random)), members: members,
                invitations: invitations)
            var grants: [MemberGrant] = []
            for member in numbered.members where chance(35) {
                for grant in ConvergenceTests.possibleGrants where chance(30) {
                    grants.append(
                        MemberGrant(member: member.id, grant: grant, isManaged: chance(60), grantedAt: testEpoch))
                }
            }
            snapshot = OrganizationSnapshot(
                organization: numbered.organization, members: numbered.members, invitations: numbered.invitations,
                grants: grants)
            self.directory = directory
            policy = SyncPolicy(
                offboarding: pick([.remove, .downgrade, .keep, .removeAccess]), adoptExisting: chance(40),
                maxDeletionRatio: 0.10, newAccess: pick([.offer, .apply]))
        }
    }

    private func currentSnapshot(_ store: any OrganizationStore) async throws -> OrganizationSnapshot {
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
                !change.grants.contains { Role(rawValue: $0.role) != nil }, "seed \(seed): an organization role granted"
            )
            let gives = change.toRole ?? ([.join, .invite, .restoreAccess].contains(change.action) ? change.role : nil)
            #expect(gives != .owner, "seed \(seed): \(change.compact) makes an owner")
            if world.policy.newAccess == .offer {
                // New access for someone already a member is offered, never switched on.
                #expect(change.action != .grant, "seed \(seed): \(change.compact) grants under new_access: offer")
                if change.action == .changeRole, let from = change.fromRole, let to = change.toRole {
                    #expect(to < from, "seed \(seed): \(change.compact) raises a role under new_access: offer")
                }
            }
            if change.action == .ungrant, let id = change.memberID {
                // Only grants dirsync made are taken away.
                let made = Set((before.grants[id] ?? []).filter(\.isManaged).map(\.grant))
                #expect(
                    change.grants.allSatisfy(made.contains), "seed \(seed): \(change.compact) takes a hand-made grant")
            }
            #expect(
                !(change.action.isDeletion && ownerEmails.contains(change.email)), "seed \(seed): \(change.compact)")
        }

        _ = try await Applier(store: store, mail: Self.mail).apply(
            first, to: before.organization.id, actor: "owner@acme.com", batchSize: 7,
            safeguards: Applier.Safeguards(rules: Self.rules, policy: world.policy, allowDeletions: true),
            now: { testEpoch })
        let after = try await currentSnapshot(store)

        let usedBefore =
            before.members.count(where: \.hasAccess) + before.invitations.filter { $0.isLive(at: testEpoch) }.count
        let usedAfter =
            after.members.count(where: \.hasAccess) + after.invitations.filter { $0.isLive(at: testEpoch) }.count
        #expect(usedAfter <= max(before.organization.settings.seats, usedBefore), "seed \(seed): seats exceeded")
        #expect(
            after.members.filter { $0.role == .owner }.map(\.id).sorted { $0.rawValue < $1.rawValue }
                == owners.sorted { $0.rawValue < $1.rawValue })

        // Hand-made grants of members still there all survive (the same id and address: SQLite may give a
        // removed member's id to someone who joins), unless remove_access took every grant.
        let emails = Dictionary(uniqueKeysWithValues: before.members.map { ($0.id, $0.email) })
        for (id, held) in before.grants
        where after.members.contains(where: { $0.id == id && $0.email == emails[id] && $0.hasAccess }) {
            let now = Set((after.grants[id] ?? []).map(\.grant))
            for grant in held where !grant.isManaged {
                #expect(now.contains(grant.grant), "seed \(seed): the hand-made \(grant.grant) of member \(id) is gone")
            }
        }
        let second = try plan(world, after, policy: world.policy)
        #expect(
            !second.hasChanges,
            "seed \(seed): planning again after apply gives \(second.applicableChanges.map(\.compact))")

        // Every member accepts their offer: exactly what it offered is theirs, and the plan stays empty.
        let pending = try await store.read { db in try db.offers(in: after.organization.id, statuses: [.pending]) }
        for offer in pending {
            let token = try await Self.token(in: store, for: offer.email)
            let (_, member) = try await Ledger(store: store).answerOffer(token, accept: true, at: testEpoch)
            let held = Set(try await store.read { db in try db.grants(of: member.id) }.map(\.grant))
            #expect(held.isSuperset(of: offer.grants), "seed \(seed): \(offer.summary) not all held")
            if let role = offer.role { #expect(member.role == role) }
        }
        let accepted = try await currentSnapshot(store)
        let third = try plan(world, accepted, policy: world.policy)
        #expect(
            !third.hasChanges,
            "seed \(seed): planning again after the offers were accepted gives \(third.applicableChanges.map(\.compact))"
        )
    }

    /// The token of the newest queued offer mail to `email`.
    private static func token(in store: any OrganizationStore, for email: EmailAddress) async throws -> InvitationToken
    {
        let messages = try await store.read { db in try db.outbox(in: nil, statuses: [.pending]) }
        let content = try #require(
            messages.last { $0.recipient == email && $0.subject.contains("offers you") }?.content)
        return try #require(LedgerFixture.token(in: content))
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
