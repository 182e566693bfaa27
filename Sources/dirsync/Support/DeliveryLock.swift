import DirectorySync
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a file beside the store, held while mail is delivered: two dirsync processes never
/// deliver at once, so neither sends a message the other is sending. The kernel releases it when the
/// process ends, even by `kill -9`.
struct DeliveryLock {
    private let descriptor: Int32

    /// Waits (polling, at most `timeout`) for the lock on `<store>.delivery-lock`.
    static func acquire(beside storePath: String, timeout: Duration = .seconds(600)) async throws -> DeliveryLock {
        let path = storePath + ".delivery-lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError.cannotOpen(path, String(cString: strerror(errno))) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                close(descriptor)
                throw LockError.busy(path)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return DeliveryLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    enum LockError: Error, UserFacingError {
        case cannotOpen(String, String)
        case busy(String)

        var description: String {
            switch self {
            case .cannotOpen(let path, let reason): "cannot open the delivery lock \(path): \(reason)"
            case .busy(let path): "another dirsync has been delivering mail for 10 minutes (lock \(path))"
            }
        }

        var hint: String? {
            switch self {
            case .cannotOpen: "check that this user may write in the store's folder"
            case .busy: "mail queued stays in the outbox; run 'dirsync outbox deliver' once the other one is done"
            }
        }
    }
}
