import DirectorySync
import Foundation

/// A ledger on a fresh store (`TestStore`: SQLite in memory, or a new PostgreSQL database) with one
/// organization, for tests.
public struct LedgerFixture: Sendable {
    /// The store (`TestStore.make()` unless `make` was given one) that holds the organization.
    public let store: any OrganizationStore
    /// The ledger on `store`, as the commands use it.
    public let ledger: Ledger
    /// The organization, as created at `testEpoch`.
    public let organization: Organization
    /// Invitation mail settings: from `no-reply@acme.com`, with an accept link that carries the token.
    public let mail: MailSettings
    /// `owner@acme.com`: the organization's owner and inviter, who acts in `invite`.
    public let owner: EmailAddress

    /// A fixture whose organization `name` has `seats` seats, created at `testEpoch`.
    public static func make(
        name: String = "Acme Corp", seats: Int = 10, validity: TimeSpan = .days(7),
        store given: (any OrganizationStore)? = nil
    ) async throws -> LedgerFixture {
        let store: any OrganizationStore
        if let given { store = given } else { store = try await TestStore.make() }
        let ledger = Ledger(store: store)
        let owner = try EmailAddress("owner@acme.com")
        let organization = try await ledger.createOrganization(
            Organization.Settings(name: name, seats: seats, inviter: owner, invitationValidity: validity), owner: owner,
            ownerName: "Olive Owner", at: testEpoch)
        let mail = MailSettings(
            from: Mailbox(displayName: name, address: try EmailAddress("no-reply@acme.com")),
            acceptURLTemplate: "https://app.example.com/accept?token={token}")
        return LedgerFixture(store: store, ledger: ledger, organization: organization, mail: mail, owner: owner)
    }

    /// Invites `addresses` (comma-separated) as `role` at `time`.
    @discardableResult
    public func invite(_ addresses: String, as role: Role = .member, at time: Date = testEpoch, message: String? = nil)
        async throws -> [Invitation]
    {
        try await ledger.invite(
            InvitationBatch(parsing: InvitationBatch.split(addresses)), as: role, message: message, in: organization.id,
            mail: mail, by: owner.canonical, at: time)
    }

    /// The token in the newest undelivered invitation email to `email`, read from the outbox as the
    /// invitee would read it from their mailbox.
    public func latestToken(for email: String) async throws -> InvitationToken {
        let address = try EmailAddress(email)
        let messages = try await store.read { db in try db.outbox(in: nil, statuses: [.pending]) }
        guard let content = messages.last(where: { $0.recipient == address })?.content,
            let token = Self.token(in: content)
        else { throw FixtureError.noMail(email) }
        return token
    }

    /// The token of the first accept link in a rendered message.
    public static func token(in content: String) -> InvitationToken? {
        guard let range = content.range(of: "token=") else { return nil }
        let text = content[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return try? InvitationToken(parsing: String(text))
    }

    /// Reads through the store.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerReader) throws -> T) async throws -> T {
        try await store.read(body)
    }

    enum FixtureError: Error { case noMail(String) }
}
