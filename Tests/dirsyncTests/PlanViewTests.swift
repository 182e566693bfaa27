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
                e("hank@acme.com"), .adoptMember(.init(rawValue: 7), role: .member), reason: .adoptedMember,
                rule: "policy.adopt_existing", anchor: "6f1c"),
            .init(
                e("old.partner@partner.io"), .revoke(.init(rawValue: 3), role: .viewer),
                reason: .departed(.noLongerInDirectory), anchor: "9a2e"),
            .init(
                e("gone@acme.com"), .remove(.init(rawValue: 4), role: .member), reason: .departed(.disabled),
                anchor: "1b7d"),
            .init(
                e("ex.admin@acme.com"), .downgrade(.init(rawValue: 5), from: .admin),
                reason: .departedDowngraded(.noLongerInDirectory), anchor: "77aa"),
            .init(
                e("robert@acme.com"), .updateEmail(.init(rawValue: 6), from: e("bob@acme.com"), role: .member),
                reason: .emailChanged(from: e("bob@acme.com")), anchor: "c0de"),
            .init(
                e("cy@acme.com"), .changeRole(.init(rawValue: 8), from: .member, to: .admin),
                reason: .roleChanged(to: .admin), rule: "roles[0] admin: group 'Sign Admins'", anchor: "2c2c"),
            .init(
                e("cy@acme.com"), .ungrant(.init(rawValue: 8), role: .admin), reason: .grantRulesNoLongerGive,
                rule: "access.grants", anchor: "2c2c", grants: [Grant(role: "template-editor", account: "Sales US")]),
            .init(
                e("cy@acme.com"), .grant(.init(rawValue: 8), role: .admin), reason: .grantRulesGive,
                rule: "access.grants", anchor: "2c2c",
                grants: [Grant(role: "signer"), Grant(role: "account-admin", account: "Legal EU")]),
            .init(
                e("dee@partner.io"), .reinvite(.init(rawValue: 2), from: .viewer, to: .member, previousEmail: nil),
                reason: .pendingRoleChanged(to: .member), rule: "roles[1] member: department in [Legal, Sales]",
                anchor: "d33d"),
            .init(
                e("eve@acme.com"), .join(.member, name: "Eve Example"), reason: .autoJoinDomain("acme.com"),
                rule: "organization.auto_join.role", anchor: "e5e5", grants: [Grant(role: "signer")]),
            .init(
                e("finn@partner.io"), .invite(.viewer, name: nil), reason: .allowedDomain("partner.io"),
                rule: "roles[2] viewer: domain partner.io", anchor: "f1f1"),
            .init(
                e("gus@partner.io"), .resend(.init(rawValue: 1), role: .viewer),
                reason: .notAccepted(since: .at("2026-11-17T10:00:00Z"), resendAfter: .days(3)),
                rule: "roles[2] viewer: domain partner.io", anchor: "a9a9"),
            .init(
                e("zed@acme.com"), .deferred(Plan.Deferral(role: .member)),
                reason: .noSeat(for: .join, seats: 12, used: 12), rule: "organization.auto_join.role", anchor: "0f0f"),
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
                    "the plan revokes, removes, downgrades or ungrants 3 people, more than the limit of 1 (policy.max_deletion_ratio: 10% of 12 managed people)"
            ))
    }()

    @Test func textViewMatchesItsGoldenFile() async throws {
        try GoldenFile.check("plan.txt", PlanTextView(plan: Self.plan, style: Style(enabled: false)).render() + "\n")
    }

    @Test func jsonViewMatchesItsGoldenFile() async throws {
        try GoldenFile.check("plan.json", try PlanFile.encode(Self.plan, signingKey: Self.key) + "\n")
    }

    @Test func colourIsAddedOnlyWhenEnabled() {
        let coloured = PlanTextView(plan: Self.plan, style: Style(enabled: true)).render()
        let plain = PlanTextView(plan: Self.plan, style: Style(enabled: false)).render()
        #expect(coloured.contains("\u{1B}[32m+\u{1B}[0m"))
        #expect(!plain.contains("\u{1B}"))
        #expect(coloured.replacingOccurrences(of: #"\x1B\[[0-9;]*m"#, with: "", options: .regularExpression) == plain)
    }

    @Test func aSavedPlanReadsBackAsTheSamePlan() async throws {
        let data = Data(try PlanFile.encode(Self.plan, signingKey: Self.key).utf8)
        let read = try PlanFile.decode(data, file: "plan.json", signingKey: Self.key)
        #expect(read.changes == Self.plan.changes)
        #expect(read.basis == Self.plan.basis)
        #expect(read.blocked == Self.plan.blocked)
    }

    @Test(arguments: [
        ("{}", "plan.json: missing key 'format_version'"),
        ("not json", "plan.json: not a plan file (invalid JSON)"),
    ])
    func anUnreadablePlanFileIsNamed(text: String, expected: String) {
        #expect(throws: PlanFile.Invalid.self) {
            try PlanFile.decode(Data(text.utf8), file: "plan.json", signingKey: Self.key)
        }
        do { _ = try PlanFile.decode(Data(text.utf8), file: "plan.json", signingKey: Self.key) } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func anEditedPlanFileIsRefusedByItsSignature() async throws {
        let original = try PlanFile.encode(Self.plan, signingKey: Self.key)
        let edits = [
            ("\"action\" : \"join\"", "\"action\" : \"promote\""),
            ("\"role\" : \"member\"", "\"role\" : \"admin\""),
            ("\"email\" : \"eve@acme.com\"", "\"email\" : \"mallory@acme.com\""),
            ("\"member_id\" : 7", "\"member_id\" : 1"),
            ("\"seats\" : 12", "\"seats\" : 1200"),
            ("\"account\" : \"Legal EU\"", "\"account\" : \"Sales US\""),
            ("\"role\" : \"template-editor\"", "\"role\" : \"owner\""),
        ]
        for (from, to) in edits {
            #expect(original.contains(from), "\(from)")
            let edited = original.replacingOccurrences(of: from, with: to)
            do {
                _ = try PlanFile.decode(Data(edited.utf8), file: "p.json", signingKey: Self.key)
                Issue.record("an edited plan (\(to)) was read")
            } catch {
                // Refused either way: by the layout's own checks, or by the signature.
                let text = "\(error)"
                #expect(
                    text.hasPrefix("p.json: the plan's signature does not match its content")
                        || text.hasPrefix("p.json: changes["), "\(error)")
            }
        }
        // The blocked reason removed: the same.
        let unblocked = try #require(
            original.range(of: #""blocked" : \{[^}]*\}"#, options: .regularExpression).map {
                original.replacingCharacters(in: $0, with: "\"blocked\" : null")
            })
        #expect(throws: PlanFile.Invalid.self) {
            try PlanFile.decode(Data(unblocked.utf8), file: "p.json", signingKey: Self.key)
        }
        // Another store's key, and no signature at all.
        let otherKey = Array("another store's key of 32 bytes!".utf8)
        #expect(throws: PlanFile.Invalid.self) {
            try PlanFile.decode(Data(original.utf8), file: "p.json", signingKey: otherKey)
        }
        let unsigned = original.replacingOccurrences(
            of: #""signature" : "[^"]*""#, with: "\"signature\" : null", options: .regularExpression)
        do {
            _ = try PlanFile.decode(Data(unsigned.utf8), file: "p.json", signingKey: Self.key)
            Issue.record("an unsigned plan was read")
        } catch {
            #expect("\(error)".contains("has no signature"), "\(error)")
        }
        // Layout is not content: the same plan re-indented still reads.
        let compact = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(original.utf8)))
        #expect(try PlanFile.decode(compact, file: "p.json", signingKey: Self.key).changes == Self.plan.changes)
        let newer = original.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
        #expect(throws: PlanFile.Invalid.self) {
            try PlanFile.decode(Data(newer.utf8), file: "p.json", signingKey: Self.key)
        }
    }
}
