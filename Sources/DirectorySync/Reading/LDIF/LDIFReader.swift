import Foundation

/// A streaming RFC 2849 reader. It works on bytes: lines are found with `memchr`, folded lines are joined
/// in place in the read buffer, base64 is decoded in place, and only the attributes a mapping asks for are
/// turned into `String`s. Memory stays flat however large the file: the buffer holds one chunk (and grows
/// only for a record larger than a chunk).
///
/// Layer 1 (this file) finds logical lines and records; layer 2 (`LDIFReader+Record.swift`) gives the
/// record its meaning: `version`, `dn`, `changetype`, the `ldapsearch` trailer, values.
public final class LDIFReader {
    /// What a record turned out to be.
    enum RecordKind { case content, ignored }

    /// One logical line of the current record: offsets are relative to `recordBase`.
    struct Field {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
        var kind: ValueKind
        var line: Int
    }

    enum ValueKind: UInt8 { case plain, base64, url }

    /// The file as the user named it.
    public let file: String
    /// Diagnostics found so far (whitespace-only separators, trailing spaces, ignored change records…).
    public internal(set) var log = DiagnosticLog(limitPerKind: 20)

    let input: InputFile?
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var dataEnd = 0
    var position = 0
    var atEndOfFile = false
    /// Lines consumed so far (the number of the line just read).
    var lineNumber = 0
    var consumedBeforeBuffer = 0
    var recordBase = -1
    var recordLine = 0
    var fields: [Field] = []
    var sawFirstRecord = false
    let chunkSize: Int
    /// `ldapsearch` output (its first line is `# extended LDIF`): its result trailer is then required.
    var ldapsearch = LDAPSearchOutput()

    /// Opens `path`; `file` is how messages name it.
    public init(path: String, file: String, chunkSize: Int = 1 << 20) throws(ReadError) {
        self.file = file
        self.input = try InputFile(path: path, name: file)
        self.chunkSize = chunkSize
        self.capacity = chunkSize * 2
        self.buffer = .allocate(capacity: capacity)
        fields.reserveCapacity(64)
    }

    /// Reads from memory (tests, small inputs); `file` is how messages name it.
    public init(bytes: [UInt8], file: String) {
        self.file = file
        self.input = nil
        self.chunkSize = max(bytes.count, 16)
        self.capacity = chunkSize
        self.buffer = .allocate(capacity: capacity)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: bytes.count) }
        }
        dataEnd = bytes.count
        atEndOfFile = true
        fields.reserveCapacity(64)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            // In-memory input is expected to be UTF-8; UTF-16 is handled by the file path.
            dataEnd = 0
            utf16InMemory = true
        }
    }

    var utf16InMemory = false
    var skippedBOM = false
    var cachedProjection: ProjectionTable?
    var isPrepared = false
    /// Offsets inside a record are 32-bit; no real entry comes near this.
    static let largestRecord = 1 << 30

    deinit { buffer.deallocate() }

    /// Bytes of the file consumed so far, for progress.
    public var bytesConsumed: Int { consumedBeforeBuffer + position }

    /// The file's size when known.
    public var totalBytes: Int? { input?.size }

    // MARK: - Lines

    /// The next physical line: start, end of content (without CR LF), and where the following line starts.
    @inline(__always)
    func nextLine() throws(ReadError) -> (start: Int, end: Int, next: Int)? {
        while true {
            let remaining = dataEnd - position
            if remaining > 0, let found = memchr(buffer + position, 0x0A, remaining) {
                let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var end = newline
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                return (position, end, newline + 1)
            }
            if atEndOfFile {
                guard position < dataEnd else {
                    // A byte-order mark and nothing else: cut right after it.
                    if skippedBOM && lineNumber == 0 { throw ReadError.truncatedLine(at: location(1)) }
                    return nil
                }
                // A final line without a line break: the export was cut, perhaps in the middle of a value.
                guard buffer[dataEnd - 1] == 0x0D else { throw ReadError.truncatedLine(at: location(lineNumber + 1)) }
                return (position, dataEnd - 1, dataEnd)
            }
            try refill()
        }
    }

    /// Moves the unconsumed bytes (from the current record's start) to the front and reads the next chunk.
    func refill() throws(ReadError) {
        let keep = recordBase >= 0 ? recordBase : position
        if keep > 0 {
            let count = dataEnd - keep
            if count > 0 { buffer.update(from: buffer + keep, count: count) }
            dataEnd = count
            position -= keep
            if recordBase >= 0 { recordBase -= keep }
            consumedBeforeBuffer += keep
        }
        if dataEnd > Self.largestRecord {
            throw ReadError.malformed(
                at: location(recordLine), detail: "a record larger than 1 GiB",
                hint: "is the file LDIF? Records are separated by empty lines")
        }
        if capacity - dataEnd < chunkSize {
            let newCapacity = max(capacity * 2, dataEnd + chunkSize)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: buffer, count: dataEnd)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        guard let input else {
            atEndOfFile = true
            return
        }
        let got = try input.read(into: buffer + dataEnd, count: capacity - dataEnd)
        if got == 0 {
            atEndOfFile = true
        } else {
            dataEnd += got
        }
    }

    /// Starts reading: skips a UTF-8 byte-order mark.
    func prepare() throws(ReadError) {
        isPrepared = true
        while dataEnd < 3 && !atEndOfFile { try refill() }
        if dataEnd >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            position = 3
            skippedBOM = true
        }
    }

    // MARK: - Records

    /// Reads the next record's logical lines into `fields`; false at the end of the file. Comments (also
    /// folded ones) are dropped and folded lines joined.
    func readRecordLines() throws(ReadError) -> Bool {
        if utf16InMemory {
            throw ReadError.unsupported("\(file): UTF-16 input must be read from a file")
        }
        if !isPrepared { try prepare() }
        fields.removeAll(keepingCapacity: true)
        recordBase = -1
        var inComment = false
        while let (start, end, next) = try nextLine() {
            lineNumber += 1
            if start == end {
                position = next
                inComment = false
                if recordBase >= 0 { return true }
                continue
            }
            let first = buffer[start]
            if first == 0x20 || first == 0x09 {
                if inComment {
                    position = next
                    continue
                }
                if isBlank(start, end) {
                    position = next
                    log.add(
                        Diagnostic(
                            .warning, "a line of only spaces or TABs separates two records; write an empty line",
                            at: location(lineNumber)), kind: "whitespace-separator")
                    if recordBase >= 0 { return true }
                    continue
                }
                if first == 0x09 {
                    throw ReadError.malformed(
                        at: location(lineNumber), detail: "the line starts with a TAB",
                        hint: "RFC 2849 continues a folded line with exactly one space; replace the TAB with a space")
                }
                guard recordBase >= 0, !fields.isEmpty else {
                    throw ReadError.malformed(
                        at: location(lineNumber), detail: "a continuation line (starting with a space) follows no line")
                }
                unfold(start + 1, end)
                position = next
                continue
            }
            if first == UInt8(ascii: "#") {
                if lineNumber == 1 || (ldapsearch.isOn && end - start > 2 && buffer[start + 2] == UInt8(ascii: "n")) {
                    ldapsearch.comment(text(start, end), line: lineNumber)
                }
                inComment = true
                position = next
                continue
            }
            inComment = false
            if recordBase < 0 {
                recordBase = start
                recordLine = lineNumber
            }
            try addField(start, end)
            position = next
        }
        return recordBase >= 0
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            if buffer[index] != 0x20 && buffer[index] != 0x09 { return false }
            index += 1
        }
        return true
    }

    /// Appends a continuation line's content to the last field's value, moving it left in place.
    @inline(__always)
    private func unfold(_ start: Int, _ end: Int) {
        let last = fields.count - 1
        let count = end - start
        let target = recordBase + Int(fields[last].valueEnd)
        if count > 0 && target != start { (buffer + target).update(from: buffer + start, count: count) }
        fields[last].valueEnd += Int32(count)
    }

    /// Splits `name[;options]:[:|<] value` into a field.
    @inline(__always)
    private func addField(_ start: Int, _ end: Int) throws(ReadError) {
        guard let found = memchr(buffer + start, 0x3A, end - start) else {
            if end - start == 1 && buffer[start] == UInt8(ascii: "-") {
                fields.append(
                    Field(
                        nameStart: Int32(start - recordBase), nameEnd: Int32(start - recordBase + 1),
                        valueStart: Int32(end - recordBase), valueEnd: Int32(end - recordBase), kind: .plain,
                        line: lineNumber))
                return
            }
            throw ReadError.malformed(
                at: location(lineNumber),
                detail: "expected 'attribute: value', found '\(text(start, min(end, start + 40)))'",
                hint: lineNumber == recordLine ? nil : "is a folded line missing its leading space?")
        }
        let colon = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
        var nameEnd = colon
        while nameEnd > start && buffer[nameEnd - 1] == 0x20 { nameEnd -= 1 }
        guard nameEnd > start else {
            throw ReadError.malformed(at: location(lineNumber), detail: "the line has no attribute name before ':'")
        }
        var index = start
        while index < nameEnd {
            let byte = buffer[index]
            let valid =
                (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                || byte == 0x3B || byte == 0x2E || byte == 0x5F || byte == 0x3D
            if !valid {
                throw ReadError.malformed(
                    at: location(lineNumber), detail: "'\(text(start, nameEnd))' is not an attribute name")
            }
            index += 1
        }
        if nameEnd < colon {
            log.add(
                Diagnostic(
                    .warning, "space before ':' after '\(text(start, nameEnd))' (read as '\(text(start, nameEnd)):')",
                    at: location(lineNumber)), kind: "space-before-colon")
        }
        var value = colon + 1
        var kind = ValueKind.plain
        if value < end {
            if buffer[value] == 0x3A {
                kind = .base64
                value += 1
            } else if buffer[value] == 0x3C {
                kind = .url
                value += 1
            }
        }
        while value < end && buffer[value] == 0x20 { value += 1 }
        fields.append(
            Field(
                nameStart: Int32(start - recordBase), nameEnd: Int32(nameEnd - recordBase),
                valueStart: Int32(value - recordBase), valueEnd: Int32(end - recordBase), kind: kind, line: lineNumber))
    }

    // MARK: - Helpers

    func location(_ line: Int) -> SourceLocation { SourceLocation(source: file, line: line) }

    /// Bytes as text for messages (invalid UTF-8 repaired).
    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: buffer + start, count: max(0, end - start)), as: UTF8.self)
    }
}
