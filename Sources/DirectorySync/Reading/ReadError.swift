/// Why a source could not be read. Reading fails closed: any of these means no directory contents at all,
/// never a partial listing.
public enum ReadError: Error, Equatable, Sendable, UserFacingError {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The input breaks its format at `location`.
    case malformed(at: SourceLocation, detail: String, hint: String? = nil)
    /// The source says its listing is incomplete (a DSML error response, a non-zero result code).
    case partialExport(at: SourceLocation, detail: String)
    /// The input asks for something dirsync refuses to do (a DTD, an external entity).
    case refused(at: SourceLocation, detail: String)
    /// The source named by the configuration or the command line cannot be used as given.
    case unsupported(String, hint: String? = nil)

    /// The file's last byte is not a line break: the export was most likely cut short, so its last
    /// record cannot be trusted (LDIF, CSV).
    static func truncatedLine(at location: SourceLocation) -> ReadError {
        .malformed(
            at: location, detail: "the file ends in the middle of a line: it looks truncated",
            hint: "export it again, or add a final line break if it is complete")
    }

    /// The error as printed: the file or location first, then what is wrong.
    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "cannot read \(file): \(reason)"
        case .malformed(let location, let detail, _): "\(location): \(detail)"
        case .partialExport(let location, let detail): "\(location): the export is incomplete: \(detail)"
        case .refused(let location, let detail): "\(location): refused: \(detail)"
        case .unsupported(let message, _): message
        }
    }

    /// What to do about it, when dirsync knows: always for partial exports and refusals.
    public var hint: String? {
        switch self {
        case .unreadable: nil
        case .malformed(_, _, let hint): hint
        case .partialExport: "export the directory again; dirsync never plans from a partial listing"
        case .refused: "export the file without a DOCTYPE or entities (DSML exports never need them)"
        case .unsupported(_, let hint): hint
        }
    }

    /// The location the error names, if any.
    public var location: SourceLocation? {
        switch self {
        case .malformed(let location, _, _), .partialExport(let location, _), .refused(let location, _): location
        case .unreadable, .unsupported: nil
        }
    }
}
