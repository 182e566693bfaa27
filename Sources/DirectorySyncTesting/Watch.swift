import Foundation
import GRDB

/// Waiting for something another process does, without depending on the test runner's cooperative threads,
/// which CPU-bound tests running in parallel may keep busy for seconds.
public enum Watch {
    /// Polls `condition` on a thread of its own every `interval` seconds until it holds or `timeout` passes; when
    /// it holds, runs `action` on that same thread at once (e.g. sends a signal), then returns true. (Not a
    /// dispatch queue: libdispatch holds back worker threads while the CPU is saturated.)
    public static func until(
        timeout: Double, interval: Double = 0.005, _ condition: @escaping @Sendable () -> Bool,
        then action: @escaping @Sendable () -> Void = {}
    ) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread {
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    if condition() {
                        action()
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(useconds_t(interval * 1_000_000))
                }
                continuation.resume(returning: false)
            }.start()
        }
    }
}

/// Reads a store file the way another process would: a short-lived read-only connection, synchronously.
public enum StoreProbe {
    /// The integer `sql` returns, or nil when the store cannot be read (yet).
    public static func integer(_ sql: String, in path: String) -> Int? {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(1)
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        return try? queue.read { db in try Int.fetchOne(db, sql: sql) }
    }
}
