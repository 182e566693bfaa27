import DirectorySync
import Foundation

/// The plan as JSON: what `plan --format json` prints and `plan --out FILE` saves; `apply FILE` reads it
/// back. Versioned by `format_version`; keys snake_case; absent values are null, never missing.
///
/// `signature` is the `PlanSeal` of the document's compact encoding with the signature itself null, under the
/// store's key: `apply` recomputes it from what it decoded, so any edit to a field it uses is refused.
struct PlanJSON: Codable {
    static let formatVersion = 1

    struct Basis: Codable {
        let organization: String
        let snapshot: String
        let desired: String
        let source_kind: String
        let source_users: Int
        let computed_at: String
        let seats: Int
        let seats_used: Int
    }

    struct Change: Codable {
        let action: String
        let email: String
        let role: String?
        let from_role: String?
        let to_role: String?
        let reason: String
        let rule: String?
        let anchor: String?
        let member_id: Int64?
        let invitation_id: Int64?
        let from_email: String?
        let name: String?
    }

    struct DiagnosticJSON: Codable {
        let severity: String
        let message: String
        let location: String?
    }

    struct Blocked: Codable {
        let reason: String
    }

    let format_version: Int
    let basis: Basis
    let summary: [String: Int]
    let changes: [Change]
    let diagnostics: [DiagnosticJSON]
    let blocked: Blocked?
    var signature: String?

    /// The plan, signed with `signingKey` (the store's plan-signing key).
    init(_ plan: Plan, signingKey: [UInt8]) throws {
        self.init(unsigned: plan)
        signature = PlanSeal.signature(of: try canonicalContent(), key: signingKey)
    }

    /// The bytes the signature covers: the compact encoding with `signature` null.
    private func canonicalContent() throws -> [UInt8] {
        var unsigned = self
        unsigned.signature = nil
        return try JSONText(pretty: false).encode(unsigned)
    }

    private init(unsigned plan: Plan) {
        format_version = Self.formatVersion
        basis = Basis(
            organization: plan.basis.organization, snapshot: plan.basis.snapshot, desired: plan.basis.desired,
            source_kind: plan.basis.sourceKind.rawValue, source_users: plan.basis.sourceUsers,
            computed_at: DateText.iso8601(plan.basis.computedAt), seats: plan.basis.seats,
            seats_used: plan.basis.seatsUsed)
        summary = Dictionary(uniqueKeysWithValues: plan.summary.map { ($0.key.rawValue, $0.value) })
        changes = plan.changes.map { change in
            Change(
                action: change.action.rawValue, email: change.email.canonical, role: change.role?.rawValue,
                from_role: change.fromRole?.rawValue, to_role: change.toRole?.rawValue, reason: change.reason,
                rule: change.rule, anchor: change.anchor, member_id: change.memberID?.rawValue,
                invitation_id: change.invitationID?.rawValue, from_email: change.fromEmail?.canonical, name: change.name
            )
        }
        diagnostics = plan.diagnostics.map {
            DiagnosticJSON(severity: $0.severity.rawValue, message: $0.message, location: $0.location?.description)
        }
        blocked = plan.blocked.map { Blocked(reason: $0.reason) }
        signature = nil
    }

    func encoded() throws -> String { try JSONOutput.render(self) }

    /// Reads a saved plan, checking its signature against `signingKey` and every field; errors name the file and
    /// the field.
    static func decode(_ data: Data, file: String, signingKey: [UInt8]) throws -> Plan {
        let document: PlanJSON
        do {
            document = try JSONDecoder().decode(PlanJSON.self, from: data)
        } catch let error as DecodingError {
            // Foundation reports a number that does not fit its field (7.5 for an id) as invalid JSON with no
            // path: find the field so the message names it.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let misfit = Self.misfitNumber(in: data)
            {
                throw PlanFileError(file: file, problem: misfit)
            }
            throw PlanFileError(file: file, problem: Self.describe(error))
        }
        guard document.format_version == formatVersion else {
            throw PlanFileError(
                file: file, problem: "format_version \(document.format_version) is not supported (this dirsync reads 1)"
            )
        }
        let content = try document.canonicalContent()
        do {
            try PlanSeal.verify(document.signature, of: content, key: signingKey)
        } catch {
            throw PlanFileError(file: file, problem: Self.describe(error))
        }
        return try document.plan(file: file)
    }

    private func plan(file: String) throws -> Plan {
        func fail(_ path: String, _ problem: String) -> PlanFileError {
            PlanFileError(file: file, problem: "\(path): \(problem)")
        }
        func role(_ text: String?, _ path: String) throws -> Role? {
            guard let text else { return nil }
            guard let role = Role(rawValue: text) else { throw fail(path, "unknown role '\(text)'") }
            return role
        }
        func email(_ text: String, _ path: String) throws -> EmailAddress {
            do { return try EmailAddress(text) } catch { throw fail(path, error.description) }
        }
        guard let kind = SourceKind(rawValue: basis.source_kind) else {
            throw fail("basis.source_kind", "unknown source kind '\(basis.source_kind)'")
        }
        let computedAt: Date
        do {
            computedAt = try DateText.instant(basis.computed_at)
        } catch {
            throw fail("basis.computed_at", error.description)
        }
        let changes = try self.changes.enumerated().map { index, change -> Plan.Change in
            let path = "changes[\(index)]"
            guard let action = Plan.Action(rawValue: change.action) else {
                throw fail("\(path).action", "unknown action '\(change.action)'")
            }
            return Plan.Change(
                action, try email(change.email, "\(path).email"), role: try role(change.role, "\(path).role"),
                fromRole: try role(change.from_role, "\(path).from_role"),
                toRole: try role(change.to_role, "\(path).to_role"),
                reason: change.reason, rule: change.rule, anchor: change.anchor,
                memberID: change.member_id.map(Member.ID.init(rawValue:)),
                invitationID: change.invitation_id.map(Invitation.ID.init(rawValue:)),
                fromEmail: try change.from_email.map { try email($0, "\(path).from_email") }, name: change.name)
        }
        let diagnostics = self.diagnostics.map { item in
            Diagnostic(
                Diagnostic.Severity(rawValue: item.severity) ?? .info, item.message,
                at: item.location.map { SourceLocation(source: $0) })
        }
        return Plan(
            basis: Plan.Basis(
                organization: basis.organization, snapshot: basis.snapshot, desired: basis.desired, sourceKind: kind,
                sourceUsers: basis.source_users, computedAt: computedAt, seats: basis.seats, seatsUsed: basis.seats_used
            ),
            changes: changes, diagnostics: diagnostics, blocked: blocked.map { Plan.Blocked(reason: $0.reason) })
    }

    /// The first integer field of a syntactically valid plan that holds something other than a whole number in
    /// range, as `path: expected a whole number, found 7.5`.
    private static func misfitNumber(in data: Data) -> String? {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        var fields: [(String, Any?)] = [("format_version", root["format_version"])]
        let basis = root["basis"] as? [String: Any] ?? [:]
        for key in ["seats", "seats_used", "source_users"] { fields.append(("basis.\(key)", basis[key])) }
        for (key, value) in (root["summary"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            fields.append(("summary.\(key)", value))
        }
        for (index, change) in (root["changes"] as? [[String: Any]] ?? []).enumerated() {
            for key in ["member_id", "invitation_id"] { fields.append(("changes[\(index)].\(key)", change[key])) }
        }
        for (path, value) in fields {
            guard let number = value as? NSNumber, !(value is Bool) else { continue }
            let double = number.doubleValue
            if double != double.rounded() || abs(double) >= 9.2e18 {
                return "\(path): expected a whole number, found \(number)"
            }
        }
        return nil
    }

    private static func describe(_ failure: PlanSeal.Failure) -> String {
        switch failure {
        case .missing:
            "the plan has no signature, so it cannot be shown to be the plan dirsync made; nothing was applied"
        case .malformed, .mismatch:
            "the plan's signature does not match its content: the file was changed after 'dirsync plan' wrote it, "
                + "or it was made with another store; nothing was applied"
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "\(at.isEmpty ? "" : at + ": ")missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription.lowercased())"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not a plan file (invalid JSON)" : "\(path(context)): invalid value"
        @unknown default:
            return "not a plan file"
        }
    }
}

/// A saved plan that cannot be read.
struct PlanFileError: Error, UserFacingError {
    let file: String
    let problem: String
    var description: String { "\(file): \(problem)" }
    var hint: String? { "make a new one with 'dirsync plan --out \(file)'" }
}
