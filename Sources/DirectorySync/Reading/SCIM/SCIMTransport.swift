import Foundation

/// The HTTP side of the SCIM client: GET with the bearer token and SCIM media types, timeouts, and retries
/// with exponential back-off and jitter that honour `Retry-After` on 429 and 503, bounded in attempts and
/// in total time. 401 and 403 stop at once.
public struct SCIMTransport: Sendable {
    /// One answer: the status, the headers dirsync reads, and the body.
    public struct Response: Sendable {
        /// The HTTP status code; `get` throws for 401 and 403 rather than return them.
        public let status: Int
        /// The `Content-Type` header as sent, parameters included; nil when the server sent none.
        public let contentType: String?
        /// The body's bytes as received, not yet parsed.
        public let body: Data
    }

    /// How hard to try before giving up on one request.
    public struct RetryPolicy: Sendable, Equatable {
        /// Attempts in all, the first included.
        public var maxAttempts: Int
        /// The first back-off delay, doubled after each failure.
        public var baseDelay: Double
        /// The longest single back-off delay (a `Retry-After` may ask for more, within the budget).
        public var maxDelay: Double
        /// The most time one request may take over all its attempts and waits.
        public var budget: Double

        /// A policy with these limits, delays and budget in seconds: by default 6 attempts, 0.5 s doubling up to
        /// 30 s, 120 s in all.
        public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, budget: Double = 120) {
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.budget = budget
        }

        /// The back-off before attempt `attempt + 1` (attempt ≥ 1), with jitter `unit` in 0…1: half fixed,
        /// half random ("equal jitter"), so clients that failed together do not retry together.
        func backOff(after attempt: Int, unit: Double) -> Double {
            Backoff(first: baseDelay, maximum: maxDelay, jitter: .equal).delay(afterFailures: attempt, unit: unit)
        }
    }

    /// Waiting and time, passed in so tests retry without waiting.
    public struct Pacing: Sendable {
        /// Waits `seconds`.
        public var sleep: @Sendable (Double) async throws -> Void
        /// A monotonic reading in seconds, for the budget.
        public var elapsed: @Sendable () -> Double
        /// The wall clock, for `Retry-After` HTTP-dates.
        public var now: @Sendable () -> Date
        /// A random number in 0…1, for jitter.
        public var jitter: @Sendable () -> Double

        /// Pacing from these clocks and waits; tests pass ones that return at once.
        public init(
            sleep: @escaping @Sendable (Double) async throws -> Void, elapsed: @escaping @Sendable () -> Double,
            now: @escaping @Sendable () -> Date, jitter: @escaping @Sendable () -> Double
        ) {
            self.sleep = sleep
            self.elapsed = elapsed
            self.now = now
            self.jitter = jitter
        }

        /// Real time.
        public static var live: Pacing {
            let clock = ContinuousClock()
            let start = clock.now
            return Pacing(
                sleep: { seconds in try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded()))) },
                elapsed: {
                    let duration = start.duration(to: clock.now)
                    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                },
                now: { Date() }, jitter: { Double.random(in: 0...1) })
        }
    }

    let token: SCIMToken
    let connection: any HTTPConnection
    let retry: RetryPolicy
    let pacing: Pacing

    /// A transport with a connection of its own opened through `http`; `timeout` bounds each request's
    /// silences (twice it, the whole).
    public init(
        token: SCIMToken, http: any HTTPTransport, timeout: Double = 60, retry: RetryPolicy = RetryPolicy(),
        pacing: Pacing = .live
    ) {
        self.token = token
        self.connection = http.connection(idleTimeout: timeout)
        self.retry = retry
        self.pacing = pacing
    }

    /// Nothing to release early: the connection closes with the last reference to the transport.
    public func close() {}

    /// GETs `url`. Retries network failures, 429 and 5xx (500, 502, 503, 504) within the policy; throws at
    /// once on 401/403; returns every other answer (2xx, and 4xx/501 for the caller to interpret).
    public func get(_ url: URL, at location: SCIMRequestLocation) async throws(SCIMError) -> Response {
        let request = HTTPRequest(
            url: url,
            headers: [
                "Accept: application/scim+json, application/json;q=0.9", "Authorization: \(token.authorization)",
                "User-Agent: dirsync/0.1",
            ])

        let started = pacing.elapsed()
        var attempt = 0
        var waited = 0.0
        while true {
            attempt += 1
            let problem: String
            var retryAfter: Double?
            let outcome: Result<HTTPResponse, HTTPFailure>
            do {
                outcome = .success(try await connection.perform(request))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .failure(.cancelled):
                throw .retriesExhausted(at: location, attempts: attempt, waited: waited, lastProblem: "cancelled")
            case .failure(let failure):
                problem = failure.description
            case .success(let http):
                let answer = Response(status: http.status, contentType: http.headers["content-type"], body: http.body)
                switch http.status {
                case 401, 403:
                    throw .unauthorized(status: http.status, at: location, detail: SCIMErrorBody(answer).summary)
                case 429, 500, 502, 503, 504:
                    problem = "HTTP \(http.status)" + (SCIMErrorBody(answer).summary.map { " (\($0))" } ?? "")
                    retryAfter = http.headers["retry-after"].flatMap { RetryAfter.seconds($0, now: pacing.now()) }
                    if ![429, 503].contains(http.status) { retryAfter = nil }
                default:
                    return answer
                }
            }

            let spent = pacing.elapsed() - started
            if let retryAfter, retryAfter > retry.budget {
                throw SCIMError.retryAfterTooLong(at: location, seconds: retryAfter, budget: retry.budget)
            }
            let delay = retryAfter ?? retry.backOff(after: attempt, unit: pacing.jitter())
            guard attempt < retry.maxAttempts, spent + delay <= retry.budget else {
                throw SCIMError.retriesExhausted(at: location, attempts: attempt, waited: spent, lastProblem: problem)
            }
            do {
                try await pacing.sleep(delay)
            } catch {
                throw SCIMError.retriesExhausted(at: location, attempts: attempt, waited: spent, lastProblem: problem)
            }
            waited += delay
        }
    }

}

/// What an error answer says, whatever shape it has: a SCIM Error (`status` as a string or a number, or
/// missing), other JSON, an HTML page, or plain text.
struct SCIMErrorBody {
    let scimType: String?
    let detail: String?

    init(_ response: SCIMTransport.Response) {
        if let json = try? JSONValue.parse(response.body), case .object = json {
            scimType = json["scimType"]?.text
            detail =
                json["detail"]?.text ?? json["message"]?.text ?? json["error_description"]?.text
                ?? json["error"]?.text
            return
        }
        scimType = nil
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
        if text.range(of: "<html", options: .caseInsensitive) != nil
            || (response.contentType ?? "").lowercased().contains("html")
        {
            let title = text.range(of: "<title>", options: .caseInsensitive).flatMap { start in
                text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex).map {
                    String(String(text[start.upperBound..<$0.lowerBound]).trimmingWhitespace)
                }
            }
            detail = "an HTML page" + (title.map { " titled '\($0)'" } ?? "")
        } else {
            let line = text.split(whereSeparator: \.isNewline).first.map {
                String($0.trimmingCharacters(in: .whitespaces))
            }
            detail = line.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// `scimType: detail`, or whichever of the two there is.
    var summary: String? {
        switch (scimType, detail) {
        case (let type?, let detail?): "\(type): \(detail)"
        case (let type?, nil): type
        case (nil, let detail?): detail
        case (nil, nil): nil
        }
    }
}
