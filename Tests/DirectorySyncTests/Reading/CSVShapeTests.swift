import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Wide headers, the column cap, rows wider than the header, and files cut short: the work per byte
/// stays constant, and what cannot be trusted fails at its line.
@Suite struct CSVShapeTests {
    private func read(_ bytes: [UInt8]) throws -> [DirectoryEntry] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("t.csv")
        try Data(bytes).write(to: url)
        return try readCSV(path: url.path, name: "t.csv")
    }

    private func read(_ text: String) throws -> [DirectoryEntry] { try read(Array(text.utf8)) }

    private func names(_ count: Int, separator: String = ",", prefix: String = "column") -> String {
        (1...count).map { String(format: "\(prefix)-%05d", $0) }.joined(separator: separator)
    }

    private func values(_ count: Int, separator: String = ",") -> String {
        (1...count).map { "v\($0)" }.joined(separator: separator)
    }

    @Test(arguments: [1, 2, 100, 2_000, CSVReader.maximumColumns])
    func wideHeadersReadEveryColumnInItsPlace(_ columns: Int) throws {
        let rows = try read(names(columns) + "\n" + values(columns) + "\n")
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.names.count == columns)
        for index in Set([1, columns / 2 + 1, columns]) {
            #expect(row.strings(String(format: "COLUMN-%05d", index)) == ["v\(index)"])
        }
    }

    /// 200,000 columns never finished before; the cap stops the header at the column that passes it, before
    /// the rest of the line is even parsed (the bad quote further on is never reached).
    @Test(arguments: [CSVReader.maximumColumns + 1, 10_000, 200_000])
    func aHeaderPastTheColumnCapFailsAtOnce(_ columns: Int) throws {
        let header = names(columns) + ",\"x\"y,z\n"
        let error = try #require(readError { _ = try read(header + "1\n") })
        #expect(error.location == SourceLocation(source: "t.csv", line: 1))
        #expect(error.description == "t.csv:1: the header has more than 4096 columns", "\(error)")
    }

    @Test(arguments: [1, 2, 50, CSVReader.maximumColumns])
    func aRowWiderThanTheHeaderFailsAsSoonAsItPassesIt(_ columns: Int) throws {
        let text = names(columns) + "\n" + values(columns) + "\n" + values(columns) + ",extra,\"x\"y\n"
        let error = try #require(readError { _ = try read(text) })
        #expect(error.location?.line == 3)
        #expect(error.description.contains("the row has more than the header's \(columns) fields"), "\(error)")
    }

    @Test func aRepeatedNameAnywhereInAWideHeaderIsFound() throws {
        let text = names(CSVReader.maximumColumns - 1) + ",COLUMN-00001\n" + values(CSVReader.maximumColumns) + "\n"
        let error = try #require(readError { _ = try read(text) })
        #expect(error.description == "t.csv:1: the header names column 'COLUMN-00001' twice")
    }

    /// The separator is sniffed from the header's first 64 KiB, however long the header line is.
    @Test(arguments: [";", "\t", ","])
    func theSeparatorOfAHeaderLongerThanTheSniffWindowIsFound(_ separator: String) throws {
        let columns = 4_000
        let header = names(columns, separator: separator, prefix: "extensionAttribute-of-the-directory")
        #expect(header.utf8.count > 2 * CSVReader.sniffWindow)
        let row = try #require(try read(header + "\n" + values(columns, separator: separator) + "\n").first)
        #expect(row.names.count == columns)
        #expect(row.strings("extensionattribute-of-the-directory-04000") == ["v4000"])
    }

    @Test func aPowerShellTypeLineBeforeAWideHeader() throws {
        let text =
            "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n" + names(3_000) + "\r\n"
            + values(3_000) + "\r\n"
        let row = try #require(try read(text).first)
        #expect(row.location.line == 3)
        #expect(row.strings("column-03000") == ["v3000"])
    }

    // MARK: - Truncation

    @Test(arguments: [
        ("a,b\n1,2", 2, "ends in the middle of a line"),
        ("a,b\n1,\"2\"", 2, "ends in the middle of a line"),
        ("email", 1, "ends in the middle of a line"),
        ("a,b\r\n1,2\r\n3", 3, "ends in the middle of a line"),
        ("a,b,c\n1,2,3\n4,5\n", 3, "the last row has 2 of the header's 3 fields"),
        ("a,b,c\n1,2,3\n4\n\n\n", 3, "the last row has 1 of the header's 3 fields"),
        ("a,b,c\r\n1,2,3\r\n\"4\r\n5\",6\r\n", 3, "the last row has 2 of the header's 3 fields"),
    ])
    func aFileCutShortIsAnError(_ text: String, _ line: Int, _ message: String) throws {
        let error = try #require(readError { _ = try read(text) })
        #expect(error.location == SourceLocation(source: "t.csv", line: line))
        #expect(error.description.contains(message), "\(error)")
        if message.contains("middle") {
            #expect(error.hint == "export it again, or add a final line break if it is complete")
        }
    }

    @Test(arguments: [
        ("a,b,c\n1,2\n4,5,6\n", 2),
        ("a,b\r\n1,2\r\n", 1),
        ("a,b\n1,2\r", 1),
        ("a,b\n1,2\n\n", 1),
        ("a,b\n", 0),
    ])
    func aFileThatEndsWithALineBreakAndAFullRowReads(_ text: String, _ rows: Int) throws {
        #expect(try read(text).count == rows)
    }
}
