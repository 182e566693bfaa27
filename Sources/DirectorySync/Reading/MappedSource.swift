import Foundation

/// A directory source with the mapping it is read with: an export file or a SCIM service provider. What plans,
/// syncs, `source show` and `explain` all read, whichever way the source was named.
public struct MappedSource: DirectorySource, CustomStringConvertible {
    /// Where the people are.
    public enum Location: Sendable {
        case file(FileSource)
        case scim(SCIMSource)
    }

    public let location: Location
    public let mapping: Mapping
    /// The mapping as the configuration or the command line named it, for messages.
    public let mappingReference: MappingReference

    public init(location: Location, mapping: Mapping, mappingReference: MappingReference) {
        self.location = location
        self.mapping = mapping
        self.mappingReference = mappingReference
    }

    public var kind: SourceKind {
        switch location {
        case .file(let file): file.kind
        case .scim: .scim
        }
    }

    /// The file, or the base URL, as messages name the source.
    public var displayName: String {
        switch location {
        case .file(let file): file.displayName
        case .scim(let scim): scim.displayName
        }
    }

    public var description: String { "\(kind) source \(displayName)" }

    /// How a long read reports progress: files by bytes (on the reading thread), SCIM listings by page.
    public struct Progress {
        public var file: FileSource.Progress?
        public var scim: (@Sendable (SCIMProgress) -> Void)?

        public init(file: FileSource.Progress? = nil, scim: (@Sendable (SCIMProgress) -> Void)? = nil) {
            self.file = file
            self.scim = scim
        }
    }

    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>
    {
        try await read(keeping: keep, progress: Progress())
    }

    /// Reads and maps every user, keeping `keep(user)` of each, reporting `progress`.
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, progress: Progress)
        async throws -> DirectoryRead<Item>
    {
        switch location {
        case .file(let file): try file.read(mapping: mapping, keeping: keep, progress: progress.file)
        case .scim(let scim): try await scim.read(mapping: mapping, keeping: keep, progress: progress.scim ?? { _ in })
        }
    }

    /// Every user, whole (repeated group names and attribute values shared): for `source show`.
    public func readAll(progress: Progress = Progress()) async throws -> DirectoryContents {
        switch location {
        case .file(let file): try file.read(mapping: mapping, progress: progress.file)
        case .scim(let scim): try await scim.read(mapping: mapping, progress: progress.scim ?? { _ in })
        }
    }

    /// Every entry, unmapped and with all its attributes (for `explain`), in reading order.
    public func rawEntries(_ body: (DirectoryEntry) -> Void) async throws {
        switch location {
        case .file(let file): try file.forEachRawEntry(csv: mapping.csv, body)
        case .scim(let scim): for entry in try await scim.rawEntries() { body(entry) }
        }
    }
}
