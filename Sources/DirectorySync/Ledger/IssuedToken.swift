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

    public let id: Int64
    public let invitation: Invitation.ID
    public let selector: String
    /// SHA-256 of the token, hex.
    public let hash: String
    public let issuedAt: Date
    public let expiresAt: Date
    public var closure: Closure?
    public var closedAt: Date?

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
