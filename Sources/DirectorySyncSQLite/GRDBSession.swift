import DirectorySync
import DirectorySyncSQL
import Foundation
import GRDB

/// The ledger's SQL session on one GRDB connection, inside the transaction the store opened. Statements are
/// compiled once per connection and reused: a plan applies thousands of the same few.
struct GRDBSession: SQLSession {
    let db: Database

    var locksRows: Bool { false }

    func each(_ sql: String, _ arguments: SQLArguments, _ body: (GRDBRow) throws -> Void) throws {
        let rows = try GRDB.Row.fetchCursor(db.cachedStatement(sql: sql), arguments: Self.arguments(arguments))
        while let row = try rows.next() { try body(GRDBRow(row: row)) }
    }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    private static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .text(let text): text.databaseValue
                case .bytes(let bytes): Data(bytes).databaseValue
                }
            })
    }
}

/// A GRDB row, read through the ledger's `SQLRow`.
struct GRDBRow: SQLRow {
    let row: GRDB.Row

    func value(at index: Int) -> SQLValue {
        guard index >= 0, index < row.count else { return .null }
        switch (row[index] as DatabaseValue).storage {
        case .null: return .null
        case .int64(let integer): return .integer(integer)
        case .double(let double): return Int64(exactly: double).map(SQLValue.integer) ?? .text(String(double))
        case .string(let text): return .text(text)
        case .blob(let data): return .bytes(Array(data))
        }
    }

    func index(of name: String) -> Int? { Array(row.columnNames).firstIndex(of: name) }
}

/// The ledger primitives over `db`.
func ledger(_ db: Database) -> SQLLedger<GRDBSession> { SQLLedger(session: GRDBSession(db: db)) }
