import DirectorySync
import Foundation

/// The configured source with its mapping, read with a progress line on stderr.
struct ConfiguredSource: DirectorySource {
    enum Location: Sendable {
        case file(FileSource)
        case scim(SCIMSource)
    }

    let location: Location
    let mapping: Mapping

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
}

extension CommandEnvironment {
    /// The configured source with its mapping.
    func configuredSource() throws -> ConfiguredSource {
        guard let source = configuration.source else {
            throw CommandError.invalidArgument(
                "no source configured\(configFile.map { " in \($0)" } ?? "")",
                hint: "add 'source: { kind: ldif, path: users.ldif }' and 'mapping:' to the configuration")
        }
        guard
            let reference = configuration.mapping
                ?? Mapping.defaultPresetName(for: source.kind).map(MappingReference.preset)
        else {
            throw CommandError.invalidArgument(
                "no mapping for this \(source.kind) source",
                hint: "set 'mapping:' in the configuration (a preset or a file)")
        }
        let mapping = try Mapping.load(reference)
        if let section = source.scimSection {
            return ConfiguredSource(location: .scim(SCIMSource(section)), mapping: mapping)
        }
        guard let path = source.path else {
            throw CommandError.invalidArgument("source.kind \(source.kind) is not available in this build", hint: nil)
        }
        let file = FileSource(kind: source.kind, path: path, displayName: source.pathAsWritten ?? path)
        return ConfiguredSource(location: .file(file), mapping: mapping)
    }
}
