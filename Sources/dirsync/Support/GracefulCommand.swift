import DirectorySync
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a one-shot command (`apply`, `sync`) the way `dirsync run` runs the agent: as a service of a
/// `ServiceGroup` that SIGTERM and SIGINT shut down gracefully. Inside `body`, `Task.isShuttingDownGracefully`
/// turns true on a signal, so the apply's checkpoint lets the batch in flight commit and then stops, and the
/// run is recorded as interrupted with what it changed, instead of the process dying with its run `running`.
enum GracefulCommand {
    static func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let logger = Logger(label: "dirsync") { _ in SwiftLogNoOpLogHandler() }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: OneShot(body: body), successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The checkpoint of an apply: throws `SyncService.Stopped` between batches once a shutdown was requested.
    @Sendable static func stopOnShutdown(done: Int, total: Int) throws {
        if Task.isShuttingDownGracefully, done < total { throw SyncService.Stopped(applied: done, total: total) }
    }

    private struct OneShot: Service {
        let body: @Sendable () async throws -> Void
        func run() async throws { try await body() }
    }
}
