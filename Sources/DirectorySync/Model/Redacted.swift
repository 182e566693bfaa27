/// A value that never prints: its description, debug description and mirror show `<redacted>` and nothing of
/// what it holds, so a secret (a password, the process environment) cannot reach a log line, an error or a
/// `dump()` through the value that holds it, at any log level.
public struct Redacted<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The value itself, for the one place that uses it.
    public let revealed: Value

    /// Wraps `value` so that nothing prints it.
    public init(_ value: Value) { revealed = value }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
    /// A mirror with no children, so `dump()` and debuggers show nothing of the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
