/// A problem in a configuration or mapping file, located by file, line and key path:
/// `dirsync.yaml:14: roles[1].when: unknown key 'grup'`.
public struct ConfigError: Error, Equatable, Sendable, UserFacingError {
    /// The file as the user named it.
    public let file: String
    /// 1-based; nil when the problem is the whole file.
    public let line: Int?
    /// Where in the document: `roles[1].when`; empty for the document itself.
    public let path: String
    /// What is wrong there, in a few words: `unknown key 'grup'`.
    public let problem: String
    /// What to write instead, when it is clear.
    public let hint: String?

    /// An error at `line` of `file`, under the key path `path` (empty for the document itself).
    public init(file: String, line: Int?, path: String, problem: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.path = path
        self.problem = problem
        self.hint = hint
    }

    /// `file:line: path: problem`, leaving out the line or the path when there is none.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(problem)" : "\(location): \(path): \(problem)"
    }
}
