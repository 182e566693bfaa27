import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

/// `dirsync plan`: what a sync would change, and why, without changing anything.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Preview what a sync would change, and why. Writes nothing.",
        discussion: """
            Exit codes: 0 no error (with --detailed-exitcode: no changes), 1 error, 2 changes present \
            (--detailed-exitcode), 3 the plan is blocked by a safety rule.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(help: ArgumentHelp("Save the plan as JSON, for 'dirsync apply FILE'.", valueName: "file")) var out: String?
    @Flag(help: "Exit with 2 when the plan has changes, 0 when it has none.") var detailedExitcode = false

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let preview = try await environment.syncEngine().preview(organization, now: environment.now)
        let plan = preview.plan
        let key = try await environment.store.read { db in try db.planSigningKey() }
        let document = try PlanFile.encode(plan, signingKey: key)
        switch format {
        case .text: Console.out(PlanTextView(plan: plan, style: .stdout).render())
        case .json: Console.out(JSONOutput.terminalSafe(document))
        }
        if let out {
            try PrivateFile.write(document + "\n", to: out)
            Console.note("Saved the plan to \(out); apply it with 'dirsync apply \(out)'.")
        }
        if plan.blocked != nil { throw ExitCode(3) }
        if detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }
}
