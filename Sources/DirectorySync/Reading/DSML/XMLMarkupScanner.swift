/// A streaming, markup-aware scan of every byte `XMLParser` is given, before it is given them. It refuses
/// what would let the document mean something other than what dirsync reads:
///
/// - any `<!` that opens neither a comment nor a CDATA section: `DOCTYPE`, `ENTITY`, `ELEMENT`, `ATTLIST`,
///   `NOTATION`, wherever they appear (after a megabyte of white space, after a comment, inside an element);
/// - any entity reference other than XML's five predefined ones and character references, in text and in
///   attribute values (with no DTD, such an entity could only ever be dropped or resolved from outside);
/// - a NUL byte, which is never XML and is what UTF-16 or UTF-32 without a byte-order mark looks like;
/// - an XML declaration whose `encoding` is not UTF-8 or US-ASCII: libxml2 would switch decoders, and
///   UTF-7, for one, spells `<!DOCTYPE` without a single `<`.
///
/// Comments, CDATA sections, processing instructions and quoted attribute values are followed across chunk
/// boundaries, so their content is never mistaken for markup. A chunk that ends in the middle of `<!`, `<![C`
/// or `&name` is held back (`scan` returns a shorter count) until the next chunk decides it, so the parser
/// never sees the start of something that is then refused.
struct XMLMarkupScanner {
    private enum State: Equatable {
        case text
        /// Just after `<`.
        case tagOpen
        /// Inside a start or end tag.
        case tag
        case attributeValue(quote: UInt8)
        /// After `<!`: a comment, a CDATA section, or a declaration.
        case bang
        /// After `<!` and a letter: a declaration, refused once its keyword is read.
        case declaration
        case comment
        case cdata
        case processingInstruction
        /// After `&`, in text (`quote` nil) or in an attribute value.
        case reference(quote: UInt8?)
    }

    /// The file as messages name it.
    let file: String
    /// The line being scanned (the file's own numbering).
    private(set) var line: Int
    private var state = State.text
    /// The bytes after `<!` or `&` (or the target and content of an `xml` processing instruction).
    private var collected: [UInt8] = []
    /// Dashes before a `>` in a comment, brackets before a `>` in a CDATA section, `?` before a `>`.
    private var run = 0
    private var isXMLDeclaration = false
    private var inTarget = false
    private var markupLine = 0

    /// The longest entity name or XML declaration looked at; anything longer is malformed.
    static let longestReference = 64
    static let longestDeclaration = 1024

    init(file: String, firstLine: Int) {
        self.file = file
        self.line = firstLine
    }

    /// Scans `count` bytes; returns how many of them may go to the parser now (the rest start markup that
    /// the next bytes decide, and must be given again, first, with them). At `atEnd` nothing is held back.
    mutating func scan(_ bytes: UnsafePointer<UInt8>, count: Int, atEnd: Bool) throws(ReadError) -> Int {
        var holdFrom: Int?
        var stateBeforeHold = State.text
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
            } else if byte == 0 {
                throw ReadError.malformed(
                    at: location(line), detail: "the file holds a NUL byte, which XML never does",
                    hint: "DSML files are UTF-8; is it UTF-16 or UTF-32 without a byte-order mark? Convert it")
            }
            switch state {
            case .text:
                if byte == UInt8(ascii: "<") {
                    state = .tagOpen
                    holdFrom = index
                    stateBeforeHold = .text
                } else if byte == UInt8(ascii: "&") {
                    startReference(quote: nil)
                    holdFrom = index
                    stateBeforeHold = .text
                }
            case .tagOpen:
                holdFrom = nil
                switch byte {
                case UInt8(ascii: "!"):
                    state = .bang
                    collected.removeAll(keepingCapacity: true)
                    markupLine = line
                    holdFrom = index - 1
                case UInt8(ascii: "?"):
                    state = .processingInstruction
                    collected.removeAll(keepingCapacity: true)
                    inTarget = true
                    isXMLDeclaration = false
                    run = 0
                    markupLine = line
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    state = .attributeValue(quote: byte)
                case UInt8(ascii: ">"):
                    state = .text
                default:
                    state = .tag
                }
            case .tag:
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    state = .attributeValue(quote: byte)
                } else if byte == UInt8(ascii: ">") {
                    state = .text
                }
            case .attributeValue(let quote):
                if byte == quote {
                    state = .tag
                } else if byte == UInt8(ascii: "&") {
                    startReference(quote: quote)
                    holdFrom = index
                    stateBeforeHold = .attributeValue(quote: quote)
                }
            case .reference(let quote):
                if byte == UInt8(ascii: ";") {
                    try checkReference()
                    state = quote.map { .attributeValue(quote: $0) } ?? .text
                    holdFrom = nil
                } else {
                    guard Self.isNameByte(byte), collected.count < Self.longestReference else {
                        throw ReadError.malformed(
                            at: location(line), detail: "an '&' that starts no entity or character reference",
                            hint: "write a literal '&' as &amp;")
                    }
                    collected.append(byte)
                }
            case .bang:
                collected.append(byte)
                if collected == Self.commentOpening {
                    state = .comment
                    run = 0
                    holdFrom = nil
                } else if collected == Self.cdataOpening {
                    state = .cdata
                    run = 0
                    holdFrom = nil
                } else if !Self.commentOpening.starts(with: collected) && !Self.cdataOpening.starts(with: collected) {
                    // Refused for sure; the keyword is read on (held back with the rest) to name it.
                    guard Self.isLetter(byte) else { throw refusedDeclaration() }
                    state = .declaration
                }
            case .declaration:
                guard Self.isLetter(byte), collected.count < 12 else { throw refusedDeclaration() }
                collected.append(byte)
            case .comment:
                if byte == UInt8(ascii: ">") && run >= 2 { state = .text }
                run = byte == UInt8(ascii: "-") ? run + 1 : 0
            case .cdata:
                if byte == UInt8(ascii: ">") && run >= 2 { state = .text }
                run = byte == UInt8(ascii: "]") ? run + 1 : 0
            case .processingInstruction:
                try processingInstruction(byte)
            }
            index += 1
        }
        if atEnd && state == .declaration { throw refusedDeclaration() }
        guard let holdFrom, !atEnd else { return count }
        // Markup whose meaning the next bytes decide: given to the parser only once it is known to be safe.
        state = stateBeforeHold
        return holdFrom
    }

    // MARK: - Pieces

    private static let commentOpening = Array("--".utf8)
    private static let cdataOpening = Array("[CDATA[".utf8)
    private static let predefined: Set<[UInt8]> = Set(["lt", "gt", "amp", "apos", "quot"].map { Array($0.utf8) })

    private func location(_ line: Int) -> SourceLocation { SourceLocation(source: file, line: line) }

    private mutating func startReference(quote: UInt8?) {
        state = .reference(quote: quote)
        collected.removeAll(keepingCapacity: true)
        markupLine = line
    }

    /// Bytes that may appear between `&` and `;`: name characters, `#` and hex digits (non-ASCII name
    /// characters are let through here; the reference is refused anyway unless it is predefined).
    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: ":"), UInt8(ascii: "#"), 0x80...0xFF:
            true
        default: false
        }
    }

    /// `&name;` must be predefined or a character reference (`&#38;`, `&#x26;`).
    private func checkReference() throws(ReadError) {
        if Self.predefined.contains(collected) { return }
        if collected.first == UInt8(ascii: "#") {
            let isHex = collected.count > 1 && collected[1] | 0x20 == UInt8(ascii: "x")
            let digits = collected.dropFirst(isHex ? 2 : 1)
            let valid = digits.allSatisfy { isHex ? Hex.value($0) != nil : ($0 >= 0x30 && $0 <= 0x39) }
            if !digits.isEmpty && valid { return }
            throw ReadError.malformed(
                at: location(markupLine), detail: "'&\(Self.shown(collected));' is not a character reference")
        }
        throw ReadError.refused(
            at: location(markupLine),
            detail: "the XML refers to the entity '&\(Self.shown(collected));'; only XML's predefined entities "
                + "(&lt; &gt; &amp; &apos; &quot;) and character references are read, because DTDs and entities "
                + "are never processed")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// `<!X…`: a declaration, named by the letters that follow `<!`.
    private func refusedDeclaration() -> ReadError {
        let keyword = "<!" + Self.shown(collected.prefix { Self.isLetter($0) })
        return ReadError.refused(
            at: location(markupLine),
            detail: "the XML declares a DTD or an entity (\(keyword)); DTDs and entities are never processed")
    }

    /// `<?target …?>`: an `xml` declaration's encoding must be UTF-8 (or its subset US-ASCII).
    private mutating func processingInstruction(_ byte: UInt8) throws(ReadError) {
        if byte == UInt8(ascii: ">") && run > 0 {
            if isXMLDeclaration { try checkDeclaration() }
            state = .text
            return
        }
        run = byte == UInt8(ascii: "?") ? 1 : 0
        if inTarget {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "?") {
                inTarget = false
                isXMLDeclaration = collected.map { $0 | 0x20 } == Array("xml".utf8)
                collected.removeAll(keepingCapacity: true)
            } else if collected.count < 4 {
                collected.append(byte)  // enough to tell `xml` from any other target
            }
            return
        }
        guard isXMLDeclaration else { return }
        guard collected.count < Self.longestDeclaration else {
            throw ReadError.malformed(at: location(markupLine), detail: "the XML declaration never ends")
        }
        collected.append(byte)
    }

    private func checkDeclaration() throws(ReadError) {
        guard let encoding = Self.pseudoAttribute("encoding", in: collected) else { return }
        let name = String(decoding: encoding, as: UTF8.self).lowercased()
        guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(name) else {
            throw ReadError.malformed(
                at: location(markupLine),
                detail: "the XML declares encoding '\(Self.shown(encoding))'; dirsync reads DSML in UTF-8 only",
                hint: "convert the file to UTF-8 (e.g. iconv -t utf-8) and declare encoding=\"UTF-8\"")
        }
    }

    /// The value of `name="…"` (or `'…'`) in an XML declaration's bytes.
    static func pseudoAttribute(_ name: String, in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        let key = Array(name.utf8)
        var index = 0
        while index + key.count <= bytes.count {
            guard bytes[index..<(index + key.count)].elementsEqual(key) else {
                index += 1
                continue
            }
            var cursor = index + key.count
            while cursor < bytes.count && (bytes[cursor] == 0x20 || bytes[cursor] == 0x09) { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { return nil }
            cursor += 1
            while cursor < bytes.count && (bytes[cursor] == 0x20 || bytes[cursor] == 0x09) { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'")
            else { return nil }
            let quote = bytes[cursor]
            guard let end = bytes[(cursor + 1)...].firstIndex(of: quote) else { return nil }
            return bytes[(cursor + 1)..<end]
        }
        return nil
    }

    /// Bytes as printable text for a message: short, never a control character.
    private static func shown(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix(40).map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}
