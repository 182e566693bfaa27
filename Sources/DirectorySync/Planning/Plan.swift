import Foundation

/// The changes that turn the organization into the desired state, each with its reason; what a safety
/// rule blocked; and the basis it was computed from, so a stale plan is refused.
public struct Plan: Sendable, Equatable {
    /// What one change does.
    public enum Action: String, Sendable, Codable, CaseIterable, Comparable {
        /// A member or invitation dirsync did not create, matched by email, is managed from now on.
        case adopt
        case revoke
        case remove
        case downgrade
        /// A managed member's email changed in the directory (matched by anchor): updated in place.
        case update
        case changeRole = "change_role"
        case reinvite
        case join
        case invite
        case resend
        /// Wanted, but no seat is left: shown, not applied.
        case `defer`

        /// The order changes are listed and applied in: adoptions, then what frees seats or addresses, then
        /// updates and role changes, then what takes seats.
        public static func < (lhs: Action, rhs: Action) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }

        /// Whether the change offboards someone (counted by the deletion limit).
        public var isDeletion: Bool { self == .revoke || self == .remove || self == .downgrade }
    }

    /// One change, with what it acts on.
    public struct Change: Sendable, Equatable {
        public var action: Action
        public var email: EmailAddress
        /// The role of a join, invite, resend, defer or adopt.
        public var role: Role?
        public var fromRole: Role?
        public var toRole: Role?
        public var reason: String
        /// The rule that decided, when one did.
        public var rule: String?
        public var anchor: String?
        /// The member acted on (update, adopt, change-role, remove, downgrade).
        public var memberID: Member.ID?
        /// The invitation acted on (adopt, resend, reinvite, revoke).
        public var invitationID: Invitation.ID?
        /// The address before an email change (update, reinvite).
        public var fromEmail: EmailAddress?
        /// The display name of someone joining.
        public var name: String?

        public init(
            _ action: Action, _ email: EmailAddress, role: Role? = nil, fromRole: Role? = nil, toRole: Role? = nil,
            reason: String, rule: String? = nil, anchor: String? = nil, memberID: Member.ID? = nil,
            invitationID: Invitation.ID? = nil, fromEmail: EmailAddress? = nil, name: String? = nil
        ) {
            self.action = action
            self.email = email
            self.role = role
            self.fromRole = fromRole
            self.toRole = toRole
            self.reason = reason
            self.rule = rule
            self.anchor = anchor
            self.memberID = memberID
            self.invitationID = invitationID
            self.fromEmail = fromEmail
            self.name = name
        }
    }

    /// What the plan was computed from.
    public struct Basis: Sendable, Equatable {
        public var organization: String
        /// Fingerprint of the organization snapshot: apply refuses the plan if the store no longer matches.
        public var snapshot: String
        /// Fingerprint of the desired state (the source read and the rules' decisions).
        public var desired: String
        public var sourceKind: SourceKind
        public var sourceUsers: Int
        public var computedAt: Date
        public var seats: Int
        public var seatsUsed: Int

        public init(
            organization: String, snapshot: String, desired: String, sourceKind: SourceKind, sourceUsers: Int,
            computedAt: Date, seats: Int, seatsUsed: Int
        ) {
            self.organization = organization
            self.snapshot = snapshot
            self.desired = desired
            self.sourceKind = sourceKind
            self.sourceUsers = sourceUsers
            self.computedAt = computedAt
            self.seats = seats
            self.seatsUsed = seatsUsed
        }
    }

    /// A safety rule stopped the plan: apply refuses it unless the operator allows deletions.
    public struct Blocked: Sendable, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    public var basis: Basis
    /// In application order (`Action` order, then email).
    public var changes: [Change]
    public var diagnostics: [Diagnostic]
    public var blocked: Blocked?

    public init(basis: Basis, changes: [Change], diagnostics: [Diagnostic], blocked: Blocked?) {
        self.basis = basis
        self.changes = changes
        self.diagnostics = diagnostics
        self.blocked = blocked
    }

    /// How many changes of each action.
    public var summary: [Action: Int] {
        var counts = Dictionary(uniqueKeysWithValues: Action.allCases.map { ($0, 0) })
        for change in changes { counts[change.action, default: 0] += 1 }
        return counts
    }

    /// The changes apply carries out (everything but `defer`).
    public var applicableChanges: [Change] { changes.filter { $0.action != .defer } }

    /// Whether applying the plan would change anything.
    public var hasChanges: Bool { changes.contains { $0.action != .defer } }

    /// Revocations, removals and downgrades.
    public var deletionCount: Int { changes.filter(\.action.isDeletion).count }
}
