import Foundation

/// Writing to the terminal: stdout for results, stderr for errors, progress and notes; colour only on a
/// terminal and never when `NO_COLOR` is set.
enum Console {
    /// A line of the command's result; controls in it are made visible (`TerminalText`).
    static func out(_ text: String) {
        let shown = TerminalText.escaped(text, keepingColour: stdoutIsColourTerminal)
        FileHandle.standardOutput.write(Data((shown + "\n").utf8))
    }

    /// A note for the person at the terminal that is not the command's result.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(text) + "\n").utf8))
    }

    /// Writes to stderr as it is, escaped: a question, a progress line's text.
    static func prompt(_ text: String) {
        FileHandle.standardError.write(Data(TerminalText.escaped(text).utf8))
    }

    static func error(_ message: String, hint: String?) {
        var text = "error: \(TerminalText.escaped(message))\n"
        if let hint { text += "hint: \(TerminalText.escaped(hint))\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first, !(text.dropFirst().first?.isUppercase ?? false) else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// Whether standard output is a terminal that may be coloured.
    static var stdoutIsColourTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Rewrites one progress line on stderr (a terminal); `nil` clears it.
    static func progress(_ text: String?) {
        let line = text.map { "\r\u{1B}[K\(TerminalText.escaped($0))" } ?? "\r\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// ANSI styles, applied only when the output is a colour terminal.
struct Style {
    let enabled: Bool

    static var stdout: Style { Style(enabled: Console.stdoutIsColourTerminal) }

    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func cyan(_ text: String) -> String { paint(text, "36") }
    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    private func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
