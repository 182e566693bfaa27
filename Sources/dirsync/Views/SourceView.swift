import DirectorySync
import Foundation

/// How `dirsync source show` prints directory contents.
enum SourceView {
    // MARK: - Text

    /// `sources` names each source read: `users.ldif (ldif, mapping openldap)`, joined by ` + ` when merged.
    static func writeText(_ contents: DirectoryContents, includeUsers: Bool, sources: String) {
        let style = Style.stdout
        var output = BufferedOutput()
        if includeUsers && !contents.users.isEmpty {
            let merged = contents.users.contains { $0.provenance != nil }
            var table = TextTable(["ANCHOR", "EMAIL", "NAME", "GROUPS", "ACTIVE"] + (merged ? ["FROM"] : []))
            table.paint = { column, text in
                switch (column, text) {
                case (4, "no"): style.yellow(text)
                case (1, "-"): style.dim(text)
                default: text
                }
            }
            for user in contents.users {
                table.append(
                    [
                        user.anchor, user.email?.canonical ?? "-", user.displayName ?? "",
                        user.groups.map(\.name).joined(separator: ", "), user.isActive ? "yes" : "no",
                    ].map(oneLine) + (merged ? [user.provenance?.sources.joined(separator: "+") ?? ""] : []))
            }
            output.line(table.render(style: style))
            output.line("")
        }
        for diagnostic in contents.diagnostics {
            let text = diagnostic.description
            switch diagnostic.severity {
            case .error: output.line(style.red(text))
            case .warning: output.line(style.yellow(text))
            case .info: output.line(style.dim(text))
            }
        }
        if !contents.diagnostics.isEmpty { output.line("") }
        let counts = contents.counts
        output.line(
            "\(sources): \(Plural.count(counts.entries, "entry", "entries")), "
                + "\(Plural.count(counts.users, "user")) (\(counts.disabled) disabled), \(counts.skipped) skipped.")
        output.flush()
    }

    /// A cell on one line: line breaks and TABs inside values (CSV allows them) become spaces.
    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    // MARK: - JSON

    /// `{"counts":…,"diagnostics":[…],"format_version":1,"users":[…]}`, keys sorted, written user by user so
    /// a million users never sit in memory as one string.
    static func writeJSON(_ contents: DirectoryContents, includeUsers: Bool) throws {
        let encoder = JSONText(pretty: false)
        var output = BufferedOutput()
        output.write("{\n  \"counts\": ")
        output.write(JSONOutput.terminalSafe(bytes: try encoder.encode(CountsJSON(contents.counts))))
        output.write(",\n  \"diagnostics\": [")
        for (index, diagnostic) in contents.diagnostics.enumerated() {
            output.write(index == 0 ? "\n    " : ",\n    ")
            output.write(JSONOutput.terminalSafe(bytes: try encoder.encode(diagnostic)))
        }
        output.write(contents.diagnostics.isEmpty ? "],\n" : "\n  ],\n")
        output.write("  \"format_version\": 1,\n  \"users\": [")
        let users = includeUsers ? contents.users : []
        for (index, user) in users.enumerated() {
            output.write(index == 0 ? "\n    " : ",\n    ")
            output.write(JSONOutput.terminalSafe(bytes: try encoder.encode(UserJSON(user))))
        }
        output.write(users.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
        output.flush()
    }

    struct CountsJSON: Encodable {
        let entries: Int
        let users: Int
        let skipped: Int
        let disabled: Int

        init(_ counts: DirectoryContents.Counts) {
            entries = counts.entries
            users = counts.users
            skipped = counts.skipped
            disabled = counts.disabled
        }
    }

    struct UserJSON: Encodable {
        struct Group: Encodable {
            let id: String
            let name: String
            let direct: Bool
        }

        let anchor: String
        let email: String?
        let display_name: String?
        let given_name: String?
        let family_name: String?
        /// The directory's username (the mapping's `username:`); null when it has none.
        let username: String?
        let groups: [Group]
        let active: Bool
        let attributes: [String: [String]]
        /// The profile fields of the mapping's `profile:` that have a value; `{}` without a profile block.
        let profile: [String: String]
        /// For people merged from several sources: the sources that have them; null with one source.
        let sources: [String]?
        /// For people merged from several sources: field → the source it was taken from; null with one source.
        let provenance: [String: String]?

        init(_ user: DirectoryUser) {
            anchor = user.anchor
            email = user.email?.canonical
            display_name = user.displayName
            given_name = user.givenName
            family_name = user.familyName
            username = user.username?.text
            groups = user.groups.map { Group(id: $0.id, name: $0.name, direct: $0.isDirect) }
            active = user.isActive
            attributes = user.attributes
            profile = user.profile
            sources = user.provenance?.sources
            provenance = user.provenance?.fields
        }

    }
}

/// Standard output through a buffer, flushed in large writes.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    /// Appends `text` with its controls made visible (`TerminalText`).
    mutating func write(_ text: String) {
        buffer.append(contentsOf: TerminalText.escaped(text, keepingColour: Console.stdoutIsColourTerminal).utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func line(_ text: String) { write(text + "\n") }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
