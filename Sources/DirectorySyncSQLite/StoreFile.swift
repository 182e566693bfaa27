import DirectorySyncSQL
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What is at a store's path, found with the file system's own calls before SQLite is asked to open
/// anything: SQLite would create a missing file, and reports a folder or a foreign file in its own words.
enum StoreFile {
    /// What the path holds.
    enum Contents: Equatable {
        /// Nothing: the path (or a folder on the way) does not exist.
        case absent
        /// A regular file of zero bytes.
        case empty
        /// A regular file starting with SQLite's header.
        case sqlite
    }

    /// The first 16 bytes of every SQLite database file.
    private static let header = Array("SQLite format 3\0".utf8)

    /// Looks at `path`; throws for a folder, another kind of file, or one this user may not read.
    static func inspect(_ path: String) throws(StoreError) -> Contents {
        var status = stat()
        guard stat(path, &status) == 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .absent
            case EACCES: throw .permissionDenied(path: path, writing: false)
            default: throw .unreadable(path: path, reason: reason(errno))
            }
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: throw .isDirectory(path: path)
        case S_IFREG: break
        default: throw .notSQLite(path: path)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == EACCES { throw .permissionDenied(path: path, writing: false) }
            throw .unreadable(path: path, reason: reason(errno))
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: header.count)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, header.count) }
        guard count >= 0 else { throw .ioError(path: path) }
        if count == 0 && status.st_size == 0 { return .empty }
        guard count == header.count, bytes == header else { throw .notSQLite(path: path) }
        return .sqlite
    }

    /// Throws unless this user may write the file at `path` and create SQLite's `-wal` and `-shm` beside it.
    static func checkWritable(_ path: String) throws(StoreError) {
        if access(path, W_OK) != 0 { throw .permissionDenied(path: path, writing: true) }
        if !folderIsWritable(path) { throw .readOnlyFolder(path: path) }
    }

    /// Whether this user may create files in the folder holding `path` (SQLite's `-wal` and `-shm`).
    static func folderIsWritable(_ path: String) -> Bool {
        access(folder(of: path), W_OK | X_OK) == 0
    }

    /// Whether `path-wal` exists with content: committed changes may sit there, not yet in the file itself.
    static func logHoldsData(_ path: String) -> Bool {
        var status = stat()
        return stat(path + "-wal", &status) == 0 && status.st_size > 0
    }

    /// Creates the folders leading to `path` and an empty file with mode 0600 (only its owner may read the
    /// store: it holds token hashes, accept links until sent, and personal data).
    static func create(_ path: String) throws(StoreError) {
        let directory = folder(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: path, reason: failure(creating: directory))
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: reason(errno)) }
        close(descriptor)
    }

    /// Why `directory` could not be created, found by walking up to the first part that is missing or wrong.
    private static func failure(creating directory: String) -> String {
        var current = directory
        while !current.isEmpty, current != "/" {
            var status = stat()
            if stat(current, &status) == 0 {
                if status.st_mode & S_IFMT != S_IFDIR { return "\(current) is not a folder" }
                return access(current, W_OK | X_OK) == 0
                    ? "cannot create a folder in \(current)" : "\(current) is not writable by this user"
            }
            current = folder(of: current)
        }
        return "cannot create the folder \(directory)"
    }

    private static func folder(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// An `errno` in words, lower-case.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: "permission denied"
        case ENOENT: "a folder on the way does not exist"
        case ENOTDIR: "a part of the path is a file, not a folder"
        case EROFS: "the file system is read-only"
        case ENOSPC: "the disk is full"
        case EEXIST: "a file appeared there meanwhile"
        case ENAMETOOLONG: "the path is too long"
        case ELOOP: "the path has too many symbolic links"
        case EISDIR: "it is a folder"
        default:
            String(cString: strerror(code)).prefix(1).lowercased() + String(cString: strerror(code)).dropFirst()
        }
    }
}
