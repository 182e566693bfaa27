import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads DSML files with Foundation's streaming `XMLParser`: DSML v2 responses
/// (`batchResponse/searchResponse/searchResultEntry`) and requests (`batchRequest/addRequest`) in either
/// namespace spelling, inside a SOAP envelope or not, and DSML v1 (`dsml:entry`, `oc-value`). Elements are
/// matched by local name. A non-zero `searchResultDone` result or an `errorResponse` means the export is
/// partial: an error, never a shorter directory.
public final class DSMLReader {
    /// The file as the user named it.
    public let file: String
    /// Diagnostics of the last `read` (change requests ignored, values given by URL left out); empty before one.
    public internal(set) var log = DiagnosticLog(limitPerKind: 20)
    private let input: InputFile

    /// Opens the file at `path` (named `file` in messages); throws `ReadError.unreadable` if it cannot.
    public init(path: String, file: String) throws(ReadError) {
        self.file = file
        self.input = try InputFile(path: path, name: file)
    }

    /// Streams every entry to `body`.
    public func read(progress: FileSource.Progress? = nil, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        let stream = DSMLInputStream(file: input)
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = false  // local names are matched; faster without
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        try withoutActuallyEscaping(body) { body throws(ReadError) in
            let handler = DSMLHandler(
                file: file, stream: stream, body: body,
                progress: progress.map { progress in { progress(stream.bytesRead, self.input.size) } })
            parser.delegate = handler
            let succeeded = parser.parse()
            log = handler.log
            if let failure = stream.failure ?? handler.failure { throw failure }
            if !succeeded {
                let line = parser.lineNumber + stream.skippedLines
                if stream.reachedEnd, let early = handler.endedEarly(lastLine: line) { throw early }
                let reason = handler.parseErrorText ?? (parser.parserError.map { "\($0)" } ?? "unknown error")
                throw ReadError.malformed(
                    at: SourceLocation(source: file, line: line), detail: "not well-formed XML: \(reason)")
            }
            try handler.finish(lastLine: parser.lineNumber + stream.skippedLines)
        }
    }
}

/// The DSML elements the reader acts on, by local name.
private enum Element {
    case root, entry, attr, objectClass, value, searchResponse, searchResultDone, resultCode, errorResponse
    case change(String)
    case other

    /// Classifies a (possibly prefixed) element name; `value` and `attr`, the most frequent, are tried first.
    init(_ qualified: String) {
        var name = Substring(qualified)
        if let colon = qualified.utf8.lastIndex(of: UInt8(ascii: ":")) {
            name = qualified[qualified.utf8.index(after: colon)...]
        }
        switch name.utf8.count {
        case 5: self = name == "value" ? .value : name == "entry" ? .entry : .other
        case 4: self = name == "attr" ? .attr : name == "dsml" ? .root : .other
        case 8: self = name == "oc-value" ? .value : .other
        case 17: self = name == "searchResultEntry" ? .entry : .other
        case 5...: self = Self.rare(name)
        default: self = .other
        }
    }

    private static func rare(_ name: Substring) -> Element {
        switch name {
        case "entry", "addRequest": .entry
        case "objectclass": .objectClass
        case "batchResponse", "batchRequest": .root
        case "searchResponse": .searchResponse
        case "searchResultDone": .searchResultDone
        case "resultCode": .resultCode
        case "errorResponse": .errorResponse
        case "modifyRequest", "delRequest", "modDNRequest": .change(String(name))
        default: .other
        }
    }
}

/// The `XMLParser` delegate: a small state machine over DSML's element local names.
final class DSMLHandler: XMLParserDelegate {
    let file: String
    let stream: DSMLInputStream
    let body: (DirectoryEntry) -> Void
    let progress: (() -> Void)?
    var log = DiagnosticLog(limitPerKind: 20)
    var failure: ReadError?
    var parseErrorText: String?

    private var entry: DirectoryEntry?
    private var attribute: String?
    private var valueText: String?
    private var valueIsBase64 = false
    private var valueIsURL = false
    private var valueLine = 0
    private var sawRoot = false
    private var rootClosed = false
    /// Elements open now; the document is complete when its outermost element (a SOAP envelope, say) closes.
    private var depth = 0
    private var documentClosed = false
    private var rootName: String?
    private var openSearchResponses: [Bool] = []
    private var entriesSinceProgress = 0
    private var inErrorResponse = false
    private var errorMessage = ""

    init(file: String, stream: DSMLInputStream, body: @escaping (DirectoryEntry) -> Void, progress: (() -> Void)?) {
        self.file = file
        self.stream = stream
        self.body = body
        self.progress = progress
    }

    private func location(_ parser: XMLParser) -> SourceLocation {
        SourceLocation(source: file, line: parser.lineNumber + stream.skippedLines)
    }

    private func fail(_ error: ReadError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    /// The truncation error when the input ended inside the document.
    func endedEarly(lastLine: Int) -> ReadError? {
        guard sawRoot, !rootClosed || !documentClosed else { return nil }
        let open = rootClosed ? "the <\(rootName ?? "")> element" : "the DSML batch"
        return ReadError.malformed(
            at: SourceLocation(source: file, line: max(lastLine, 1)),
            detail: "the file ends before the XML document does (\(open) is never closed)",
            hint: "the export looks truncated; export it again")
    }

    func finish(lastLine: Int) throws(ReadError) {
        guard sawRoot else {
            throw ReadError.malformed(
                at: SourceLocation(source: file),
                detail:
                    "not a DSML file: no batchResponse, batchRequest or dsml element (root is '\(rootName ?? "nothing")')"
            )
        }
        if let early = endedEarly(lastLine: lastLine) { throw early }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes: [String: String] = [:]
    ) {
        let element = Element(elementName)
        if rootName == nil { rootName = elementName }
        depth += 1
        switch element {
        case .root:
            sawRoot = true
        case .entry:
            guard let dn = attributes["dn"] else {
                fail(.malformed(at: location(parser), detail: "<\(elementName)> has no dn"), parser)
                return
            }
            entry = DirectoryEntry(dn: dn, location: location(parser))
        case .attr:
            guard entry != nil else { return }
            guard let name = attributes["name"], !name.isEmpty else {
                fail(.malformed(at: location(parser), detail: "<attr> has no name"), parser)
                return
            }
            attribute = AttributeName.normalize(name)
        case .objectClass:
            if entry != nil { attribute = "objectclass" }
        case .value:
            guard entry != nil, attribute != nil else { return }
            valueText = ""
            valueLine = parser.lineNumber + stream.skippedLines
            valueIsBase64 = false
            valueIsURL = false
            if !attributes.isEmpty {
                let type = attributes.first { $0.key == "type" || $0.key.hasSuffix(":type") }?.value ?? ""
                valueIsBase64 = type.hasSuffix("base64Binary") || attributes["encoding"]?.lowercased() == "base64"
                valueIsURL = type.hasSuffix("anyURI")
            }
        case .searchResponse:
            openSearchResponses.append(false)
        case .searchResultDone:
            if !openSearchResponses.isEmpty { openSearchResponses[openSearchResponses.count - 1] = true }
        case .resultCode:
            let code = attributes["code"] ?? "0"
            if code != "0" {
                let description = attributes["descr"].map { " (\($0))" } ?? ""
                fail(
                    .partialExport(
                        at: location(parser), detail: "the search ended with result code \(code)\(description)"),
                    parser)
            }
        case .errorResponse:
            inErrorResponse = true
            errorMessage = attributes["type"] ?? "error"
        case .change(let name):
            log.add(
                Diagnostic(.warning, "<\(name)> is a change, not an entry; ignored", at: location(parser)),
                kind: "change-request")
        case .other:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if valueText != nil {
            valueText?.append(string)
        } else if inErrorResponse {
            errorMessage += string
        }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if valueText != nil { valueText?.append(String(decoding: CDATABlock, as: UTF8.self)) }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        depth -= 1
        if depth == 0 { documentClosed = true }
        switch Element(elementName) {
        case .value:
            guard let text = valueText, let attribute else { return }
            valueText = nil
            if valueIsURL {
                log.add(
                    Diagnostic(
                        .warning, "'\(attribute)' is given by URL; dirsync never fetches URLs, the value is left out",
                        at: SourceLocation(source: file, line: valueLine)), kind: "url-value")
                return
            }
            if valueIsBase64 {
                guard let bytes = Base64.decode(ignoringWhitespace: text) else {
                    fail(
                        .malformed(
                            at: SourceLocation(source: file, line: valueLine),
                            detail: "the base64 value of '\(attribute)' is not valid base64"), parser)
                    return
                }
                let value = String(validating: bytes, as: UTF8.self).map(AttributeValue.text) ?? .binary(bytes)
                entry?.append(value, toNormalized: attribute)
            } else {
                entry?.append(.text(text), toNormalized: attribute)
            }
        case .attr, .objectClass:
            attribute = nil
        case .root:
            rootClosed = true
        case .entry:
            guard let finished = entry else { return }
            entry = nil
            body(finished)
            entriesSinceProgress += 1
            if entriesSinceProgress == 4096 {
                entriesSinceProgress = 0
                progress?()
            }
        case .searchResponse:
            if openSearchResponses.popLast() == false {
                fail(
                    .partialExport(at: location(parser), detail: "a searchResponse ends without its searchResultDone"),
                    parser)
            }
        case .errorResponse:
            inErrorResponse = false
            let message = errorMessage.trimmingCharacters(in: .whitespacesAndNewlines)
            fail(.partialExport(at: location(parser), detail: "the batch holds an errorResponse (\(message))"), parser)
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if parseErrorText == nil {
            parseErrorText = Self.meaning(ofXMLError: (parseError as NSError).code)
        }
        // libxml2 runs in recovery mode: stop at the first error rather than read on from a guess.
        parser.abortParsing()
    }

    // The stream refuses every declaration before the parser sees it (see `XMLMarkupScanner`); these
    // refuse again should one ever get through, on the platforms whose FoundationXML reports them.

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        refuse("declares the entity '\(name)'", parser)
    }

    func parser(
        _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?
    ) {
        refuse("declares the external entity '\(name)'", parser)
    }

    func parser(
        _ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?,
        systemID: String?, notationName: String?
    ) {
        refuse("declares the unparsed entity '\(name)'", parser)
    }

    func parser(
        _ parser: XMLParser, foundNotationDeclarationWithName name: String, publicID: String?, systemID: String?
    ) {
        refuse("declares the notation '\(name)'", parser)
    }

    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
        refuse("declares the element type '\(elementName)'", parser)
    }

    func parser(
        _ parser: XMLParser, foundAttributeDeclarationWithName attributeName: String, forElement elementName: String,
        type: String?, defaultValue: String?
    ) {
        refuse("declares the attribute '\(attributeName)' of '\(elementName)'", parser)
    }

    /// Called for any entity that is neither predefined nor declared: it must never silently disappear.
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        refuse("refers to the entity '&\(name);', which nothing defines", parser)
        return nil
    }

    private func refuse(_ what: String, _ parser: XMLParser) {
        fail(.refused(at: location(parser), detail: "the XML \(what); DTDs and entities are never processed"), parser)
    }
}
