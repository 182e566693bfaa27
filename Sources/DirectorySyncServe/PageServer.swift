import DirectorySync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The pages people reach from dirsync's mails (`dirsync serve`): accept an invitation, answer an offer,
/// request access with an account-first code; plus `/healthz` and `/metrics`.
///
/// Every page calls the same `Ledger` operations as the CLI (`accept`, `answerOffer`, `requestAccess`), so each
/// rule holds whichever way a person came in. A GET only reads (`openInvitation`, `openOffer`): mail scanners
/// open links before people do. Every POST carries a signed double-submit token (`FormGuard`); links and codes
/// that do not work are counted per client address (`AttemptLimiter`); every response carries the security
/// headers (`PageHeaders`); the access log names the path without its query, where tokens travel.
public struct PageServer: Sendable {
    /// What the server needs beyond the store.
    public struct Settings: Sendable {
        /// The public base URL people reach the pages at (`serve.public_url`); https makes the cookie Secure.
        public var publicURL: String?
        /// Whether `X-Forwarded-For` names the client (`serve.trust_forwarded_for`): only behind a reverse proxy
        /// that sets it, since anyone else can write it.
        public var trustForwardedFor: Bool
        /// The organization `/metrics` reports on.
        public var organization: Organization.ID?
        /// How long a request for access waits (`policy.access_request_validity`).
        public var accessRequestValidity: TimeSpan
        /// Who is told of a request for access (`organization.notify`); nil for owners and admins.
        public var notify: [EmailAddress]?
        /// Mail for the notices; nil sends none.
        public var mail: MailSettings?
        /// Links and codes that do not work one address may try per window, and the window.
        public var attemptLimit: Int
        /// The attempt window in seconds.
        public var attemptWindow: TimeInterval

        /// Settings with the defaults: 10 failed links or codes per address per 15 minutes.
        public init(
            publicURL: String? = nil, trustForwardedFor: Bool = false, organization: Organization.ID? = nil,
            accessRequestValidity: TimeSpan = TimeSpan(seconds: 14 * 86_400), notify: [EmailAddress]? = nil,
            mail: MailSettings? = nil, attemptLimit: Int = 10, attemptWindow: TimeInterval = 900
        ) {
            self.publicURL = publicURL
            self.trustForwardedFor = trustForwardedFor
            self.organization = organization
            self.accessRequestValidity = accessRequestValidity
            self.notify = notify
            self.mail = mail
            self.attemptLimit = attemptLimit
            self.attemptWindow = attemptWindow
        }
    }

    /// The largest request body read (a form is a few hundred bytes).
    public static let maxBodyBytes = 16 * 1024

    let store: any OrganizationStore
    let settings: Settings
    let guardian: FormGuard
    let limiter: AttemptLimiter
    let clock: @Sendable () -> Date
    let afterRequest: @Sendable () async -> Void
    let logger: Logger

    /// A server over `store`. `formKey` is the secret the CSRF fields are derived from (the store's signing
    /// key); `clock` gives the time of each request; `afterRequest` runs after a request for access was recorded
    /// (the CLI delivers the admins' notices there).
    public init(
        store: any OrganizationStore, settings: Settings, formKey: [UInt8], logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, afterRequest: @escaping @Sendable () async -> Void = {}
    ) {
        self.store = store
        self.settings = settings
        self.guardian = FormGuard(secret: formKey, secure: settings.publicURL?.lowercased().hasPrefix("https:") == true)
        self.limiter = AttemptLimiter(limit: settings.attemptLimit, window: settings.attemptWindow)
        self.clock = clock
        self.afterRequest = afterRequest
        self.logger = logger
    }

    var ledger: Ledger { Ledger(store: store) }

    /// The routes, with the security headers and the access log around every one.
    public func router() -> Router<PageContext> {
        let router = Router(context: PageContext.self)
        router.add(middleware: PageHeaders(logger: logger))
        router.get("/style.css") { _, _ in
            Self.response(.ok, Pages.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/healthz") { _, _ in try await health() }
        router.get("/metrics") { _, _ in try await metrics() }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/invitations/accept") { request, context in try await guarded(request, context, showInvitation) }
        router.post("/invitations/accept") { request, context in
            try await guarded(request, context, acceptInvitation)
        }
        router.get("/offers/accept") { request, context in try await guarded(request, context, showOffer) }
        router.post("/offers/accept") { request, context in try await guarded(request, context, answerOffer) }
        // Link checkers ask with HEAD: the same status and headers as the GET, no body, nothing changed.
        router.head("/invitations/accept") { request, context in
            Self.headless(try await guarded(request, context, showInvitation))
        }
        router.head("/offers/accept") { request, context in
            Self.headless(try await guarded(request, context, showOffer))
        }
        router.get("/access/request") { request, _ in
            requestForm(request, problem: nil, form: Pages.RequestForm(), status: .ok)
        }
        router.post("/access/request") { request, context in try await guarded(request, context, requestAccess) }
        return router
    }

    // MARK: - Health and metrics

    private func health() async throws -> Response {
        do {
            _ = try await store.read { db in try db.organizations() }
            return Self.response(.ok, "ok\n", type: "text/plain; charset=utf-8")
        } catch {
            return Self.response(.serviceUnavailable, "the store does not answer\n", type: "text/plain; charset=utf-8")
        }
    }

    private func metrics() async throws -> Response {
        guard let id = settings.organization,
            let organization = try await store.read({ db in try db.organization(id: id) })
        else { return Self.response(.notFound, Pages.status(404, "Not found")) }
        let report = try await StatusReport.load(from: store, organization: organization, at: clock())
        return Self.response(.ok, report.prometheus(), type: "text/plain; version=0.0.4; charset=utf-8")
    }

    // MARK: - Invitations

    private func showInvitation(_ request: Request, from address: String, at now: Date) async throws -> Response {
        guard let token = Self.linkToken(in: request) else { return await unusable(address, at: now) }
        do {
            let opened = try await ledger.openInvitation(token, at: now)
            return formPage(request, form: "accept") { Pages.invitation(opened, token: token.text, csrf: $0) }
        } catch LedgerError.alreadyMember {
            return Self.response(.conflict, Pages.alreadyMember(organization: try await organizationName(of: token)))
        } catch is LedgerError {
            return await unusable(address, at: now)
        }
    }

    private func acceptInvitation(_ request: Request, from address: String, at now: Date) async throws -> Response {
        guard let form = try await form(of: request, named: "accept") else { return Self.forbidden() }
        guard let token = try? InvitationToken(parsing: form["token"] ?? "") else {
            return await unusable(address, at: now)
        }
        do {
            let member = try await ledger.accept(
                token, name: nil, givenName: form["given_name"], familyName: form["family_name"], at: now)
            let organization = try await store.read { db in try db.organization(id: member.organization) }
            return Self.response(.ok, Pages.joined(member, organization: organization?.name ?? "the organization"))
        } catch LedgerError.alreadyMember {
            return Self.response(.conflict, Pages.alreadyMember(organization: try await organizationName(of: token)))
        } catch LedgerError.controlCharacterInName, LedgerError.nameTooLong {
            return Self.response(
                .badRequest,
                Pages.status(400, "A name may not hold control characters or be longer than 200 characters"))
        } catch is LedgerError {
            return await unusable(address, at: now)
        }
    }

    private func organizationName(of token: InvitationToken) async throws -> String {
        try await store.read { db in
            guard let id = try db.token(selector: token.selector)?.invitation,
                let invitation = try db.invitation(id: id)
            else { return nil }
            return try db.organization(id: invitation.organization)?.name
        } ?? "the organization"
    }

    // MARK: - Offers

    private func showOffer(_ request: Request, from address: String, at now: Date) async throws -> Response {
        guard let token = Self.linkToken(in: request) else { return await unusable(address, at: now) }
        do {
            let opened = try await ledger.openOffer(token, at: now)
            return formPage(request, form: "offer") { Pages.offer(opened, token: token.text, csrf: $0) }
        } catch is OfferError {
            return await unusable(address, at: now)
        }
    }

    private func answerOffer(_ request: Request, from address: String, at now: Date) async throws -> Response {
        guard let form = try await form(of: request, named: "offer") else { return Self.forbidden() }
        guard let token = try? InvitationToken(parsing: form["token"] ?? ""),
            let answer = form["answer"], ["accept", "decline"].contains(answer)
        else { return await unusable(address, at: now) }
        do {
            let (offer, _) = try await ledger.answerOffer(token, accept: answer == "accept", at: now)
            let organization = try await store.read { db in try db.organization(id: offer.organization) }
            return Self.response(
                .ok,
                Pages.answered(accepted: answer == "accept", organization: organization?.name ?? "the organization"))
        } catch is OfferError {
            return await unusable(address, at: now)
        }
    }

    // MARK: - Access requests

    private func requestForm(_ request: Request, problem: String?, form: Pages.RequestForm, status: HTTPResponse.Status)
        -> Response
    {
        formPage(request, form: "request", status: status) { Pages.requestAccess(form, csrf: $0, problem: problem) }
    }

    private func requestAccess(_ request: Request, from address: String, at now: Date) async throws -> Response {
        guard let form = try await form(of: request, named: "request") else { return Self.forbidden() }
        let typed = Pages.RequestForm(
            email: form["email"], username: form["username"], givenName: form["given_name"],
            familyName: form["family_name"])
        func again(_ problem: String, _ status: HTTPResponse.Status = .badRequest) -> Response {
            requestForm(request, problem: problem, form: typed, status: status)
        }
        let username: Username
        do { username = try Username(form["username"] ?? "") } catch {
            return again("That username cannot be used: \(error.problem).")
        }
        var email: EmailAddress?
        if let given = form["email"] {
            guard let parsed = try? EmailAddress(given) else { return again("That is not an email address.") }
            email = parsed
        }
        let givenName: String?
        let familyName: String?
        do {
            givenName = try Member.typedName(form["given_name"])
            familyName = try Member.typedName(form["family_name"])
        } catch {
            return again("A name may not hold control characters or be longer than 200 characters.")
        }
        guard let code = try? AccessCode(parsing: form["code"] ?? "") else {
            await limiter.fail(address, at: now)
            return again("That code does not work. Check it against the mail, or ask an admin to send a new one.")
        }
        do {
            let (recorded, _) = try await ledger.requestAccess(
                code: code, email: email, username: username, givenName: givenName, familyName: familyName,
                validity: settings.accessRequestValidity, notify: settings.notify, mail: settings.mail, at: now)
            let organization = try await store.read { db in try db.organization(id: recorded.organization) }
            Task { await afterRequest() }
            return Self.response(.ok, Pages.requested(recorded, organization: organization?.name ?? "the organization"))
        } catch LedgerError.unusableCode {
            await limiter.fail(address, at: now)
            return again("That code does not work. Check it against the mail, or ask an admin to send a new one.")
        } catch LedgerError.usernameTaken {
            return again("The username \(username.text) is taken: choose another.", .conflict)
        } catch LedgerError.accessRequestPending {
            return again("A request for this address is already waiting for an admin.", .conflict)
        }
    }

    // MARK: - Shared steps

    /// Runs a page that takes a token or code, unless the client's address had too many that did not work.
    private func guarded(
        _ request: Request, _ context: PageContext,
        _ page: (Request, String, Date) async throws -> Response
    ) async throws -> Response {
        let address = clientAddress(request, context)
        let now = clock()
        if let refusal = await limited(address, at: now) { return refusal }
        return try await page(request, address, now)
    }

    /// A page holding the form `form`, rendered with the CSRF field made for the visitor's cookie (a new
    /// cookie is set when the visitor has none).
    private func formPage(
        _ request: Request, form: String, status: HTTPResponse.Status = .ok, _ render: (String) -> String
    ) -> Response {
        let cookie = Self.cookie(in: request) ?? FormGuard.newCookie()
        var response = Self.response(status, render(guardian.field(cookie: cookie, form: form)))
        response.headers[.setCookie] = guardian.setCookie(cookie)
        return response
    }

    /// The POSTed form when it carries a valid CSRF field for `name` and did not come from another site; nil
    /// otherwise.
    private func form(of request: Request, named name: String) async throws -> FormBody? {
        if let site = request.headers[.secFetchSite], site == "cross-site" { return nil }
        // `Origin: null` is what a browser sends from a page served with `Referrer-Policy: no-referrer` (ours):
        // it names no site, so the signed field below decides.
        if let origin = request.headers[.origin], origin != "null", !sameOrigin(origin, request) { return nil }
        let buffer = try await Self.body(of: request)
        guard let form = FormBody(String(buffer: buffer)) else { return nil }
        guard guardian.accepts(field: form["csrf"], cookie: Self.cookie(in: request), form: name) else { return nil }
        return form
    }

    /// The request body, at most `maxBodyBytes` (413 past it), all of it within `bodyDeadline` (408 after it),
    /// so a client that trickles a form byte by byte cannot hold a connection open.
    static func body(of request: Request) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await request.body.collect(upTo: maxBodyBytes) }
            group.addTask {
                try await Task.sleep(for: bodyDeadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else { throw HTTPError(.requestTimeout) }
            return buffer
        }
    }

    /// How long a client may take to send a form's body.
    public static let bodyDeadline = Duration.seconds(10)

    /// Whether `origin` is this server's: the public URL's origin when configured, else the request's host.
    private func sameOrigin(_ origin: String, _ request: Request) -> Bool {
        if let publicURL = settings.publicURL, let url = URL(string: publicURL), let scheme = url.scheme,
            let host = url.host
        {
            let port = url.port.map { ":\($0)" } ?? ""
            return origin.lowercased() == "\(scheme)://\(host)\(port)".lowercased()
        }
        guard let host = request.head.authority else { return false }
        return origin.lowercased() == "http://\(host)".lowercased()
            || origin.lowercased() == "https://\(host)".lowercased()
    }

    /// The client's address: the peer's, or the right-most `X-Forwarded-For` entry (what the proxy saw) when
    /// `trustForwardedFor`.
    func clientAddress(_ request: Request, _ context: PageContext) -> String {
        if settings.trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
            let last = forwarded.split(separator: ",").last.map({ $0.trimmingCharacters(in: .whitespaces) }),
            !last.isEmpty
        {
            return String(last.prefix(64))
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }

    private func limited(_ address: String, at now: Date) async -> Response? {
        guard let seconds = await limiter.retryAfter(address, at: now) else { return nil }
        var response = Self.response(.tooManyRequests, Pages.tooMany(retryAfter: seconds))
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    private func unusable(_ address: String, at now: Date) async -> Response {
        await limiter.fail(address, at: now)
        return Self.response(.gone, Pages.unusableLink)
    }

    static func forbidden() -> Response { response(.forbidden, Pages.forbidden) }

    /// The token a link carries in its `token` query parameter; nil when it is missing or malformed.
    static func linkToken(in request: Request) -> InvitationToken? {
        try? InvitationToken(parsing: String(request.uri.queryParameters["token"] ?? ""))
    }

    /// `response` without its body, for a HEAD.
    static func headless(_ response: Response) -> Response {
        var headless = response
        headless.body = ResponseBody()
        return headless
    }

    static func cookie(in request: Request) -> String? {
        FormGuard.cookie(FormGuard.cookieName, in: request.headers[.cookie]).flatMap {
            FormGuard.isWellFormed($0) ? $0 : nil
        }
    }

    static func response(_ status: HTTPResponse.Status, _ text: String, type: String = "text/html; charset=utf-8")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The request context: the peer's address, for the attempt limits.
public struct PageContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's storage for the request.
    public var coreContext: CoreRequestContextStorage
    /// The connected peer; nil in in-process tests.
    public let remoteAddress: SocketAddress?

    /// A context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
