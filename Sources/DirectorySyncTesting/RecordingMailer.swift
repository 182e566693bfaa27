import DirectorySync
import Foundation

/// An in-memory `Mailer` that records what it delivers and fails on cue.
public actor RecordingMailer: Mailer {
    /// Every message delivered so far, in order; failed deliveries are not recorded.
    public private(set) var delivered: [(recipient: EmailAddress, messageID: String, content: String)] = []
    /// How many times `finish()` has been called.
    public private(set) var finishCount = 0
    private var failures: [EmailAddress: [MailDeliveryError]] = [:]

    /// A mailer that has delivered nothing and has no failures queued.
    public init() {}

    /// The next deliveries to `email` fail with `errors`, in order.
    public func fail(_ email: EmailAddress, with errors: [MailDeliveryError]) { failures[email] = errors }

    /// Throws the next error queued for `recipient` by `fail(_:with:)`, if any; otherwise records the message.
    public func deliver(_ content: String, messageID: String, to recipient: EmailAddress)
        async throws(MailDeliveryError)
    {
        if var queued = failures[recipient], !queued.isEmpty {
            let error = queued.removeFirst()
            failures[recipient] = queued
            throw error
        }
        delivered.append((recipient, messageID, content))
    }

    /// Counts the call; nothing is held open.
    public func finish() async { finishCount += 1 }
}
