import DirectorySync
import DirectorySyncSQL
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The ledger's SQL session on one PostgreSQL connection, inside the transaction `PostgresStore` opened.
///
/// The ledger's primitives are synchronous (one transaction runs as a plain closure, as GRDB runs it), so each
/// statement waits for its answer here, on the store's own thread, never on a Swift concurrency or NIO thread.
/// Statements go through the extended query protocol with unnamed statements: nothing outlives the transaction,
/// so a transaction-pooling PgBouncer may hand the next transaction to another server connection.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let statements: StatementCache
    let logger: Logger

    var locksRows: Bool { true }

    func each(_ sql: String, _ arguments: SQLArguments, _ body: (PostgresSessionRow) throws -> Void) throws {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return }
        let columns = first.makeRandomAccess()
        let names = (0..<columns.count).map { columns[$0].columnName }
        for row in result.rows { try body(PostgresSessionRow(cells: row.makeRandomAccess(), names: names)) }
    }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    /// Runs one statement and waits for all of its rows.
    func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): try bindings.append(integer)
            case .text(let text): try bindings.append(text)
            case .bytes(let bytes): try bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        let query = PostgresQuery(unsafeSQL: statements.numbered(sql), binds: bindings)
        return try connection.query(query, logger: logger).wait()
    }

    /// Runs statements that take no parameters (transaction control, the schema's migrations), one after the
    /// other. PostgresNIO speaks only the extended query protocol, one statement per query, so a script is cut at
    /// its top-level semicolons first (`PostgresScript`).
    func script(_ sql: String) throws {
        for statement in PostgresScript.statements(sql) { _ = try run(statement, []) }
    }
}

/// SQL text cut into statements at the semicolons outside quoted text, quoted identifiers, dollar-quoted bodies
/// (a function's `$$ … $$`) and comments.
enum PostgresScript {
    static func statements(_ sql: String) -> [String] {
        let bytes = Array(sql.utf8)
        var statements: [String] = []
        var start = 0
        var index = 0
        func flush(upTo end: Int) {
            let text = String(decoding: bytes[start..<end], as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            if !text.isEmpty { statements.append(text) }
        }
        func skip(past terminator: [UInt8], from position: Int) -> Int {
            var position = position
            while position < bytes.count {
                if bytes[position] == terminator[0], position + terminator.count <= bytes.count,
                    Array(bytes[position..<position + terminator.count]) == terminator
                {
                    return position + terminator.count
                }
                position += 1
            }
            return bytes.count
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                index = skip(past: [byte], from: index + 1)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                index = skip(past: [UInt8(ascii: "\n")], from: index + 2)
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index = skip(past: [UInt8(ascii: "*"), UInt8(ascii: "/")], from: index + 2)
            case UInt8(ascii: "$"):
                // `$tag$` opens a dollar-quoted string that only the same `$tag$` closes; `$1` is a parameter.
                var end = index + 1
                while end < bytes.count,
                    bytes[end] == UInt8(ascii: "_") || (bytes[end] | 0x20 >= 0x61 && bytes[end] | 0x20 <= 0x7a)
                {
                    end += 1
                }
                if end < bytes.count, bytes[end] == UInt8(ascii: "$") {
                    let tag = Array(bytes[index...end])
                    index = skip(past: tag, from: end + 1)
                } else {
                    index = end
                }
            case UInt8(ascii: ";"):
                flush(upTo: index)
                index += 1
                start = index
            default:
                index += 1
            }
        }
        flush(upTo: bytes.count)
        return statements
    }
}

/// The ledger's statements with their `?` numbered as PostgreSQL wants them (`$1`, `$2`, …), rewritten once each.
final class StatementCache: @unchecked Sendable {
    // Only touched on the store's own thread (`PostgresStore`'s queue).
    private var numberedStatements: [String: String] = [:]

    func numbered(_ sql: String) -> String {
        if let known = numberedStatements[sql] { return known }
        let rewritten = Self.number(sql)
        numberedStatements[sql] = rewritten
        return rewritten
    }

    /// `?` outside quoted text and identifiers becomes `$n`.
    static func number(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                output.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                output.append(character)
            } else if character == "?" {
                count += 1
                output += "$\(count)"
            } else {
                output.append(character)
            }
        }
        return output
    }
}

/// A PostgreSQL row, read through the ledger's `SQLRow`. The schema holds only `bigint`, `text` and `bytea`.
struct PostgresSessionRow: SQLRow {
    let cells: PostgresRandomAccessRow
    let names: [String]

    func value(at index: Int) -> SQLValue {
        guard index >= 0, index < cells.count else { return .null }
        let cell = cells[index]
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { SQLValue.integer($0 ? 1 : 0) } ?? .null
        case .bytea:
            return (try? cell.decode(ByteBuffer.self)).map { SQLValue.bytes(Array($0.readableBytesView)) } ?? .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }

    func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
