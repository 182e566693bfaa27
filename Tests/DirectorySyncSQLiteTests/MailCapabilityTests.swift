import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// An address the mail transport cannot take is refused when someone tries to invite it, not after.
@Suite struct MailCapabilityTests {
    private func smtpMail(_ fixture: LedgerFixture, smtputf8: Bool) -> MailSettings {
        var mail = fixture.mail
        mail.capabilities = .smtp(
            SMTPSettings(isImplicitTLS: false, host: "mail.acme.com", port: 587, smtputf8: smtputf8))
        return mail
    }

    private func invite(_ addresses: String, _ fixture: LedgerFixture, mail: MailSettings) async throws -> [Invitation]
    {
        try await fixture.ledger.invite(
            InvitationBatch(parsing: InvitationBatch.split(addresses)), as: .member, message: nil,
            in: fixture.organization.id, mail: mail, by: fixture.owner.canonical, at: testEpoch)
    }

    @Test func aNonASCIILocalPartIsRefusedAtInviteTimeWithoutSMTPUTF8AndNothingIsWritten() async throws {
        let fixture = try await LedgerFixture.make()
        let mail = smtpMail(fixture, smtputf8: false)
        await #expect(
            throws: LedgerError.undeliverableAddress(
                try EmailAddress("ü@example.com"),
                reason: "the mail server does not accept non-ASCII local parts (mail.smtputf8 is not true)")
        ) {
            _ = try await invite("bo@acme.com,ü@example.com", fixture, mail: mail)
        }
        let error = LedgerError.undeliverableAddress(try EmailAddress("ü@example.com"), reason: "r")
        #expect(error.description == "ü@example.com: r; nobody was invited")
        #expect(error.hint?.contains("mail.smtputf8: true") == true)
        #expect(try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]) }.isEmpty)
    }

    @Test func aNonASCIIDomainIsNeverTheProblem() async throws {
        let fixture = try await LedgerFixture.make()
        let invited = try await invite("bo@bücher.example", fixture, mail: smtpMail(fixture, smtputf8: false))
        #expect(invited.count == 1)
    }

    @Test func withSMTPUTF8OrAFolderEveryAddressIsInvited() async throws {
        let fixture = try await LedgerFixture.make()
        #expect(try await invite("ü@example.com", fixture, mail: smtpMail(fixture, smtputf8: true)).count == 1)
        #expect(try await invite("åsa@example.com", fixture, mail: fixture.mail).count == 1)
    }

    @Test func aControlCharacterInThePersonalMessageIsRefused() async throws {
        let fixture = try await LedgerFixture.make()
        await #expect(throws: LedgerError.invalidMessage(InvitationMail.MessageProblem(scalar: "\u{1B}"))) {
            try await fixture.invite("bo@acme.com", message: "hi\u{1B}[2J")
        }
    }
}
