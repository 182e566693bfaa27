import DirectorySync
import Foundation
import GRDB

/// The ledger primitives over one GRDB connection, inside the transaction the store opened.
struct SQLiteLedger: LedgerWriter {
    let db: Database

    // Statements are compiled once per connection and reused: a plan applies thousands of the same few.

    func fetchRow(sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchRows(sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of `sql`, each decoded by `decode` straight from the statement (no `Row` copies): for the
    /// large listings a plan loads.
    func fetchEach<T>(sql: String, arguments: StatementArguments, _ decode: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() { result.append(try decode(row)) }
        return result
    }

    func fetchInt(sql: String, arguments: StatementArguments = []) throws -> Int? {
        try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func execute(sql: String, arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension JSONEncoder {
    /// Keys sorted, so stored JSON is stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
