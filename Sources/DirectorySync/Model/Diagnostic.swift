/// Something the user should know that does not stop the run: an entry with no email, a duplicate
/// anchor, a rule that matched nobody. Diagnostics travel with what produced them and print with it.
public struct Diagnostic: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// How much it matters.
    public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
        case info, warning, error

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .error: 2
            }
        }

        /// Orders severities from least to most serious: info < warning < error.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// How much it matters, from `info` (a note) to `error`; none of them stops the run.
    public let severity: Severity
    /// What was found, as one sentence for the user, without the location or severity.
    public let message: String
    /// Where it was found, when it was found somewhere.
    public let location: SourceLocation?

    /// A diagnostic of `severity` saying `message`, found at `location` if given.
    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    /// The line printed for it: `file:line: severity: message`, or `severity: message` without a location.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message)"
    }
}

/// In JSON (plans, `source show`): `{"severity", "message", "location"}`, the location as text (`file:line`) or
/// null. A location read back is kept as that text.
extension Diagnostic: Codable {
    enum CodingKeys: String, CodingKey { case severity, message, location }

    /// Writes the severity, the message and the location as text, or null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(severity.rawValue, forKey: .severity)
        try container.encode(message, forKey: .message)
        try container.encode(location?.description, forKey: .location)
    }

    /// Reads what `encode(to:)` writes; an unknown severity reads as `info`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let severity = try container.decode(String.self, forKey: .severity)
        self.init(
            Severity(rawValue: severity) ?? .info, try container.decode(String.self, forKey: .message),
            at: try container.decodeIfPresent(String.self, forKey: .location).map { SourceLocation(source: $0) })
    }
}
