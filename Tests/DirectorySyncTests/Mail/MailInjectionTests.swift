import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// What a personal message or a display name can do to the email around it: nothing.
@Suite struct MailInjectionTests {
    private func letter(message: String) -> InvitationMail {
        InvitationMail(
            occasion: .invitation, organization: "Acme Corp", inviter: "ada@acme.com", role: .member,
            acceptLink: "https://sign.acme.com/accept?token=TOKEN123", expiresAt: Date.at("2026-11-28T10:00:00Z"),
            message: message)
    }

    /// Every line break but LF (which was always split on): CR, CRLF, VT, FF, NEL, LINE and PARAGRAPH SEPARATOR.
    @Test(arguments: ["\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"])
    func everyLineBreakInThePersonalMessageStartsAQuotedLine(_ lineBreak: String) {
        let mail = letter(message: "See you Monday\(lineBreak)Accept here instead: https://evil.example")
        let lines = mail.text.components(separatedBy: "\n")
        #expect(lines.contains("> See you Monday"), "\(lines)")
        #expect(lines.contains("> Accept here instead: https://evil.example"), "\(lines)")
        #expect(!mail.text.contains(lineBreak), "the break itself is gone")
        #expect(
            mail.html.contains("<blockquote>See you Monday<br>Accept here instead: https://evil.example</blockquote>"))
    }

    @Test func theHTMLBodyEscapesEachLineOfTheMessage() {
        let html = letter(message: "<b>hi</b>\r<img src=x onerror=alert(1)>").html
        #expect(html.contains("<blockquote>&lt;b&gt;hi&lt;/b&gt;<br>&lt;img src=x onerror=alert(1)&gt;</blockquote>"))
    }

    @Test(arguments: ["\u{1B}]0;pwned\u{07}", "a\u{00}b", "back\u{08}space", "c1\u{9B}31m", "del\u{7F}"])
    func aControlCharacterInTheMessageIsRefusedNamingIt(_ message: String) throws {
        let problem = try #require(InvitationMail.problem(in: message))
        #expect(problem.description.hasPrefix("the personal message holds U+00"))
        #expect(LedgerError.invalidMessage(problem).description.hasPrefix("--message: the personal message holds"))
        #expect(InvitationMail.problem(in: "Line one\r\nline two\u{2028}\tindented") == nil)
    }

    @Test func aMessageStoredWithAControlCharacterIsRenderedWithoutIt() {
        #expect(!letter(message: "hi\u{1B}[2J there").text.contains("\u{1B}"))
    }

    @Test(arguments: [
        "Evil\r\nBcc: spy@evil.example", "Evil\rBcc: spy@evil.example", "Evil\u{85}Bcc: spy@evil.example",
    ])
    func aDisplayNameCannotAddAHeader(_ name: String) throws {
        let settings = MailSettings(
            from: Mailbox(displayName: name, address: try EmailAddress("no-reply@acme.com")),
            acceptURLTemplate: "https://sign.acme.com/accept?token={token}")
        let raw = letter(message: "hi").message(
            to: try EmailAddress("bo@acme.com"), from: settings, date: testEpoch, messageID: "<m@acme.com>"
        ).rendered()
        let head = raw.components(separatedBy: "\r\n\r\n")[0]
        // Headers are CRLF-separated; a continuation starts with a space. No line may start a new header.
        let names = head.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") }.map {
            $0.prefix { $0 != ":" }
        }
        #expect(!names.contains("Bcc"), "\(head)")
        #expect(!head.contains("\r\nBcc") && !head.contains("\rBcc") && !head.contains("\u{85}"), "\(head)")
        #expect(head.unicodeScalars.allSatisfy { $0.isASCII }, "headers stay ASCII: \(head)")
    }

    @Test func anInternationalisedDomainIsWrittenInPunycodeInTheHeaders() throws {
        let settings = MailSettings(
            from: Mailbox(displayName: "Bücher", address: try EmailAddress("no-reply@bücher.example")),
            acceptURLTemplate: "https://sign.acme.com/accept?token={token}")
        let raw = letter(message: "hi").message(
            to: try EmailAddress("bo@münchen.de"), from: settings, date: testEpoch, messageID: "<m@acme.com>"
        ).rendered()
        let headers = raw.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(headers.contains("To: bo@xn--mnchen-3ya.de"))
        #expect(headers.contains { $0.hasPrefix("From: ") && $0.hasSuffix(" <no-reply@xn--bcher-kva.example>") })
    }
}
