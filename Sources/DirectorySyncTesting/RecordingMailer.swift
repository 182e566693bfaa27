import DirectorySync
import Foundation

/// An in-memory `Mailer` that records what it delivers and fails on cue.
public actor RecordingMailer: Mailer {
    public private(set) var delivered: [(recipient: EmailAddress, messageID: String, content: String)] = []
    public private(set) var finishCount = 0
    private var failures: [EmailAddress: [MailDeliveryError]] = [:]

    public init() {}

    /// The next deliveries to `email` fail with `errors`, in order.
    public func fail(_ email: EmailAddress, with errors: [MailDeliveryError]) { failures[email] = errors }

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

    public func finish() async { finishCount += 1 }
}
