/// What the LDIF reader checks in `ldapsearch` output, which says what it is on its first line
/// (`# extended LDIF`): the search's result trailer (`# search result`, `search: N`, `result: 0 Success`)
/// must come after the last entry (paged searches print one per page), and the `# numEntries: N` comment
/// that closes the file must count the entries read. A file cut anywhere before that is a partial export.
struct LDAPSearchOutput {
    /// Whether the file declared itself `ldapsearch` output.
    private(set) var isOn = false
    private var entries = 0
    private var sawTrailer = false
    private var endsWithTrailer = false
    private var reported: (count: Int, line: Int)?

    /// A comment line: the file's first line, or any comment of `ldapsearch` output.
    mutating func comment(_ text: String, line: Int) {
        let words = text.dropFirst().split(separator: " ", omittingEmptySubsequences: true)
        if line == 1 {
            isOn = words.count == 2 && words[0] == "extended" && words[1] == "LDIF"
            return
        }
        if words.count == 2, words[0] == "numEntries:", let count = Int(words[1]) { reported = (count, line) }
    }

    /// A record with a DN.
    mutating func entry() {
        entries += 1
        endsWithTrailer = false
    }

    /// A `search:` / `result:` record.
    mutating func trailer() {
        sawTrailer = true
        endsWithTrailer = true
    }

    /// At the end of the file.
    func checkEnd(file: String, lastLine: Int) throws(ReadError) {
        guard isOn else { return }
        let end = SourceLocation(source: file, line: max(lastLine, 1))
        guard endsWithTrailer else {
            let trailer =
                sawTrailer ? "the '# search result' trailer of its last page" : "its '# search result' trailer"
            throw ReadError.partialExport(
                at: end,
                detail: "the file is ldapsearch output ('# extended LDIF' on line 1) but ends before \(trailer)")
        }
        if let reported {
            guard reported.count == entries else {
                throw ReadError.partialExport(
                    at: SourceLocation(source: file, line: reported.line),
                    detail: "ldapsearch counted \(reported.count) entries ('# numEntries: \(reported.count)') "
                        + "but the file holds \(entries)")
            }
        } else if entries > 0 {
            throw ReadError.partialExport(
                at: end, detail: "the ldapsearch output ends before its '# numEntries: \(entries)' line")
        }
    }
}
