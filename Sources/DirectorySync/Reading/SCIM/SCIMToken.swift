import Foundation

/// The bearer token for a SCIM server. It comes from an environment variable or a file, never from the
/// command line, and it never prints: its description, debug description and mirror are redacted.
public struct SCIMToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let value: String

    /// A token holding `value` exactly as given (not trimmed); `fromEnvironment` and `fromFile` check and trim.
    public init(_ value: String) { self.value = value }

    /// The token in the environment variable `name`.
    public static func fromEnvironment(
        _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SCIMError) -> SCIMToken {
        guard let raw = environment[name], !raw.trimmingWhitespace.isEmpty else { throw .tokenVariableMissing(name) }
        return SCIMToken(String(raw.trimmingWhitespace))
    }

    /// The token held in the file at `path` (read as every secret file is, see `SecretFile`; surrounding
    /// white space and a final newline are ignored). `written` is the path as the configuration gives it.
    public static func fromFile(_ path: String, written: String? = nil) throws(SCIMError) -> SCIMToken {
        let contents: String
        do {
            contents = try SecretFile.read(path, written: written)
        } catch {
            throw .tokenFile(error)
        }
        let text = contents.trimmingWhitespace
        let shown = written ?? path
        guard !text.isEmpty else { throw .tokenFileUnreadable(path: shown, problem: "the file is empty") }
        guard !text.contains(where: \.isNewline) else {
            throw .tokenFileUnreadable(path: shown, problem: "the file holds more than one line")
        }
        return SCIMToken(String(text))
    }

    /// The `Authorization` header value.
    var authorization: String { "Bearer \(value)" }

    /// Always `<redacted>`: the token never prints.
    public var description: String { "<redacted>" }
    /// Always `SCIMToken(<redacted>)`, so `debugPrint` and the debugger do not show the token either.
    public var debugDescription: String { "SCIMToken(<redacted>)" }
    /// A mirror without children, so `dump` and reflection cannot reach the token.
    public var customMirror: Mirror { Mirror(self, children: []) }
}
