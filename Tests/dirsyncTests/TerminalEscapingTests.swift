import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Directory data and bad input never reach the terminal raw: every control character, bidi override and
/// zero-width character is shown as `\u{…}`, tables are padded by display width, and cells are capped.
@Suite struct TerminalEscapingTests {
    static let hostile = [
        "\u{1B}[2J\u{1B}[HCleared", "\u{1B}]0;owned\u{07}Title", "Back\u{8}\u{8}space", "Carriage\rReturn",
        "C1\u{9B}31mcsi", "Bidi\u{202E}lanigirO", "Zero\u{200B}Width", "Null\u{0}Byte", "Del\u{7F}ete",
        "Line\u{2028}Separator",
    ]

    /// Raw bytes that must never be written: C0 but LF, DEL, and the UTF-8 forms of C1, bidi and zero-width.
    static func rawControls(in text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { scalar in
            switch scalar.value {
            case 0x0A: false
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
            default: false
            }
        }
    }

    private func ldif(_ names: [String]) -> String {
        names.enumerated().map { index, name in
            """
            dn: uid=u\(index),ou=people,dc=acme,dc=com
            objectClass: inetOrgPerson
            uid: u\(index)
            entryUUID: 00000000-0000-0000-0000-\(String(format: "%012d", index))
            mail: u\(index)@acme.com
            sn: S
            displayName:: \(Data(name.utf8).base64EncodedString())

            """
        }.joined(separator: "\n")
    }

    @Test func hostileDisplayNamesAreShownEscapedByEveryTextView() async throws {
        let folder = try TemporaryDirectory("dirsync-terminal")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        try ldif(Self.hostile).write(to: folder.file("users.ldif"), atomically: true, encoding: .utf8)
        let show = try await cli.run(["source", "show", "--source", "ldif:users.ldif", "--mapping", "openldap"])
        #expect(show.status == 0, "\(show)")
        #expect(Self.rawControls(in: show.stdout + show.stderr).isEmpty, "\(show.stdout)")
        #expect(show.stdout.contains(#"\u{1B}[2J\u{1B}[HCleared"#))
        #expect(show.stdout.contains(#"Bidi\u{202E}lanigirO"#))

        let initialised = try await cli.run([
            "init", "--org", "Acme", "--seats", "50", "--owner", "owner@acme.com", "--store", "org.sqlite",
        ])
        #expect(initialised.status == 0, "\(initialised)")
        let config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        let configured =
            config.replacingOccurrences(of: "source:", with: "#source:")
            + "\nsource: { kind: ldif, path: users.ldif }\n"
        try configured.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        for arguments in [["plan"], ["plan", "--verbose"], ["sync", "--yes"], ["members", "list"]] {
            let result = try await cli.run(arguments + ["--config", "dirsync.yaml"])
            #expect(Self.rawControls(in: result.stdout + result.stderr).isEmpty, "\(arguments): \(result)")
        }
    }

    @Test func anErrorQuotingBadInputIsEscaped() async throws {
        let folder = try TemporaryDirectory("dirsync-terminal")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        let result = try await cli.run([
            "source", "show", "--source", "ldif:\u{1B}]0;owned\u{07}.ldif", "--mapping", "openldap",
        ])
        #expect(result.status != 0)
        #expect(Self.rawControls(in: result.stdout + result.stderr).isEmpty, "\(result)")
        #expect(result.stderr.contains(#"\u{1B}]0;owned\u{7}"#), "\(result.stderr)")
    }

    @Test func tablesArePaddedByDisplayWidthAndCellsAreCapped() async throws {
        let folder = try TemporaryDirectory("dirsync-terminal")
        defer { folder.remove() }
        let cli = CLIProcess(directory: folder.url)
        let names = ["山田太郎", "Ann", "Zoë\u{301}", "🙂 Smile", String(repeating: "x", count: 100_000)]
        try ldif(names).write(to: folder.file("users.ldif"), atomically: true, encoding: .utf8)
        let show = try await cli.run(["source", "show", "--source", "ldif:users.ldif", "--mapping", "openldap"])
        #expect(show.status == 0, "\(show)")
        let rows = show.stdout.split(separator: "\n").map(String.init).filter { $0.contains("@acme.com") }
        #expect(rows.count == names.count)
        // The column after the name starts at the same terminal column on every row.
        let starts = rows.compactMap { row -> Int? in
            guard let range = row.range(of: "  no") ?? row.range(of: "  yes") else { return nil }
            return TerminalWidth.columns(String(row[..<range.lowerBound]))
        }
        #expect(Set(starts).count == 1, "\(rows)")
        #expect(rows.allSatisfy { $0.utf8.count < 400 }, "a 100 KB name is cut")
        #expect(rows.last?.contains("…") == true)
    }
}

/// Terminal columns, counted independently of the code under test for the scripts in these tests.
enum TerminalWidth {
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark { return total }
            if (0x4E00...0x9FFF).contains(value) || (0x1F600...0x1F64F).contains(value) { return total + 2 }
            return total + 1
        }
    }
}
