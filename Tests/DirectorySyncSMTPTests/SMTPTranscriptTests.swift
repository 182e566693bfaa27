import DirectorySync
import Testing

@testable import DirectorySyncSMTP

/// How a failed transfer is read: which replies are the recipient's fault, which the server's, which ours.
@Suite struct SMTPTranscriptTests {
    /// A session that got as far as `command` and was answered with `reply`.
    private func transcript(_ exchanges: [(sent: String, received: String)]) -> SMTPTranscript {
        var transcript = SMTPTranscript()
        transcript.received("220 mail.acme.com ESMTP\r\n")
        for (sent, received) in exchanges {
            transcript.sent(sent + "\r\n")
            transcript.received(received)
        }
        return transcript
    }

    private func failure(_ exchanges: [(sent: String, received: String)], curlCode: Int = 55) -> MailDeliveryError {
        transcript(exchanges).failure(
            curlCode: curlCode, curlMessage: "curl says no", server: "smtp://mail.acme.com:587",
            sender: "no-reply@acme.com")
    }

    private let greeting = [("EHLO acme.com", "250-mail.acme.com\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")]

    @Test(arguments: [
        (
            "550 5.1.1 <bo@acme.com>: User unknown\r\n",
            MailDeliveryError.permanent("550 5.1.1 <bo@acme.com>: User unknown")
        ),
        ("450 4.2.1 Mailbox busy\r\n", .temporary("450 4.2.1 Mailbox busy")),
        (
            "421 4.7.0 Too many connections\r\n",
            .unavailable("smtp://mail.acme.com:587 is closing the connection: 421 4.7.0 Too many connections")
        ),
    ])
    func aRecipientReplyDecidesForThatMessage(reply: String, expected: MailDeliveryError) {
        let exchanges = greeting + [("MAIL FROM:<no-reply@acme.com>", "250 OK\r\n"), ("RCPT TO:<bo@acme.com>", reply)]
        #expect(failure(exchanges) == expected)
    }

    @Test func aRefusalAfterTheDataIsPermanentForThatMessage() {
        let exchanges =
            greeting + [
                ("MAIL FROM:<no-reply@acme.com>", "250 OK\r\n"), ("RCPT TO:<bo@acme.com>", "250 OK\r\n"),
                ("DATA", "354 go ahead\r\n554 5.7.1 Message rejected as spam\r\n"),
            ]
        #expect(failure(exchanges) == .permanent("554 5.7.1 Message rejected as spam"))
    }

    @Test func aRefusedSenderOrLoginIsTheConfigurationsFault() {
        #expect(
            failure(greeting + [("MAIL FROM:<no-reply@acme.com>", "553 5.7.1 Sender not owned by user\r\n")])
                == .misconfigured(
                    "smtp://mail.acme.com:587 refused the sender no-reply@acme.com: 553 5.7.1 Sender not owned by user")
        )
        // The credential line after AUTH is neither kept nor taken for a command.
        let login = transcript(
            greeting + [("AUTH PLAIN", "334 \r\n"), ("AGJvAHNlY3JldA==", "535 5.7.8 Bad credentials\r\n")])
        #expect(login.replyTo == .auth)
        #expect(
            login.failure(curlCode: 67, curlMessage: "Login denied", server: "smtp://m:587", sender: "a@b.io")
                == .misconfigured("smtp://m:587 refused the login: 535 5.7.8 Bad credentials"))
        #expect(!"\(login)".contains("AGJvAHNlY3JldA"))
    }

    @Test func theFarewellAfterAFailureDoesNotHideIt() {
        let exchanges =
            greeting + [
                ("MAIL FROM:<no-reply@acme.com>", "250 OK\r\n"), ("RCPT TO:<x@acme.com>", "550 no\r\n"),
                ("QUIT", "221 Bye\r\n"),
            ]
        #expect(failure(exchanges) == .permanent("550 no"))
    }

    @Test func multiLineRepliesAreJoined() {
        let exchanges =
            greeting + [
                ("MAIL FROM:<no-reply@acme.com>", "250 OK\r\n"),
                ("RCPT TO:<x@acme.com>", "550-5.1.1 The account does not exist.\r\n550 5.1.1 See https://help\r\n"),
            ]
        #expect(failure(exchanges) == .permanent("550 5.1.1 The account does not exist. 5.1.1 See https://help"))
    }

    @Test(arguments: [
        (7, MailDeliveryError.unavailable("smtp://mail.acme.com:587: curl says no")),
        (28, .unavailable("smtp://mail.acme.com:587: curl says no")),
        (60, .misconfigured("smtp://mail.acme.com:587: curl says no")),
        (64, .misconfigured("smtp://mail.acme.com:587: curl says no")),
    ])
    func withoutAnErrorReplyCurlsCodeDecides(code: Int, expected: MailDeliveryError) {
        #expect(failure([], curlCode: code) == expected)
    }
}
