import Foundation

/// A streaming RFC 4180 reader: quoted fields with `""` and line breaks, CRLF or LF, a UTF-8 BOM, the
/// separator sniffed from the header row (`,`, `;` or TAB), PowerShell's `#TYPE` first line skipped. The
/// header row names the attributes; the mapping's `csv.split` says which columns hold several values
/// (csvde joins them with `;`). csvde's binary `X'…'` values become bytes; a `DN` column becomes the DN.
public final class CSVReader {
    public let file: String
    public internal(set) var log = DiagnosticLog(limitPerKind: 20)
    private let input: InputFile
    private let options: Mapping.CSVOptions

    public init(path: String, file: String, options: Mapping.CSVOptions = Mapping.CSVOptions()) throws(ReadError) {
        self.file = file
        self.options = options
        self.input = try InputFile(path: path, name: file)
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
    private var header: [String]?
    private var delimiter: UInt8?
    private var firstBytes = true

    /// Streams every row after the header to `body` as an entry.
    public func read(progress: FileSource.Progress? = nil, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var pendingHeadBytes: [UInt8] = []
        var rows = 0
        while true {
            let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
                guard let base = pointer.baseAddress else { return 0 }
                return try input.read(into: base, count: pointer.count)
            }
            var bytes = ArraySlice(chunk[..<got])
            if firstBytes {
                // Sniff on the first line, which may span chunks.
                pendingHeadBytes.append(contentsOf: bytes)
                guard got == 0 || pendingHeadBytes.contains(0x0A) else { continue }
                firstBytes = false
                if pendingHeadBytes.starts(with: [0xEF, 0xBB, 0xBF]) { pendingHeadBytes.removeFirst(3) }
                if pendingHeadBytes.starts(with: Array("#TYPE".utf8)) {
                    let end = pendingHeadBytes.firstIndex(of: 0x0A).map { $0 + 1 } ?? pendingHeadBytes.count
                    pendingHeadBytes.removeFirst(end)
                    line += 1
                    rowLine = line
                }
                delimiter = options.delimiter ?? Self.sniff(pendingHeadBytes)
                bytes = ArraySlice(pendingHeadBytes)
            }
            if got == 0 && bytes.isEmpty {
                try endOfInput(body)
                return
            }
            try consume(bytes) { entry in
                body(entry)
                rows += 1
                if rows % 8192 == 0 { progress?(input.bytesRead, input.size) }
            }
            if got == 0 {
                try endOfInput(body)
                return
            }
        }
    }

    /// The separator that occurs most often outside quotes in the header line (`,` on a tie).
    static func sniff(_ bytes: [UInt8]) -> UInt8 {
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
                endField()
            case 0x0A, 0x0D:
                endField()
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

    private func endField() {
        row.append(field)
        field.removeAll(keepingCapacity: true)
        fieldWasQuoted = false
    }

    private func endOfInput(_ body: (DirectoryEntry) -> Void) throws(ReadError) {
        if inQuotes {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: quoteLine), detail: "a quoted field is never closed",
                hint: "the file may be truncated, or a quote is missing")
        }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            endField()
            try endRow(body)
        }
        guard header != nil else {
            throw ReadError.malformed(
                at: SourceLocation(source: file, line: 1), detail: "the file is empty: no header row")
        }
    }

    private func endRow(_ body: (DirectoryEntry) -> Void) throws(ReadError) {
        defer { row.removeAll(keepingCapacity: true) }
        if row.count == 1 && row[0].isEmpty { return }  // a blank line
        let location = SourceLocation(source: file, line: rowLine)
        guard let header else {
            var names: [String] = []
            for cell in row {
                guard let name = String(validating: cell, as: UTF8.self)?.trimmingCharacters(in: .whitespaces),
                    !name.isEmpty
                else {
                    throw ReadError.malformed(
                        at: location, detail: "header column \(names.count + 1) has no name",
                        hint: "the first row must name every column (see 'dirsync csv-template')")
                }
                if names.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
                    throw ReadError.malformed(at: location, detail: "the header names column '\(name)' twice")
                }
                names.append(name)
            }
            header = names
            return
        }
        guard row.count <= header.count else {
            throw ReadError.malformed(
                at: location, detail: "the row has \(row.count) fields but the header has \(header.count)",
                hint: "quote fields that contain the separator")
        }
        var entry = DirectoryEntry(location: location)
        for (index, cell) in row.enumerated() where !cell.isEmpty {
            let name = header[index]
            if let bytes = Self.csvdeBinary(cell) {
                entry.append(.binary(bytes), to: name)
                continue
            }
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw ReadError.malformed(
                    at: location, detail: "the value of '\(name)' is not valid UTF-8",
                    hint: "save the file as UTF-8 (Excel: 'CSV UTF-8')")
            }
            if name.caseInsensitiveCompare("dn") == .orderedSame {
                entry.dn = text
                continue
            }
            if let separator = options.split[AttributeName.normalize(name)] {
                for part in text.components(separatedBy: separator) {
                    let trimmed = part.trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { entry.append(.text(trimmed), to: name) }
                }
            } else {
                entry.append(.text(text), to: name)
            }
        }
        body(entry)
    }

    /// csvde writes binary values as `X'0a1b…'`.
    private static func csvdeBinary(_ cell: [UInt8]) -> [UInt8]? {
        guard cell.count >= 3, cell[0] | 0x20 == UInt8(ascii: "x"), cell[1] == UInt8(ascii: "'"),
            cell[cell.count - 1] == UInt8(ascii: "'"), (cell.count - 3) % 2 == 0
        else { return nil }
        var bytes: [UInt8] = []
        var index = 2
        while index + 1 < cell.count - 1 {
            guard let high = hex(cell[index]), let low = hex(cell[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
