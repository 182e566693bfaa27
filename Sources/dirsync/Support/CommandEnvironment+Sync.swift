import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import Foundation

extension CommandEnvironment {
    /// The reconciliation engine for this configuration: its source, rules, policy and mail.
    func syncEngine() throws -> SyncEngine {
        SyncEngine(
            store: store, source: try configuredSource(), rules: configuration.rules, policy: configuration.policy,
            settings: configuration.settingsOverride, mail: configuration.mail.settings)
    }

    /// A clock for long operations: `--now` stays fixed, otherwise the wall clock.
    var liveClock: @Sendable () -> Date {
        let fixed = options.now
        return { fixed ?? GlobalOptions.wallClock() }
    }
}
