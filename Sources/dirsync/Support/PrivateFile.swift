import Foundation

/// Files dirsync writes that only their owner may read (a saved plan names people and what happens to them):
/// written beside their target with mode 0600 and renamed into place, so a reader never sees half a file and an
/// existing file's wider mode is not kept.
enum PrivateFile {
    /// Writes `text` to `path`; a failure names the file and the system's reason.
    static func write(_ text: String, to path: String) throws {
        let target = CommandEnvironment.absolute(path)
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
            throw failure(path, "it is a directory")
        }
        let partial = folder + "/.\(URL(fileURLWithPath: target).lastPathComponent).\(getpid()).partial"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        // O_CREAT applies the mode only to a new file; make sure of it for a leftover partial file too.
        fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        var offset = 0
        var problem: Int32 = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                problem = errno
                break
            }
            offset += written
        }
        if problem == 0 && fsync(descriptor) != 0 { problem = errno }
        close(descriptor)
        if problem == 0 && rename(partial, target) != 0 { problem = errno }
        guard problem == 0 else {
            unlink(partial)
            throw failure(path, String(cString: strerror(problem)))
        }
    }

    private static func failure(_ path: String, _ reason: String) -> CommandError {
        CommandError.invalidArgument("cannot write \(path): \(reason.lowercased())", hint: nil)
    }
}
