/// Where an entry came from: a file and line (`users.ldif:1204`), or a record of a remote source
/// (`scim:Users/2819c223`).
public struct SourceLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it, or a source label such as `scim`.
    public let source: String
    /// 1-based line in `source`, for files.
    public let line: Int?
    /// A record identifier within the source, for remote sources.
    public let record: String?

    /// A location in `source`, at `line` for files or `record` for remote sources (neither: the whole source).
    public init(source: String, line: Int? = nil, record: String? = nil) {
        self.source = source
        self.line = line
        self.record = record
    }

    /// `source:line`, `source:record`, or only `source` when neither is known; a line wins over a record.
    public var description: String {
        switch (line, record) {
        case (let line?, _): "\(source):\(line)"
        case (nil, let record?): "\(source):\(record)"
        case (nil, nil): source
        }
    }
}
