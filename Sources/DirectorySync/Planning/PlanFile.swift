import Foundation

/// A plan as a file (`plan --out FILE`, `plan --format json`): the plan's JSON with `signature`, the
/// `PlanSeal` of its canonical encoding under the store's key. Reading one checks the layout field by field
/// and then the signature, so an edited, foreign or unsigned plan is refused before anything is applied.
public enum PlanFile {
    /// A saved plan that cannot be read or was changed.
    public struct Invalid: Error, Equatable, UserFacingError {
        /// The plan file, as the user named it.
        public let file: String
        /// What is wrong, naming the field when one is at fault (`basis.seats: expected a whole number, found 7.5`).
        public let problem: String
        /// `FILE: problem`.
        public var description: String { "\(file): \(problem)" }
        /// Suggests making a new plan with `dirsync plan --out FILE`.
        public var hint: String? { "make a new one with 'dirsync plan --out \(file)'" }
    }

    /// The plan's document, pretty-printed, signed with `signingKey`.
    public static func encode(_ plan: Plan, signingKey: [UInt8]) throws -> String {
        let signature = PlanSeal.signature(of: try canonical(plan), key: signingKey)
        return try JSONText(pretty: true).string(Signed(plan: plan, signature: signature))
    }

    /// The bytes a plan's signature covers: its compact encoding, with `signature` null.
    static func canonical(_ plan: Plan) throws -> [UInt8] {
        try JSONText(pretty: false).encode(Signed(plan: plan, signature: nil))
    }

    /// Reads a saved plan and checks it against `signingKey`; errors name `file` and the field.
    public static func decode(_ data: Data, file: String, signingKey: [UInt8]) throws(Invalid) -> Plan {
        let signed: Signed
        do {
            signed = try JSONDecoder().decode(Signed.self, from: data)
        } catch let error as DecodingError {
            // Foundation reports a number that does not fit its field (7.5 for an id) as invalid JSON with no
            // path: find the field so the message names it.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let misfit = misfitNumber(in: data)
            {
                throw Invalid(file: file, problem: misfit)
            }
            throw Invalid(file: file, problem: describe(error))
        } catch {
            throw Invalid(file: file, problem: "not a plan file")
        }
        do {
            try PlanSeal.verify(signed.signature, of: try canonical(signed.plan), key: signingKey)
        } catch let failure as PlanSeal.Failure {
            throw Invalid(file: file, problem: describe(failure))
        } catch {
            throw Invalid(file: file, problem: "the plan cannot be encoded again to check its signature")
        }
        return signed.plan
    }

    /// The plan's keys and `signature`, in one object.
    private struct Signed: Codable {
        let plan: Plan
        let signature: String?

        enum CodingKeys: String, CodingKey { case signature }

        init(plan: Plan, signature: String?) {
            self.plan = plan
            self.signature = signature
        }

        init(from decoder: any Decoder) throws {
            plan = try Plan(from: decoder)
            signature = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .signature)
        }

        func encode(to encoder: any Encoder) throws {
            try plan.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(signature, forKey: .signature)
        }
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
            return context.codingPath.isEmpty
                ? "not a plan file (invalid JSON)" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not a plan file"
        }
    }
}
