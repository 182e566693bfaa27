/// Why a SCIM read failed. Every case fails the whole read: no partial user list ever leaves the reader.
public enum SCIMError: Error, Equatable, Sendable {
    /// `source.token_env` names a variable that is not set or is empty.
    case tokenVariableMissing(String)
    /// `source.token_file` holds something other than one token (empty, several lines).
    case tokenFileUnreadable(path: String, problem: String)
    /// `source.token_file` is missing, unreadable, or not safe to hold a secret (see `SecretFile`).
    case tokenFile(SecretFile.Failure)
    /// 401 or 403: the token is wrong, expired or lacks permission. Never retried.
    case unauthorized(status: Int, at: SCIMRequestLocation, detail: String?)
    /// A status the client does not retry (400, 404, 409, 501…), with the server's SCIM error if it sent one.
    case unexpectedStatus(status: Int, at: SCIMRequestLocation, scimType: String?, detail: String?)
    /// The retry budget ran out on 429/5xx answers or network failures.
    case retriesExhausted(at: SCIMRequestLocation, attempts: Int, waited: Double, lastProblem: String)
    /// The server asked to wait (`Retry-After`) longer than the whole retry budget.
    case retryAfterTooLong(at: SCIMRequestLocation, seconds: Double, budget: Double)
    /// The body is not JSON (truncated, HTML…).
    case malformedBody(at: SCIMRequestLocation, problem: String)
    /// JSON, but not a SCIM ListResponse.
    case notAListResponse(at: SCIMRequestLocation, problem: String)
    /// A resource without an `id`, by its 1-based position in the page.
    case resourceWithoutID(at: SCIMRequestLocation, position: Int)
    /// The server answered a page for another `startIndex` than asked (it ignores `startIndex`).
    case startIndexIgnored(at: SCIMRequestLocation, echoed: Int)
    /// A page held only resources already read: the listing makes no progress.
    case noProgress(at: SCIMRequestLocation)
    /// The server sent a cursor it had already sent.
    case cursorLoop(at: SCIMRequestLocation)
    /// The server kept rejecting cursors (`invalidCursor`, `expiredCursor`, `invalidCount`) after restarts.
    case cursorRestartsExhausted(at: SCIMRequestLocation, scimType: String, restarts: Int)
    /// Cursor pagination was asked for (`pagination: cursor`) and the server does not support it.
    case cursorNotSupported(at: SCIMRequestLocation)
    /// `totalResults` kept changing while paging by index: the directory changed under the listing.
    case unstableListing(endpoint: String, attempts: Int, firstTotal: Int, lastTotal: Int)
    /// The listing ended with fewer resources than the server's `totalResults`.
    case shortListing(at: SCIMRequestLocation, received: Int, total: Int)
    /// More pages than the listing can possibly need: the server keeps producing pages.
    case pageLimit(at: SCIMRequestLocation, pages: Int)
    /// The listing came back empty; dirsync never takes "nobody" for "everyone left".
    case emptyListing(endpoint: String)
    /// The server refused `source.filter`.
    case filterRejected(at: SCIMRequestLocation, detail: String?)
    /// `source.groups: groups` and the server has no Groups resource (404, none announced).
    case groupsNotServed(endpoint: String)
}

/// One request of a listing, as errors and progress name it: the page number and the URL (which holds
/// `startIndex` or the cursor; the token travels in a header and never appears here).
public struct SCIMRequestLocation: Sendable, Equatable, CustomStringConvertible {
    /// The request's URL with its query.
    public let url: String
    /// 1-based page of the listing; nil for a request that is not a page (discovery).
    public let page: Int?

    /// The request for `url`, as page `page` of a listing or, without one, a discovery request.
    public init(url: String, page: Int? = nil) {
        self.url = url
        self.page = page
    }

    /// `page 3 (GET <url>)`, or `GET <url>` for a request that is not a page.
    public var description: String {
        page.map { "page \($0) (GET \(url))" } ?? "GET \(url)"
    }
}

extension SCIMError: UserFacingError {
    /// What failed and where: the variable, file or request, and the server's own words when it sent any.
    public var description: String {
        switch self {
        case .tokenVariableMissing(let name):
            return "SCIM token: environment variable \(name) is not set or empty"
        case .tokenFileUnreadable(let path, let problem):
            return "SCIM token: cannot read \(path): \(problem)"
        case .tokenFile(let failure):
            return "SCIM token: \(failure)"
        case .unauthorized(let status, let location, let detail):
            let meaning = status == 401 ? "the token was refused" : "the token is not allowed to read this"
            return "SCIM server answered \(status) (\(meaning)) to \(location)\(Self.quoted(detail))"
        case .unexpectedStatus(let status, let location, let scimType, let detail):
            let type = scimType.map { " \($0)" } ?? ""
            return "SCIM server answered \(status)\(type) to \(location)\(Self.quoted(detail))"
        case .retriesExhausted(let location, let attempts, let waited, let lastProblem):
            return
                "SCIM read failed at \(location) after \(Plural.count(attempts, "attempt")) over \(Self.seconds(waited)): \(lastProblem)"
        case .retryAfterTooLong(let location, let seconds, let budget):
            return
                "SCIM server asked to retry \(location) after \(Self.seconds(seconds)), more than the retry budget of \(Self.seconds(budget))"
        case .malformedBody(let location, let problem):
            return "SCIM server sent a body that is not JSON for \(location): \(problem)"
        case .notAListResponse(let location, let problem):
            return "SCIM server sent something other than a ListResponse for \(location): \(problem)"
        case .resourceWithoutID(let location, let position):
            return "SCIM resource \(position) of \(location) has no id"
        case .startIndexIgnored(let location, let echoed):
            return "SCIM server answered \(location) with startIndex \(echoed): it does not page by startIndex"
        case .noProgress(let location):
            return "SCIM listing makes no progress: \(location) returned only resources already read"
        case .cursorLoop(let location):
            return "SCIM server returned a cursor it had already returned, at \(location)"
        case .cursorRestartsExhausted(let location, let scimType, let restarts):
            return
                "SCIM server rejected the cursor (\(scimType)) at \(location) after \(restarts) restarts of the listing"
        case .cursorNotSupported(let location):
            return "SCIM server does not support cursor pagination (\(location))"
        case .unstableListing(let endpoint, let attempts, let firstTotal, let lastTotal):
            return
                "SCIM listing of \(endpoint) changed while being read, \(attempts) times (totalResults went from \(firstTotal) to \(lastTotal))"
        case .shortListing(let location, let received, let total):
            return "SCIM listing ended at \(location) with \(received) resources of the \(total) the server announced"
        case .pageLimit(let location, let pages):
            return "SCIM listing stopped at \(location): \(pages) pages is more than the listing can need"
        case .emptyListing(let endpoint):
            return "SCIM server returned no users from \(endpoint)"
        case .filterRejected(let location, let detail):
            return "SCIM server rejected source.filter at \(location)\(Self.quoted(detail))"
        case .groupsNotServed(let endpoint):
            return "SCIM server has no Groups resource (\(endpoint) answered 404 and none is announced)"
        }
    }

    /// What to do next: how to fix the token, the `source` settings or the server's answer when that is known,
    /// otherwise that nothing was changed.
    public var hint: String? {
        switch self {
        case .tokenVariableMissing(let name):
            "export \(name) with the bearer token, or set source.token_file to a file holding it"
        case .tokenFileUnreadable: "the file should hold the bearer token alone (mode 0600)"
        case .tokenFile(let failure): failure.hint
        case .unauthorized(401, _, _): "check the token in source.token_env or source.token_file; it may have expired"
        case .unauthorized: "grant the token read access to Users (and Groups when group rules are used)"
        case .unexpectedStatus(404, _, _, _):
            "check source.url: it is the SCIM base, e.g. https://idp.example.com/scim/v2"
        case .retriesExhausted, .retryAfterTooLong:
            "the server is failing or throttling; nothing was changed, try later"
        case .startIndexIgnored, .noProgress:
            "set source.pagination: cursor if the server supports it; nothing was changed"
        case .unstableListing: "the directory changed during the read; retry, or use source.pagination: cursor"
        case .cursorNotSupported: "set source.pagination: auto or index"
        case .emptyListing:
            "nothing was changed; check source.filter, or set source.allow_empty: true if the directory is really empty"
        case .filterRejected: "fix source.filter (RFC 7644 §3.4.2.2 syntax), or remove it"
        case .groupsNotServed: "set source.groups: auto or user to read groups from User.groups"
        default: "nothing was changed: a failed or partial SCIM read never produces a plan"
        }
    }

    private static func quoted(_ detail: String?) -> String {
        guard let detail, !detail.isEmpty else { return "" }
        let line = detail.split(whereSeparator: \.isNewline).first.map(String.init) ?? detail
        return ": \(line.count > 200 ? String(line.prefix(200)) + "…" : line)"
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? "\((value * 10).rounded() / 10) s" : "\(Int(value.rounded())) s"
    }
}
