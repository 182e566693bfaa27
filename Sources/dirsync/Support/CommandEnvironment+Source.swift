import DirectorySync
import Foundation

/// A source read with a progress line on stderr (a live line on a terminal; for SCIM, one line when done).
struct ConfiguredSource: DirectorySource, CustomStringConvertible {
    let base: MappedSource

    var description: String { base.description }

    var profileKeys: [String] { base.profileKeys }

    func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>
    {
        try await withProgress { progress in try await base.read(keeping: keep, progress: progress) }
    }

    func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item, groupsMatter: Bool)
        async throws -> DirectoryRead<Item>
    {
        try await withProgress { progress in
            try await base.read(keeping: keep, progress: progress, groupsMatter: groupsMatter)
        }
    }

    /// Every user, whole (repeated group names and attribute values shared): for `source show`.
    func readAll() async throws -> DirectoryContents {
        try await withProgress { progress in try await base.readAll(progress: progress) }
    }

    private func withProgress<T>(_ work: (MappedSource.Progress) async throws -> T) async throws -> T {
        switch base.location {
        case .scim(let scim):
            try await SCIMProgressLine.around(scim.displayName) { report in
                try await work(MappedSource.Progress(scim: report))
            }
        case .file(let file):
            try await ProgressLine.around(file.displayName) { report in
                try await work(MappedSource.Progress(file: report))
            }
        }
    }
}

extension CommandEnvironment {
    /// The configured sources with their mappings (one, or several to merge).
    func configuredSource() throws -> SourceSet<ConfiguredSource> {
        try ResolvedSources(configuration: configuration, configFile: configFile, http: DirSync.http).configured()
    }
}
