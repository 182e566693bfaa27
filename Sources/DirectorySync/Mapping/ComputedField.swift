import Foundation

/// A field a mapping computes from an entry's attributes before anything else reads it (`computed:` in a
/// mapping file): `email: 'lower(sAMAccountName) + "@acme.com"'`. The result is an attribute of the entry under
/// `name`, so the anchor, email, names, groups, attributes and rules can all use it; computed fields are
/// evaluated in the order the file lists them, and a later one may use an earlier one.
///
/// The language has no loops and no recursion, every value is capped at `Expression.maximumValueBytes`, and an
/// expression is at most `Expression.maximumNodes` operations: evaluating one always ends, quickly, in bounded
/// memory.
public struct ComputedField: Sendable, Equatable {
    /// The attribute the result is stored under, normalised.
    public let name: String
    /// What computes it.
    public let expression: Expression
    /// The expression as the file wrote it.
    public let source: String

    /// A field `name` computed by `expression`, written `source`.
    public init(name: String, expression: Expression, source: String) {
        self.name = AttributeName.normalize(name)
        self.expression = expression
        self.source = source
    }

    /// How one field was computed for one entry: its steps, innermost first, the last the whole expression.
    public struct Trace: Sendable, Equatable {
        /// The field's attribute name, normalised.
        public let name: String
        /// The expression as the file wrote it.
        public let source: String
        /// The steps, innermost first.
        public let steps: [Step]
    }

    /// One step of an evaluation, for `dirsync explain`: a sub-expression and its values.
    public struct Step: Sendable, Equatable, CustomStringConvertible {
        /// The sub-expression, as dirsync prints it.
        public let expression: String
        /// What it gave; empty when it gave nothing (an absent attribute, an index past the end).
        public let values: [String]

        /// `lower(sAMAccountName) → "bo"`.
        public var description: String {
            "\(expression) → " + (values.isEmpty ? "(nothing)" : values.map { "\"\($0)\"" }.joined(separator: ", "))
        }
    }
}

/// An expression of the `computed:` language: literals, attributes, `+` (concatenation of the first values),
/// `[N]` (the Nth value, negative from the end) and the functions `lower`, `upper`, `trim`,
/// `replace(x, REGEX, WITH)`, `split(x, SEP)`, `join(x, SEP)`, `coalesce(a, b, …)` and `default(x, VALUE)`.
/// Every expression gives a list of values, empty when there is nothing.
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    /// A quoted string.
    case literal(String)
    /// An attribute's text values (normalised name).
    case attribute(String)
    /// Each value lower-cased.
    case lower(Expression)
    /// Each value upper-cased.
    case upper(Expression)
    /// Each value without leading and trailing white space.
    case trim(Expression)
    /// Each value with every match of the pattern replaced (`$1` names a capture group).
    case replace(Expression, Condition.Pattern, String)
    /// Every value split at each separator, the parts in order.
    case split(Expression, String)
    /// All values joined into one.
    case join(Expression, String)
    /// The values of the first argument that gives any.
    case coalesce([Expression])
    /// The values, or the literal when there are none.
    case fallback(Expression, String)
    /// The first values of each part joined; nothing when a part gives nothing.
    case concat([Expression])
    /// The value at a position (negative counts from the end); nothing past either end.
    case index(Expression, Int)

    /// The longest value any step may make, in UTF-8 bytes; a longer one makes the step give nothing.
    public static let maximumValueBytes = 4096
    /// The most values a step may give.
    public static let maximumValues = 256
    /// The most operations (functions, `+`, `[N]`, literals and attributes) in one expression.
    public static let maximumNodes = 64

    /// The expression as dirsync prints it (strings double-quoted).
    public var description: String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
        switch self {
        case .literal(let text): return quoted(text)
        case .attribute(let name): return name
        case .lower(let argument): return "lower(\(argument))"
        case .upper(let argument): return "upper(\(argument))"
        case .trim(let argument): return "trim(\(argument))"
        case .replace(let argument, let pattern, let with):
            return "replace(\(argument), \(quoted(pattern.source)), \(quoted(with)))"
        case .split(let argument, let separator): return "split(\(argument), \(quoted(separator)))"
        case .join(let argument, let separator): return "join(\(argument), \(quoted(separator)))"
        case .coalesce(let arguments): return "coalesce(\(arguments.map(\.description).joined(separator: ", ")))"
        case .fallback(let argument, let value): return "default(\(argument), \(quoted(value)))"
        case .concat(let parts): return parts.map(\.description).joined(separator: " + ")
        case .index(let argument, let position): return "\(argument)[\(position)]"
        }
    }

    /// The attributes the expression reads, normalised.
    public var attributes: [String] {
        switch self {
        case .literal: []
        case .attribute(let name): [name]
        case .lower(let argument), .upper(let argument), .trim(let argument), .replace(let argument, _, _),
            .split(let argument, _), .join(let argument, _), .fallback(let argument, _), .index(let argument, _):
            argument.attributes
        case .coalesce(let arguments), .concat(let arguments): arguments.flatMap(\.attributes)
        }
    }

    /// The values for `entry`.
    public func evaluate(_ entry: DirectoryEntry) -> [String] {
        var steps: [ComputedField.Step]?
        return evaluate(entry, steps: &steps)
    }

    /// The values for `entry`, with every step that is not a plain literal or attribute appended to `steps`
    /// (innermost first) when it is not nil.
    public func evaluate(_ entry: DirectoryEntry, steps: inout [ComputedField.Step]?) -> [String] {
        let values: [String]
        switch self {
        case .literal(let text): return [text]
        case .attribute(let name):
            return Self.bounded(entry.values(normalized: name).compactMap(\.text).filter { !$0.isEmpty })
        case .lower(let argument): values = argument.evaluate(entry, steps: &steps).map { $0.lowercased() }
        case .upper(let argument): values = argument.evaluate(entry, steps: &steps).map { $0.uppercased() }
        case .trim(let argument):
            values = argument.evaluate(entry, steps: &steps).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        case .replace(let argument, let pattern, let with):
            values = argument.evaluate(entry, steps: &steps).map { pattern.replacingMatches(in: $0, with: with) }
        case .split(let argument, let separator):
            values = argument.evaluate(entry, steps: &steps).flatMap { value in
                value.components(separatedBy: separator).prefix(Self.maximumValues)
            }
        case .join(let argument, let separator):
            let parts = argument.evaluate(entry, steps: &steps)
            values = parts.isEmpty ? [] : [parts.joined(separator: separator)]
        case .coalesce(let arguments):
            var found: [String] = []
            for argument in arguments {
                found = argument.evaluate(entry, steps: &steps).filter { !$0.isEmpty }
                if !found.isEmpty { break }
            }
            values = found
        case .fallback(let argument, let value):
            let found = argument.evaluate(entry, steps: &steps).filter { !$0.isEmpty }
            values = found.isEmpty ? [value] : found
        case .concat(let parts):
            var text = ""
            var complete = true
            for part in parts {
                guard let first = part.evaluate(entry, steps: &steps).first else {
                    complete = false
                    continue
                }
                text += first
            }
            values = complete ? [text] : []
        case .index(let argument, let position):
            let all = argument.evaluate(entry, steps: &steps)
            let resolved = position < 0 ? all.count + position : position
            values = all.indices.contains(resolved) ? [all[resolved]] : []
        }
        let result = Self.bounded(values)
        steps?.append(ComputedField.Step(expression: description, values: result))
        return result
    }

    /// `values` without those over the byte limit, at most `maximumValues` of them.
    private static func bounded(_ values: [String]) -> [String] {
        values.lazy.filter { $0.utf8.count <= maximumValueBytes }.prefix(maximumValues).map { $0 }
    }
}
