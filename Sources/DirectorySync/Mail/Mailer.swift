import Foundation

/// Hands messages to a transport: an SMTP server, a folder of `.eml` files, or memory in tests.
///
/// Messages are delivered one at a time, and marked sent once the transport has them for good: after
/// every `batchSize` deliveries, `flush()` makes them durable and they are marked sent together. A
/// transport where delivering a message twice is visible (SMTP: a second email) keeps the batch at one,
/// so a crash can repeat at most one message; one where it is harmless (a folder: the same file
/// rewritten) batches for speed. A conformer that keeps a connection open between calls (SMTP) reuses
/// it for a whole run and releases it in `finish()`.
public protocol Mailer: Sendable {
    /// Delivers one rendered RFC 5322 message to `recipient`.
    func deliver(_ content: String, messageID: String, to recipient: EmailAddress) async throws(MailDeliveryError)
    /// Messages delivered between two `flush()` calls, hence marked sent together. 1 by default.
    var batchSize: Int { get }
    /// Makes every message delivered since the last call durable. Does nothing by default.
    func flush() async throws(MailDeliveryError)
    /// Releases whatever a batch kept open; the next `deliver` starts afresh.
    func finish() async
}

extension Mailer {
    /// 1: every message is marked sent on its own, for transports where a repeat would be seen.
    public var batchSize: Int { 1 }
    /// Does nothing: for transports that have a message for good once `deliver` returns.
    public func flush() async throws(MailDeliveryError) {}
    /// Does nothing: for transports that keep nothing open between calls.
    public func finish() async {}
}

/// Why a message was not delivered.
public enum MailDeliveryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Worth retrying this message later: a 4xx reply to its recipient or its data.
    case temporary(String)
    /// Never worth retrying: a 5xx reply to this message's recipient or data.
    case permanent(String)
    /// The transport takes no message at the moment, whichever it is: connection refused, a timeout, a TLS
    /// or login failure, a 421 reply, the sender refused. Nothing is wrong with the message itself.
    case unavailable(String)
    /// The transport refuses this client, whichever the message, until its configuration changes: the login,
    /// the TLS certificate, a missing STARTTLS, the sender. Waiting does not help.
    case misconfigured(String)

    /// The transport's own words.
    public var reason: String {
        switch self {
        case .temporary(let reason), .permanent(let reason), .unavailable(let reason), .misconfigured(let reason):
            reason
        }
    }

    /// The kind of failure, then the transport's words: `temporary failure: 451 4.3.0 try again later`.
    public var description: String {
        switch self {
        case .temporary(let reason): "temporary failure: \(reason)"
        case .permanent(let reason): "permanent failure: \(reason)"
        case .unavailable(let reason): "transport unavailable: \(reason)"
        case .misconfigured(let reason): "transport refuses this client: \(reason)"
        }
    }
}
