import Foundation

/// A streaming RFC 4180 reader: quoted fields with `""` and line breaks, CRLF or LF, a UTF-8 BOM, the
/// separator sniffed from the header row (`,`, `;` or TAB), PowerShell's `#TYPE` first line skipped. The
/// header row names the attributes; the mapping's `csv.split` says which columns hold several values
/// (csvde joins them with `;`). csvde's binary `X'…'` values become bytes; a `DN` column becomes the DN.
public final class CSVReader {
    /// The file as the user named it, for locations and messages.
    public let file: String
    /// Diagnostics found so far. Always empty today: whatever the CSV reader finds wrong is a `ReadError`.
    public internal(set) var log = DiagnosticLog(limitPerKind: 20)
    private let input: InputFile
    private let options: Mapping.CSVOptions

    /// Opens the file at `path` (named `file` in messages); throws `ReadError.unreadable` if it cannot.
    public init(path: String, file: String, options: Mapping.CSVOptions = Mapping.CSVOptions()) throws(ReadError) {
        self.file = file
        self.options = options
        self.input = try InputFile(path: path, name: file)
    }

    /// The most columns a header may name: far more than any directory export has (csvde writes a few
    /// hundred at most), and a bound on the work and memory one row can cost.
    public static let maximumColumns = 4096
    /// The separator is sniffed from at most this many bytes of the header line.
    static let sniffWindow = 64 * 1024

    /// One column of the header, with what every row needs to know about it worked out once.
    private struct Column {
        let name: String
        let normalized: String
        let isDN: Bool
        let separator: String?
    }

    // Parser state, kept across chunks.
    private var field: [UInt8] = []
    private var row: [[UInt8]] = []
    private var inQuotes = false
    private var afterQuote = false
    private var pendingCR = false
    private var line = 1
    private var rowLine = 1
    private var quoteLine = 1
    private var fieldWasQuoted = false
    private var columns: [Column]?
    private var delimiter: UInt8?
    /// The last data row: its number of fields and its line, checked against the header at the end.
    private var lastRow: (fields: Int, line: Int)?

    /// Streams every row after the header to `body` as an entry.
    public func read(progress: FileSource.Progress? = nil, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var prelude: Prelude? = Prelude()
        var lastByte: UInt8?
        var rows = 0
        while true {
            let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
                guard let base = pointer.baseAddress else { return 0 }
                return try input.read(into: base, count: pointer.count)
            }
            if got > 0 { lastByte = chunk[got - 1] }
            var bytes = ArraySlice(chunk[..<got])
            if var head = prelude {
                // The BOM, PowerShell's #TYPE line and the separator are settled on the first bytes.
                guard let rest = try head.take(bytes, atEnd: got == 0, reader: self) else {
                    prelude = head
                    continue
                }
                prelude = nil
                bytes = rest
            }
            if !bytes.isEmpty {
                try consume(bytes) { entry in
                    body(entry)
                    rows += 1
                    if rows % 8192 == 0 { progress?(input.bytesRead, input.size) }
                }
            }
            if got == 0 {
                try endOfInput(lastByte: lastByte, body)
                return
            }
        }
    }

    /// The start of the file, held until the separator can be sniffed: up to the end of the header line or
    /// `sniffWindow` bytes of it. Each byte is looked at once, however many chunks the header line spans.
    private struct Prelude {
        var bytes: [UInt8] = []
        var scanned = 0
        var checkedBOM = false
        var checkedTypeLine = false

        /// The bytes to parse once the separator is known; nil while more are needed.
        mutating func take(_ chunk: ArraySlice<UInt8>, atEnd: Bool, reader: CSVReader) throws(ReadError)
            -> ArraySlice<UInt8>?
        {
            bytes.append(contentsOf: chunk)
            if !checkedBOM {
                guard bytes.count >= 3 || atEnd else { return nil }
                if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
                checkedBOM = true
            }
            if !checkedTypeLine {
                guard bytes.count >= 5 || atEnd else { return nil }
                if bytes.starts(with: Array("#TYPE".utf8)) {
                    guard let newline = bytes[scanned...].firstIndex(of: 0x0A) else {
                        guard bytes.count <= CSVReader.sniffWindow, !atEnd else {
                            throw ReadError.malformed(
                                at: SourceLocation(source: reader.file, line: 1),
                                detail: "the #TYPE line never ends", hint: "is this a CSV file?")
                        }
                        scanned = bytes.count
                        return nil
                    }
                    bytes.removeFirst(newline + 1)
                    scanned = 0
                    reader.line += 1
                    reader.rowLine = reader.line
                }
                checkedTypeLine = true
            }
            let window = min(bytes.count, CSVReader.sniffWindow)
            let lineEnds = scanned < window && bytes[scanned..<window].contains(0x0A)
            guard lineEnds || window == CSVReader.sniffWindow || atEnd else {
                scanned = window
                return nil
            }
            reader.delimiter = reader.options.delimiter ?? CSVReader.sniff(bytes[..<window])
            return bytes[...]
        }
    }

    /// The separator that occurs most often outside quotes in the header line (`,` on a tie).
    static func sniff(_ bytes: some Collection<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, 0x09: 0]
        var quoted = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if quoted { continue }
            if byte == 0x0A { break }
            if counts[byte] != nil { counts[byte, default: 0] += 1 }
        }
        let comma = counts[UInt8(ascii: ",")] ?? 0
        let semicolon = counts[UInt8(ascii: ";")] ?? 0
        let tab = counts[0x09] ?? 0
        if semicolon > comma && semicolon >= tab { return UInt8(ascii: ";") }
        if tab > comma && tab > semicolon { return 0x09 }
        return UInt8(ascii: ",")
    }

    private func consume(_ bytes: ArraySlice<UInt8>, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        let delimiter = self.delimiter ?? UInt8(ascii: ",")
        for byte in bytes {
            if pendingCR {
                pendingCR = false
                if byte == 0x0A { continue }
            }
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                    afterQuote = true
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                continue
            }
            if afterQuote {
                afterQuote = false
                if byte == UInt8(ascii: "\"") {
                    // "" inside a quoted field is one quote.
                    field.append(byte)
                    inQuotes = true
                    continue
                }
                guard byte == delimiter || byte == 0x0A || byte == 0x0D else {
                    throw ReadError.malformed(
                        at: SourceLocation(source: file, line: line),
                        detail: "unexpected text after a closing quote",
                        hint: "inside a quoted field, write a quote as \"\"")
                }
            }
            switch byte {
            case delimiter:
                try endField()
            case 0x0A, 0x0D:
                try endField()
                try endRow(body)
                line += 1
                rowLine = line
                pendingCR = byte == 0x0D
            case UInt8(ascii: "\"") where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
                quoteLine = line
            default:
                field.append(byte)
            }
        }
    }

    /// Ends a field; a row that passes the header's width (or a header that passes the column cap) fails
    /// here, at once, rather than after the rest of the row is buffered.
    private func endField() throws(ReadError) {
        row.append(field)
        field.removeAll(keepingCapacity: true)
        fieldWasQuoted = false
        if let columns {
            guard row.count <= columns.count else {
                throw ReadError.malformed(
                    at: SourceLocation(source: file, line: rowLine),
                    detail: "the row has more than the header's \(columns.count) fields",
                    hint: "quote fields that contain the separator")
            }
        } else if row.count > Self.maximumColumns {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: rowLine),
                detail: "the header has more than \(Self.maximumColumns) columns",
                hint: "is this the right file? dirsync reads at most \(Self.maximumColumns) columns")
        }
    }

    private func endOfInput(lastByte: UInt8?, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        if inQuotes {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: quoteLine), detail: "a quoted field is never closed",
                hint: "the file may be truncated, or a quote is missing")
        }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted || afterQuote {
            // Bytes after the last line break: the last row may have been cut anywhere.
            if let lastByte, lastByte != 0x0A, lastByte != 0x0D {
                throw ReadError.truncatedLine(at: SourceLocation(source: file, line: line))
            }
            try endField()
            try endRow(body)
        }
        guard let columns else {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: 1), detail: "the file is empty: no header row")
        }
        if let lastRow, lastRow.fields < columns.count {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: lastRow.line),
                detail: "the last row has \(lastRow.fields) of the header's \(columns.count) fields: "
                    + "the file looks truncated",
                hint: "export it again; if the row is complete, end it with empty fields (a separator for each)")
        }
    }

    private func endRow(_ body: (DirectoryEntry) -> Void) throws(ReadError) {
        defer { row.removeAll(keepingCapacity: true) }
        if row.count == 1 && row[0].isEmpty { return }  // a blank line
        let location = SourceLocation(source: file, line: rowLine)
        guard let columns else {
            columns = try header(at: location)
            return
        }
        lastRow = (row.count, rowLine)
        var entry = DirectoryEntry(location: location)
        for (index, cell) in row.enumerated() where !cell.isEmpty {
            let column = columns[index]
            if let bytes = Self.csvdeBinary(cell) {
                entry.append(.binary(bytes), toNormalized: column.normalized)
                continue
            }
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw ReadError.malformed(
                    at: location, detail: "the value of '\(column.name)' is not valid UTF-8",
                    hint: "save the file as UTF-8 (Excel: 'CSV UTF-8')")
            }
            if column.isDN {
                entry.dn = text
                continue
            }
            if let separator = column.separator {
                for part in text.components(separatedBy: separator) {
                    let trimmed = part.trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { entry.append(.text(trimmed), toNormalized: column.normalized) }
                }
            } else {
                entry.append(.text(text), toNormalized: column.normalized)
            }
        }
        body(entry)
    }

    /// The header row's columns; a name seen twice (ignoring case) is found with a set, in one pass.
    private func header(at location: SourceLocation) throws(ReadError) -> [Column] {
        var result: [Column] = []
        result.reserveCapacity(row.count)
        var seen = Set<String>(minimumCapacity: row.count)
        for cell in row {
            guard let name = String(validating: cell, as: UTF8.self)?.trimmingCharacters(in: .whitespaces),
                !name.isEmpty
            else {
                throw ReadError.malformed(
                    at: location, detail: "header column \(result.count + 1) has no name",
                    hint: "the first row must name every column (see 'dirsync csv-template')")
            }
            guard seen.insert(name.lowercased()).inserted else {
                throw ReadError.malformed(at: location, detail: "the header names column '\(name)' twice")
            }
            let normalized = AttributeName.normalize(name)
            result.append(
                Column(
                    name: name, normalized: normalized, isDN: normalized == "dn", separator: options.split[normalized]))
        }
        return result
    }

    /// csvde writes binary values as `X'0a1b…'`.
    private static func csvdeBinary(_ cell: [UInt8]) -> [UInt8]? {
        guard cell.count >= 3, cell[0] | 0x20 == UInt8(ascii: "x"), cell[1] == UInt8(ascii: "'"),
            cell[cell.count - 1] == UInt8(ascii: "'"), (cell.count - 3) % 2 == 0
        else { return nil }
        var bytes: [UInt8] = []
        var index = 2
        while index + 1 < cell.count - 1 {
            guard let high = Hex.value(cell[index]), let low = Hex.value(cell[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
