import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DirectorySyncServe

/// The pages of `dirsync serve`, in process (HummingbirdTesting's router mode) on a real SQLite store: every
/// page, status code, header and refusal; the ledger's rules hold whichever way a person came in.
@Suite struct PageServerTests {
    /// A clock the test moves.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date { lock.withLock { current } }
        func advance(hours: Double) { lock.withLock { current = current.adding(hours: hours) } }
    }

    /// A client that keeps the CSRF cookie as a browser does.
    final class Visitor: @unchecked Sendable {
        let client: any TestClientProtocol
        var cookie: String?
        var address: String?

        init(_ client: any TestClientProtocol, address: String? = nil) {
            self.client = client
            self.address = address
        }

        func get(_ uri: String) async throws -> TestResponse {
            var headers = HTTPFields()
            if let cookie { headers[.cookie] = "dirsync_csrf=\(cookie)" }
            if let address { headers[.xForwardedFor] = address }
            let response = try await client.execute(uri: uri, method: .get, headers: headers)
            if let set = response.headers[.setCookie],
                let value = set.split(separator: ";").first?.split(separator: "=").last
            {
                cookie = String(value)
            }
            return response
        }

        /// Opens the page at `uri` and returns its form's CSRF field (the cookie is kept).
        func formField(_ uri: String) async throws -> String {
            try PageServerTests.csrf(in: PageServerTests.text(try await get(uri)))
        }

        func post(_ uri: String, _ fields: [(String, String)], extra: HTTPFields = [:]) async throws -> TestResponse {
            var headers = extra
            headers[.contentType] = "application/x-www-form-urlencoded"
            if let cookie { headers[.cookie] = "dirsync_csrf=\(cookie)" }
            if let address { headers[.xForwardedFor] = address }
            let body = fields.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
            return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        }

        static func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
    }

    let fixture: LedgerFixture
    let clock = TestClock(testEpoch.adding(hours: 1))

    init() async throws {
        fixture = try await LedgerFixture.make()
    }

    func server(limit: Int = 10) async throws -> Application<RouterResponder<PageContext>> {
        let key = try await fixture.store.read { db in try db.planSigningKey() }
        let clock = self.clock
        let server = PageServer(
            store: fixture.store,
            settings: PageServer.Settings(
                trustForwardedFor: true, organization: fixture.organization.id, mail: fixture.mail, attemptLimit: limit),
            formKey: key, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, clock: { clock.now })
        return Application(router: server.router())
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    static func csrf(in page: String) throws -> String {
        let pattern = try Regex("name=\"csrf\" value=\"([0-9a-f]+)\"")
        return String(try #require(page.firstMatch(of: pattern)?.output[1].substring))
    }

    func token(for email: String) async throws -> String { try await fixture.latestToken(for: email).text }

    func pending(_ email: String) async throws -> Bool {
        try await fixture.read { [id = fixture.organization.id] db in try db.invitations(in: id, statuses: [.pending]) }
            .contains {
                $0.email.canonical == email
            }
    }

    func invite(_ email: String, givenName: String? = nil, familyName: String? = nil, message: String? = nil)
        async throws
    {
        _ = try await fixture.ledger.invite(
            InvitationBatch(parsing: [email]), as: .viewer, message: message, givenName: givenName,
            familyName: familyName, in: fixture.organization.id, mail: fixture.mail, by: fixture.owner.canonical,
            at: testEpoch)
    }

    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.cacheControl, "no-store"), (.referrerPolicy, "no-referrer"), (.xFrameOptions, "DENY"),
        (.xContentTypeOptions, "nosniff"),
        (
            .contentSecurityPolicy,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    ]

    static func expectSecurityHeaders(
        _ response: TestResponse, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        for (name, value) in securityHeaders {
            #expect(response.headers[name] == value, "\(name)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Accept

    @Test func theAcceptPageShowsTheInvitationEscapedAndAGetChangesNothing() async throws {
        try await invite(
            "bo@partner.io", givenName: "<script>alert(1)</script>", familyName: "O'Neil & Co",
            message: "Welcome <b>aboard</b>")
        let token = try await token(for: "bo@partner.io")
        try await server().test(.router) { client in
            let visitor = Visitor(client)
            for _ in 0..<2 {  // a mail scanner, then the person: both see the page, nothing is used up
                let response = try await visitor.get("/invitations/accept?token=\(token)")
                #expect(response.status == .ok)
                Self.expectSecurityHeaders(response)
                let page = Self.text(response)
                #expect(page.contains("<h1>Join Acme Corp</h1>"))
                #expect(page.contains("owner@acme.com invited <strong>bo@partner.io</strong>"))
                #expect(page.contains("<dt>Role</dt><dd>viewer</dd>"))
                #expect(page.contains("Welcome &lt;b&gt;aboard&lt;/b&gt;"))
                #expect(page.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""))
                #expect(page.contains("value=\"O'Neil &amp; Co\""))
                #expect(!page.contains("<script>"))
                #expect(page.contains(DateText.short(testEpoch.adding(hours: 7 * 24))))
                #expect(page.contains("Your username: <strong>bo</strong>"))
                #expect(response.headers[.setCookie]?.contains("HttpOnly; SameSite=Strict") == true)
            }
        }
        #expect(try await pending("bo@partner.io"), "a GET never accepts")
    }

    @Test func acceptingThroughThePageMakesTheMemberWithTheTypedNames() async throws {
        try await invite("bo@partner.io", givenName: "Bob")
        let token = try await token(for: "bo@partner.io")
        try await server().test(.router) { client in
            let visitor = Visitor(client)
            // A link checker's HEAD sees the page's status and changes nothing either.
            let head = try await client.execute(uri: "/invitations/accept?token=\(token)", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            let page = Self.text(try await visitor.get("/invitations/accept?token=\(token)"))
            // A browser sends `Origin: null` from a page with `Referrer-Policy: no-referrer`: the signed field decides.
            let accepted = try await visitor.post(
                "/invitations/accept",
                [("token", token), ("csrf", try Self.csrf(in: page)), ("given_name", "Bo"), ("family_name", "Lee")],
                extra: [.origin: "null", .secFetchSite: "same-origin"])
            #expect(accepted.status == .ok)
            Self.expectSecurityHeaders(accepted)
            #expect(Self.text(accepted).contains("bo@partner.io is a member now, with the role viewer"))
            // The same token again: used up, like the CLI's accept.
            let again = try await visitor.post(
                "/invitations/accept", [("token", token), ("csrf", try Self.csrf(in: page))])
            #expect(again.status == .gone)
        }
        let email = try EmailAddress("bo@partner.io")
        let found = try await fixture.read { [id = fixture.organization.id] db in try db.member(email, in: id) }
        let member = try #require(found)
        #expect(member.givenName == "Bo" && member.familyName == "Lee" && member.name == "Bo Lee")
        #expect(member.role == .viewer)
        let events = try await fixture.ledger.auditEvents(in: fixture.organization.id, since: nil)
        let accepted = try #require(events.first { $0.kind == .invitationAccepted })
        #expect(accepted.actor == "bo@partner.io")
        #expect(events.contains { $0.kind == .memberJoined && $0.subject == "bo@partner.io" })
    }

    @Test func aBadNameIsRefusedAndAMemberAlreadyJoinedGetsItsOwnPage() async throws {
        try await invite("bo@partner.io")
        let token = try await token(for: "bo@partner.io")
        try await server().test(.router) { client in
            let visitor = Visitor(client)
            let csrf = try await visitor.formField("/invitations/accept?token=\(token)")
            for name in ["Bo\u{1B}[2J", String(repeating: "b", count: 201)] {
                let refused = try await visitor.post(
                    "/invitations/accept", [("token", token), ("csrf", csrf), ("given_name", name)])
                #expect(refused.status == .badRequest)
                #expect(Self.text(refused).contains("A name may not hold control characters"))
            }
            #expect(try await pending("bo@partner.io"), "a refused form changes nothing")
            // The same address joins another way (a sync, the CLI) while the invitation is open.
            _ = try await fixture.store.write { [organization = fixture.organization] db in
                try LedgerTransaction(db: db, organization: organization, now: testEpoch, mail: nil).join(
                    try EmailAddress("bo@partner.io"), name: nil, as: .viewer, origin: .domainAutoJoin,
                    by: "owner@acme.com", isManaged: true)
            }
            let member = try await visitor.get("/invitations/accept?token=\(token)")
            #expect(member.status == .conflict)
            #expect(Self.text(member).contains("This address is a member of Acme Corp"))
        }
    }

    @Test func aFormWithoutItsCSRFFieldOrFromAnotherSiteIsRefusedAndChangesNothing() async throws {
        try await invite("bo@partner.io")
        let token = try await token(for: "bo@partner.io")
        try await server().test(.router) { client in
            let visitor = Visitor(client)
            let csrf = try await visitor.formField("/invitations/accept?token=\(token)")
            let refusals: [TestResponse] = [
                try await visitor.post("/invitations/accept", [("token", token)]),
                try await visitor.post(
                    "/invitations/accept", [("token", token), ("csrf", String(repeating: "0", count: 64))]),
                try await visitor.post(
                    "/invitations/accept", [("token", token), ("csrf", csrf)],
                    extra: [.origin: "https://evil.example"]),
                try await visitor.post(
                    "/invitations/accept", [("token", token), ("csrf", csrf)],
                    extra: [.secFetchSite: "cross-site"]),
                // A field is good only with the cookie it was made for.
                try await Visitor(client).post("/invitations/accept", [("token", token), ("csrf", csrf)]),
            ]
            for refusal in refusals {
                #expect(refusal.status == .forbidden)
                #expect(Self.text(refusal).contains("The form could not be sent"))
                Self.expectSecurityHeaders(refusal)
            }
        }
        #expect(try await pending("bo@partner.io"))
    }

    @Test func everyUnusableLinkShowsTheSamePage() async throws {
        for email in ["used@partner.io", "revoked@partner.io", "expired@partner.io", "replaced@partner.io"] {
            try await invite(email)
        }
        let used = try await token(for: "used@partner.io")
        _ = try await fixture.ledger.accept(try InvitationToken(parsing: used), name: nil, at: clock.now)
        let revoked = try await token(for: "revoked@partner.io")
        _ = try await fixture.ledger.revoke(
            to: try EmailAddress("revoked@partner.io"), in: fixture.organization.id, by: "owner@acme.com",
            at: clock.now)
        let replaced = try await token(for: "replaced@partner.io")
        _ = try await fixture.ledger.resend(
            to: try EmailAddress("replaced@partner.io"), in: fixture.organization.id, mail: fixture.mail,
            by: "owner@acme.com", at: clock.now)
        let expired = try await token(for: "expired@partner.io")
        let unknown = InvitationToken.generate().text
        try await server(limit: 100).test(.router) { client in
            var bodies = Set<String>()
            for token in [used, revoked, replaced, unknown, "not-a-token", ""] {
                let response = try await Visitor(client).get("/invitations/accept?token=\(token)")
                #expect(response.status == .gone, "\(token)")
                Self.expectSecurityHeaders(response)
                bodies.insert(Self.text(response))
            }
            clock.advance(hours: 8 * 24)
            let late = try await Visitor(client).get("/invitations/accept?token=\(expired)")
            #expect(late.status == .gone)
            bodies.insert(Self.text(late))
            let offerPage = try await Visitor(client).get("/offers/accept?token=\(unknown)")
            #expect(offerPage.status == .gone)
            bodies.insert(Self.text(offerPage))
            #expect(bodies.count == 1, "one page for every reason")
            #expect(bodies.first?.contains("Ask the person who sent it to resend the invitation") == true)
        }
    }

    @Test func wrongLinksFromOneAddressAreLimitedWithRetryAfter() async throws {
        try await invite("bo@partner.io")
        let token = try await token(for: "bo@partner.io")
        try await server(limit: 3).test(.router) { client in
            let guesser = Visitor(client, address: "203.0.113.7")
            for _ in 0..<3 {
                #expect(
                    try await guesser.get("/invitations/accept?token=\(InvitationToken.generate().text)").status
                        == .gone)
            }
            let limited = try await guesser.get("/invitations/accept?token=\(token)")
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") == 900)
            #expect(Self.text(limited).contains("Too many attempts"))
            Self.expectSecurityHeaders(limited)
            let posted = try await guesser.post("/access/request", [("code", "X")])
            #expect(posted.status == .tooManyRequests, "every page that takes a secret is limited")
            // Someone else is not held back, and the window ends.
            #expect(
                try await Visitor(client, address: "198.51.100.2").get("/invitations/accept?token=\(token)").status
                    == .ok)
            clock.advance(hours: 0.25)
            #expect(try await guesser.get("/invitations/accept?token=\(token)").status == .ok)
        }
    }

    // MARK: - Offers

    @Test func anOfferIsAcceptedOrDeclinedThroughItsPage() async throws {
        for (email, answer) in [("bo@acme.com", "accept"), ("cy@acme.com", "decline")] {
            _ = try await fixture.store.write { [organization = fixture.organization] db in
                try LedgerTransaction(db: db, organization: organization, now: testEpoch, mail: nil).join(
                    try EmailAddress(email), name: nil, as: .member, origin: .domainAutoJoin, by: "owner@acme.com",
                    isManaged: true)
            }
            let offer = try await fixture.ledger.offer(
                Grant(role: "signer"), to: try EmailAddress(email), in: fixture.organization.id,
                catalog: AccessCatalog(roles: [.init(name: "signer")]), validity: .days(3), mail: fixture.mail,
                by: "owner@acme.com", at: testEpoch)
            let token = try await token(for: email)
            try await server().test(.router) { client in
                let visitor = Visitor(client)
                let shown = try await visitor.get("/offers/accept?token=\(token)")
                #expect(shown.status == .ok)
                let page = Self.text(shown)
                #expect(page.contains("owner@acme.com offers \(email)"))
                #expect(page.contains("<li>signer for the whole organization</li>"))
                let answered = try await visitor.post(
                    "/offers/accept", [("token", token), ("csrf", try Self.csrf(in: page)), ("answer", answer)])
                #expect(answered.status == .ok)
                #expect(Self.text(answered).contains(answer == "accept" ? "You accepted the offer" : "You declined"))
            }
            let status = try await fixture.read { db in try db.offer(id: offer.id)?.status }
            #expect(status == (answer == "accept" ? .accepted : .declined))
        }
    }

    // MARK: - Access requests

    @Test func aRequestForAccessIsRecordedFromTheFormAndAWrongCodeIsCounted() async throws {
        _ = try await fixture.ledger.invite(
            InvitationBatch(parsing: ["new@partner.io"]), as: .viewer, message: nil, flow: { _ in .accountFirst },
            in: fixture.organization.id, mail: fixture.mail, by: "owner@acme.com", at: testEpoch)
        let mail = try #require(
            try await fixture.read { db in try db.outbox(in: nil, statuses: [.pending]) }.last?.content)
        let code = String(
            try #require(mail.firstMatch(of: try Regex("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")))
                .output[0].substring ?? "")
        try await server().test(.router) { client in
            let visitor = Visitor(client)
            let form = try await visitor.get("/access/request")
            #expect(form.status == .ok)
            let csrf = try Self.csrf(in: Self.text(form))
            let wrong = try await visitor.post(
                "/access/request",
                [
                    ("csrf", csrf), ("code", String(code.prefix(15)) + (code.hasSuffix("ZZZZ") ? "YYYY" : "ZZZZ")),
                    ("username", "newbie"),
                ])
            #expect(wrong.status == .badRequest)
            #expect(Self.text(wrong).contains("That code does not work"))
            #expect(Self.text(wrong).contains("value=\"newbie\""), "what was typed is kept, but the code")
            let badName = try await visitor.post(
                "/access/request", [("csrf", csrf), ("code", code), ("username", "a b")])
            #expect(badName.status == .badRequest)
            #expect(Self.text(badName).contains("That username cannot be used"))
            let taken = try await visitor.post(
                "/access/request", [("csrf", csrf), ("code", code), ("username", "owner")])
            #expect(taken.status == .conflict)
            #expect(Self.text(taken).contains("The username owner is taken"))
            #expect(!Self.text(taken).contains("owner@acme.com"), "who holds a username is not told")
            let sent = try await visitor.post(
                "/access/request",
                [("csrf", csrf), ("code", code.lowercased()), ("username", "newbie"), ("given_name", "Nia")])
            #expect(sent.status == .ok)
            #expect(Self.text(sent).contains("an invitation for <strong>newbie</strong> goes to new@partner.io"))
        }
        let requests = try await fixture.read { [id = fixture.organization.id] db in
            try db.accessRequests(in: id, statuses: [.pending])
        }
        #expect(requests.map(\.username.text) == ["newbie"])
        let events = try await fixture.ledger.auditEvents(in: fixture.organization.id, since: nil).map(\.kind)
        #expect(events.contains(.accessCodeRejected) && events.contains(.accessRequested))
    }

    // MARK: - Health, metrics, limits

    @Test func healthMetricsUnknownPathsAndOversizedBodies() async throws {
        try await invite("bo@partner.io")
        try await server().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok && String(buffer: health.body) == "ok\n")
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("dirsync_pending_invitations{organization=\"Acme Corp\"} 1"))
            let missing = try await client.execute(uri: "/wp-admin", method: .get)
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body).contains("There is no page here."))
            Self.expectSecurityHeaders(missing)
            let style = try await client.execute(uri: "/style.css", method: .get)
            #expect(style.headers[.contentType] == "text/css; charset=utf-8")
            let huge = try await client.execute(
                uri: "/invitations/accept", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=" + String(repeating: "a", count: PageServer.maxBodyBytes + 1)))
            #expect(huge.status == .contentTooLarge)
            #expect(!String(buffer: huge.body).contains("Error"), "a short page, no error dump")
            Self.expectSecurityHeaders(huge)
        }
    }
}
