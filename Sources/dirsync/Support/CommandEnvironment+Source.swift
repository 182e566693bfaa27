import DirectorySync
import Foundation

/// A source with its mapping, read with a progress line on stderr.
struct ConfiguredSource: DirectorySource, CustomStringConvertible {
    enum Location: Sendable {
        case file(FileSource)
        case scim(SCIMSource)
    }

    let location: Location
    let mapping: Mapping

    var description: String {
        switch location {
        case .file(let file): "\(file.kind) source \(file.displayName)"
        case .scim(let scim): scim.description
        }
    }

    func read<Item: Sendable>(keeping keep: @escaping @Sendable (DirectoryUser) -> Item) async throws
        -> DirectoryRead<Item>
    {
        switch location {
        case .scim(let scim):
            try await SCIMProgressLine.around(scim.displayName) { progress in
                try await scim.read(mapping: mapping, keeping: keep, progress: progress)
            }
        case .file(let file):
            try ProgressLine.around(file.displayName) { progress in
                try file.read(mapping: mapping, keeping: keep, progress: progress)
            }
        }
    }

    /// Every user, whole (repeated group names and attribute values shared): for `source show`.
    func readAll() async throws -> DirectoryContents {
        switch location {
        case .scim(let scim):
            try await SCIMProgressLine.around(scim.displayName) { progress in
                try await scim.read(mapping: mapping, progress: progress)
            }
        case .file(let file):
            try ProgressLine.around(file.displayName) { progress in try file.read(mapping: mapping, progress: progress)
            }
        }
    }
}

extension CommandEnvironment {
    /// The configured source with its mapping.
    func configuredSource() throws -> ConfiguredSource {
        try ResolvedSource(configuration: configuration, configFile: configFile).configured()
    }
}
