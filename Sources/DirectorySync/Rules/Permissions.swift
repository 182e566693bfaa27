import Foundation

/// Who may change what: the one place dirsync decides whether the person a command acts as (`--as`,
/// `DIRSYNC_ACTOR`, else the organization's inviter) may do it. Owners and admins manage the whole organization;
/// an `account-admin` sends, resends and revokes invitations and gives or takes grants only within their
/// account(s); members and viewers change nothing; inviting more than one address at once needs
/// `can_bulk_invite` (owners always have it).
public enum Permissions {
    /// What a command is about to do.
    public enum Action: Sendable, Equatable, CustomStringConvertible {
        /// Organization settings, members' removal and roles, accounts.
        case manageOrganization
        /// Invite `count` addresses with `role` and `grants`.
        case invite(count: Int, role: Role, grants: [Grant])
        /// Resend or revoke an invitation that carries `grants`.
        case manageInvitation(grants: [Grant])
        /// Give or take one grant.
        case changeGrant(Grant)
        /// Resend or revoke an offer of `grants` (and `role`, a higher organization role).
        case manageOffer(grants: [Grant], role: Role?)

        /// The action in words, for refusals: `invite 3 people at once`, `grant signer@Sales US`.
        public var description: String {
            switch self {
            case .manageOrganization: "manage the organization (its settings, members and accounts)"
            case .invite(let count, _, _): count == 1 ? "invite" : "invite \(count) people at once"
            case .manageInvitation: "resend or revoke this invitation"
            case .changeGrant(let grant): "give or take \(grant)"
            case .manageOffer: "resend or revoke this offer"
            }
        }
    }

    /// The person acting: their organization role (nil when they are not a member) and grants.
    public struct Actor: Sendable, Equatable {
        /// Their address.
        public let email: EmailAddress
        /// Their organization role; nil when they are not a member of the organization.
        public let role: Role?
        /// The grants they hold.
        public let grants: [Grant]

        /// An actor with this role and these grants.
        public init(email: EmailAddress, role: Role?, grants: [Grant] = []) {
            self.email = email
            self.role = role
            self.grants = grants
        }

        /// The accounts they administer (`account-admin@…`).
        var administeredAccounts: [String] {
            grants.filter { $0.role == AccessCatalog.accountAdmin }.compactMap(\.account)
        }

        /// `ann@example.com (member, account-admin@Sales US)`.
        var described: String {
            let what =
                [role?.rawValue ?? "not a member"]
                + grants.filter { $0.role == AccessCatalog.accountAdmin }
                .map(\.description)
            return "\(email) (\(what.joined(separator: ", ")))"
        }
    }

    /// A refusal: who, what and why, on one line.
    public struct Refusal: Error, Equatable, Sendable, UserFacingError {
        /// The actor as described (`bo@example.com (member)`).
        public let actor: String
        /// What they tried.
        public let action: String
        /// Why not, naming the role, permission or scope that is missing.
        public let reason: String

        /// `bo@example.com (member) may not invite: only owners, admins and account admins invite`.
        public var description: String { "\(actor) may not \(action): \(reason)" }
        /// Who to ask, or how to act as someone else.
        public var hint: String? { "act as an owner or admin with --as EMAIL (or DIRSYNC_ACTOR)" }
    }

    /// Throws a `Refusal` unless `actor` may do `action`.
    public static func check(_ actor: Actor, may action: Action) throws(Refusal) {
        func refuse(_ reason: String) -> Refusal {
            Refusal(actor: actor.described, action: action.description, reason: reason)
        }
        let bulk = actor.role == .owner || actor.grants.contains { $0.role == AccessCatalog.bulkInvite }
        switch actor.role {
        case .owner?:
            return
        case .admin?:
            if case .invite(let count, _, _) = action, count > 1, !bulk {
                throw refuse("inviting more than one address at once needs \(AccessCatalog.bulkInvite)")
            }
            return
        default:
            break
        }
        let accounts = actor.administeredAccounts
        guard actor.role != nil, !accounts.isEmpty else {
            let reason =
                switch (actor.role, action) {
                case (nil, _): "they are not a member of the organization"
                case (_, .manageOrganization): "only owners and admins manage the organization"
                default: "only owners, admins and account admins invite and give grants"
                }
            throw refuse(reason)
        }
        func withinAccounts(_ grants: [Grant]) -> Bool {
            !grants.isEmpty
                && grants.allSatisfy { grant in
                    accounts.contains { grant.account?.caseInsensitiveCompare($0) == .orderedSame }
                }
        }
        let scope = "an account admin acts only within \(accounts.joined(separator: ", "))"
        switch action {
        case .manageOrganization:
            throw refuse("only owners and admins manage the whole organization")
        case .invite(let count, let role, let grants):
            guard role == .member || role == .viewer else {
                throw refuse("an account admin invites members and viewers")
            }
            guard withinAccounts(grants) else {
                throw refuse("\(scope): give the invitation grants limited to the account (--grant ROLE@ACCOUNT)")
            }
            if count > 1, !bulk {
                throw refuse("inviting more than one address at once needs \(AccessCatalog.bulkInvite)")
            }
        case .manageInvitation(let grants):
            guard withinAccounts(grants) else { throw refuse("\(scope), and this invitation is not limited to it") }
        case .changeGrant(let grant):
            guard withinAccounts([grant]) else { throw refuse(scope) }
        case .manageOffer(let grants, let role):
            guard role == nil, withinAccounts(grants) else {
                throw refuse("\(scope), and this offer is not limited to it")
            }
        }
    }
}
