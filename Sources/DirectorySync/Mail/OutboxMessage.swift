import Foundation

/// A message waiting to be sent, or the record that it was.
///
/// Messages are written to the outbox in the same transaction as the change that caused them,
/// with their Message-ID fixed at that moment, so a crash can at worst deliver the same message
/// twice, never lose one. Once sent, the content (which holds the accept link) is erased.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    /// The store's identifier for an outbox message.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        public let rawValue: Int64
        public init(rawValue: Int64) { self.rawValue = rawValue }
        public var description: String { String(rawValue) }
    }

    /// Where a message is in its delivery.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for delivery (possibly after a temporary failure).
        case pending
        /// Accepted by the mail server or written to the folder.
        case sent
        /// Refused permanently; `lastError` holds the reply.
        case failed
        /// No longer to be sent: its link was replaced by a resend, or the invitation was revoked.
        case voided
    }

    public let id: ID
    public let organization: Organization.ID
    /// The RFC 5322 Message-ID, angle brackets included.
    public let messageID: String
    public let recipient: EmailAddress
    public let subject: String
    /// The whole RFC 5322 message, CRLF line endings; `nil` once sent or voided.
    public var content: String?
    /// The invitation token the message carries, if any: voided with it.
    public let tokenID: Int64?
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public let createdAt: Date
    public var nextAttemptAt: Date?
    public var sentAt: Date?

    public init(
        id: ID, organization: Organization.ID, messageID: String, recipient: EmailAddress, subject: String,
        content: String?, tokenID: Int64?, status: Status, attempts: Int = 0, lastError: String? = nil,
        createdAt: Date, nextAttemptAt: Date? = nil, sentAt: Date? = nil
    ) {
        self.id = id
        self.organization = organization
        self.messageID = messageID
        self.recipient = recipient
        self.subject = subject
        self.content = content
        self.tokenID = tokenID
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.sentAt = sentAt
    }
}
