import DirectorySync
import Foundation

extension CommandEnvironment {
    /// Reads the configured source with its mapping: the whole directory, or an error (never a partial read).
    func directoryReader() throws -> @Sendable () async throws -> DirectoryContents {
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
            let scim = SCIMSource(section)
            return {
                try await SCIMProgressLine.around(scim.displayName) { progress in
                    try await scim.read(mapping: mapping, progress: progress)
                }
            }
        }
        guard let path = source.path else {
            throw CommandError.invalidArgument("source.kind \(source.kind) is not available in this build", hint: nil)
        }
        let file = FileSource(kind: source.kind, path: path, displayName: source.pathAsWritten ?? path)
        return {
            try ProgressLine.around(file.displayName) { progress in try file.read(mapping: mapping, progress: progress)
            }
        }
    }
}
