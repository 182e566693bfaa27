import Foundation
import Yams

/// One value of a YAML document read strictly: it knows its file, line and key path, and every
/// accessor either returns the expected type or throws a `ConfigError` that says where and why.
public struct YAMLValue: @unchecked Sendable {
    // @unchecked: Yams.Node is an immutable value tree, but not declared Sendable.
    let node: Node
    /// The file, as named to the user.
    public let file: String
    /// The key path to this value: `policy.max_deletions`, `roles[2].when`.
    public let path: String

    /// The 1-based line the value starts on.
    public var line: Int? { node.mark?.line }

    /// Parses `text` (the contents of `file`); an empty document is an empty mapping.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLValue {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return YAMLValue(node: node, file: file, path: "")
        } catch let error as YamlError {
            throw YAMLSyntaxError.located(error, in: text, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, path: "", problem: "not valid YAML")
        }
    }

    /// Reads and parses the file at `url`, naming it `file` in errors. Every failure is one plain reason
    /// (no such file, a directory, permission denied, too large, not UTF-8), never Foundation's wording.
    public static func load(_ url: URL, file: String) throws(ConfigError) -> YAMLValue {
        let bytes: [UInt8]
        do {
            bytes = try readFile(atPath: url.path)
        } catch {
            throw ConfigError(file: file, line: nil, path: "", problem: "cannot read the file (\(error.reason))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: file, line: nil, path: "", problem: "the file is not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// The largest configuration or mapping file read.
    static let largestFile = 16 * 1024 * 1024

    /// Why `readFile(atPath:)` failed, in words.
    struct FileFailure: Error {
        let reason: String

        init(_ reason: String) { self.reason = reason }

        init(errno code: Int32) {
            reason = code == ENOENT ? "no such file" : String(cString: strerror(code)).lowercased()
        }
    }

    /// The bytes of the file at `path`, read with `read(2)`: a regular file, a pipe (`--config <(…)`) or a
    /// device such as `/dev/null` (empty); a directory or anything past `largestFile` is refused.
    private static func readFile(atPath path: String) throws(FileFailure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { throw FileFailure(errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileFailure(errno: errno) }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw FileFailure("it is a directory") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw FileFailure(errno: errno) }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<got])
            guard bytes.count <= largestFile else {
                throw FileFailure("larger than \(largestFile / 1024 / 1024) MiB, too large for a configuration")
            }
        }
    }

    /// An error located at this value.
    public func error(_ problem: String, hint: String? = nil) -> ConfigError {
        ConfigError(file: file, line: line, path: path, problem: problem, hint: hint)
    }

    /// Whether the value is a mapping of keys.
    public var isMapping: Bool {
        if case .mapping = node { return true }
        return false
    }

    /// Whether the value is YAML null (`~`, `null`, or nothing).
    public var isNull: Bool {
        if case .scalar(let scalar) = node {
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }

    // MARK: - Mappings

    /// The value as a mapping whose keys must all be in `allowed`.
    public func mapping(allowed: [String]) throws(ConfigError) -> YAMLMapping {
        guard case .mapping(let pairs) = node else {
            if isNull { return YAMLMapping(owner: self, entries: [:], order: []) }
            throw error("expected a mapping of keys (\(allowed.joined(separator: ", "))), found \(kindName)")
        }
        var entries: [String: YAMLValue] = [:]
        var order: [String] = []
        for (keyNode, valueNode) in pairs {
            guard case .scalar(let scalar) = keyNode else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("keys must be plain words")
            }
            let key = scalar.string
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                let keyValue = YAMLValue(node: keyNode, file: file, path: path)
                let suggestion = Self.closest(to: key, in: allowed).map { "did you mean '\($0)'?" }
                throw keyValue.error(
                    "unknown key '\(key)'", hint: suggestion ?? "allowed here: \(allowed.joined(separator: ", "))")
            }
            entries[key] = YAMLValue(node: valueNode, file: file, path: childPath)
            order.append(key)
        }
        return YAMLMapping(owner: self, entries: entries, order: order)
    }

    /// The value as a mapping with arbitrary keys (for example attribute names), in document order.
    public func pairs() throws(ConfigError) -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let pairs) = node else { throw error("expected a mapping, found \(kindName)") }
        var result: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in pairs {
            guard case .scalar(let scalar) = keyNode else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("keys must be plain words")
            }
            let childPath = path.isEmpty ? scalar.string : "\(path).\(scalar.string)"
            result.append((scalar.string, YAMLValue(node: valueNode, file: file, path: childPath)))
        }
        return result
    }

    // MARK: - Sequences

    /// The value as a list.
    public func list() throws(ConfigError) -> [YAMLValue] {
        guard case .sequence(let items) = node else { throw error("expected a list, found \(kindName)") }
        return items.enumerated().map { index, item in YAMLValue(node: item, file: file, path: "\(path)[\(index)]") }
    }

    /// A list of strings, or one string taken as a list of one.
    public func strings() throws(ConfigError) -> [String] {
        if case .scalar = node { return [try string()] }
        guard case .sequence = node else { throw error("expected a text value or a list of them, found \(kindName)") }
        var result: [String] = []
        for item in try list() { result.append(try item.string()) }
        return result
    }

    // MARK: - Scalars

    /// The value as text; numbers and booleans are taken as written.
    public func string() throws(ConfigError) -> String { try scalar(expected: "a text value") }

    /// The scalar's text, or an error saying what was `expected` and what was found instead.
    private func scalar(expected: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected \(expected), found \(kindName)") }
        return scalar.string
    }

    /// A non-empty text value.
    public func nonEmptyString() throws(ConfigError) -> String {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    /// A whole number in `range`.
    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigError) -> Int {
        let text = try scalar(expected: "a whole number")
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a whole number, found \(Self.shown(text))")
        }
        guard range.contains(value) else {
            throw error("must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
        }
        return value
    }

    /// A number in `range`.
    public func double(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let text = try scalar(expected: "a number")
        guard let value = Double(text) else { throw error("expected a number, found \(Self.shown(text))") }
        guard range.contains(value) else {
            throw error("must be between \(range.lowerBound) and \(range.upperBound), found \(text)")
        }
        return value
    }

    /// `true` or `false` (also `yes`/`no`, `on`/`off`).
    public func bool() throws(ConfigError) -> Bool {
        let text = try scalar(expected: "true or false")
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found \(Self.shown(text))")
        }
    }

    /// A duration such as `7d`, `72h`, `15m`, within `range` (an error names the range otherwise).
    public func timeSpan(in range: ClosedRange<TimeSpan> = TimeSpan(seconds: 0)...TimeSpan.maximum)
        throws(ConfigError) -> TimeSpan
    {
        let text = try scalar(expected: "a duration such as 7d, 72h or 15m")
        do {
            return try TimeSpan(parsing: text, in: range)
        } catch {
            throw self.error(error.description)
        }
    }

    /// One of the raw values of `T`.
    public func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigError) -> T
    where T.RawValue == String {
        let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
        let text = try scalar(expected: "one of: \(choices)")
        guard let value = T(rawValue: text) else {
            throw error("\(Self.shown(text)) is not one of: \(choices)")
        }
        return value
    }

    /// An email address.
    public func email() throws(ConfigError) -> EmailAddress {
        let text = try scalar(expected: "an email address")
        do {
            return try EmailAddress(text)
        } catch {
            throw self.error(error.description)
        }
    }

    // MARK: - Private

    private var kindName: String {
        if isNull { return "nothing" }
        return switch node {
        case .scalar(let scalar): Self.shown(scalar.string)
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// A value as an error quotes it: in quotes, at most 40 characters, control characters as `?`; a value
    /// that may be a credential (it looks like a token, or a URL with user information) is not shown at all,
    /// since it may have been pasted under the wrong key.
    static func shown(_ text: String) -> String {
        if SecretText.looksLikeSecret(text) || SecretText.hasUserInfo(text) {
            return "a value that is not shown (it may be a secret)"
        }
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return "'" + (cleaned.count > 40 ? cleaned.prefix(40) + "…" : cleaned) + "'"
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, word.count / 3) else { return nil }
        return best.0
    }

    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The keys of a mapping that passed `YAMLValue.mapping(allowed:)`.
public struct YAMLMapping: Sendable {
    let owner: YAMLValue
    let entries: [String: YAMLValue]
    /// The keys present, in document order.
    public let order: [String]

    /// The value of `key`, or nil when the key is absent or null.
    public subscript(key: String) -> YAMLValue? {
        guard let value = entries[key], !value.isNull else { return nil }
        return value
    }

    /// The value of `key`, which must be present.
    public func required(_ key: String) throws(ConfigError) -> YAMLValue {
        guard let value = self[key] else {
            let where_ = owner.path.isEmpty ? key : "\(owner.path).\(key)"
            throw ConfigError(file: owner.file, line: owner.line, path: where_, problem: "required key is missing")
        }
        return value
    }
}
