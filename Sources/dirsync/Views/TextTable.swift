/// Columns aligned on their widest cell; colour is applied after padding so it never skews alignment.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []
    /// Styles a cell given its column and plain text.
    var paint: (_ column: Int, _ text: String) -> String = { $1 }
    /// Whether the first line names the columns.
    var showsHeader = true

    init(_ headers: [String]) { self.headers = headers }

    mutating func append(_ row: [String]) { rows.append(row) }

    func render(style: Style) -> String {
        var widths = showsHeader ? headers.map(\.count) : headers.map { _ in 0 }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String], painted: Bool) -> String {
            cells.enumerated().map { index, cell in
                let padding = index == cells.count - 1 ? "" : String(repeating: " ", count: widths[index] - cell.count)
                return (painted ? paint(index, cell) : cell) + padding
            }.joined(separator: "  ")
        }
        let header = showsHeader ? [style.bold(line(headers, painted: false))] : []
        return (header + rows.map { line($0, painted: style.enabled) }).map { $0.trimmingTrailingSpaces }
            .joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
