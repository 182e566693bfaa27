import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

@Suite struct MailMessageTests {
    private func letter(
        message: String? = "See you Monday", organization: String = "Acme Corp", inviter: String = "ada@acme.com"
    )
        -> InvitationMail
    {
        InvitationMail(
            occasion: .invitation, organization: organization, inviter: inviter, role: .admin,
            acceptLink: "https://sign.acme.com/accept?token=TOKEN123", expiresAt: Date.at("2026-11-28T10:00:00Z"),
            message: message)
    }

    private func render(_ letter: InvitationMail, fromName: String = "Acme Corp") throws -> String {
        let settings = MailSettings(
            from: Mailbox(displayName: fromName, address: try EmailAddress("no-reply@acme.com")),
            acceptURLTemplate: "https://sign.acme.com/accept?token={token}")
        return letter.message(
            to: try EmailAddress("bo@acme.com"), from: settings, date: testEpoch, messageID: "<abc-123@acme.com>"
        ).rendered()
    }

    @Test func carriesEveryFieldTheProductDocumentsRequire() throws {
        let text = letter().text
        #expect(text.contains("Acme Corp"))
        #expect(text.contains("ada@acme.com invited you"))
        #expect(text.contains("as an admin"))
        #expect(text.contains("https://sign.acme.com/accept?token=TOKEN123"))
        #expect(text.contains("expires on 2026-11-28 10:00 UTC"))
        #expect(text.contains("> See you Monday"))
        #expect(letter().html.contains("<a href=\"https://sign.acme.com/accept?token=TOKEN123\">"))
        #expect(letter().html.contains("<blockquote>See you Monday</blockquote>"))
    }

    @Test func omitsThePersonalMessageWhenThereIsNone() {
        #expect(!letter(message: nil).text.contains("wrote:"))
        #expect(!letter(message: "  ").html.contains("blockquote"))
    }

    @Test func escapesHTMLFromTheInviterAndMessage() {
        let html = letter(message: "<script>x</script> & co", organization: "R&D <Lab>").html
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt; &amp; co"))
        #expect(html.contains("R&amp;D &lt;Lab&gt;"))
        #expect(!html.contains("<script>"))
    }

    @Test func rendersRFC5322HeadersWithCRLF() throws {
        let raw = try render(letter())
        let headerBlock = raw.components(separatedBy: "\r\n\r\n")[0]
        let headers = headerBlock.components(separatedBy: "\r\n")
        #expect(headers.contains("Date: Sat, 21 Nov 2026 10:00:00 +0000"))
        #expect(headers.contains("From: Acme Corp <no-reply@acme.com>"))
        #expect(headers.contains("To: bo@acme.com"))
        #expect(headers.contains("Subject: ada@acme.com invited you to join Acme Corp"))
        #expect(headers.contains("Message-ID: <abc-123@acme.com>"))
        #expect(headers.contains("MIME-Version: 1.0"))
        #expect(headers.contains { $0.hasPrefix("Content-Type: multipart/alternative; boundary=") })
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(raw.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(raw.contains("Content-Type: text/html; charset=utf-8"))
    }

    @Test func encodesNonASCIINamesAsEncodedWords() throws {
        let raw = try render(letter(organization: "Café Zürich"), fromName: "Café Zürich")
        // A folded header continues on lines starting with a space.
        let start = try #require(raw.range(of: "\r\nSubject: "))
        let end = try #require(raw.range(of: "\r\nMessage-ID:"))
        let encoded = String(raw[start.upperBound..<end.lowerBound])
        #expect(encoded.hasPrefix("=?utf-8?b?"))
        #expect(encoded.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 })
        #expect(Self.decodeEncodedWords(encoded) == "ada@acme.com invited you to join Café Zürich")
        #expect(raw.contains("From: =?utf-8?b?Q2Fmw6kgWsO8cmljaA==?= <no-reply@acme.com>"))
        // Non-ASCII bodies go out quoted-printable, lines within 76 characters.
        #expect(raw.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(raw.contains("Caf=C3=A9 Z=C3=BCrich"))
    }

    @Test func splitsLongEncodedWordsBetweenCharacters() {
        let folded = MIMEText.encodedWords(String(repeating: "é", count: 60))
        let words = folded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 })
        #expect(words.map(Self.decodeEncodedWords).joined() == String(repeating: "é", count: 60))
    }

    @Test func quotesDisplayNamesWithSpecials() throws {
        let mailbox = Mailbox(displayName: "Acme, Inc.", address: try EmailAddress("x@acme.com"))
        #expect(MIMEText.mailbox(mailbox) == "\"Acme, Inc.\" <x@acme.com>")
    }

    @Test func quotedPrintableSoftBreaksLongLinesAndEncodesEquals() {
        let encoded = MIMEText.quotedPrintable(Array((String(repeating: "a", count: 100) + "=é ").utf8))
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(encoded.contains("=3D=C3=A9=20"))
    }

    @Test func parsesMailboxesAsConfigurationWritesThem() throws {
        let named = try Mailbox(parsing: "\"Acme Corp\" <No-Reply@Acme.com>")
        #expect(named.displayName == "Acme Corp")
        #expect(named.address.canonical == "no-reply@acme.com")
        #expect(try Mailbox(parsing: "bare@acme.com").displayName == nil)
        #expect(throws: EmailAddress.Invalid.self) { try Mailbox(parsing: "Acme <nope>") }
    }

    static func decodeEncodedWords(_ text: String) -> String {
        text.components(separatedBy: "\r\n ").map { word -> String in
            let payload = word.dropFirst("=?utf-8?b?".count).dropLast(2)
            return Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        }.joined()
    }
}
