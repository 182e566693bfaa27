import DirectorySync
import Foundation

/// The ledger primitives in SQL, written once for every engine: SQLite (`DirectorySyncSQLite`) and PostgreSQL
/// (`DirectorySyncPostgres`) each give it a session inside the transaction their store opened.
///
/// The statements use what both engines read the same way: `?` parameters, `coalesce`, `lower`, `RETURNING`,
/// `ON CONFLICT … DO UPDATE`; text compared and ordered byte by byte (PostgreSQL's columns are `COLLATE "C"`).
package struct SQLLedger<Session: SQLSession>: LedgerWriter {
    /// The connection, inside the store's transaction.
    package let session: Session

    /// The primitives over `session`.
    package init(session: Session) {
        self.session = session
    }

    func fetchRow<T>(sql: String, arguments: SQLArguments = [], _ decode: (Session.Row) throws -> T) throws -> T? {
        var result: T?
        try session.each(sql, arguments) { row in
            if result == nil { result = try decode(row) }
        }
        return result
    }

    /// Every row of `sql`, each decoded by `decode` straight from the engine's row (no copies): for the large
    /// listings a plan loads.
    func fetchEach<T>(sql: String, arguments: SQLArguments = [], _ decode: (Session.Row) throws -> T) throws -> [T] {
        var result: [T] = []
        try session.each(sql, arguments) { row in result.append(try decode(row)) }
        return result
    }

    func fetchInt(sql: String, arguments: SQLArguments = []) throws -> Int? {
        try fetchRow(sql: sql, arguments: arguments) { row in try row[0] as Int? } ?? nil
    }

    /// Runs an `INSERT … RETURNING id` and returns the new row's identifier.
    func insert(sql: String, arguments: SQLArguments) throws -> Int64 {
        guard let id = try fetchRow(sql: sql + " RETURNING id", arguments: arguments, { row in try row[0] as Int64 })
        else { throw StoreError.database("the store returned no identifier for a new row") }
        return id
    }

    @discardableResult
    func execute(sql: String, arguments: SQLArguments = []) throws -> Int {
        try session.execute(sql, arguments)
    }
}

/// The columns the ledger reads in a fixed order and decodes by position: plans read every member and invitation.
enum LedgerColumns {
    /// Columns in a fixed order, decoded by position: plans read every member and invitation.
    static let memberColumns = """
        id, organization_id, email, name, role, joined_at, invited_by, origin, anchor, managed, access_removed_at, \
        username, given_name, family_name, profile, profile_synced
        """

    static let invitationColumns = """
        id, organization_id, email, role, status, created_at, sent_at, expires_at, resend_count, invited_by, message, \
        anchor, managed, closed_at, given_name, family_name, username, profile, complete, profile_synced, flow
        """

    static let requestColumns = """
        id, organization_id, invitation_id, email, username, given_name, family_name, status, requested_at, \
        expires_at, closed_at, closed_by, reason
        """

    static let offerColumns = """
        o.id, o.organization_id, o.member_id, o.email, o.role, o.status, o.created_at, o.sent_at, o.expires_at,
        o.resend_count, o.offered_by, o.managed, o.closed_at
        """
}

extension JSONEncoder {
    /// Keys sorted, so stored JSON is stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
