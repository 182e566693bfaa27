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

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public let severity: Severity
    public let message: String
    /// Where it was found, when it was found somewhere.
    public let location: SourceLocation?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message)"
    }
}
