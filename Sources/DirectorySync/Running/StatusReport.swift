import Foundation

/// An organization's health at a glance: the last run, the next one, seats, invitations and mail. What
/// `dirsync status` prints and the metrics file exports.
public struct StatusReport: Sendable {
    /// The organization reported on, with its settings (the seat limit).
    public let organization: Organization
    /// The moment the report describes; invitations are live or expired as of then.
    public let at: Date
    /// The newest run, whatever its outcome; nil before the first.
    public let lastRun: SyncRun?
    /// The newest run that completed, with or without changes; nil if none has.
    public let lastSuccess: SyncRun?
    /// The organization's apply lease, expired or not; nil when nobody holds it.
    public let lease: Lease?
    /// How many members the organization has.
    public let members: Int
    /// Pending invitations whose link still works at `at`: each holds a seat.
    public let pendingInvitations: Int
    /// Pending invitations past their expiry at `at`: they hold no seat.
    public let expiredInvitations: Int
    /// Outbox messages that could not be delivered (refused, or out of attempts).
    public let failedMail: Int
    /// Outbox messages waiting for delivery, retries included.
    public let pendingMail: Int
    /// Runs per outcome, over the organization's whole history.
    public let runsByOutcome: [SyncRun.Outcome: Int]
    /// Changes applied per action (`join`, `invite`…), over the organization's whole history.
    public let changesApplied: [String: Int]

    /// Seats taken at `at`: members plus pending invitations whose link still works.
    public var seatsUsed: Int { members + pendingInvitations }

    /// Reads the report for `organization` at `now`.
    public static func load(from store: any OrganizationStore, organization: Organization, at now: Date) async throws
        -> StatusReport
    {
        try await store.read { db in
            let id = organization.id
            let pending = try db.invitations(in: id, statuses: [.pending])
            let totals = try db.runTotals(in: id)
            return StatusReport(
                organization: organization, at: now, lastRun: try db.runs(in: id, limit: 1).first,
                lastSuccess: try db.lastSuccessfulRun(in: id), lease: try db.lease(in: id, for: .apply),
                members: try db.memberCount(in: id), pendingInvitations: pending.filter { $0.isLive(at: now) }.count,
                expiredInvitations: pending.filter { $0.isExpired(at: now) }.count,
                failedMail: try db.outbox(in: id, statuses: [.failed]).count,
                pendingMail: try db.outbox(in: id, statuses: [.pending]).count, runsByOutcome: totals.outcomes,
                changesApplied: totals.changes)
        }
    }

    /// The Prometheus text exposition format, for node_exporter's textfile collector.
    public func prometheus() -> String {
        let org = "organization=\"\(Self.escape(organization.name))\""
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples {
                let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                lines.append("\(name){\(org)\(labels.isEmpty ? "" : ",\(labels)")} \(text)")
            }
        }
        metric(
            "dirsync_runs_total", "counter", "Runs by outcome.",
            SyncRun.Outcome.allCases.filter { $0 != .running }.map {
                ("outcome=\"\($0.rawValue)\"", Double(runsByOutcome[$0] ?? 0))
            })
        metric(
            "dirsync_changes_applied_total", "counter", "Changes applied by runs, by action.",
            Plan.Action.allCases.filter { $0 != .defer }.map {
                ("action=\"\($0.rawValue)\"", Double(changesApplied[$0.rawValue] ?? 0))
            })
        if let success = lastSuccess?.finishedAt {
            metric(
                "dirsync_last_success_timestamp_seconds", "gauge", "When the last successful run finished (Unix time).",
                [("", success.timeIntervalSince1970.rounded())])
        }
        if let run = lastRun {
            metric(
                "dirsync_last_run_timestamp_seconds", "gauge", "When the last run started (Unix time).",
                [("", run.startedAt.timeIntervalSince1970.rounded())])
            metric(
                "dirsync_last_run_failed", "gauge", "1 if the last run failed or was blocked, else 0.",
                [("", run.outcome == .failed || run.outcome == .blocked ? 1 : 0)])
        }
        if let users = lastSuccess?.sourceUsers {
            metric(
                "dirsync_source_users", "gauge", "Users read from the source by the last successful run.",
                [("", Double(users))])
        }
        metric("dirsync_members", "gauge", "Members of the organization.", [("", Double(members))])
        metric(
            "dirsync_pending_invitations", "gauge", "Pending invitations that have not expired.",
            [("", Double(pendingInvitations))])
        metric(
            "dirsync_expired_invitations", "gauge", "Pending invitations past their expiry.",
            [("", Double(expiredInvitations))])
        metric("dirsync_seats_used", "gauge", "Members plus live pending invitations.", [("", Double(seatsUsed))])
        metric("dirsync_seats", "gauge", "The seat limit.", [("", Double(organization.settings.seats))])
        metric(
            "dirsync_mail_failed", "gauge", "Outbox messages that could not be delivered.", [("", Double(failedMail))])
        metric("dirsync_mail_pending", "gauge", "Outbox messages waiting for delivery.", [("", Double(pendingMail))])
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `prometheus()` to `url` atomically (beside, then renamed), as the textfile collector requires.
    public func writeMetrics(to url: URL) throws {
        let partial = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).tmp")
        try Data(prometheus().utf8).write(to: partial)
        // rename(2) replaces the target atomically: a reader sees the old file or the new one, never half.
        guard rename(partial.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
