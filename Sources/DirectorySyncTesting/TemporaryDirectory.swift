import Foundation

/// A fresh directory under the system's temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// The directory: `<label>-<UUID>` in the system's temporary folder.
    public let url: URL

    /// Creates a new, empty directory whose name starts with `label`.
    public init(_ label: String = "dirsync-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The directory's file-system path.
    public var path: String { url.path }

    /// `name` inside the directory.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Deletes the directory and everything in it, ignoring errors.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
