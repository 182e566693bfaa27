import Foundation
import Testing

/// Golden-file comparison for any test target: `try GoldenFile.check("plan.txt", actual)` compares with
/// `Golden/plan.txt` beside the calling test file. Re-record after an intended change with
/// `RECORD_SNAPSHOTS=1 swift test --filter …`, and review the diff.
public enum GoldenFile {
    /// Whether this run records golden files instead of comparing with them.
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    /// Compares `actual` with the golden file `name` in the `Golden/` folder beside `testFile`, byte for byte
    /// (or writes it, when recording); a difference is recorded as an issue at the caller.
    public static func check(
        _ name: String, _ actual: String, testFile: String = #filePath,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if isRecording {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(
            actual == expected, "\(name) differs from the golden file; re-record with RECORD_SNAPSHOTS=1 if intended",
            sourceLocation: sourceLocation)
    }
}
