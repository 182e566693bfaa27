import Foundation

/// The changes that turn the organization into the desired state, each with its reason; what a safety
/// rule blocked; and the basis it was computed from, so a stale plan is refused.
///
/// A plan is exact data: each change is a case carrying what its action needs and nothing else (an invitation
/// has a role, a role change a from and a to, a removal names its member), so the applier has nothing to guess.
/// Its JSON form (`Plan+Codable.swift`) is the one `plan --format json` prints and `apply FILE` reads.
public struct Plan: Sendable, Equatable {
    /// What one change does, as plan views, summaries and run records name it.
    public enum Action: String, Sendable, Codable, CaseIterable, Comparable {
        /// A member or invitation dirsync did not create, matched by email, is managed from now on.
        case adopt
        case revoke
        /// A pending offer of access the rules no longer give is withdrawn.
        case revokeOffer = "revoke_offer"
        case remove
        case downgrade
        /// Every role and grant is taken from a departed member, who keeps the profile
        /// (`policy.offboarding: remove_access`).
        case removeAccess = "remove_access"
        /// A managed member's email, anchor or profile fields (or a pending invitation's pre-filled profile)
        /// changed in the directory: updated in place.
        case update
        case changeRole = "change_role"
        /// Grants a member no longer gets from the grant rules are taken away (or an offboarded member's).
        case ungrant
        /// Grants the grant rules give a member are given (`policy.new_access: apply`).
        case grant
        /// New access (grants, a higher role) is offered to a member, effective once accepted
        /// (`policy.new_access: offer`).
        case offer
        /// An expired offer is sent again with a new link.
        case resendOffer = "resend_offer"
        case reinvite
        /// A request for access (the account-first flow) the directory vouches for is approved: the organization
        /// invitation goes to the requested username.
        case approve
        /// A member whose access was removed is wanted again: the role (and a seat) come back.
        case restoreAccess = "restore_access"
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
        public var isDeletion: Bool {
            self == .revoke || self == .remove || self == .downgrade || self == .ungrant || self == .removeAccess
        }
    }

    /// One change to the organization: who it is about, what it does, and why.
    public struct Change: Sendable, Equatable {
        /// The address the change is about: for an email change, the new one.
        public var email: EmailAddress
        /// What the change does, with the records and roles it acts on.
        public var effect: Effect
        /// Why the change is in the plan; its words go into the plan's JSON and the audit event's `reason`.
        public var reason: Reason
        /// The rule that decided, when one did (`roles[0] admin: group 'Sign Admins'`).
        public var rule: String?
        /// The person's directory anchor, when known.
        public var anchor: String?
        /// The grants the change gives (`grant`; a `join`'s, an `invite`'s or a `reinvite`'s new invitation's),
        /// offers (`offer`; a resent or revoked offer's, those the rules offered) or takes (`ungrant`), sorted.
        public var grants: [Grant]
        /// The first and last names a `join` registers, or an invitation pre-fills on its accept page (an
        /// `invite`, a `reinvite`, or one deferred for want of a seat), when the directory has them.
        public var givenName: String?
        /// See `givenName`.
        public var familyName: String?
        /// The username a `join` or an `invite` (or one deferred) gives: the directory's, or the one derived from
        /// the email with the smallest free numeric suffix, assigned by anchor order.
        public var username: Username?
        /// The profile fields the change sets, each with its value before and after, sorted by field: an update's
        /// differences; a join's, an invitation's (or a reinvite's) from the directory.
        public var fields: [FieldChange]
        /// How an `invite` (or one deferred) gets the person in: `link`, or `account-first` (apply mails a code);
        /// `account-first` for an `approve`; nil for every other change.
        public var flow: Invitation.Flow?

        /// A change about `email`; `rule`, `anchor`, `grants`, the names and fields are recorded with it when known.
        public init(
            _ email: EmailAddress, _ effect: Effect, reason: Reason, rule: String? = nil, anchor: String? = nil,
            grants: [Grant] = [], givenName: String? = nil, familyName: String? = nil, username: Username? = nil,
            fields: [FieldChange] = []
        ) {
            self.fields = fields
            self.username = username
            self.givenName = givenName
            self.familyName = familyName
            self.email = email
            self.effect = effect
            self.reason = reason
            self.rule = rule
            self.anchor = anchor
            self.grants = grants
        }

        /// The action the change is listed, ordered and counted under: its effect's.
        public var action: Action { effect.action }
    }

    /// One profile field a change sets: `{"field": "title", "from": "Engineer", "to": "Senior Engineer"}`; nil is
    /// no value (a field the directory newly has, or no longer has).
    public struct FieldChange: Sendable, Equatable, Comparable {
        /// The profile field's key (`title`).
        public var field: String
        /// Its value before the change.
        public var from: String?
        /// Its value after the change.
        public var to: String?

        /// `field` going from `from` to `to`.
        public init(field: String, from: String?, to: String?) {
            self.field = field
            self.from = from
            self.to = to
        }

        /// By field.
        public static func < (lhs: FieldChange, rhs: FieldChange) -> Bool { lhs.field < rhs.field }

        /// The differences between `held` and `wanted` over `keys` (the fields the mapping manages, sorted as
        /// `DesiredState.profileKeys` is), in that order.
        public static func differences(from held: [String: String], to wanted: [String: String], over keys: [String])
            -> [FieldChange]
        {
            keys.compactMap { key in
                held[key] == wanted[key] ? nil : FieldChange(field: key, from: held[key], to: wanted[key])
            }
        }

        /// `synced` (`Member.profileSynced`) with each changed field's new value recorded, `""` for a cleared one.
        public static func recording(_ changes: [FieldChange], in synced: [String: String]) -> [String: String] {
            var result = synced
            for change in changes { result[change.field] = change.to ?? "" }
            return result
        }

        /// `profile` with these changes made.
        public static func applying(_ changes: [FieldChange], to profile: [String: String]) -> [String: String] {
            var result = profile
            for change in changes { result[change.field] = change.to }
            return result
        }
    }

    /// What a change does, with exactly the data it needs.
    public enum Effect: Sendable, Equatable {
        /// A member added by hand becomes managed; it keeps its role.
        case adoptMember(Member.ID, role: Role)
        /// An invitation sent by hand becomes managed; it keeps its role.
        case adoptInvitation(Invitation.ID, role: Role)
        case revoke(Invitation.ID, role: Role)
        case remove(Member.ID, role: Role)
        /// To viewer (`policy.offboarding: downgrade`).
        case downgrade(Member.ID, from: Role)
        /// Every role and grant taken away, the profile kept (`policy.offboarding: remove_access`).
        case removeAccess(Member.ID, from: Role)
        /// The member's access comes back with `role` and the change's grants.
        case restoreAccess(Member.ID, role: Role)
        /// The member's address changes from `from` to the change's email, in place.
        case updateEmail(Member.ID, from: EmailAddress, role: Role)
        /// The member's directory anchor changes to the change's anchor (the account was re-created).
        case updateAnchor(Member.ID, role: Role)
        /// The managed member's profile fields change as the change's `fields` say.
        case updateProfile(Member.ID, role: Role)
        /// The pending invitation's pre-filled profile fields change as the change's `fields` say.
        case updateInvitation(Invitation.ID, role: Role)
        case changeRole(Member.ID, from: Role, to: Role)
        /// The member is given the change's grants.
        case grant(Member.ID, role: Role)
        /// The change's grants are taken from the member.
        case ungrant(Member.ID, role: Role)
        /// The member (role `role`) is offered the change's grants and the role `to` when given; a pending offer
        /// (`replacing`) is revoked and replaced.
        case offer(Member.ID, role: Role, to: Role?, replacing: Offer.ID?)
        /// The member's expired offer is sent again.
        case resendOffer(Offer.ID, member: Member.ID, role: Role)
        /// The member's pending offer is withdrawn.
        case revokeOffer(Offer.ID, member: Member.ID, role: Role)
        /// The pending invitation is revoked and a new one sent with the role `to`, to the change's email.
        case reinvite(Invitation.ID, from: Role, to: Role, previousEmail: EmailAddress?)
        case join(Role, name: String?)
        case invite(Role, name: String?)
        case resend(Invitation.ID, role: Role)
        /// The request for access is approved with `role` (and the change's grants): its account invitation (by
        /// id) is closed and the organization invitation sent, in its seat.
        case approve(AccessRequest.ID, invitation: Invitation.ID, role: Role)
        /// A change that needs a seat, for which none is left: shown, never applied.
        case deferred(Deferral)

        /// What this change would keep if no seat were left for it; nil for a change that takes no seat.
        public var deferral: Deferral? {
            switch self {
            case .join(let role, let name), .invite(let role, let name): Deferral(role: role, name: name)
            case .reinvite(let id, _, let to, let previous): Deferral(role: to, invitation: id, previousEmail: previous)
            case .resend(let id, let role): Deferral(role: role, invitation: id)
            case .restoreAccess(let id, let role): Deferral(role: role, member: id)
            default: nil
            }
        }

        /// The action this effect is listed, ordered and counted under.
        public var action: Action {
            switch self {
            case .adoptMember, .adoptInvitation: .adopt
            case .revoke: .revoke
            case .remove: .remove
            case .downgrade: .downgrade
            case .removeAccess: .removeAccess
            case .restoreAccess: .restoreAccess
            case .updateEmail, .updateAnchor, .updateProfile, .updateInvitation: .update
            case .changeRole: .changeRole
            case .grant: .grant
            case .ungrant: .ungrant
            case .offer: .offer
            case .resendOffer: .resendOffer
            case .revokeOffer: .revokeOffer
            case .reinvite: .reinvite
            case .join: .join
            case .invite: .invite
            case .resend: .resend
            case .approve: .approve
            case .deferred: .defer
            }
        }
    }

    /// A change that needs a seat, deferred because none is left: what the plan keeps of it (its reason,
    /// `Reason.noSeat`, names the action it defers).
    public struct Deferral: Sendable, Equatable {
        /// The role it would give.
        public var role: Role
        /// The invitation a deferred resend or reinvite would act on.
        public var invitation: Invitation.ID?
        /// The previous address of a deferred reinvite to a new address.
        public var previousEmail: EmailAddress?
        /// The display name of a deferred join or invitation.
        public var name: String?
        /// The member a deferred restoration of access would act on.
        public var member: Member.ID?

        /// What a deferred change keeps: its role, and the invitation, previous address or name where they apply.
        public init(
            role: Role, invitation: Invitation.ID? = nil, previousEmail: EmailAddress? = nil, name: String? = nil,
            member: Member.ID? = nil
        ) {
            self.member = member
            self.role = role
            self.invitation = invitation
            self.previousEmail = previousEmail
            self.name = name
        }
    }

    /// What the plan was computed from.
    public struct Basis: Sendable, Equatable {
        /// The name of the organization the plan is for; apply refuses it for any other (compared case-insensitively).
        public var organization: String
        /// Fingerprint of the organization snapshot: apply refuses the plan if the store no longer matches.
        public var snapshot: String
        /// Fingerprint of the desired state (the source read and the rules' decisions).
        public var desired: String
        /// The kind of source the directory was read from.
        public var sourceKind: SourceKind
        /// How many users the source read, disabled ones included: what the next run's shrink guard compares with.
        public var sourceUsers: Int
        /// When the plan was computed (the planner's `now`); saved to the second.
        public var computedAt: Date
        /// The organization's seat limit, with the configuration's override applied.
        public var seats: Int
        /// Seats in use before the plan: members plus live pending invitations.
        public var seatsUsed: Int

        /// A basis from its parts, as the planner computes them or a plan file records them.
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
        /// Which safety rule stopped the plan and by how much, in words naming the policy setting.
        public var reason: String
        /// A block for `reason`.
        public init(reason: String) { self.reason = reason }
    }

    /// The version of the JSON layout `Plan+Codable.swift` writes and reads.
    public static let formatVersion = 1

    /// What the plan was computed from; apply checks it against the store before it changes anything.
    public var basis: Basis
    /// In application order (`Action` order, then email).
    public var changes: [Change]
    /// What the source read, the rules and the planner found worth telling; printed with the plan.
    public var diagnostics: [Diagnostic]
    /// Why a safety rule stopped the plan; nil when none did.
    public var blocked: Blocked?

    /// A plan from its parts. `changes` must already be in application order, as the planner gives them.
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

    /// The changes apply carries out (everything but deferrals).
    public var applicableChanges: [Change] { changes.filter { $0.action != .defer } }

    /// Whether applying the plan would change anything.
    public var hasChanges: Bool { changes.contains { $0.action != .defer } }

    /// Revocations, removals and downgrades.
    public var deletionCount: Int { changes.filter(\.action.isDeletion).count }
}
