import Foundation

/// A message waiting to be sent, or the record that it was.
///
/// Messages are written to the outbox in the same transaction as the change that caused them,
/// with their Message-ID fixed at that moment, so a crash can at worst deliver the same message
/// twice, never lose one. Once sent, the content (which holds the accept link) is erased.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    /// The store's identifier for an outbox message.
    public struct ID: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The row number the store gave the message.
        public let rawValue: Int64
        /// The identifier with row number `rawValue`; only the store's numbers name a message.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The number alone, as `dirsync outbox` shows it.
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

    /// The store's identifier for this message.
    public let id: ID
    /// The organization whose change queued the message.
    public let organization: Organization.ID
    /// The RFC 5322 Message-ID, angle brackets included.
    public let messageID: String
    /// The address the message is delivered to.
    public let recipient: EmailAddress
    /// The message's subject line, kept after the content is erased so listings can still name it.
    public let subject: String
    /// The whole RFC 5322 message, CRLF line endings; `nil` once sent or voided.
    public var content: String?
    /// The invitation token the message carries, if any: voided with it.
    public let tokenID: Int64?
    /// Where the message is in its delivery.
    public var status: Status
    /// Deliveries the transport answered (sent, or refused for this recipient); outages never count.
    public var attempts: Int
    /// Why the last attempt did not send it (a server reply, or why the transport was unavailable); nil once sent.
    public var lastError: String?
    /// When the message was queued, in the same transaction as the change that caused it.
    public let createdAt: Date
    /// The earliest time of the next attempt after a temporary failure; nil: due at once (while pending).
    public var nextAttemptAt: Date?
    /// When the transport accepted the message; nil until it is sent.
    public var sentAt: Date?

    /// A message with these fields as given; stores build them from their records, and `enqueue` makes new ones.
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
