import DirectorySync
import Foundation

/// One SQL database connection inside the transaction its store opened: what `SQLLedger` runs its statements on.
///
/// Statements are written once, for both engines, with `?` for each parameter; a session for an engine that
/// numbers its parameters (`$1`) rewrites them. Values are only text, 64-bit integers, bytes and NULL: the
/// schema keeps dates as text (`StoredText.date`), booleans as 0 and 1.
public protocol SQLSession {
    /// A row as the engine delivers it, valid only while `each`'s closure runs.
    associatedtype Row: SQLRow

    /// Runs `sql` and calls `body` with each row it returns, in order.
    func each(_ sql: String, _ arguments: SQLArguments, _ body: (Row) throws -> Void) throws
    /// Runs `sql`, which returns no rows; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    /// Whether the engine locks rows (`FOR UPDATE`, `FOR SHARE`, `SKIP LOCKED`): PostgreSQL, whose writers run at
    /// once; not SQLite, whose writers take turns, so a transaction's reads already hold for its whole length.
    var locksRows: Bool { get }
}

/// A value bound to a statement's parameter, or read from a column.
public enum SQLValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A 64-bit integer (and a boolean, as 0 or 1).
    case integer(Int64)
    /// Text, UTF-8.
    case text(String)
    /// Bytes.
    case bytes([UInt8])
}

/// A Swift value a statement can take as a parameter.
public protocol SQLBindable {
    /// The value as the engine stores it.
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable {
    /// Text.
    public var sqlValue: SQLValue { .text(self) }
}

extension Int: SQLBindable {
    /// A 64-bit integer.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Int64: SQLBindable {
    /// A 64-bit integer.
    public var sqlValue: SQLValue { .integer(self) }
}

extension Bool: SQLBindable {
    /// 1 or 0.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}

extension Array: SQLBindable where Element == UInt8 {
    /// Bytes.
    public var sqlValue: SQLValue { .bytes(self) }
}

/// A statement's parameters, in order; written as an array literal, where nil is NULL.
public struct SQLArguments: ExpressibleByArrayLiteral, Sendable {
    /// The values, one per `?`.
    public var values: [SQLValue]

    /// The values of `elements`, nil as NULL.
    public init(arrayLiteral elements: (any SQLBindable)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    /// The values of `elements`, in order.
    public init(_ elements: [some SQLBindable]) {
        values = elements.map(\.sqlValue)
    }

    /// These parameters followed by `other`'s.
    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var joined = lhs
        joined.values += rhs.values
        return joined
    }

    /// Appends `other`'s parameters.
    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.values += rhs.values
    }
}

/// `?, ?, ?`: the placeholders of an `IN (…)` list of `count` values.
func placeholders(count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

/// A row of a statement's result, read by position or column name.
public protocol SQLRow {
    /// The value at `index` (from 0); NULL when the row has no such column.
    func value(at index: Int) -> SQLValue
    /// The position of the column called `name`; nil when the row has none.
    func index(of name: String) -> Int?
}

/// A Swift value read from a column.
public protocol SQLDecodable {
    /// The value `stored` holds; nil when it holds something else (or NULL).
    static func decode(_ stored: SQLValue) -> Self?
}

extension String: SQLDecodable {
    /// Text.
    public static func decode(_ stored: SQLValue) -> String? {
        if case .text(let text) = stored { return text }
        return nil
    }
}

extension Int64: SQLDecodable {
    /// An integer.
    public static func decode(_ stored: SQLValue) -> Int64? {
        if case .integer(let value) = stored { return value }
        return nil
    }
}

extension Int: SQLDecodable {
    /// An integer that fits.
    public static func decode(_ stored: SQLValue) -> Int? {
        if case .integer(let value) = stored { return Int(exactly: value) }
        return nil
    }
}

extension Bool: SQLDecodable {
    /// 0 is false, any other integer true.
    public static func decode(_ stored: SQLValue) -> Bool? {
        if case .integer(let value) = stored { return value != 0 }
        return nil
    }
}

extension Date: SQLDecodable {
    /// Text as `StoredText.date` writes it.
    public static func decode(_ stored: SQLValue) -> Date? {
        if case .text(let text) = stored { return DateText.stored(text) }
        return nil
    }
}

extension Array: SQLDecodable where Element == UInt8 {
    /// Bytes.
    public static func decode(_ stored: SQLValue) -> [UInt8]? {
        if case .bytes(let bytes) = stored { return bytes }
        return nil
    }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    /// NULL as nil, anything else as `Wrapped`; a value `Wrapped` cannot read is refused.
    public static func decode(_ stored: SQLValue) -> Wrapped?? {
        if stored == .null { return .some(nil) }
        return Wrapped.decode(stored).map { .some($0) }
    }
}

extension SQLRow {
    /// The value at `index` as `T`; a store error when it holds something else.
    public subscript<T: SQLDecodable>(_ index: Int) -> T {
        get throws {
            guard let value = T.decode(value(at: index)) else {
                throw StoreError.database("unexpected value in column \(index + 1) of the store")
            }
            return value
        }
    }

    /// The value of column `name` as `T`; a store error when it holds something else or there is no such column.
    public subscript<T: SQLDecodable>(_ name: String) -> T {
        get throws {
            guard let index = index(of: name), let value = T.decode(value(at: index)) else {
                throw StoreError.database("unexpected value in column '\(name)' of the store")
            }
            return value
        }
    }

    /// Whether the row has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { index(of: name) != nil }
}
