import Foundation

/// The stored record of one invitation token: its selector and hash, never the token itself.
public struct IssuedToken: Sendable, Equatable, Identifiable {
    /// Why a token stopped working before it expired.
    public enum Closure: String, Sendable, Codable {
        /// A resend issued a newer token.
        case replaced
        /// The invitation was revoked.
        case revoked
        /// The invitation was accepted with this token.
        case used
    }

    /// The store's identifier; an outbox message carrying the token names it in `tokenID`.
    public let id: Int64
    /// The invitation the token accepts.
    public let invitation: Invitation.ID
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
        id: Int64, invitation: Invitation.ID, selector: String, hash: String, issuedAt: Date, expiresAt: Date,
        closure: Closure? = nil, closedAt: Date? = nil
    ) {
        self.id = id
        self.invitation = invitation
        self.selector = selector
        self.hash = hash
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.closure = closure
        self.closedAt = closedAt
    }
}
