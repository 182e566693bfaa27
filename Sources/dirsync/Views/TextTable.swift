/// Columns aligned on their widest cell; colour is applied after padding so it never skews alignment.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []
    /// Styles a cell given its column and plain text.
    var paint: (_ column: Int, _ text: String) -> String = { $1 }
    /// Whether the first line names the columns.
    var showsHeader = true
    /// Columns shown whole however wide (what the configuration wrote, such as a plan's grants), not cut.
    var uncutColumns: Set<Int> = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func append(_ row: [String]) { rows.append(row) }

    /// The widest a padded cell is shown, in terminal columns; a longer one is cut and ends in `…`. The last
    /// column is never padded, so it is shown whole: one long value lengthens its own line, not every line.
    static let maximumCellWidth = 60

    func render(style: Style) -> String {
        // Cells as shown: escaped (so the width counts what the terminal shows), cut to the cap.
        let shown = rows.map { row in
            row.enumerated().map { index, cell in
                let escaped = TerminalText.escaped(cell)
                return index == row.count - 1 || uncutColumns.contains(index)
                    ? escaped : TerminalText.truncated(escaped, toWidth: Self.maximumCellWidth)
            }
        }
        var widths = showsHeader ? headers.map(TerminalText.width) : headers.map { _ in 0 }
        for row in shown {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], TerminalText.width(cell))
            }
        }
        func line(_ cells: [String], painted: Bool) -> String {
            cells.enumerated().map { index, cell in
                let gap = index < widths.count ? widths[index] - TerminalText.width(cell) : 0
                let padding = index == cells.count - 1 ? "" : String(repeating: " ", count: max(0, gap))
                return (painted ? paint(index, cell) : cell) + padding
            }.joined(separator: "  ")
        }
        let header = showsHeader ? [style.bold(line(headers, painted: false))] : []
        return (header + shown.map { line($0, painted: style.enabled) }).map { $0.trimmingTrailingSpaces }
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
