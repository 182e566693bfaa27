import Foundation

/// A directory source with the mapping it is read with: an export file or a SCIM service provider. What plans,
/// syncs, `source show` and `explain` all read, whichever way the source was named.
public struct MappedSource: DirectorySource, CustomStringConvertible {
    /// Where the people are.
    public enum Location: Sendable {
        /// An export file (LDIF, DSML or CSV).
        case file(FileSource)
        /// A SCIM service provider's `/Users` listing.
        case scim(SCIMSource)
    }

    /// The file or SCIM service the people are read from.
    public let location: Location
    /// How each entry becomes a `DirectoryUser` (anchor, email, names, groups, which entries are people).
    public let mapping: Mapping
    /// The mapping as the configuration or the command line named it, for messages.
    public let mappingReference: MappingReference

    /// A source that reads `location` with `mapping`; `mappingReference` is only used to name the mapping.
    public init(location: Location, mapping: Mapping, mappingReference: MappingReference) {
        self.location = location
        self.mapping = mapping
        self.mappingReference = mappingReference
    }

    /// The profile fields the mapping's `profile:` block manages, sorted.
    public var profileKeys: [String] { mapping.profile.map(\.key).sorted() }

    /// The file's format, or `.scim`.
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

    /// The source as messages name it: its kind, then its file or base URL (`ldif source users.ldif`).
    public var description: String { "\(kind) source \(displayName)" }

    /// How a long read reports progress: files by bytes (on the reading thread), SCIM listings by page.
    public struct Progress {
        /// Called for file sources with the bytes read so far and the file's size; nil reports nothing.
        public var file: FileSource.Progress?
        /// Called for SCIM sources after each page of the listing; nil reports nothing.
        public var scim: (@Sendable (SCIMProgress) -> Void)?

        /// Progress reporting with the given callbacks; the one that does not match the source is never called.
        public init(file: FileSource.Progress? = nil, scim: (@Sendable (SCIMProgress) -> Void)? = nil) {
            self.file = file
            self.scim = scim
        }
    }

    /// Reads and maps every user, keeping `keep(user)` of each, without reporting progress.
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>
    {
        try await read(keeping: keep, progress: Progress())
    }

    /// Without resolving group entries when groups do not matter to the caller (see `DirectorySource`).
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, groupsMatter: Bool)
        async throws -> DirectoryRead<Item>
    {
        try await read(keeping: keep, progress: Progress(), groupsMatter: groupsMatter)
    }

    /// Reads and maps every user, keeping `keep(user)` of each, reporting `progress`; membership from group
    /// entries is resolved only when `groupsMatter`.
    public func read<Item: Sendable>(
        keeping keep: @escaping @Sendable (DirectoryUser) -> Item, progress: Progress, groupsMatter: Bool = true
    ) async throws -> DirectoryRead<Item> {
        var mapping = mapping
        if !groupsMatter { mapping.readsGroupEntries = false }
        return switch location {
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
