import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The bytes of a DSML file as `XMLParser` pulls them: HTTP response headers before the XML (saved
/// gateway responses) are skipped, and a prologue that declares a DTD is refused before the parser sees
/// it, so no entity can be declared: no external entities (XXE), no entity-expansion bombs.
final class DSMLInputStream: InputStream {
    private let file: InputFile
    private var pending: [UInt8] = []
    private var started = false
    private var finished = false
    /// Lines skipped before the XML starts (HTTP headers), to report the file's own line numbers.
    private(set) var skippedLines = 0
    /// Why the input was refused or could not be read.
    private(set) var failure: ReadError?
    private var error: (any Error)?
    /// FoundationXML traps on element names that are not UTF-8, so the bytes are checked before it sees them.
    private var validator = UTF8Validator()

    init(file: InputFile) {
        self.file = file
        super.init(data: Data())
    }

    var bytesRead: Int { file.bytesRead }

    override func open() {}
    override func close() {}
    override var streamStatus: Stream.Status { finished ? .atEnd : .open }
    override var hasBytesAvailable: Bool { !finished }
    override var streamError: (any Error)? { error }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        do throws(ReadError) {
            if !started {
                started = true
                try preparePrologue()
            }
            var got: Int
            if !pending.isEmpty {
                got = min(length, pending.count)
                pending.withUnsafeBufferPointer { source in
                    if let base = source.baseAddress { buffer.update(from: base, count: got) }
                }
                pending.removeFirst(got)
            } else {
                got = try file.read(into: buffer, count: length)
            }
            if got == 0 {
                finished = true
                guard validator.isComplete else { throw notUTF8() }
            } else if !validator.validate(UnsafeBufferPointer(start: buffer, count: got)) {
                throw notUTF8()
            }
            return got
        } catch {
            failure = error
            self.error = error
            finished = true
            return -1
        }
    }

    private func notUTF8() -> ReadError {
        ReadError.malformed(
            at: SourceLocation(source: file.name, line: skippedLines + validator.newlines + 1),
            detail: "the file is not valid UTF-8", hint: "DSML files are UTF-8; convert the file")
    }

    /// Reads until the root element starts: drops HTTP headers and refuses `<!DOCTYPE` / `<!ENTITY`.
    private func preparePrologue() throws(ReadError) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
                guard let base = pointer.baseAddress else { return 0 }
                return try file.read(into: base, count: pointer.count)
            }
            if got == 0 { break }
            pending.append(contentsOf: chunk.prefix(got))
            if rootElementStart() != nil || pending.count > 1 << 20 { break }
        }
        // HTTP headers: anything before the first line that starts with '<'.
        if let first = pending.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
            pending[first] != UInt8(ascii: "<")
        {
            var index = 0
            while index < pending.count {
                let lineStart = index
                while index < pending.count && pending[index] != 0x0A { index += 1 }
                if lineStart < pending.count && pending[lineStart] == UInt8(ascii: "<") {
                    pending.removeFirst(lineStart)
                    break
                }
                index += 1
                skippedLines += 1
                if index >= pending.count { pending.removeAll() }
            }
        }
        let prologueEnd = rootElementStart() ?? pending.count
        let prologue = pending[..<prologueEnd]
        for keyword in ["<!DOCTYPE", "<!ENTITY"] {
            let word = Array(keyword.utf8)
            if let at = Self.find(word, in: prologue) {
                let line = skippedLines + 1 + prologue[..<at].count { $0 == 0x0A }
                throw ReadError.refused(
                    at: SourceLocation(source: file.name, line: line),
                    detail: "the XML declares a DTD (\(keyword)); DTDs and entities are never processed")
            }
        }
    }

    /// Where the first element start tag (`<` + a name character) is, if already read.
    private func rootElementStart() -> Int? {
        var index = 0
        while index + 1 < pending.count {
            if pending[index] == UInt8(ascii: "<") {
                let next = pending[index + 1]
                if next != UInt8(ascii: "?") && next != UInt8(ascii: "!") { return index }
                if next == UInt8(ascii: "!"), index + 3 < pending.count, pending[index + 2] == UInt8(ascii: "-") {
                    // Skip a comment: it may contain '<'.
                    let end = Self.find(Array("-->".utf8), in: pending[(index + 4)...])
                    guard let end else { return nil }
                    index = end + 3
                    continue
                }
            }
            index += 1
        }
        return nil
    }

    private static func find(_ word: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard word.count <= bytes.count, let first = word.first else { return nil }
        var index = bytes.startIndex
        while index + word.count <= bytes.endIndex {
            if bytes[index] == first && bytes[index..<(index + word.count)].elementsEqual(word) { return index }
            index += 1
        }
        return nil
    }
}
