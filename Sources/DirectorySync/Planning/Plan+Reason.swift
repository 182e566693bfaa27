import Foundation

extension Plan {
    /// Why someone in the organization is no longer wanted.
    public enum Departure: Sendable, Equatable {
        case noLongerInDirectory
        case disabled
        case noEmail
        case domainNotAllowed(String)
        case noRuleMatched
        /// Left out by `scope:` (the text says by which entry).
        case outOfScope(String)
        /// An invitation for someone who is a member already.
        case alreadyMember

        /// The departure in words, as plans show it (`disabled in the directory`).
        public var description: String {
            switch self {
            case .noLongerInDirectory: "no longer in the directory"
            case .disabled: "disabled in the directory"
            case .noEmail: "no email address in the directory any more"
            case .domainNotAllowed(let domain): "domain \(domain) is no longer allowed"
            case .noRuleMatched: "no role rule matches any more"
            case .outOfScope(let why): "out of scope: \(why)"
            case .alreadyMember: "already a member"
            }
        }

        /// The setting that decided it, when one did.
        public var rule: String? {
            switch self {
            case .domainNotAllowed: "organization.allowed_domains"
            case .noRuleMatched: "roles"
            case .outOfScope: "scope"
            case .noLongerInDirectory, .disabled, .noEmail, .alreadyMember: nil
            }
        }
    }

    /// Why a change is in the plan. Its words are written here only; a reason read back from a saved plan is
    /// its words (`recorded`), and two reasons are equal when they read the same.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case autoJoinDomain(String)
        case allowedDomain(String)
        case departed(Departure)
        /// Departed, and kept as a viewer (`policy.offboarding: downgrade`).
        case departedDowngraded(Departure)
        /// Departed; the profile stays without any access (`policy.offboarding: remove_access`).
        case departedAccessRemoved(Departure)
        /// A member whose access was removed then is wanted by the directory again.
        case wantedAgain(since: Date)
        case adoptedMember
        case adoptedInvitation
        case emailChanged(from: EmailAddress)
        case anchorChanged
        /// The directory has the person who requested access (the account-first flow) with this username.
        case directoryVouches(Username)
        /// The directory's values of these profile fields (the mapping's `profile:`) changed.
        case profileChanged([String])
        case roleChanged(to: Role)
        case pendingRoleChanged(to: Role)
        case invitationEmailChanged(from: EmailAddress)
        case expired(on: Date)
        case notAccepted(since: Date, resendAfter: TimeSpan)
        case noSeat(for: Action, seats: Int, used: Int)
        /// The grant rules give grants the member does not hold.
        case grantRulesGive
        /// The grant rules no longer give grants dirsync made.
        case grantRulesNoLongerGive
        /// The grant rules give a pending invitation's person other grants than it carries.
        case pendingGrantsChanged
        /// The rules give a member new access, offered because `policy.new_access` is `offer`.
        case newAccessOffered
        /// The rules give other new access than the member's pending offer carries.
        case pendingOfferChanged
        /// The rules no longer give what the member's pending offer carries.
        case offerNoLongerWanted
        /// `policy.new_access: apply` gives at once what a pending offer carried.
        case newAccessApplied
        /// The member's offer expired unanswered.
        case offerExpired(on: Date)
        /// The words of a reason read back from a saved plan.
        case recorded(String)

        /// The reason in words, as plans show it and audit events record it (`reason`).
        public var description: String {
            switch self {
            case .autoJoinDomain(let domain): "auto-join domain \(domain)"
            case .allowedDomain(let domain): "in the directory, allowed domain \(domain)"
            case .departed(let departure): departure.description
            case .departedDowngraded(let departure): departure.description + " (policy.offboarding: downgrade)"
            case .departedAccessRemoved(let departure):
                departure.description + "; the profile is kept (policy.offboarding: remove_access)"
            case .wantedAgain(let date): "wanted again by the directory; access was removed on \(DateText.short(date))"
            case .adoptedMember: "added by hand, matched by email: managed by dirsync from now on"
            case .adoptedInvitation: "invitation sent by hand, matched by email: managed by dirsync from now on"
            case .emailChanged(let from): "email changed from \(from) in the directory"
            case .anchorChanged: "directory anchor changed (the account was re-created); matched by email"
            case .directoryVouches(let username):
                "requested access as \(username); the directory vouches for them (account-first flow)"
            case .profileChanged(let fields):
                "the directory's \(fields.joined(separator: ", ")) changed (the mapping's profile: is kept in step)"
            case .roleChanged(let role): "the directory now gives the role \(role)"
            case .pendingRoleChanged(let role):
                "the directory now gives the role \(role); a pending invitation's role never changes in place"
            case .invitationEmailChanged(let from):
                "email changed from \(from) in the directory: the invitation goes to the new address"
            case .expired(let date): "expired on \(DateText.short(date))"
            case .notAccepted(let since, let after):
                "not accepted since \(DateText.short(since)) (policy.resend_after: \(after))"
            case .noSeat(let action, let seats, let used):
                "no seat left for this \(action.rawValue): \(seats) seats, \(used) used before this plan"
            case .grantRulesGive: "the grant rules give it"
            case .grantRulesNoLongerGive: "the grant rules no longer give it"
            case .pendingGrantsChanged:
                "the grant rules now give other grants; a pending invitation's grants never change in place"
            case .newAccessOffered: "the rules give new access; offered until accepted (policy.new_access: offer)"
            case .pendingOfferChanged:
                "the rules now give other new access; a pending offer is replaced, never changed in place"
            case .offerNoLongerWanted: "the rules no longer give what was offered"
            case .newAccessApplied: "policy.new_access: apply gives new access at once; the offer is no longer needed"
            case .offerExpired(let date): "the offer expired on \(DateText.short(date)) unanswered"
            case .recorded(let text): text
            }
        }

        /// Reasons are equal when their words are, so one read back from a saved plan equals the one it was written
        /// from.
        public static func == (lhs: Reason, rhs: Reason) -> Bool { lhs.description == rhs.description }
    }
}
