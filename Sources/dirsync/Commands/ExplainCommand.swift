import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync explain EMAIL`: why dirsync does (or does not) do something for one person.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Explain one person: the directory entry, the mapping result, each rule tried, and the planned action.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("An email address (or a directory anchor).", valueName: "email")) var person: String

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let source = try environment.configuredSource()
        let explanation = try await environment.syncEngine().explain(
            person,
            sources: SourceSet(
                source.members.map { .init(name: $0.name, part: $0.part.base) }, precedence: source.precedence),
            organization: organization, now: environment.now)
        Console.out(ExplanationView(explanation: explanation, style: .stdout).render())
    }
}
