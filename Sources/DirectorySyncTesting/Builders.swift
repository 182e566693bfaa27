import DirectorySync
import DirectorySyncSQLite
import Foundation

/// Terse builders for planner and applier tests: `.user("bo@acme.com", groups: ["Sign Admins"])`,
/// `.member("cy@acme.com", role: .admin)`, `.pending("dee@partner.io", sentDaysAgo: 4)`.
public enum Build {
    /// An email address known to be valid.
    public static func email(_ text: String) -> EmailAddress {
        guard let email = try? EmailAddress(text) else { preconditionFailure("bad test email \(text)") }
        return email
    }

    /// A directory user; the anchor defaults to `id-<local part>`.
    public static func user(
        _ email: String?, anchor: String? = nil, name: String? = nil, groups: [String] = [], active: Bool = true,
        attributes: [String: [String]] = [:], line: Int = 1
    ) -> DirectoryUser {
        let address = email.map(Self.email)
        return DirectoryUser(
            anchor: anchor ?? "id-\(address.map { String($0.localPart) } ?? "none-\(line)")", email: address,
            displayName: name,
            groups: groups.map { DirectoryUser.Group(id: "cn=\($0),ou=groups,dc=acme,dc=com", name: $0) },
            isActive: active, attributes: attributes, location: SourceLocation(source: "test.ldif", line: line))
    }

    /// Directory contents of `users`, as a source read would return them.
    public static func contents(_ users: [DirectoryUser], kind: SourceKind = .ldif) -> DirectoryContents {
        var fingerprint = Fingerprint()
        for user in users { fingerprint.add(user.anchor, user.email?.canonical ?? "", user.isActive ? "1" : "0") }
        return DirectoryContents(
            kind: kind, users: users, diagnostics: [],
            counts: .init(
                entries: users.count, users: users.count, skipped: 0, disabled: users.filter { !$0.isActive }.count),
            fingerprint: fingerprint.hex)
    }

    /// A member; managed by dirsync with an anchor unless told otherwise.
    public static func member(
        _ email: String, role: Role = .member, anchor: String? = nil, managed: Bool = true, id: Int64 = 0,
        joinedDaysAgo: Double = 30
    ) -> Member {
        let address = Self.email(email)
        return Member(
            id: Member.ID(rawValue: id), organization: Organization.ID(rawValue: 1), email: address, role: role,
            joinedAt: testEpoch.adding(hours: -24 * joinedDaysAgo), origin: managed ? .domainAutoJoin : .invitation,
            anchor: anchor ?? (managed ? "id-\(address.localPart)" : nil), isManaged: managed)
    }

    /// A pending invitation sent `sentDaysAgo` days before `testEpoch`, valid 7 days from then.
    public static func pending(
        _ email: String, role: Role = .member, sentDaysAgo: Double = 0, resends: Int = 0, anchor: String? = nil,
        managed: Bool = true, id: Int64 = 0
    ) -> Invitation {
        let address = Self.email(email)
        let sent = testEpoch.adding(hours: -24 * sentDaysAgo)
        return Invitation(
            id: Invitation.ID(rawValue: id), organization: Organization.ID(rawValue: 1), email: address, role: role,
            status: .pending, createdAt: sent, sentAt: sent, expiresAt: sent.adding(hours: 168), resendCount: resends,
            invitedBy: "owner@acme.com", anchor: anchor ?? (managed ? "id-\(address.localPart)" : nil),
            isManaged: managed)
    }

    /// An organization named Acme with `seats` seats and the default 7-day validity.
    public static func organization(seats: Int = 100) -> Organization {
        guard
            let settings = try? Organization.Settings(
                name: "Acme", seats: seats, inviter: email("owner@acme.com"), invitationValidity: .days(7))
        else { preconditionFailure("bad test settings") }
        return Organization(
            id: Organization.ID(rawValue: 1), settings: settings, createdAt: testEpoch.adding(hours: -24 * 365))
    }

    /// A snapshot with ids given in order (members 1…, invitations 1…) and the owner first.
    public static func snapshot(seats: Int = 100, members: [Member] = [], invitations: [Invitation] = [])
        -> OrganizationSnapshot
    {
        let owner = member("owner@acme.com", role: .owner, managed: false)
        let numberedMembers = ([owner] + members).enumerated().map { index, member in
            Member(
                id: Member.ID(rawValue: Int64(index + 1)), organization: member.organization, email: member.email,
                name: member.name, role: member.role, joinedAt: member.joinedAt, invitedBy: member.invitedBy,
                origin: member.origin, anchor: member.anchor, isManaged: member.isManaged,
                accessRemovedAt: member.accessRemovedAt)
        }
        let numberedInvitations = invitations.enumerated().map { index, invitation in
            Invitation(
                id: Invitation.ID(rawValue: Int64(index + 1)), organization: invitation.organization,
                email: invitation.email, role: invitation.role, status: invitation.status,
                createdAt: invitation.createdAt,
                sentAt: invitation.sentAt, expiresAt: invitation.expiresAt, resendCount: invitation.resendCount,
                invitedBy: invitation.invitedBy, message: invitation.message, anchor: invitation.anchor,
                isManaged: invitation.isManaged)
        }
        return OrganizationSnapshot(
            organization: organization(seats: seats), members: numberedMembers, invitations: numberedInvitations)
    }

    /// The first organization of `store` as the planner sees it: its members, pending invitations and grants.
    public static func currentSnapshot(of store: any OrganizationStore) async throws -> OrganizationSnapshot {
        try await store.read { db in
            guard let organization = try db.organizations().first else { throw LedgerError.noOrganization }
            return try OrganizationSnapshot.load(organization, from: db)
        }
    }

    /// Writes `snapshot`'s organization, members, invitations and grants into a fresh store (`TestStore`), in
    /// order, so the store's ids match the snapshot's.
    public static func store(with snapshot: OrganizationSnapshot) async throws -> any OrganizationStore {
        let store = try await TestStore.make()
        try await store.write { db in
            let organization = try db.insertOrganization(
                snapshot.organization.settings, at: snapshot.organization.createdAt)
            // Usernames as the ledger would give them: each free, the smallest numeric suffix when not.
            var usernames = Set<Username>()
            func free(_ username: Username) -> Username {
                let chosen = Username.free(username) { usernames.contains($0) }
                usernames.insert(chosen)
                return chosen
            }
            for member in snapshot.members {
                var stored = try db.insertMember(
                    Member.Draft(
                        organization: organization.id, email: member.email, name: member.name, role: member.role,
                        joinedAt: member.joinedAt, invitedBy: member.invitedBy, origin: member.origin,
                        anchor: member.anchor, isManaged: member.isManaged, username: free(member.username)))
                if member.accessRemovedAt != nil {
                    stored.accessRemovedAt = member.accessRemovedAt
                    try db.updateMember(stored)
                }
            }
            for invitation in snapshot.invitations {
                var stored = try db.insertInvitation(
                    Invitation.Draft(
                        organization: organization.id, email: invitation.email, role: invitation.role,
                        sentAt: invitation.sentAt, expiresAt: invitation.expiresAt, invitedBy: invitation.invitedBy,
                        message: nil, anchor: invitation.anchor, isManaged: invitation.isManaged,
                        username: free(invitation.username)))
                stored.resendCount = invitation.resendCount
                try db.updateInvitation(stored)
            }
            var accounts: [String: Account.ID] = [:]
            for held in snapshot.grants.values.joined() {
                var account: Account.ID?
                if let name = held.grant.account {
                    if accounts[name] == nil {
                        accounts[name] = try db.insertAccount(named: name, in: organization.id, at: testEpoch).id
                    }
                    account = accounts[name]
                }
                try db.insertGrant(held, account: account)
            }
        }
        return store
    }
}

extension DirectoryUser {
    /// `Build.user`, for `[.user("bo@acme.com")]`.
    public static func user(
        _ email: String?, anchor: String? = nil, name: String? = nil, groups: [String] = [], active: Bool = true,
        attributes: [String: [String]] = [:], line: Int = 1
    ) -> DirectoryUser {
        Build.user(
            email, anchor: anchor, name: name, groups: groups, active: active, attributes: attributes, line: line)
    }
}

extension Member {
    /// `Build.member`, for `[.member("bo@acme.com")]`.
    public static func member(
        _ email: String, role: Role = .member, anchor: String? = nil, managed: Bool = true, joinedDaysAgo: Double = 30
    ) -> Member {
        Build.member(email, role: role, anchor: anchor, managed: managed, joinedDaysAgo: joinedDaysAgo)
    }
}

extension Invitation {
    /// `Build.pending`, for `[.pending("cy@partner.io", sentDaysAgo: 4)]`.
    public static func pending(
        _ email: String, role: Role = .member, sentDaysAgo: Double = 0, resends: Int = 0, anchor: String? = nil,
        managed: Bool = true
    ) -> Invitation {
        Build.pending(email, role: role, sentDaysAgo: sentDaysAgo, resends: resends, anchor: anchor, managed: managed)
    }
}

extension Plan.Change {
    /// `join bo@acme.com member`, `change_role bo@acme.com member→admin`: one change in a line, for tables.
    public var compact: String {
        let roles =
            if let from = fromRole ?? (action == .offer ? role : nil), let to = toRole { "\(from)→\(to)" } else {
                (role ?? fromRole).map(\.rawValue) ?? ""
            }
        let grants = self.grants.isEmpty ? "" : " [" + self.grants.map(\.description).joined(separator: ", ") + "]"
        return "\(action.rawValue) \(email) \(roles)" + grants
    }
}
