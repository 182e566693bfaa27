import Foundation

/// Progress of a listing, reported after each page.
public struct SCIMProgress: Sendable, Equatable {
    /// `/Users` or `/Groups`.
    public let endpoint: String
    /// Pages read so far, this one included (a restarted listing counts from 1 again).
    public let pages: Int
    /// Distinct resources read so far.
    public let received: Int
    /// The server's latest `totalResults`, when it sends one.
    public let total: Int?
}

/// A complete listing of one endpoint.
struct SCIMListing {
    var resources: [SCIMResource]
    var pages: Int
    /// The last `totalResults` the server sent.
    var total: Int?
    /// `cursor` or `index`: how the listing was paged in the end.
    var pagination: String
    var notes: [String]
}

/// Reads every resource of one endpoint, page by page, and refuses anything short of a complete listing.
///
/// Index pagination asks `startIndex` and `count` explicitly, advances by the resources actually received
/// (never by `count` or `itemsPerPage`), dedupes by `id`, and ends only on an empty page: a short page or
/// `totalResults` alone never end it, because servers cap pages silently and lie in `totalResults`. A
/// server that ignores `startIndex` (another start echoed, or a page of resources already read) is an
/// error, as is a `totalResults` that changes under the listing (the directory changed: the listing is
/// restarted, at most twice). Cursor pagination sends `cursor` with a fixed `count`, follows `nextCursor`
/// until it is absent, and restarts from the first page on `invalidCursor`/`expiredCursor`/`invalidCount`
/// (at most twice). In any mode a `nextCursor` is followed when present (RFC 9865 §2.3).
struct SCIMPager {
    enum Method: Equatable {
        case index
        case cursor(fallBackToIndex: Bool)
    }

    let transport: SCIMTransport
    let baseURL: URL
    let endpoint: String
    let count: Int
    let attributes: [String]
    let filter: String?
    let progress: @Sendable (SCIMProgress) -> Void

    /// Restarts allowed after a rejected cursor, and after `totalResults` moved during an index listing.
    static let maxRestarts = 2
    /// A listing never needs more pages than this, whatever the server says.
    static let absolutePageLimit = 200_000

    private enum Outcome {
        case complete(SCIMListing)
        /// 404 before the endpoint ever answered a page: it does not exist on this server.
        case absent
        case fallBackToIndex(String)
        case restartCursor(SCIMRequestLocation, scimType: String)
        case unstable(first: Int, last: Int)
    }

    private enum Position {
        case index(Int)
        case cursor(String)
    }

    func list(_ method: Method) async throws(SCIMError) -> SCIMListing {
        guard let listing = try await list(method, absentWhenNotFound: false) else {
            throw .unexpectedStatus(
                status: 404, at: SCIMRequestLocation(url: url(for: .index(1)).absoluteString, page: 1), scimType: nil,
                detail: nil)
        }
        return listing
    }

    /// The listing, or nil when the endpoint answers 404 to its first request and has never answered a page:
    /// a server without that resource (a 404 after a page was served fails like any failed page).
    func list(_ method: Method, absentWhenNotFound: Bool) async throws(SCIMError) -> SCIMListing? {
        var method = method
        var answered = false
        var notes: [String] = []
        var cursorRestarts = 0
        var unstableRestarts = 0
        while true {
            switch try await listOnce(method, answered: &answered, absentWhenNotFound: absentWhenNotFound) {
            case .complete(var listing):
                listing.notes = notes + listing.notes
                return listing
            case .absent:
                return nil
            case .fallBackToIndex(let why):
                notes.append(why)
                method = .index
            case .restartCursor(let location, let scimType):
                cursorRestarts += 1
                guard cursorRestarts <= Self.maxRestarts else {
                    throw .cursorRestartsExhausted(at: location, scimType: scimType, restarts: Self.maxRestarts)
                }
                notes.append("\(endpoint): the server rejected a cursor (\(scimType)); the listing was restarted")
            case .unstable(let first, let last):
                unstableRestarts += 1
                guard unstableRestarts <= Self.maxRestarts else {
                    throw .unstableListing(
                        endpoint: endpoint, attempts: unstableRestarts, firstTotal: first, lastTotal: last)
                }
                notes.append(
                    "\(endpoint): totalResults went from \(first) to \(last) during the listing; it was read again")
            }
        }
    }

    private func listOnce(_ method: Method, answered: inout Bool, absentWhenNotFound: Bool) async throws(SCIMError)
        -> Outcome
    {
        var position: Position
        switch method {
        case .index: position = .index(1)
        case .cursor: position = .cursor("")
        }
        var seen = Set<String>()
        var resources: [SCIMResource] = []
        var seenCursors = Set<String>()
        var totals: [Int] = []
        var totalsCredible = true
        var usedCursor = false
        var largestPage = 0
        var pages = 0
        var location = SCIMRequestLocation(url: url(for: position).absoluteString, page: 1)

        while true {
            pages += 1
            let url = url(for: position)
            location = SCIMRequestLocation(url: url.absoluteString, page: pages)
            if pages > pageLimit(totals: totalsCredible ? totals : [], largestPage: largestPage) {
                throw .pageLimit(at: location, pages: pages - 1)
            }
            let response = try await transport.get(url, at: location)
            guard (200..<300).contains(response.status) else {
                if response.status == 404, absentWhenNotFound, !answered { return .absent }
                return try refusal(response, at: location, position: position, method: method, pages: pages)
            }
            answered = true
            let page = try SCIMListPage(body: Array(response.body), at: location)

            if case .cursor(let cursor) = position, cursor.isEmpty, case .cursor(true) = method,
                page.nextCursor == nil, let total = page.totalResults, total > page.resources.count
            {
                return .fallBackToIndex(
                    "\(endpoint): the server ignored cursor pagination (one page of \(page.resources.count) of \(total)); paged by index"
                )
            }
            if case .index(let start) = position, !page.resources.isEmpty, let echoed = page.startIndex,
                max(echoed, 1) != start
            {
                throw .startIndexIgnored(at: location, echoed: echoed)
            }

            var fresh = 0
            for (offset, object) in page.resources.enumerated() {
                guard let resource = SCIMResource(object, endpoint: String(endpoint.dropFirst())) else {
                    throw .resourceWithoutID(at: location, position: offset + 1)
                }
                if seen.insert(resource.id).inserted {
                    resources.append(resource)
                    fresh += 1
                }
            }
            largestPage = max(largestPage, page.resources.count)
            if let total = page.totalResults {
                // Room for the whole listing at once (the id set is not rehashed as it grows), within reason:
                // `totalResults` may lie.
                if totals.isEmpty, total > seen.count { seen.reserveCapacity(min(total, 1 << 22)) }
                totals.append(total)
                if total < resources.count { totalsCredible = false }
            }
            progress(
                SCIMProgress(endpoint: endpoint, pages: pages, received: resources.count, total: page.totalResults))
            if !page.resources.isEmpty, fresh == 0 { throw .noProgress(at: location) }

            if let next = page.nextCursor {
                guard seenCursors.insert(next).inserted else { throw .cursorLoop(at: location) }
                position = .cursor(next)
                usedCursor = true
                continue
            }
            switch position {
            case .cursor:
                break
            case .index(let start):
                if !page.resources.isEmpty {
                    position = .index(start + page.resources.count)
                    continue
                }
            }
            break
        }

        var notes: [String] = []
        if totalsCredible, let first = totals.first, let last = totals.last {
            let low = totals.min() ?? last
            let high = totals.max() ?? last
            if !usedCursor, low != high { return .unstable(first: first, last: last) }
            // With cursors a listing is consistent even while the directory changes; only the change seen
            // during the listing may be missing.
            if resources.count + (high - low) < last {
                throw .shortListing(at: location, received: resources.count, total: last)
            }
        } else if !totalsCredible {
            notes.append(
                "\(endpoint): the server's totalResults was lower than the resources it returned; it was not trusted")
        }
        return .complete(
            SCIMListing(
                resources: resources, pages: pages, total: totals.last, pagination: usedCursor ? "cursor" : "index",
                notes: notes))
    }

    /// What a non-2xx page means: a cursor to restart, a server without cursors, or an error.
    private func refusal(
        _ response: SCIMTransport.Response, at location: SCIMRequestLocation, position: Position, method: Method,
        pages: Int
    ) throws(SCIMError) -> Outcome {
        let body = SCIMErrorBody(response)
        let scimType = body.scimType?.lowercased()
        if case .cursor(let cursor) = position {
            if response.status == 400, let scimType,
                ["invalidcursor", "expiredcursor", "invalidcount"].contains(scimType)
            {
                return .restartCursor(location, scimType: body.scimType ?? scimType)
            }
            let unsupported = response.status == 501 || (response.status == 400 && scimType == "invalidvalue")
            if cursor.isEmpty, pages == 1, unsupported {
                guard case .cursor(true) = method else { throw .cursorNotSupported(at: location) }
                return .fallBackToIndex("\(endpoint): the server does not support cursor pagination; paged by index")
            }
        }
        if response.status == 400, scimType == "invalidfilter", filter != nil {
            throw .filterRejected(at: location, detail: body.detail)
        }
        throw .unexpectedStatus(status: response.status, at: location, scimType: body.scimType, detail: body.detail)
    }

    private func pageLimit(totals: [Int], largestPage: Int) -> Int {
        guard let total = totals.max(), largestPage > 0 else { return Self.absolutePageLimit }
        let needed = (total + largestPage - 1) / largestPage
        return min(Self.absolutePageLimit, 2 * needed + 10)
    }

    private func url(for position: Position) -> URL {
        var query: [(String, String)] = []
        switch position {
        case .index(let start): query.append(("startIndex", "\(start)"))
        case .cursor(let cursor): query.append(("cursor", cursor))
        }
        query.append(("count", "\(count)"))
        if !attributes.isEmpty { query.append(("attributes", attributes.joined(separator: ","))) }
        if let filter { query.append(("filter", filter)) }
        return SCIMPager.url(baseURL, endpoint, query)
    }

    /// `base` + `endpoint` with the query percent-encoded strictly: only RFC 3986 unreserved characters stay
    /// as they are, so cursors holding `+`, `/`, `=` or `:` arrive intact.
    static func url(_ base: URL, _ endpoint: String, _ query: [(String, String)]) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += endpoint
        if !query.isEmpty {
            text += "?" + query.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        }
        return URL(string: text) ?? base
    }

    static func percentEncoded(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }
}
