import Foundation

/// The sample files in the repository's `Fixtures/` folder (see `Fixtures/SOURCES.md`).
public enum Fixtures {
    /// The `Fixtures/` folder, found from this source file's path.
    public static let folder: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)

    /// A file inside `Fixtures/`, e.g. `ldif-edge-cases/01-crlf.ldif`.
    public static func url(_ relativePath: String) -> URL { folder.appendingPathComponent(relativePath) }

    /// The files in a subfolder of `Fixtures/` whose names end in one of `extensions`, sorted.
    public static func files(in subfolder: String, extensions: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url(subfolder).path)) ?? []
        return names.filter { name in extensions.contains { name.hasSuffix($0) } }.sorted().map { "\(subfolder)/\($0)" }
    }

    /// The bytes of a fixture.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }
}
