import Foundation

/// Why an offer could not be made, resent, revoked, accepted or declined.
public enum OfferError: Error, Equatable, Sendable, UserFacingError {
    /// No offer matches the token presented.
    case unknownToken
    /// The offer was revoked (or replaced by a newer offer) then.
    case revoked(at: Date)
    /// The link expired then.
    case expired(at: Date)
    /// The link was used then (the offer accepted or declined).
    case used(at: Date)
    /// A resend replaced the link then.
    case replaced(at: Date)
    /// The link does not work before then.
    case notYetValid(from: Date)
    /// The member has no pending offer.
    case noPendingOffer(EmailAddress)
    /// Nothing would be offered: every grant is held already and no higher role is offered.
    case nothingToOffer(EmailAddress)
    /// The member the offer was made to is no longer a member.
    case memberGone(EmailAddress)
    /// The token is an invitation's, not an offer's.
    case invitationToken

    /// The offer-worded form of a token error from `IssuedToken.checkOpen`.
    static func token(_ error: LedgerError) -> OfferError {
        switch error {
        case .tokenRevoked(let date): .revoked(at: date)
        case .tokenExpired(let date): .expired(at: date)
        case .tokenUsed(let date): .used(at: date)
        case .tokenReplaced(let date): .replaced(at: date)
        case .tokenNotYetValid(let date): .notYetValid(from: date)
        default: .unknownToken
        }
    }

    /// One line for `error: …`.
    public var description: String {
        switch self {
        case .unknownToken: "no offer matches this token"
        case .revoked(let date): "this offer was withdrawn on \(DateText.short(date)) and can no longer be answered"
        case .expired(let date): "this offer expired on \(DateText.short(date))"
        case .used(let date): "this offer was already answered on \(DateText.short(date)); a link works only once"
        case .replaced(let date): "this link was replaced by a newer offer email sent on \(DateText.short(date))"
        case .notYetValid(let date): "this offer's link works from \(DateText.short(date))"
        case .noPendingOffer(let email): "\(email) has no pending offer"
        case .nothingToOffer(let email): "\(email) already holds everything offered"
        case .memberGone(let email): "\(email) is no longer a member of this organization"
        case .invitationToken: "this is an invitation link, not an offer"
        }
    }

    /// What to do next, when it is clear.
    public var hint: String? {
        switch self {
        case .unknownToken, .revoked, .expired: "ask an administrator of the organization to offer the access again"
        case .replaced: "use the link in the most recent offer email"
        case .noPendingOffer: "'dirsync offers list' shows the offers"
        case .invitationToken: "accept it with 'dirsync invitations accept'"
        default: nil
        }
    }
}
