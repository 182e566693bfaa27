/// The sources a configuration reads people from: one (`source:`), read as it is, or several (`sources:`),
/// each read whole and merged by `SourceMerge`. Fails closed: if any source fails or is partial, the read
/// throws, naming that source, and there is no plan.
public struct SourceSet<Part: DirectorySource>: DirectorySource, CustomStringConvertible {
    /// One source with the name `sources:` gives it.
    public struct Member: Sendable {
        /// The name in `sources:` (for a single `source:`, how messages name the source).
        public let name: String
        /// The source itself.
        public let part: Part

        /// `part`, called `name`.
        public init(name: String, part: Part) {
            self.name = name
            self.part = part
        }
    }

    /// A source of several that failed: the whole read fails with it.
    public struct Failure: Error, UserFacingError {
        /// The failing source's name.
        public let source: String
        /// What went wrong reading it.
        public let underlying: any Error

        /// `source 'contractors': …`, then that nothing was planned.
        public var description: String {
            "source '\(source)': \(underlying); the other sources are not used either (every source must read completely)"
        }

        /// The failing source's own hint.
        public var hint: String? { (underlying as? any UserFacingError)?.hint }
    }

    /// The sources, in configuration order (the default precedence).
    public let members: [Member]
    /// Which source wins a field that several have.
    public let precedence: SourcePrecedence

    /// Several sources merged with `precedence`, or one (`members.count == 1`) read as it is.
    public init(_ members: [Member], precedence: SourcePrecedence? = nil) {
        self.members = members
        self.precedence = precedence ?? SourcePrecedence(sources: members.map(\.name))
    }

    /// Every profile field any of the sources manages, sorted.
    public var profileKeys: [String] { Array(Set(members.flatMap(\.part.profileKeys))).sorted() }

    /// Whether people are merged from several sources.
    public var isMerged: Bool { members.count > 1 }

    /// The sources as messages name them.
    public var description: String {
        isMerged ? "sources " + members.map(\.name).joined(separator: ", ") : members.map { "\($0.part)" }.joined()
    }

    /// Reads and maps every user (merged when there are several sources), keeping `keep(user)` of each.
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>
    {
        try await read(keeping: keep, groupsMatter: true)
    }

    /// The same, skipping group resolution where the caller does not look at groups (see `DirectorySource`).
    public func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, groupsMatter: Bool)
        async throws -> DirectoryRead<Item>
    {
        if !isMerged, let only = members.first {
            return try await only.part.read(keeping: keep, groupsMatter: groupsMatter)
        }
        return try await merged(groupsMatter: groupsMatter).read(keeping: keep)
    }

    /// Every source read whole, one after another, then merged; the first failure stops the read.
    public func merged(groupsMatter: Bool = true) async throws -> DirectoryContents {
        var parts: [SourceMerge.Part] = []
        for member in members {
            do {
                let read = try await member.part.read(keeping: { $0 }, groupsMatter: groupsMatter)
                parts.append(SourceMerge.Part(name: member.name, read: read))
            } catch let error as CancellationError {
                throw error
            } catch {
                throw Failure(source: member.name, underlying: error)
            }
        }
        return SourceMerge.merge(parts, precedence: precedence)
    }
}
