import DirectorySyncTesting
import Foundation
import Testing

/// `apply` checks what it can before it reads or prints anything, never asks about a plan it would refuse, and
/// asks on the terminal (stderr), not on stdout.
@Suite struct ApplyConfirmationTests {
    @Test func withoutATerminalOrYesNothingIsReadOrPrinted() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let refused = try await cli.run(["apply", "--now", "2026-10-01T09:00:00Z"])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty, "the plan is not printed before the refusal: \(refused)")
        #expect(refused.stderr.hasPrefix("error: refusing to apply without confirmation"), "\(refused)")
    }

    @Test func onATerminalApplyAsksOnStderrAndAppliesOnYes() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        let answered = try await cli.runOnTerminal(["apply", "--now", "2026-10-01T09:00:00Z"], input: "yes\n")
        #expect(answered.status == 0, "\(answered)")
        #expect(answered.stdout.contains("Apply these 11 change"), "\(answered)")
        #expect(answered.stdout.contains("Applied 8 join, 3 invite to Acme Corp"), "\(answered)")
        // Anything but yes changes nothing.
        let (other, otherCLI) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { other.remove() }
        let declined = try await otherCLI.runOnTerminal(["apply", "--now", "2026-10-01T09:00:00Z"], input: "no\n")
        #expect(declined.status == 1, "\(declined)")
        #expect(declined.stdout.contains("apply cancelled; nothing was changed"), "\(declined)")
        #expect(
            try await otherCLI.run(["members", "list", "--format", "json"]).stdout.contains("bo@acme.com") == false)
    }

    @Test func theQuestionGoesToStderr() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        // stdin is not a terminal here, so apply refuses; what matters is which stream carries each part.
        let refused = try await cli.run(["apply", "--now", "2026-10-01T09:00:00Z"])
        #expect(!refused.stdout.contains("Apply these") && !refused.stderr.contains("Apply these"))
    }

    @Test func aBlockedPlanIsRefusedWithoutAQuestion() async throws {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        defer { folder.remove() }
        #expect(try await cli.run(["sync", "--now", "2026-10-01T09:00:00Z"]).status == 0)
        var config = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "max_deletion_ratio: 0.5", with: "max_deletion_ratio: 0.1")
        try config.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        try await ReconciliationCommandsTests.useNovemberExport(folder)
        let blocked = try await cli.runOnTerminal(["apply", "--now", "2026-11-02T09:00:00Z"], input: "yes\n")
        #expect(blocked.status == 3, "\(blocked)")
        #expect(!blocked.stdout.contains("Apply these"), "no question for a plan apply would refuse: \(blocked)")
        #expect(blocked.stdout.contains("the plan is blocked"), "\(blocked)")
    }
}
