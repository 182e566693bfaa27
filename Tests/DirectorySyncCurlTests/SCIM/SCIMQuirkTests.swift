import DirectorySyncCurl
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The quirks of real SCIM servers that scim2-server normalises away, served from recorded pages
/// (`Fixtures/scim/`) by a local replay server: lenient reads succeed completely, and every failure mode
/// ends in a located error, never in a shorter user list.
@Suite struct SCIMQuirkTests {
    struct Run {
        let server: SCIMReplayServer
        let pacing: ImmediatePacing
        let outcome: Result<SCIMDirectory, SCIMError>

        func directory() throws -> SCIMDirectory { try outcome.get() }

        func error() throws -> SCIMError {
            switch outcome {
            case .success(let directory):
                Issue.record("expected an error, read \(directory.users.count) users")
                throw SCIMTestServer.Unavailable(description: "no error")
            case .failure(let error): return error
            }
        }
    }

    private func read(
        _ scenario: String, wantsGroups: Bool = false, _ configure: (inout SCIMSettings) -> Void = { _ in }
    ) async throws -> Run {
        let server = try SCIMReplayServer(scenario: scenario)
        let pacing = ImmediatePacing()
        var settings = SCIMSettings(baseURL: server.baseURL, pageSize: 5)
        configure(&settings)
        let transport = SCIMTransport(
            token: SCIMToken("replay-token"), http: CurlHTTPTransport(), timeout: 10, retry: settings.retry,
            pacing: pacing.pacing)
        defer { transport.close() }
        let client = SCIMClient(settings: settings, transport: transport)
        let outcome: Result<SCIMDirectory, SCIMError>
        do {
            outcome = .success(try await client.readUsers(wantsGroups: wantsGroups))
        } catch {
            outcome = .failure(error)
        }
        return Run(server: server, pacing: pacing, outcome: outcome)
    }

    private func userNames(_ directory: SCIMDirectory) -> [String] {
        directory.users.compactMap(\.userName).sorted()
    }

    private let all14 = (1...14).map { String(format: "user%05d@example.com", $0) }

    private func user(_ number: Int, in directory: SCIMDirectory) throws -> SCIMResource {
        try #require(directory.users.first { $0.userName == String(format: "user%05d@example.com", number) })
    }

    // MARK: - Read completely

    @Test func wellFormedRecordingReadsEveryUserAndEndsOnTheEmptyPage() async throws {
        let run = try await read("well-formed")
        let directory = try run.directory()
        #expect(userNames(directory) == all14)
        #expect(directory.pagination == "index")
        #expect(directory.pages == 4)
        let pages = try await run.server.requests().filter { $0.path == "/v2/Users" }
        #expect(pages.map { $0.query["startIndex"] ?? [] } == [["1"], ["6"], ["11"], ["15"]])
        #expect(pages.allSatisfy { $0.query["count"] == ["5"] })
        #expect(pages.allSatisfy { $0.authorization == "Bearer replay-token" })
        #expect(pages.allSatisfy { $0.accept?.contains("application/scim+json") == true })
    }

    @Test func lowerCaseResourcesAndAttributeNamesInAnyCase() async throws {
        let directory = try await read("lowercase-keys").directory()
        #expect(userNames(directory) == all14)
        let seventh = try user(7, in: directory)
        #expect(seventh.isActive == false)
        #expect(seventh.emails == ["user00007@example.com"])
        #expect(seventh.givenName == "Given7")
        #expect(seventh.externalId == "ext-7")
        #expect(seventh.attributes()["displayname"] == ["Given7 Family7"])
        let thirteenth = try user(13, in: directory)
        #expect(thirteenth.emails == ["user00013@example.com", "u13@personal.example"])
    }

    @Test func lenientValuesAndEmailShapes() async throws {
        let directory = try await read("lenient-values").directory()
        #expect(userNames(directory) == all14)
        #expect(try user(1, in: directory).isActive == true)  // "True"
        #expect(try user(2, in: directory).isActive == false)  // "False"
        #expect(try user(3, in: directory).isActive == true)  // 1
        #expect(try user(4, in: directory).isActive == false)  // 0
        #expect(try user(5, in: directory).isActive == nil)  // absent: unknown, not false
        #expect(try user(6, in: directory).externalId == "6006")
        #expect(try user(7, in: directory).emails == ["second.choice@example.com", "user00007@example.com"])
        #expect(try user(8, in: directory).emails == ["user00008@example.com", "other8@example.com"])
        #expect(try user(9, in: directory).emails == ["user00009@example.com"])
        #expect(try user(10, in: directory).emails == ["user00010@example.com"])  // work, no primary
        #expect(try user(11, in: directory).emails == ["user00011@example.com"])  // empty primary skipped
        #expect(try user(12, in: directory).emails == [])
        let thirteenth = try user(13, in: directory).attributes()
        #expect(thirteenth["manager"] == ["0000dead0000beef"])
        #expect(thirteenth["manager.displayname"] == ["Gone Manager"])
        #expect(thirteenth["department"] == ["Sales"])
        #expect(thirteenth["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department"] == ["Sales"])
        #expect(thirteenth["badge"] == ["4711"])
        #expect(thirteenth["urn:example:params:scim:schemas:extension:acme:2.0:user:site"] == ["Lyon"])
        let fourteenth = try user(14, in: directory).attributes()
        #expect(fourteenth["department"] == nil)
        #expect(fourteenth["meta.created"] == nil)
        #expect(fourteenth["username"] == ["user00014@example.com"])
    }

    @Test func totalResultsThatLieDoNotEndTheListing() async throws {
        let directory = try await read("total-lies").directory()
        #expect(userNames(directory) == all14)
        #expect(directory.diagnostics.contains { $0.message.contains("totalResults was lower") })
    }

    @Test func silentlyCappedPagesAdvanceByWhatArrived() async throws {
        let run = try await read("silent-cap")
        #expect(userNames(try run.directory()) == all14)
        let starts = try await run.server.requests().filter { $0.path == "/v2/Users" }.compactMap {
            $0.query["startIndex"]?.first
        }
        #expect(starts == ["1", "4", "7", "10", "13", "15"])
    }

    @Test func cursorsArePercentEncodedCountStaysFixedAndAnExpiredCursorRestarts() async throws {
        let run = try await read("cursor")
        let directory = try run.directory()
        #expect(userNames(directory) == all14)
        #expect(directory.pagination == "cursor")
        #expect(directory.total == nil)
        #expect(directory.diagnostics.contains { $0.message.contains("expiredCursor") })
        let pages = try await run.server.requests().filter { $0.path == "/v2/Users" }
        #expect(pages.allSatisfy { $0.query["count"] == ["5"] && $0.query["startIndex"] == nil })
        #expect(
            pages.map { $0.query["cursor"]?.first ?? "-" } == [
                "", "VZUTiy+J/5a=:1", "Zm9v+L2Jhcg==:2", "", "VZUTiy+J/5a=:1", "Zm9v+L2Jhcg==:2",
            ])
        #expect(pages[1].raw.contains("cursor=VZUTiy%2BJ%2F5a%3D%3A1"))
    }

    @Test func aServerThatIgnoresCursorsIsReadByIndex() async throws {
        let directory = try await read("cursor-ignored").directory()
        #expect(userNames(directory) == all14)
        #expect(directory.pagination == "index")
        #expect(directory.diagnostics.contains { $0.message.contains("ignored cursor pagination") })
    }

    @Test func aNextCursorIsFollowedEvenInIndexMode() async throws {
        let directory = try await read("forced-cursor") { $0.pagination = .index }.directory()
        #expect(userNames(directory) == all14)
        #expect(directory.pagination == "cursor")
    }

    @Test func retryAfterInSecondsAndAsAnHTTPDateIsHonoured() async throws {
        let run = try await read("retry-after")
        #expect(userNames(try run.directory()) == all14)
        let sleeps = run.pacing.sleeps
        #expect(sleeps.count == 2)
        #expect(sleeps.first == 2)
        // The test's clock stands 3 s before the HTTP-date, plus the 2 s it slept: 1 s are left.
        #expect(sleeps.last == 1, "the delay is the HTTP-date minus the client's own clock: \(sleeps)")
        let secondPages = try await run.server.requests().filter { $0.query["startIndex"] == ["6"] }
        #expect(secondPages.count == 3)
    }

    // MARK: - Servers without Groups

    /// No /ResourceTypes and a 404 for /Groups: the server has no groups endpoint. Users are read, from
    /// User.groups alone, with an info diagnostic; only a failed Users listing fails the read.
    @Test(arguments: [SCIMSettings.Pagination.auto, .index])
    func aServerWithoutGroupsIsReadFromTheUsersAlone(_ pagination: SCIMSettings.Pagination) async throws {
        let run = try await read("no-groups-endpoint", wantsGroups: true) { $0.pagination = pagination }
        let directory = try run.directory()
        #expect(userNames(directory) == all14)
        #expect(directory.groupsByUser == nil)
        let note = try #require(directory.diagnostics.first { $0.message.contains("no groups endpoint") })
        #expect(note.severity == .info)
        #expect(note.message.contains("User.groups alone"))
        let groupRequests = try await run.server.requests().filter { $0.path == "/v2/Groups" }
        #expect(groupRequests.count == 1)
    }

    @Test func groupsAskedForExplicitlyFromAServerWithoutThemIsAnError() async throws {
        let error = try await read("no-groups-endpoint", wantsGroups: true) { $0.groups = .groups }.error()
        #expect(error == .groupsNotServed(endpoint: "/Groups"))
        #expect(error.hint?.contains("source.groups: auto or user") == true)
    }

    /// A /Groups that answered once and then fails is a failed listing, whatever the status.
    @Test func aGroupsListingThatFailsAfterItsFirstPageFailsTheRead() async throws {
        let error = try await read("groups-fail-midlisting", wantsGroups: true).error()
        guard case .unexpectedStatus(404, let location, _, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
        #expect(location.url.contains("/Groups?startIndex=6"))
    }

    /// A Group resource type announced in /ResourceTypes whose endpoint answers 404 fails closed.
    @Test func anAnnouncedGroupsEndpointThatAnswers404FailsTheRead() async throws {
        let error = try await read("groups-announced-missing", wantsGroups: true).error()
        guard case .unexpectedStatus(404, let location, _, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 1)
        #expect(location.url.contains("/Groups?"))
    }

    // MARK: - Fail closed, with a location

    @Test func aServerThatIgnoresStartIndexFailsAtPageTwo() async throws {
        let error = try await read("startindex-ignored").error()
        guard case .startIndexIgnored(let location, let echoed) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
        #expect(location.url.contains("startIndex=6"))
        #expect(echoed == 1)
        #expect(error.description.contains("page 2 (GET http://127.0.0.1:"))
        #expect(error.hint?.contains("pagination: cursor") == true)
    }

    @Test func aRepeatedPageWithoutStartIndexIsNoProgress() async throws {
        let error = try await read("startindex-ignored-silent").error()
        guard case .noProgress(let location) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
    }

    @Test func aListingThatEndsShortOfTotalResultsFails() async throws {
        let error = try await read("short-listing").error()
        #expect(error == .shortListing(at: try #require(error.location), received: 10, total: 14))
        #expect(error.location?.page == 3)
    }

    @Test func aTruncatedBodyFailsAtItsPage() async throws {
        let error = try await read("truncated-body").error()
        guard case .malformedBody(let location, let problem) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
        #expect(location.url.contains("startIndex=6"))
        #expect(problem.contains("unexpected end of data"))
    }

    @Test func serviceUnavailableForeverExhaustsTheRetriesWithinTheBudget() async throws {
        let run = try await read("unavailable")
        let error = try run.error()
        guard case .retriesExhausted(let location, let attempts, _, let lastProblem) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
        #expect(attempts == SCIMTransport.RetryPolicy().maxAttempts)
        #expect(lastProblem == "HTTP 503 (Service Unavailable)")
        #expect(run.pacing.sleeps == Array(repeating: 1, count: attempts - 1))
    }

    @Test func theRetryBudgetBoundsTotalTime() async throws {
        let run = try await read("unavailable") {
            $0.retry = SCIMTransport.RetryPolicy(maxAttempts: 100, baseDelay: 0.5, maxDelay: 30, budget: 4.5)
        }
        guard case .retriesExhausted(_, let attempts, let waited, _) = try run.error() else {
            Issue.record("unexpected \(run.outcome)")
            return
        }
        #expect(attempts == 5)
        #expect(waited <= 4.5)
    }

    @Test func aPageThatFailsMidListingFailsTheRead() async throws {
        let run = try await read("page-fails")
        let error = try run.error()
        guard case .retriesExhausted(let location, _, _, let lastProblem) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 3)
        #expect(location.url.contains("startIndex=11"))
        #expect(lastProblem == "HTTP 500 (database connection lost)")
        // Back-off doubles (equal jitter at 0.5: three quarters of 0.5, 1, 2, 4, 8 s).
        #expect(run.pacing.sleeps == [0.375, 0.75, 1.5, 3, 6])
    }

    @Test func aRefusedFilterWithANumericStatusIsReported() async throws {
        let error = try await read("status-number") { $0.filter = "departmnet eq \"Sales\"" }.error()
        guard case .filterRejected(let location, let detail) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.url.contains("filter=departmnet%20eq%20%22Sales%22"))
        #expect(detail == "Field not found: departmnet")
    }

    @Test func anHTMLErrorPageStillReportsTheStatus() async throws {
        let error = try await read("html-not-found").error()
        guard case .unexpectedStatus(404, let location, nil, let detail) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 1)
        #expect(detail == "an HTML page titled '404 Not Found'")
        #expect(error.hint?.contains("source.url") == true)
    }

    @Test func forbiddenStopsAtOnceWithoutRetrying() async throws {
        let run = try await read("forbidden-html")
        let error = try run.error()
        guard case .unauthorized(403, _, let detail) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(detail == "an HTML page titled 'Access denied'")
        #expect(try await run.server.requests().count == 1)
        #expect(run.pacing.sleeps.isEmpty)
    }

    @Test func aCursorThatComesBackIsALoop() async throws {
        let error = try await read("cursor-loop").error()
        guard case .cursorLoop(let location) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(location.page == 2)
    }

    @Test func cursorOnlyAgainstAServerThatIgnoresCursorsFailsShort() async throws {
        let error = try await read("cursor-ignored") { $0.pagination = .cursor }.error()
        guard case .shortListing(_, let received, let total) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(received == 5)
        #expect(total == 14)
    }
}

extension SCIMError {
    /// Where the error happened, for the cases that have a request.
    var location: SCIMRequestLocation? {
        switch self {
        case .unauthorized(_, let at, _), .unexpectedStatus(_, let at, _, _), .retriesExhausted(let at, _, _, _),
            .retryAfterTooLong(let at, _, _), .malformedBody(let at, _), .notAListResponse(let at, _),
            .resourceWithoutID(let at, _), .startIndexIgnored(let at, _), .noProgress(let at), .cursorLoop(let at),
            .cursorRestartsExhausted(let at, _, _), .cursorNotSupported(let at), .shortListing(let at, _, _),
            .pageLimit(let at, _), .filterRejected(let at, _):
            at
        case .tokenVariableMissing, .tokenFileUnreadable, .tokenFile, .unstableListing, .emptyListing, .groupsNotServed:
            nil
        }
    }
}
