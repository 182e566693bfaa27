import ArgumentParser
import DirectorySync

/// `dirsync csv-template`: the bulk-invite CSV header, read by the `csv` mapping preset.
struct CSVTemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csv-template",
        abstract: "Print the bulk-invite CSV template (email, username, first_name, last_name, role, groups).")

    @Flag(help: "Add two example rows.") var example = false

    /// The template's columns, in order; the `csv` preset maps them.
    static let columns = ["email", "username", "first_name", "last_name", "role", "groups"]

    func run() throws {
        Console.out(Self.columns.joined(separator: ","))
        if example {
            Console.out("ada@acme.com,ada,Ada,Lovelace,admin,Engineering;Sign Admins")
            Console.out("\"bo@acme.com\",,Bo,\"Brown, Jr.\",member,Sales")
        }
    }
}
