import Foundation

/// Turns the desired state and the organization as it is into a plan. Pure: no I/O, no clock.
///
/// People in the organization are matched to people in the directory by directory anchor first, then by
/// email, so a rename or an email change never becomes an offboarding plus a new invitation. Only what
/// dirsync created or adopted is revoked, removed or re-roled; owners are never touched; seats are
/// respected, with the changes that do not fit deferred in a deterministic order (role, then email).
public enum Planner {
    /// Why no plan could be made.
    public enum Failure: Error, Equatable, UserFacingError {
        case emptySource(SourceKind)

        /// The message for the user: which kind of source returned nothing, and that no plan was made.
        public var description: String {
            switch self {
            case .emptySource(let kind):
                "the \(kind) source returned no users; no plan was made (an empty read is treated as a failure, never as everyone leaving)"
            }
        }

        /// Suggests checking the source with `dirsync source show`.
        public var hint: String? { "check the source (path, filter, credentials) with 'dirsync source show'" }
    }

    /// The plan that turns `snapshot` into `desired` under `policy` at `now`.
    ///
    /// - Parameters:
    ///   - lastSourceUsers: users read at the last successful run, for the shrink guard.
    ///   - mail: what the mail transport delivers: a person it cannot mail is not invited (a warning says why)
    ///     rather than failing the whole apply.
    public static func plan(
        desired: DesiredState, snapshot: OrganizationSnapshot, policy: SyncPolicy, lastSourceUsers: Int?, now: Date,
        mail: MailCapabilities = .folder
    ) throws(Failure) -> Plan {
        guard desired.sourceUsers > 0 else { throw .emptySource(desired.sourceKind) }
        var planning = PlanningPass(desired: desired, snapshot: snapshot, policy: policy, now: now, mail: mail)
        planning.reconcileMembers()
        planning.settleEmailChanges()
        planning.reconcileInvitations()
        planning.admitNewcomers()
        planning.fitSeats()
        let changes = planning.changes.sorted { lhs, rhs in
            lhs.action != rhs.action ? lhs.action < rhs.action : lhs.email < rhs.email
        }
        let blocked = block(
            deletions: changes.filter(\.action.isDeletion).count, snapshot: snapshot, policy: policy,
            sourceUsers: desired.sourceUsers, lastSourceUsers: lastSourceUsers)
        let basis = Plan.Basis(
            organization: snapshot.organization.name, snapshot: snapshot.fingerprint, desired: desired.fingerprint,
            sourceKind: desired.sourceKind, sourceUsers: desired.sourceUsers, computedAt: now,
            seats: snapshot.organization.settings.seats, seatsUsed: planning.seatsUsed)
        return Plan(
            basis: basis, changes: changes, diagnostics: planning.diagnostics + planning.notices.diagnostics,
            blocked: blocked)
    }

    /// The safety rules: a source that shrank too much, or too many deletions, blocks the plan.
    static func block(
        deletions: Int, snapshot: OrganizationSnapshot, policy: SyncPolicy, sourceUsers: Int, lastSourceUsers: Int?
    )
        -> Plan.Blocked?
    {
        if let last = lastSourceUsers, last > 0, sourceUsers < last {
            let shrink = Double(last - sourceUsers) / Double(last)
            if shrink > policy.maxShrinkRatio {
                return Plan.Blocked(
                    reason:
                        "the source has \(sourceUsers) users, \(percent(shrink)) fewer than the \(last) of the last "
                        + "successful run (policy.max_shrink_ratio: \(percent(policy.maxShrinkRatio)))")
            }
        }
        guard deletions > 0 else { return nil }
        let managed =
            snapshot.members.filter { $0.isManaged && $0.role != .owner }.count
            + snapshot.invitations.filter(\.isManaged).count
        let limit = policy.deletionLimit(managed: managed)
        guard deletions > limit else { return nil }
        let setting =
            limit == policy.maxDeletions
            ? "policy.max_deletions: \(policy.maxDeletions)"
            : "policy.max_deletion_ratio: \(percent(policy.maxDeletionRatio)) of \(managed) managed people"
        return Plan.Blocked(
            reason:
                "the plan revokes, removes, downgrades or ungrants \(Plural.count(deletions, "person", "people")), more than the limit of \(limit) (\(setting))"
        )
    }

    static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}
