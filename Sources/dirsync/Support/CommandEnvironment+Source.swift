import DirectorySync
import Foundation

extension CommandEnvironment {
    /// Reads the configured source and maps it. (Connected to the directory readers when they land.)
    func directoryReader() throws -> @Sendable () async throws -> DirectoryContents {
        throw CommandError.invalidArgument(
            "no directory source is configured", hint: "set source and mapping in dirsync.yaml")
    }
}
