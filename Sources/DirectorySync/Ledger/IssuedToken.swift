import Foundation

/// The stored record of one invitation or offer token: its selector and hash, never the token itself.
public struct IssuedToken: Sendable, Equatable, Identifiable {
    /// What a token opens.
    public enum Holder: Sendable, Equatable {
        /// An invitation (`invitation_tokens`).
        case invitation(Invitation.ID)
        /// An offer of new access (`offer_tokens`).
        case offer(Offer.ID)
    }

    /// Why a token stopped working before it expired.
    public enum Closure: String, Sendable, Codable {
        /// A resend issued a newer token.
        case replaced
        /// The invitation was revoked.
        case revoked
        /// The invitation or offer was accepted (or the offer declined) with this token.
        case used
    }

    /// The store's identifier; an outbox message carrying the token names it in `tokenID`.
    public let id: Int64
    /// The invitation or offer the token opens.
    public let holder: Holder
    /// The token's first 12 characters, by which the store finds it (`InvitationToken.selector`).
    public let selector: String
    /// SHA-256 of the token, hex.
    public let hash: String
    /// When the token was issued; it does not work before then.
    public let issuedAt: Date
    /// When the token stops working: the invitation's expiry when the token was issued.
    public let expiresAt: Date
    /// Why the token stopped working early; nil while it is open.
    public var closure: Closure?
    /// When the token was closed; nil while it is open.
    public var closedAt: Date?

    /// A token record as the store holds it; open unless `closure` says otherwise.
    public init(
        id: Int64, holder: Holder, selector: String, hash: String, issuedAt: Date, expiresAt: Date,
        closure: Closure? = nil, closedAt: Date? = nil
    ) {
        self.id = id
        self.holder = holder
        self.selector = selector
        self.hash = hash
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.closure = closure
        self.closedAt = closedAt
    }

    /// The invitation the token accepts; nil for an offer's token.
    public var invitation: Invitation.ID? {
        if case .invitation(let id) = holder { id } else { nil }
    }

    /// The offer the token opens; nil for an invitation's token.
    public var offer: Offer.ID? {
        if case .offer(let id) = holder { id } else { nil }
    }

    /// Refuses a token that is closed, not yet valid or expired at `now`, each with its own error: a link works
    /// only in the half-open window `[issuedAt, expiresAt)`.
    public func checkOpen(at now: Date) throws(LedgerError) {
        switch (closure, closedAt) {
        case (.used?, let date?): throw .tokenUsed(at: date)
        case (.revoked?, let date?): throw .tokenRevoked(at: date)
        case (.replaced?, let date?): throw .tokenReplaced(at: date)
        default: break
        }
        if now < issuedAt { throw .tokenNotYetValid(from: issuedAt) }
        if now >= expiresAt { throw .tokenExpired(at: expiresAt) }
    }
}
