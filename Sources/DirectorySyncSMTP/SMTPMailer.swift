import DirectorySync
import Foundation

/// Delivers mail to an SMTP server through libcurl: `smtp://` with STARTTLS as configured, or `smtps://`;
/// AUTH when credentials are given; one connection for a whole batch (up to `messagesPerConnection`).
///
/// Replies are mapped for `OutboxDelivery`: a 5xx to a message's recipient or data is `.permanent` with the
/// server's reply, a 4xx `.temporary`; a server that cannot be reached, a TLS or login failure, a 421 or a
/// refused sender is `.unavailable`.
public final class SMTPMailer: Mailer, @unchecked Sendable {
    // @unchecked: `session` is only touched on `queue`, one transfer at a time.

    /// The login for AUTH. Its description never shows the password.
    public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The user name sent with AUTH.
        public let user: String
        /// The password, wrapped so that it never prints.
        public let password: Redacted<String>

        /// Credentials for `user`; the password is wrapped in `Redacted` at once.
        public init(user: String, password: String) {
            self.user = user
            self.password = Redacted(password)
        }

        /// `user (password hidden)`.
        public var description: String { "\(user) (password hidden)" }
        /// The same as `description`: the password hidden.
        public var debugDescription: String { description }
        /// A mirror showing only `user`, so `dump()` never shows the password.
        public var customMirror: Mirror { Mirror(self, children: ["user": user], displayStyle: .struct) }
    }

    private let setup: CurlSession.Setup
    private let queue = DispatchQueue(label: "dirsync.smtp")
    private var session: CurlSession?

    /// A mailer sending from `sender` (the envelope's MAIL FROM) as `settings` say.
    public init(settings: SMTPSettings, credentials: Credentials?, sender: EmailAddress) {
        setup = CurlSession.Setup(settings: settings, credentials: credentials, sender: sender)
    }

    /// A mailer whose credentials are read now from where `settings` name them.
    public convenience init(settings: SMTPSettings, sender: EmailAddress, environment: [String: String])
        throws(MailSetupError)
    {
        var credentials: Credentials?
        if let user = settings.user, let password = settings.password {
            credentials = Credentials(
                user: try user.resolve(key: user.key("user"), environment: environment),
                password: try password.resolve(key: password.key("password"), environment: environment))
        }
        self.init(settings: settings, credentials: credentials, sender: sender)
    }

    /// The server, as `smtp://host:port`.
    public var server: String { setup.settings.url }

    /// Sends one message on the open connection, opening one first if there is none; after a failure the
    /// connection is dropped and the next message opens a new one. Errors are mapped as the type describes.
    public func deliver(_ content: String, messageID: String, to recipient: EmailAddress)
        async throws(MailDeliveryError)
    {
        let result = await onQueue { () -> Result<Void, MailDeliveryError> in
            let session: CurlSession
            do throws(MailDeliveryError) {
                if let open = self.session { session = open } else { session = try CurlSession(self.setup) }
            } catch {
                return .failure(error)
            }
            self.session = session
            let result = session.send(content, to: recipient)
            // After a failure curl may have closed the connection; start the next message afresh.
            if case .failure = result { self.session = nil }
            return result
        }
        try result.get()
    }

    /// Closes the connection (with QUIT); the next message opens a new one.
    public func finish() async {
        await onQueue { self.session = nil }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
