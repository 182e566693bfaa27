import DirectorySync

/// What the server last said, and to which command: enough to tell a refused recipient from a server
/// that is down, and to quote the server's reply.
///
/// Only the server's replies and the names of the client's commands are kept. What the client sends
/// after `AUTH` (the login and the password, base64-encoded) is never looked at beyond its first word,
/// and that word is kept only when it is one of the command names below.
struct SMTPTranscript: Sendable, Equatable {
    /// The SMTP commands dirsync's client sends, in the order a session uses them.
    enum Command: String, Sendable, CaseIterable {
        case ehlo = "EHLO"
        case helo = "HELO"
        case starttls = "STARTTLS"
        case auth = "AUTH"
        case mail = "MAIL"
        case rcpt = "RCPT"
        case data = "DATA"
        case rset = "RSET"
        case noop = "NOOP"
        case quit = "QUIT"
    }

    /// A complete reply: its code and its text lines joined by spaces.
    struct Reply: Sendable, Equatable {
        var code: Int
        var text: String
    }

    /// The last command the client sent (nil before the greeting's reply).
    private(set) var command: Command?
    /// The last complete reply, and the command it answered.
    private(set) var reply: Reply?
    private(set) var replyTo: Command?
    private var partial: [String] = []

    /// Forgets everything: a new message starts.
    mutating func reset() {
        self = SMTPTranscript()
    }

    /// A line (or lines) the client sent.
    mutating func sent(_ text: String) {
        let word = text.prefix { $0 != " " && !$0.isNewline }.uppercased()
        if let known = Command(rawValue: word) { command = known }
        partial = []
    }

    /// A line (or lines) the server sent: `250-…` continues a reply, `250 …` ends it.
    mutating func received(_ text: String) {
        // curl says QUIT after a failure; the farewell must not hide the reply that failed.
        guard command != .quit else { return }
        for line in text.split(whereSeparator: \.isNewline) {
            let chars = Array(line)
            guard chars.count >= 3, let code = Int(String(chars[0..<3])) else { continue }
            let rest = chars.count > 4 ? String(chars[4...]) : ""
            partial.append(rest)
            if chars.count == 3 || chars[3] == " " {
                reply = Reply(code: code, text: "\(code) " + partial.joined(separator: " "))
                replyTo = command
                partial = []
            }
        }
    }

    /// What a failed transfer means for the message, from curl's result and the transcript.
    func failure(curlCode: Int, curlMessage: String, server: String, sender: String) -> MailDeliveryError {
        let quoted = reply?.text ?? ""
        if let reply, reply.code >= 400 {
            if reply.code == 421 { return .unavailable("\(server) is closing the connection: \(quoted)") }
            switch replyTo {
            case .rcpt?, .data?:
                return reply.code >= 500 ? .permanent(quoted) : .temporary(quoted)
            case .mail?:
                if reply.code >= 500 { return .misconfigured("\(server) refused the sender \(sender): \(quoted)") }
                return .temporary(quoted)
            case .auth?:
                if reply.code >= 500 { return .misconfigured("\(server) refused the login: \(quoted)") }
                return .unavailable("\(server) could not check the login now: \(quoted)")
            case .starttls?:
                return .misconfigured("\(server) refused STARTTLS: \(quoted)")
            case nil:
                return .unavailable("\(server) refused the connection: \(quoted)")
            default:
                return .unavailable("\(server) replied to \(replyTo?.rawValue ?? "the client"): \(quoted)")
            }
        }
        // No error reply: curl failed on its own (connection, TLS, timeout, a missing STARTTLS).
        if Self.configurationFailures.contains(curlCode) { return .misconfigured("\(server): \(curlMessage)") }
        return .unavailable("\(server): \(curlMessage)")
    }

    /// curl's codes for failures that waiting does not cure: STARTTLS required but not offered (64), the
    /// certificate not trusted (60), the CA file unreadable (77), the login refused (67), an unsupported
    /// protocol (1).
    static let configurationFailures: Set<Int> = [1, 60, 64, 67, 77]
}
