import DirectorySync
import Foundation

/// Accounts and the grants members hold (migration v8).
extension SQLLedger {
    package func accounts(in organization: Organization.ID) throws -> [Account] {
        try fetchEach(
            sql:
                "SELECT id, organization_id, name, created_at FROM accounts WHERE organization_id = ? ORDER BY lower(name), name",
            arguments: [organization.rawValue]
        ) { row in
            try Account(
                id: Account.ID(rawValue: row[0]), organization: Organization.ID(rawValue: row[1]), name: row[2],
                createdAt: row[3])
        }
    }

    package func grants(in organization: Organization.ID) throws -> [MemberGrant] {
        try fetchEach(
            sql: """
                SELECT g.member_id, g.role, a.name, g.managed, g.granted_at, g.inherit
                FROM member_grants g JOIN members m ON m.id = g.member_id LEFT JOIN accounts a ON a.id = g.account_id
                WHERE m.organization_id = ?
                ORDER BY g.member_id, lower(coalesce(a.name, '')), g.role
                """, arguments: [organization.rawValue], Self.memberGrant)
    }

    package func grants(of member: Member.ID) throws -> [MemberGrant] {
        try fetchEach(
            sql: """
                SELECT g.member_id, g.role, a.name, g.managed, g.granted_at, g.inherit
                FROM member_grants g LEFT JOIN accounts a ON a.id = g.account_id
                WHERE g.member_id = ?
                ORDER BY lower(coalesce(a.name, '')), g.role
                """, arguments: [member.rawValue], Self.memberGrant)
    }

    /// A row of `member_id, role, account name, managed, granted_at, inherit`.
    private static func memberGrant<R: SQLRow>(_ row: R) throws -> MemberGrant {
        try MemberGrant(
            member: Member.ID(rawValue: row[0]), grant: Grant(role: row[1], account: row[2]), isManaged: row[3],
            grantedAt: row[4], inherits: row[5])
    }

    package func children(of organization: Organization.ID) throws -> [Organization] {
        try fetchEach(
            sql: "SELECT * FROM organizations WHERE parent_id = ? ORDER BY lower(name), name",
            arguments: [organization.rawValue], Self.organization(from:))
    }

    package func inheritedGrants(in organization: Organization.ID) throws -> [InheritedGrant] {
        try fetchEach(
            sql: """
                SELECT m.email, m.name, g.role, p.name
                FROM organizations c JOIN organizations p ON p.id = c.parent_id
                JOIN members m ON m.organization_id = p.id JOIN member_grants g ON g.member_id = m.id
                WHERE c.id = ? AND g.inherit = 1 AND g.account_id IS NULL AND m.access_removed_at IS NULL
                ORDER BY m.email, g.role
                """, arguments: [organization.rawValue]
        ) { row in
            try InheritedGrant(
                email: EmailAddress(storedCanonical: row[0]), name: row[1], grant: Grant(role: row[2]), from: row[3])
        }
    }

    package func grantCount(in account: Account.ID) throws -> Int {
        try fetchInt(
            sql: """
                SELECT (SELECT count(*) FROM member_grants WHERE account_id = ?)
                    + (SELECT count(*) FROM invitation_grants WHERE account_id = ?)
                    + (SELECT count(*) FROM offer_grants g JOIN offers o ON o.id = g.offer_id
                       WHERE g.account_id = ? AND o.status = 'pending')
                """, arguments: [account.rawValue, account.rawValue, account.rawValue]) ?? 0
    }

    package func invitationGrants(in organization: Organization.ID) throws -> [Invitation.ID: [Grant]] {
        let rows = try fetchEach(
            sql: """
                SELECT g.invitation_id, g.role, a.name
                FROM invitation_grants g JOIN invitations i ON i.id = g.invitation_id
                LEFT JOIN accounts a ON a.id = g.account_id
                WHERE i.organization_id = ? AND i.status = 'pending'
                """, arguments: [organization.rawValue]
        ) { row in try (Invitation.ID(rawValue: row[0]), Grant(role: row[1], account: row[2])) }
        return Dictionary(grouping: rows, by: \.0).mapValues { $0.map(\.1).sorted() }
    }

    package func grants(of invitation: Invitation.ID) throws -> [Grant] {
        try fetchEach(
            sql: """
                SELECT g.role, a.name FROM invitation_grants g LEFT JOIN accounts a ON a.id = g.account_id
                WHERE g.invitation_id = ?
                """, arguments: [invitation.rawValue]
        ) { row in try Grant(role: row[0], account: row[1]) }.sorted()
    }

    package func insertGrant(_ role: String, account: Account.ID?, for invitation: Invitation.ID) throws {
        try execute(
            sql: "INSERT INTO invitation_grants (invitation_id, role, account_id) VALUES (?, ?, ?)",
            arguments: [invitation.rawValue, role, account?.rawValue])
    }

    package func insertAccount(named name: String, in organization: Organization.ID, at now: Date) throws -> Account {
        let id = try insert(
            sql: "INSERT INTO accounts (organization_id, name, created_at) VALUES (?, ?, ?)",
            arguments: [organization.rawValue, name, StoredText.date(now)])
        return Account(
            id: Account.ID(rawValue: id), organization: organization, name: name, createdAt: now)
    }

    package func deleteAccount(_ id: Account.ID) throws {
        try execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [id.rawValue])
    }

    package func insertGrant(_ grant: MemberGrant, account: Account.ID?) throws {
        try execute(
            sql: """
                INSERT INTO member_grants (member_id, role, account_id, managed, granted_at, inherit)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                grant.member.rawValue, grant.grant.role, account?.rawValue, grant.isManaged,
                StoredText.date(grant.grantedAt), grant.inherits,
            ])
    }

    package func deleteGrant(of member: Member.ID, role: String, account: Account.ID?) throws {
        try execute(
            sql: "DELETE FROM member_grants WHERE member_id = ? AND role = ? AND coalesce(account_id, 0) = ?",
            arguments: [member.rawValue, role, account?.rawValue ?? 0])
    }
}
