import Foundation

/// An exported directory file (LDIF, DSML or CSV) and how to read it: the entry point the commands use.
public struct FileSource: Sendable {
    /// What a syntax check found.
    public struct CheckSummary: Sendable, Equatable {
        /// Content records (entries) read.
        public var entries: Int
        /// Attribute values in them.
        public var values: Int
        /// Bytes read.
        public var bytes: Int
        /// What the reader warned about, the first few of each kind then a count of the rest.
        public var diagnostics: [Diagnostic]
    }

    /// The file's format: `.ldif`, `.dsml` or `.csv` (`.scim` is refused when the file is read).
    public let kind: SourceKind
    /// The file's absolute path.
    public let path: String
    /// The file as messages name it (as the user wrote it).
    public let displayName: String

    /// A source for the file at `path`, read as `kind`; nothing is opened until it is read.
    public init(kind: SourceKind, path: String, displayName: String) {
        self.kind = kind
        self.path = path
        self.displayName = displayName
    }

    /// Called now and then with the bytes read so far and the file's size.
    public typealias Progress = (_ bytesRead: Int, _ totalBytes: Int?) -> Void

    /// Reads every entry and maps it: the whole directory, or an error (never a partial listing).
    public func read(mapping: Mapping, progress: Progress? = nil) throws(ReadError) -> DirectoryContents {
        try read(into: DirectoryBuilder(kind: kind, mapping: mapping), progress: progress)
    }

    /// Reads every entry and maps it, keeping only `keep(user)` of each user.
    public func read<Item: Sendable>(
        mapping: Mapping, keeping keep: @escaping @Sendable (DirectoryUser) -> Item, progress: Progress? = nil
    ) throws(ReadError) -> DirectoryRead<Item> {
        try read(into: DirectoryBuilder(kind: kind, mapping: mapping, keep: keep), progress: progress)
    }

    private func read<Item>(into builder: DirectoryBuilder<Item>, progress: Progress?) throws(ReadError)
        -> DirectoryRead<Item>
    {
        var builder = builder
        let mapper = builder.mapper
        let mapping = mapper.mapping
        // The file is read and mapped on a thread of its own while this one keeps what it makes: on two cores,
        // a large export is read in about half the time.
        let progress = ProducerOnly(progress)
        let log = try Handoff.run(
            produce: { emit throws(ReadError) -> DiagnosticLog in
                try forEachEntry(projection: mapping.projection, csv: mapping.csv, progress: progress.value) { entry in
                    emit((mapper.map(entry), entry.location, mapper.membership(of: entry)))
                }
            },
            consume: { mapped in builder.add(mapped.0, at: mapped.1, membership: mapped.2) })
        for diagnostic in log.diagnostics { builder.report(diagnostic, kind: "reader") }
        return builder.read()
    }

    /// Reads every entry without mapping: checks the syntax of the whole file and counts.
    public func check(csv: Mapping.CSVOptions = Mapping.CSVOptions(), progress: Progress? = nil) throws(ReadError)
        -> CheckSummary
    {
        var summary = CheckSummary(entries: 0, values: 0, bytes: 0, diagnostics: [])
        switch kind {
        case .ldif:
            let reader = try LDIFReader(path: path, file: displayName)
            var sinceProgress = 0
            while let values = try reader.skipEntry() {
                summary.entries += 1
                summary.values += values
                sinceProgress += 1
                if sinceProgress == 8192, let progress {
                    sinceProgress = 0
                    progress(reader.bytesConsumed, reader.totalBytes)
                }
            }
            summary.bytes = reader.bytesConsumed
            summary.diagnostics = reader.log.diagnostics
        default:
            let log = try forEachEntry(projection: nil, csv: csv, progress: progress) { entry in
                summary.entries += 1
                summary.values += entry.attributes.values.reduce(0) { $0 + $1.count }
            }
            summary.bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            summary.diagnostics = log.diagnostics
        }
        return summary
    }

    /// Streams the file's entries to `body`; returns the reader's diagnostics.
    func forEachEntry(
        projection: AttributeProjection?, csv: Mapping.CSVOptions, progress: Progress?,
        _ body: (DirectoryEntry) -> Void
    ) throws(ReadError) -> DiagnosticLog {
        switch kind {
        case .ldif:
            let reader = try LDIFReader(path: path, file: displayName)
            var sinceProgress = 0
            while let entry = try reader.nextEntry(projection: projection) {
                body(entry)
                sinceProgress += 1
                if sinceProgress == 8192, let progress {
                    sinceProgress = 0
                    progress(reader.bytesConsumed, reader.totalBytes)
                }
            }
            return reader.log
        case .dsml:
            let reader = try DSMLReader(path: path, file: displayName)
            try reader.read(progress: progress, body)
            return reader.log
        case .csv:
            let reader = try CSVReader(path: path, file: displayName, options: csv)
            try reader.read(progress: progress, body)
            return reader.log
        case .scim:
            throw ReadError.unsupported("scim is not a file source", hint: "set source.url for SCIM")
        }
    }
}

/// A value only the producer thread of a `Handoff` uses (the progress callback, which keeps its own state):
/// it crosses to that thread once and is never touched here again.
private struct ProducerOnly<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
