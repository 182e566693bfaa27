import Foundation

/// What an agent reports when a run fails, is blocked, or recovers.
public struct AgentNotification: Sendable, Equatable {
    /// Whether a run failed, was blocked, or worked again.
    public let kind: NotificationPolicy.Kind
    /// The organization's name.
    public let organization: String
    /// When the agent made the notification, just after the run.
    public let time: Date
    /// The run that caused it.
    public let run: SyncRun
    /// Failed or blocked runs in a row; for a recovery, the length of the streak that just ended.
    public let consecutiveProblems: Int
    /// When the streak of problems began (for a recovery, the one that ended); nil if not known.
    public let problemSince: Date?

    /// A notification of `kind` about `run` of the organization named `organization`.
    public init(
        kind: NotificationPolicy.Kind, organization: String, time: Date, run: SyncRun, consecutiveProblems: Int,
        problemSince: Date?
    ) {
        self.kind = kind
        self.organization = organization
        self.time = time
        self.run = run
        self.consecutiveProblems = consecutiveProblems
        self.problemSince = problemSince
    }

    /// One line for people: `dirsync: the sync of Acme Corp failed (3 runs in a row): …`.
    public var summary: String {
        switch kind {
        case .failed:
            "dirsync: the sync of \(organization) failed\(streak): \(run.error ?? "unknown error")"
        case .blocked:
            "dirsync: the sync of \(organization) is blocked by a safety rule\(streak): \(run.error ?? "")"
        case .recovered:
            "dirsync: the sync of \(organization) works again (run \(run.id) \(run.outcome.rawValue))"
        }
    }

    private var streak: String { consecutiveProblems > 1 ? " (\(consecutiveProblems) runs in a row)" : "" }

    /// The webhook body: a JSON object with snake_case keys.
    public func json() -> Data {
        var runObject: [String: Any] = [
            "id": run.id.rawValue, "trigger": run.trigger.rawValue, "outcome": run.outcome.rawValue,
            "started_at": DateText.iso8601(run.startedAt), "changes": run.changes,
        ]
        runObject["error"] = run.error ?? NSNull()
        runObject["source_kind"] = run.sourceKind?.rawValue ?? NSNull()
        runObject["source_users"] = run.sourceUsers ?? NSNull()
        let object: [String: Any] = [
            "event": kind.rawValue, "organization": organization, "time": DateText.iso8601(time),
            "summary": summary, "consecutive_problems": consecutiveProblems,
            "problem_since": problemSince.map(DateText.iso8601) ?? NSNull(), "run": runObject,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

/// Tells people about an agent's problems and recoveries.
public protocol Notifier: Sendable {
    /// Tells people about `notification`; throws if it could not be delivered (the agent logs that and goes on).
    func send(_ notification: AgentNotification) async throws
}

/// POSTs the notification as JSON to a webhook.
public struct WebhookNotifier: Notifier {
    /// The webhook the notification is POSTed to. Errors name it without its query (which may hold a secret).
    public let url: URL
    /// The most seconds one POST may take, connecting included.
    public let timeout: TimeInterval
    /// How the POST reaches the webhook.
    let http: any HTTPTransport

    /// A notifier POSTing to `url` through `http`, each POST bounded by `timeout` seconds.
    public init(url: URL, http: any HTTPTransport, timeout: TimeInterval = 10) {
        self.url = url
        self.http = http
        self.timeout = timeout
    }

    /// A webhook that did not take the notification.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// The webhook's URL without its query, user or password.
        public let url: String
        /// What went wrong: the transport's failure, or `HTTP <status>` for an answer outside 200–299.
        public let problem: String
        /// `webhook <url>: <problem>`.
        public var description: String { "webhook \(url): \(problem)" }
    }

    /// POSTs `notification.json()`; throws `Failure` when no answer comes or the status is not 2xx.
    public func send(_ notification: AgentNotification) async throws {
        let request = HTTPRequest(
            method: "POST", url: url, headers: ["Content-Type: application/json", "User-Agent: dirsync"],
            body: Array(notification.json()))
        let response: HTTPResponse
        do {
            response = try await http.connection(idleTimeout: timeout, totalTimeout: timeout).perform(request)
        } catch {
            throw Failure(url: Self.redacted(url), problem: error.description)
        }
        if !(200..<300).contains(response.status) {
            throw Failure(url: Self.redacted(url), problem: "HTTP \(response.status)")
        }
    }

    /// The URL without its query (which may hold a secret), for messages.
    static func redacted(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        if components?.query != nil { components?.query = "…" }
        components?.user = nil
        components?.password = nil
        return components?.string ?? "(webhook)"
    }
}

/// Emails the notification through the outbox: it queues the email, and the agent delivers it right after, under
/// the delivery lease and with the mail retry policy, as it delivers everything else it queued.
public struct MailNotifier: Notifier {
    /// The store whose outbox queues the email.
    public let store: any OrganizationStore
    /// The sender; its domain also makes the Message-ID.
    public let from: Mailbox
    /// Who receives the email.
    public let to: EmailAddress
    /// The organization whose outbox holds the email, and whose pending mail is then delivered.
    public let organization: Organization.ID

    /// A notifier emailing `to` from `from` through `organization`'s outbox in `store`.
    public init(
        store: any OrganizationStore, from: Mailbox, to: EmailAddress,
        organization: Organization.ID
    ) {
        self.store = store
        self.from = from
        self.to = to
        self.organization = organization
    }

    /// Queues the email in the organization's outbox; throws only the store's errors.
    public func send(_ notification: AgentNotification) async throws {
        let messageID = MailMessage.makeMessageID(domain: from.address.domain)
        var text = notification.summary + "\n\n"
        text +=
            "Run \(notification.run.id), started \(DateText.short(notification.run.startedAt)): \(notification.run.outcome.rawValue).\n"
        if let since = notification.problemSince, notification.kind != .recovered {
            text += "Problems since \(DateText.short(since)).\n"
        }
        text += "\nSee 'dirsync status' and 'dirsync runs' on the machine running the agent.\n"
        let html =
            "<pre>" + text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            + "</pre>"
        let message = MailMessage(
            from: from, to: Mailbox(displayName: nil, address: to), subject: notification.summary,
            date: notification.time,
            messageID: messageID, text: text, html: html)
        let draft = OutboxMessage.Draft(
            organization: organization, messageID: messageID, recipient: to,
            subject: String(notification.summary.prefix(200)),
            content: message.rendered(), tokenID: nil, createdAt: notification.time)
        _ = try await store.write { db in try db.enqueue(draft) }
    }
}
