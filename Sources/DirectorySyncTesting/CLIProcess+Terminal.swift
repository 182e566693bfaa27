import Foundation

extension CLIProcess {
    /// Runs `dirsync arguments…` with a pseudo-terminal as its standard input, output and error (through
    /// util-linux's `script`, part of every Debian system), typing `input` into it: for what dirsync does only
    /// when a person is at a terminal, such as asking before it applies. Output and errors arrive together in
    /// `stdout`, as on a terminal.
    public func runOnTerminal(_ arguments: [String], input: String = "") async throws -> Result {
        let quoted = ([Self.binary.path] + arguments).map {
            "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        var terminal = self
        terminal.environment["TERM"] = "dumb"
        return try await terminal.runProgram(
            URL(fileURLWithPath: "/usr/bin/script"), ["-qefc", quoted.joined(separator: " "), "/dev/null"],
            input: input)
    }
}
