import Foundation

/// Makes a folder (and the files in it) really read-only for the test process, and writable again.
///
/// `chmod 0555` stops an ordinary user, but root ignores permissions; as root the folder and its files are
/// also made immutable (`chattr +i`), which root cannot write through either. `isEffective` checks it by
/// trying to create a file, so a test never passes against a folder that was writable after all.
public struct ReadOnlyFolder: Sendable {
    /// The folder made read-only.
    public let url: URL
    /// The files made read-only with it.
    public let files: [URL]

    /// Makes `url` and `files` (inside it) read-only.
    public init(_ url: URL, files: [URL]) throws {
        self.url = url
        self.files = files
        for file in files { try Self.chmod(0o444, file) }
        try Self.chmod(0o555, url)
        if geteuid() == 0 { try Self.chattr("+i", [url] + files) }
    }

    /// Whether the test process can no longer create a file in the folder.
    public var isEffective: Bool {
        let probe = url.appendingPathComponent(".write-probe-\(UUID().uuidString)")
        if FileManager.default.createFile(atPath: probe.path, contents: Data()) {
            try? FileManager.default.removeItem(at: probe)
            return false
        }
        return true
    }

    /// Makes everything writable again (before the folder is removed).
    public func restore() {
        if geteuid() == 0 { try? Self.chattr("-i", [url] + files) }
        try? Self.chmod(0o755, url)
        for file in files { try? Self.chmod(0o600, file) }
    }

    private static func chmod(_ mode: Int, _ url: URL) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    private static func chattr(_ flag: String, _ urls: [URL]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag] + urls.map(\.path)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: urls[0].path])
        }
    }
}
