import Foundation

extension LDIFReader {
    /// Reads the next content record (entries, and `changetype: add` records) and returns it with the
    /// attributes `projection` names (all of them when nil); nil at the end of the file. Change records
    /// other than add, a leading `version: 1` and the `ldapsearch` result trailer are skipped.
    public func nextEntry(projection: AttributeProjection?) throws(ReadError) -> DirectoryEntry? {
        while try readRecordLines() {
            guard let start = try classifyRecord() else { continue }
            try decodeValues(from: start)
            return try makeEntry(from: start, projection: projection)
        }
        try ldapsearch.checkEnd(file: file, lastLine: lineNumber)
        return nil
    }

    /// Reads and checks the next content record without building an entry (every base64 value decoded,
    /// the DN checked as UTF-8); returns its number of values, or nil at the end of the file.
    public func skipEntry() throws(ReadError) -> Int? {
        while try readRecordLines() {
            guard let start = try classifyRecord() else { continue }
            try decodeValues(from: start)
            _ = try distinguishedName()
            return fields.count - start
        }
        try ldapsearch.checkEnd(file: file, lastLine: lineNumber)
        return nil
    }

    // MARK: - Record structure

    /// Decides what the record in `fields` is; returns the index of its first attribute for content, nil
    /// for records that are skipped.
    private func classifyRecord() throws(ReadError) -> Int? {
        if nameIs(fields[0], "version") {
            guard !sawFirstRecord else {
                throw ReadError.malformed(at: location(fields[0].line), detail: "'version:' may only open the file")
            }
            let value = valueText(fields[0])
            guard value == "1" else {
                throw ReadError.malformed(
                    at: location(fields[0].line), detail: "unsupported LDIF version '\(value)' (only 1 exists)")
            }
            sawFirstRecord = true
            fields.removeFirst()
            if fields.isEmpty { return nil }
        }
        if nameIs(fields[0], "search") || nameIs(fields[0], "result") {
            try checkSearchTrailer()
            ldapsearch.trailer()
            return nil
        }
        guard nameIs(fields[0], "dn") else {
            let name = text(recordBase + Int(fields[0].nameStart), recordBase + Int(fields[0].nameEnd))
            throw ReadError.malformed(
                at: location(fields[0].line), detail: "a record must start with 'dn:', found '\(name):'",
                hint: sawFirstRecord ? "is there an empty line inside the entry above? Remove it" : nil)
        }
        sawFirstRecord = true
        ldapsearch.entry()
        var index = 1
        while index < fields.count && nameIs(fields[index], "control") { index += 1 }
        if index < fields.count && nameIs(fields[index], "changetype") {
            let change = valueText(fields[index]).lowercased()
            if change == "add" {
                index += 1
            } else {
                log.add(
                    Diagnostic(
                        .warning, "a change record (changetype: \(change)) is not an entry; ignored",
                        at: location(recordLine)), kind: "change-record")
                return nil
            }
        } else if index > 1 {
            throw ReadError.malformed(
                at: location(fields[index - 1].line), detail: "'control:' lines belong to change records",
                hint: "a change record needs a 'changetype:' line after its controls")
        }
        for field in fields[index...] where field.nameEnd - field.nameStart == 1 && nameIs(field, "-") {
            throw ReadError.malformed(
                at: location(field.line), detail: "a '-' line belongs to a modify record, not to an entry")
        }
        return index
    }

    /// `search: N` / `result: 0 Success` at the end of default `ldapsearch` output. A result other than 0
    /// (a size or time limit) means the export is incomplete.
    private func checkSearchTrailer() throws(ReadError) {
        guard fields.contains(where: { nameIs($0, "result") }) else {
            throw ReadError.partialExport(
                at: location(fields[fields.count - 1].line),
                detail: "the ldapsearch trailer ends before its 'result:' line")
        }
        for field in fields {
            guard nameIs(field, "result") else {
                if !nameIs(field, "search") && !nameIs(field, "text") && !nameIs(field, "matched")
                    && !nameIs(field, "ref") && !nameIs(field, "control")
                {
                    throw ReadError.malformed(
                        at: location(field.line), detail: "a record must start with 'dn:', found a 'search:' block")
                }
                continue
            }
            let value = valueText(field)
            let code = value.prefix { $0.isNumber }
            if code != "0" {
                throw ReadError.partialExport(
                    at: location(field.line), detail: "ldapsearch ended with 'result: \(value)'")
            }
        }
    }

    /// Decodes base64 values in place and reports values that are worth a warning.
    private func decodeValues(from start: Int) throws(ReadError) {
        for index in fields.indices where index == 0 || index >= start {
            let field = fields[index]
            switch field.kind {
            case .base64:
                let begin = recordBase + Int(field.valueStart)
                let count = Int(field.valueEnd - field.valueStart)
                guard let decoded = Base64.decodeInPlace(buffer + begin, count: count) else {
                    throw ReadError.malformed(
                        at: location(field.line),
                        detail: "the value of '\(name(of: field))' is not valid base64",
                        hint: "'::' must be followed by base64; for plain text use a single ':'")
                }
                fields[index].valueEnd = field.valueStart + Int32(decoded)
            case .plain:
                if field.valueEnd > field.valueStart && buffer[recordBase + Int(field.valueEnd) - 1] == 0x20 {
                    log.add(
                        Diagnostic(
                            .warning,
                            index == 0
                                ? "trailing space after the DN (ignored)"
                                : "trailing space in the value of '\(name(of: field))' (kept as data)",
                            at: location(field.line)), kind: "trailing-space")
                }
            case .url:
                let url = text(recordBase + Int(field.valueStart), recordBase + Int(field.valueEnd))
                if index == 0 {
                    throw ReadError.malformed(at: location(field.line), detail: "the DN cannot be a URL")
                }
                log.add(
                    Diagnostic(
                        .warning,
                        "'\(name(of: field))' is given by URL (\(url)); dirsync never fetches URLs, the value is left out",
                        at: location(field.line)), kind: "url-value")
            }
        }
    }

    // MARK: - Entries

    private func distinguishedName() throws(ReadError) -> String {
        let field = fields[0]
        var end = recordBase + Int(field.valueEnd)
        let begin = recordBase + Int(field.valueStart)
        if field.kind == .plain { while end > begin && buffer[end - 1] == 0x20 { end -= 1 } }
        guard let dn = string(begin, end) else {
            throw ReadError.malformed(
                at: location(field.line), detail: "the DN is not valid UTF-8",
                hint: "RFC 2849 requires UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)")
        }
        return dn
    }

    private func makeEntry(from start: Int, projection: AttributeProjection?) throws(ReadError) -> DirectoryEntry {
        let table = projection.map(projectionTable(for:))
        var entry = DirectoryEntry(
            dn: try distinguishedName(), location: location(recordLine),
            capacity: projection?.names.count ?? fields.count - start)
        for field in fields[start...] where field.kind != .url {
            let begin = recordBase + Int(field.valueStart)
            let end = recordBase + Int(field.valueEnd)
            let name: String
            let decoding: AttributeProjection.Decoding?
            if let table {
                guard
                    let match = table.match(
                        buffer + recordBase + Int(field.nameStart), Int(field.nameEnd - field.nameStart))
                else { continue }
                (name, decoding) = match
            } else {
                name = AttributeName.normalize(self.name(of: field))
                decoding = nil
            }
            let value: AttributeValue
            switch decoding {
            case .bytes:
                value = .binary(Array(UnsafeBufferPointer(start: buffer + begin, count: end - begin)))
            case .text:
                guard let text = string(begin, end) else {
                    throw ReadError.malformed(
                        at: location(field.line), detail: "the value of '\(self.name(of: field))' is not valid UTF-8",
                        hint: "RFC 2849 requires UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)")
                }
                value = .text(text)
            case nil:
                if let text = string(begin, end) {
                    value = .text(text)
                } else {
                    value = .binary(Array(UnsafeBufferPointer(start: buffer + begin, count: end - begin)))
                }
            }
            entry.append(value, toNormalized: name)
        }
        return entry
    }

    // MARK: - Helpers

    /// Whether the field's attribute name is `lowercase` ignoring case (options not allowed).
    @inline(__always)
    func nameIs(_ field: Field, _ lowercase: StaticString) -> Bool {
        let count = Int(field.nameEnd - field.nameStart)
        guard count == lowercase.utf8CodeUnitCount else { return false }
        let name = buffer + recordBase + Int(field.nameStart)
        let expected = lowercase.utf8Start
        for index in 0..<count where name[index] | 0x20 != expected[index] { return false }
        return true
    }

    func name(of field: Field) -> String {
        text(recordBase + Int(field.nameStart), recordBase + Int(field.nameEnd))
    }

    func valueText(_ field: Field) -> String {
        text(recordBase + Int(field.valueStart), recordBase + Int(field.valueEnd)).trimmingSpaces()
    }

    /// The bytes as a String when they are valid UTF-8.
    @inline(__always)
    func string(_ start: Int, _ end: Int) -> String? {
        let bytes = UnsafeBufferPointer(start: buffer + start, count: end - start)
        var index = start
        while index < end && buffer[index] < 0x80 { index += 1 }
        if index == end { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    private func projectionTable(for projection: AttributeProjection) -> ProjectionTable {
        if let cached = cachedProjection, cached.projection == projection { return cached }
        let table = ProjectionTable(projection)
        cachedProjection = table
        return table
    }
}

/// The attribute names a projection wants, bucketed by their first byte, matched against raw LDIF names
/// without building strings.
final class ProjectionTable {
    struct Candidate {
        let bytes: [UInt8]
        let name: String
        let decoding: AttributeProjection.Decoding
    }

    let projection: AttributeProjection
    private var buckets: [[Candidate]] = Array(repeating: [], count: 256)

    init(_ projection: AttributeProjection) {
        self.projection = projection
        for (name, decoding) in projection.names {
            for spelling in AttributeName.spellings(of: name) where !spelling.contains(";") {
                let bytes = Array(spelling.utf8)
                guard let first = bytes.first else { continue }
                buckets[Int(first | 0x20)].append(Candidate(bytes: bytes, name: name, decoding: decoding))
            }
        }
    }

    /// The wanted name and decoding for a raw attribute description, or nil.
    @inline(__always)
    func match(_ name: UnsafePointer<UInt8>, _ count: Int) -> (String, AttributeProjection.Decoding)? {
        if memchr(name, 0x3B, count) != nil {
            let normalized = AttributeName.normalize(
                String(decoding: UnsafeBufferPointer(start: name, count: count), as: UTF8.self))
            return projection.names[normalized].map { (normalized, $0) }
        }
        for candidate in buckets[Int(name[0] | 0x20)] where candidate.bytes.count == count {
            var equal = true
            for index in 0..<count where name[index] | 0x20 != candidate.bytes[index] {
                equal = false
                break
            }
            if equal { return (candidate.name, candidate.decoding) }
        }
        return nil
    }
}
