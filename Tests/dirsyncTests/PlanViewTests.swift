import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync
@testable import dirsync

/// The plan views against golden files. Re-record after an intended change with
/// `RECORD_SNAPSHOTS=1 swift test --filter PlanViewTests`, and review the diff.
@Suite struct PlanViewTests {
    /// A fixed signing key, so the golden file's signature is the same on every run.
    static let key = Array("a test key that is 32 bytes long".utf8)

    /// A plan with every action, diagnostics and a block, built by hand so the views are tested on their own.
    static let plan: Plan = {
        let e = Build.email
        let changes: [Plan.Change] = [
            .init(
                .adopt, e("hank@acme.com"), role: .member,
                reason: "added by hand, matched by email: managed by dirsync from now on",
                rule: "policy.adopt_existing", anchor: "6f1c", memberID: .init(rawValue: 7)),
            .init(
                .revoke, e("old.partner@partner.io"), role: .viewer, reason: "no longer in the directory",
                anchor: "9a2e", invitationID: .init(rawValue: 3)),
            .init(
                .remove, e("gone@acme.com"), fromRole: .member, reason: "disabled in the directory", anchor: "1b7d",
                memberID: .init(rawValue: 4)),
            .init(
                .downgrade, e("ex.admin@acme.com"), fromRole: .admin, toRole: .viewer,
                reason: "no longer in the directory (policy.offboarding: downgrade)", anchor: "77aa",
                memberID: .init(rawValue: 5)),
            .init(
                .update, e("robert@acme.com"), role: .member,
                reason: "email changed from bob@acme.com in the directory", anchor: "c0de",
                memberID: .init(rawValue: 6), fromEmail: e("bob@acme.com")),
            .init(
                .changeRole, e("cy@acme.com"), fromRole: .member, toRole: .admin,
                reason: "the directory now gives the role admin", rule: "roles[0] admin: group 'Sign Admins'",
                anchor: "2c2c", memberID: .init(rawValue: 8)),
            .init(
                .reinvite, e("dee@partner.io"), role: .member, fromRole: .viewer, toRole: .member,
                reason: "the directory now gives the role member; a pending invitation's role never changes in place",
                rule: "roles[1] member: department in [Legal, Sales]", anchor: "d33d", invitationID: .init(rawValue: 2)),
            .init(
                .join, e("eve@acme.com"), role: .member, reason: "auto-join domain acme.com",
                rule: "organization.auto_join.role", anchor: "e5e5", name: "Eve Example"),
            .init(
                .invite, e("finn@partner.io"), role: .viewer, reason: "in the directory, allowed domain partner.io",
                rule: "roles[2] viewer: domain partner.io", anchor: "f1f1"),
            .init(
                .resend, e("gus@partner.io"), role: .viewer,
                reason: "not accepted since 2026-11-17 10:00 UTC (policy.resend_after: 3d)",
                rule: "roles[2] viewer: domain partner.io", anchor: "a9a9", invitationID: .init(rawValue: 1)),
            .init(
                .defer, e("zed@acme.com"), role: .member,
                reason: "no seat left for this join: 12 seats, 12 used before this plan",
                rule: "organization.auto_join.role", anchor: "0f0f"),
        ]
        return Plan(
            basis: .init(
                organization: "Acme Corp", snapshot: "5d41402abc4b2a76b9719d911017c592",
                desired: "7d793037a0760186574b0282f2f435e7",
                sourceKind: .ldif, sourceUsers: 14, computedAt: testEpoch, seats: 12, seatsUsed: 12),
            changes: changes,
            diagnostics: [
                Diagnostic(
                    .warning, "duplicate email eve@acme.com: also at export.ldif:40; this entry is skipped",
                    at: SourceLocation(source: "export.ldif", line: 88)),
                Diagnostic(.info, "owner@acme.com is an owner; the rules say admin, but owners are never changed"),
            ],
            blocked: Plan.Blocked(
                reason:
                    "the plan revokes, removes or downgrades 3 people, more than the limit of 1 (policy.max_deletion_ratio: 10% of 12 managed people)"
            ))
    }()

    private func golden(_ name: String, _ actual: String) async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(
            actual == expected, "\(name) differs from the golden file; re-record with RECORD_SNAPSHOTS=1 if intended")
    }

    @Test func textViewMatchesItsGoldenFile() async throws {
        try await golden("plan.txt", PlanTextView(plan: Self.plan, style: Style(enabled: false)).render() + "\n")
    }

    @Test func jsonViewMatchesItsGoldenFile() async throws {
        try await golden("plan.json", try PlanJSON(Self.plan, signingKey: Self.key).encoded() + "\n")
    }

    @Test func colourIsAddedOnlyWhenEnabled() {
        let coloured = PlanTextView(plan: Self.plan, style: Style(enabled: true)).render()
        let plain = PlanTextView(plan: Self.plan, style: Style(enabled: false)).render()
        #expect(coloured.contains("\u{1B}[32m+\u{1B}[0m"))
        #expect(!plain.contains("\u{1B}"))
        #expect(coloured.replacingOccurrences(of: #"\x1B\[[0-9;]*m"#, with: "", options: .regularExpression) == plain)
    }

    @Test func aSavedPlanReadsBackAsTheSamePlan() async throws {
        let data = Data(try PlanJSON(Self.plan, signingKey: Self.key).encoded().utf8)
        let read = try PlanJSON.decode(data, file: "plan.json", signingKey: Self.key)
        #expect(read.changes == Self.plan.changes)
        #expect(read.basis == Self.plan.basis)
        #expect(read.blocked == Self.plan.blocked)
    }

    @Test(arguments: [
        ("{}", "plan.json: missing key 'format_version'"),
        ("not json", "plan.json: not a plan file (invalid JSON)"),
    ])
    func anUnreadablePlanFileIsNamed(text: String, expected: String) {
        #expect(throws: PlanFileError.self) {
            try PlanJSON.decode(Data(text.utf8), file: "plan.json", signingKey: Self.key)
        }
        do { _ = try PlanJSON.decode(Data(text.utf8), file: "plan.json", signingKey: Self.key) } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func anEditedPlanFileIsRefusedByItsSignature() async throws {
        let original = try PlanJSON(Self.plan, signingKey: Self.key).encoded()
        let edits = [
            ("\"action\" : \"join\"", "\"action\" : \"promote\""),
            ("\"role\" : \"member\"", "\"role\" : \"admin\""),
            ("\"email\" : \"eve@acme.com\"", "\"email\" : \"mallory@acme.com\""),
            ("\"member_id\" : 7", "\"member_id\" : 1"),
            ("\"seats\" : 12", "\"seats\" : 1200"),
        ]
        for (from, to) in edits {
            #expect(original.contains(from), "\(from)")
            let edited = original.replacingOccurrences(of: from, with: to)
            do {
                _ = try PlanJSON.decode(Data(edited.utf8), file: "p.json", signingKey: Self.key)
                Issue.record("an edited plan (\(to)) was read")
            } catch {
                #expect("\(error)".hasPrefix("p.json: the plan's signature does not match its content"), "\(error)")
            }
        }
        // The blocked reason removed: the same.
        let unblocked = try #require(
            original.range(of: #""blocked" : \{[^}]*\}"#, options: .regularExpression).map {
                original.replacingCharacters(in: $0, with: "\"blocked\" : null")
            })
        #expect(throws: PlanFileError.self) {
            try PlanJSON.decode(Data(unblocked.utf8), file: "p.json", signingKey: Self.key)
        }
        // Another store's key, and no signature at all.
        let otherKey = Array("another store's key of 32 bytes!".utf8)
        #expect(throws: PlanFileError.self) {
            try PlanJSON.decode(Data(original.utf8), file: "p.json", signingKey: otherKey)
        }
        let unsigned = original.replacingOccurrences(
            of: #""signature" : "[^"]*""#, with: "\"signature\" : null", options: .regularExpression)
        do {
            _ = try PlanJSON.decode(Data(unsigned.utf8), file: "p.json", signingKey: Self.key)
            Issue.record("an unsigned plan was read")
        } catch {
            #expect("\(error)".contains("has no signature"), "\(error)")
        }
        // Layout is not content: the same plan re-indented still reads.
        let compact = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(original.utf8)))
        #expect(try PlanJSON.decode(compact, file: "p.json", signingKey: Self.key).changes == Self.plan.changes)
        let newer = original.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
        #expect(throws: PlanFileError.self) {
            try PlanJSON.decode(Data(newer.utf8), file: "p.json", signingKey: Self.key)
        }
    }
}
