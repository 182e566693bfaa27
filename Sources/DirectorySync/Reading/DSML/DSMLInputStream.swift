import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The bytes of a DSML file as `XMLParser` pulls them. HTTP response headers before the XML (saved gateway
/// responses) are skipped; every byte is then checked as UTF-8 and scanned by `XMLMarkupScanner` before the
/// parser sees it, so no DTD, entity declaration or undefined entity reference ever reaches the parser,
/// wherever it stands in the document and whatever encoding the file claims.
///
/// The refusal sits here, in front of the parser, and not in the parser's callbacks: on Linux,
/// FoundationXML hands the internal subset to libxml2's own handler and never reports entity declarations
/// to the delegate, and it parses with entity substitution and error recovery on, so a declared entity
/// would be expanded (or an undeclared one dropped) before any callback could object.
final class DSMLInputStream: InputStream {
    private let file: InputFile
    /// Bytes read from the file, already checked as UTF-8, not yet given to the parser.
    private var pending: [UInt8] = []
    private var started = false
    private var finished = false
    private var fileEnded = false
    /// Lines skipped before the XML starts (HTTP headers), to report the file's own line numbers.
    private(set) var skippedLines = 0
    /// Why the input was refused or could not be read.
    private(set) var failure: ReadError?
    private var error: (any Error)?
    /// FoundationXML traps on element names that are not UTF-8, so the bytes are checked before it sees them.
    private var validator = UTF8Validator()
    private var scanner: XMLMarkupScanner

    /// How much of the start of the file is looked at for HTTP headers.
    static let headerWindow = 1 << 20

    init(file: InputFile) {
        self.file = file
        self.scanner = XMLMarkupScanner(file: file.name, firstLine: 1)
        super.init(data: Data())
    }

    var bytesRead: Int { file.bytesRead }

    /// Whether every byte of the file went to the parser (the parse did not stop early on a refusal).
    var reachedEnd: Bool { finished && failure == nil }

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
            while true {
                var got = min(length, pending.count)
                pending.withUnsafeBufferPointer { source in
                    if let base = source.baseAddress, got > 0 { buffer.update(from: base, count: got) }
                }
                pending.removeFirst(got)
                if got < length && !fileEnded {
                    let fresh = try file.read(into: buffer + got, count: length - got)
                    if fresh == 0 {
                        fileEnded = true
                    } else if !validator.validate(UnsafeBufferPointer(start: buffer + got, count: fresh)) {
                        throw notUTF8()
                    }
                    got += fresh
                }
                let atEnd = fileEnded && pending.isEmpty
                if got == 0 && atEnd {
                    finished = true
                    guard validator.isComplete else { throw notUTF8() }
                    return 0
                }
                let safe = try scanner.scan(buffer, count: got, atEnd: atEnd)
                if safe < got {
                    pending.insert(contentsOf: UnsafeBufferPointer(start: buffer + safe, count: got - safe), at: 0)
                }
                if safe > 0 { return safe }
            }
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

    /// Reads the start of the file: drops HTTP headers, and relabels the XML declaration of a file that was
    /// transcoded from UTF-16 (its bytes are UTF-8 by now).
    private func preparePrologue() throws(ReadError) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while pending.count < Self.headerWindow {
            let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
                guard let base = pointer.baseAddress else { return 0 }
                return try file.read(into: base, count: pointer.count)
            }
            if got == 0 {
                fileEnded = true
                break
            }
            pending.append(contentsOf: chunk.prefix(got))
            // Enough once the XML visibly starts: the first byte, or the first line that starts with '<'.
            if firstMarkupLine() != nil { break }
        }
        if let nul = pending.firstIndex(of: 0) {
            // Checked before headers are looked for: UTF-16 without a byte-order mark has no line that
            // starts with '<'.
            throw ReadError.malformed(
                at: SourceLocation(source: file.name, line: 1 + pending[..<nul].count { $0 == 0x0A }),
                detail: "the file holds a NUL byte, which XML never does",
                hint: "DSML files are UTF-8; is it UTF-16 or UTF-32 without a byte-order mark? Convert it")
        }
        if let first = pending.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
            pending[first] != UInt8(ascii: "<")
        {
            // HTTP headers: everything before the first line that starts with '<'.
            let start = firstMarkupLine() ?? pending.count
            skippedLines = pending[..<start].count { $0 == 0x0A }
            pending.removeFirst(start)
        }
        if file.isTranscodedFromUTF16 { relabelUTF16Declaration() }
        scanner = XMLMarkupScanner(file: file.name, firstLine: skippedLines + 1)
        let valid = pending.withUnsafeBufferPointer { validator.validate($0) }
        guard valid else { throw notUTF8() }
    }

    /// Where the first line that starts with '<' starts, if already read.
    private func firstMarkupLine() -> Int? {
        var index = 0
        while index < pending.count {
            if pending[index] == UInt8(ascii: "<") { return index }
            guard let newline = pending[index...].firstIndex(of: 0x0A) else { return nil }
            index = newline + 1
        }
        return nil
    }

    /// A UTF-16 file (with a byte-order mark) declares `encoding="UTF-16"`; InputFile has transcoded it to
    /// UTF-8, so the declaration is made to say so, or the parser would refuse UTF-8 labelled UTF-16.
    private func relabelUTF16Declaration() {
        guard pending.starts(with: Array("<?xml".utf8)),
            let end = pending.prefix(XMLMarkupScanner.longestDeclaration).firstIndex(of: UInt8(ascii: ">")),
            let value = XMLMarkupScanner.pseudoAttribute("encoding", in: Array(pending[..<end]))
        else { return }
        let name = String(decoding: value, as: UTF8.self).lowercased()
        guard ["utf-16", "utf16", "utf-16le", "utf-16be", "ucs-2"].contains(name) else { return }
        pending.replaceSubrange(value.startIndex..<value.endIndex, with: Array("UTF-8".utf8))
    }
}
