import Foundation

/// A file that holds a secret (the SCIM bearer token, the SMTP password or login), read the one way every
/// secret file is read: it must be a regular file (symbolic links are followed, as secret mounts use them),
/// no one but its owner may read or change it (`mode & 0o077 == 0`, so 0600 or 0400), and its owner must be
/// the user running dirsync or root (root can replace any file anyway). Anything else is refused before a
/// byte is read, naming the file, with the command that fixes it (`chmod 600 FILE`).
public enum SecretFile {
    /// The largest secret file read; anything larger is not a secret file.
    static let largest = 64 * 1024

    /// Why a secret file was not read.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// What went wrong.
        public enum Problem: Equatable, Sendable {
            /// No file at the path.
            case missing
            /// The file could not be opened or read; `reason` is the system's message.
            case unreadable(reason: String)
            /// A directory, a FIFO, a device: anything but a regular file.
            case notARegularFile
            /// Group or others have some permission on the file; `mode` is its `st_mode`.
            case accessibleToOthers(mode: UInt32)
            /// Owned by neither the user running dirsync nor root; `uid` is the owner.
            case ownedByAnotherUser(uid: UInt32)
            /// Larger than 64 KiB.
            case tooLarge
            /// Nothing left once trailing line breaks are removed.
            case empty
        }

        /// The file as messages may name it: its path, or a stand-in when the path is not shown.
        public let file: String
        /// What is wrong with the file.
        public let problem: Problem
        /// The path was not shown: no such file exists and its name looks like a secret (the token pasted
        /// where its file's path belongs), which is never echoed.
        public var isNameHidden = false

        /// The file (or a stand-in for a hidden name) and what is wrong with it; never the file's contents.
        public var description: String {
            guard !isNameHidden else {
                return "the file named in the configuration does not exist (the name looks like a secret, so it is "
                    + "not shown)"
            }
            return switch problem {
            case .missing: "\(file) does not exist"
            case .unreadable(let reason): "cannot read \(file): \(reason)"
            case .notARegularFile: "\(file) is not a regular file"
            case .accessibleToOthers(let mode):
                "\(file) may be read or changed by other users (mode \(String(mode & 0o777, radix: 8)))"
            case .ownedByAnotherUser(let uid): "\(file) belongs to another user (uid \(uid))"
            case .tooLarge: "\(file) is larger than \(SecretFile.largest / 1024) KiB, too large for a secret"
            case .empty: "\(file) is empty"
            }
        }

        /// The next step.
        public var hint: String? {
            switch problem {
            case .accessibleToOthers: "chmod 600 \(file)"
            case .ownedByAnotherUser:
                "the file must belong to the user running dirsync: chown it, or run dirsync as its owner"
            case .notARegularFile, .tooLarge, .empty: "the file should hold the secret alone, on one line"
            case .missing, .unreadable: "check the path, and that this user may read the file"
            }
        }
    }

    /// The file's contents without trailing line breaks. `written` is the path as the configuration gives it,
    /// for messages.
    public static func read(_ path: String, written: String? = nil) throws(Failure) -> String {
        let name = written ?? path
        let hidden =
            !FileManager.default.fileExists(atPath: path)
            && SecretText.looksLikeSecret((name as NSString).lastPathComponent)
        func fail(_ problem: Failure.Problem) -> Failure {
            Failure(file: hidden ? "the file" : name, problem: problem, isNameHidden: hidden)
        }
        // O_NONBLOCK: a FIFO put in the file's place must not hang the read; it is refused below.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let code = errno
            throw fail(
                code == ENOENT || code == ENOTDIR ? .missing : .unreadable(reason: String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail(.unreadable(reason: String(cString: strerror(errno)))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw fail(.notARegularFile) }
        guard UInt32(status.st_mode) & 0o077 == 0 else { throw fail(.accessibleToOthers(mode: UInt32(status.st_mode))) }
        guard status.st_uid == geteuid() || status.st_uid == 0 else {
            throw fail(.ownedByAnotherUser(uid: UInt32(status.st_uid)))
        }
        var bytes = [UInt8](repeating: 0, count: largest + 1)
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Foundation.read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw fail(.unreadable(reason: String(cString: strerror(errno)))) }
            if got == 0 { break }
            filled += got
        }
        guard filled <= largest else { throw fail(.tooLarge) }
        var text = String(decoding: bytes[..<filled], as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { throw fail(.empty) }
        return text
    }
}
