import Yams

/// Yams' errors as one located line. Yams describes an error with the document's text around it (the
/// duplicate-key error with the whole document), which could print secrets and floods the terminal: only
/// the problem, its line and, for a repeated key, the key's name are kept.
enum YAMLSyntaxError {
    static func located(_ error: YamlError, in text: String, file: String) -> ConfigError {
        func at(_ line: Int?, _ problem: String) -> ConfigError {
            ConfigError(file: file, line: line, path: "", problem: problem)
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return at(mark.line, "not valid YAML: \(shown(problem))")
        case .reader(let problem, let offset, _, _):
            return at(offset.map { line(atCharacter: $0, in: text) }, "not valid YAML: \(shown(problem))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let first = context.mark.line
            let key = duplicates.sorted().first ?? ""
            let repeated = repetition(of: key, after: first, column: context.mark.column, in: text)
            let others = duplicates.count > 1 ? " (and \(duplicates.count - 1) more)" : ""
            let problem =
                "not valid YAML: the key '\(shown(key))' is given twice in the same mapping\(others)"
                + (repeated != nil ? ", first on line \(first)" : "")
            return at(repeated ?? first, problem)
        case .dataCouldNotBeDecoded:
            return at(nil, "the file is not UTF-8 text")
        default:
            return at(nil, "not valid YAML")
        }
    }

    /// The 1-based line of the character at `offset`.
    private static func line(atCharacter offset: Int, in text: String) -> Int {
        1 + text.prefix(offset).count { $0 == "\n" || $0 == "\r\n" }
    }

    /// The line where `key` appears again at the same column as its first occurrence (block mappings);
    /// nil when it cannot be told (flow mappings `{a: 1, a: 2}`, keys spelt differently).
    private static func repetition(of key: String, after firstLine: Int, column: Int, in text: String) -> Int? {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard firstLine >= 1, firstLine <= lines.count, column >= 1 else { return nil }
        for index in firstLine..<lines.count {
            let line = lines[index]
            guard line.count >= column else { continue }
            let indent = line.prefix(column - 1)
            let rest = line.dropFirst(column - 1)
            guard indent.allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
            for spelling in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(spelling) {
                if rest.dropFirst(spelling.count).drop(while: { $0 == " " }).first == ":" { return index + 1 }
            }
        }
        return nil
    }

    /// Text from the document, short and without control characters.
    private static func shown(_ text: String) -> String {
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return cleaned.count > 60 ? String(cleaned.prefix(60)) + "…" : cleaned
    }
}
