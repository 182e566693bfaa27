import ArgumentParser
import DirectorySync
import Foundation

/// `dirsync generate`: a synthetic directory export for benchmarks and trials, deterministic from a seed.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic directory export (AD or OpenLDAP LDIF, DSML, CSV) with N users and M groups.")

    @Option(help: "ad-ldif, openldap-ldif, dsml or csv.") var format: String = "ad-ldif"
    @Option(help: "Number of users.") var users: Int = 1000
    @Option(help: "Number of groups.") var groups: Int = 20
    @Option(help: "Seed: the same seed writes the same file.") var seed: UInt64 = 1
    @Option(name: [.short, .long], help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard DirectoryGenerator.Format(rawValue: format) != nil else {
            throw ValidationError(
                "--format: '\(format)' is not one of: \(DirectoryGenerator.Format.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard users >= 0, groups >= 0 else { throw ValidationError("--users and --groups must not be negative") }
    }

    func run() throws {
        guard let format = DirectoryGenerator.Format(rawValue: format) else { return }
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw CommandError.invalidArgument("--output: cannot create \(output)", hint: nil)
            }
            guard let opened = FileHandle(forWritingAtPath: output) else {
                throw CommandError.invalidArgument("--output: cannot write \(output)", hint: nil)
            }
            handle = opened
        } else {
            handle = FileHandle.standardOutput
        }
        var generator = DirectoryGenerator(format: format, users: users, groups: groups, seed: seed)
        var sink = LineSink(handle: handle)
        generator.write(to: &sink)
        sink.flush()
        if output != nil { try handle.close() }
    }
}
