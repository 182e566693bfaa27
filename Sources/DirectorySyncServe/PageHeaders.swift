import DirectorySync
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Around every route: the security headers on every response, errors turned into short pages (never a
/// stack trace), and one access-log line per request naming the method, the path without its query (tokens
/// travel there), the status and the time taken.
struct PageHeaders<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    /// The policy every page is served under: nothing but the site's own stylesheet and form posts.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            response = PageServer.response(status, Pages.status(status.code, status.reasonPhrase))
        } catch {
            logger.error("page failed: \(type(of: error))", metadata: ["path": .string(request.uri.path)])
            response = PageServer.response(.internalServerError, Pages.status(500, "Something went wrong"))
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", milliseconds)) ms")
        return response
    }
}

extension HTTPField.Name {
    static let referrerPolicy = known("Referrer-Policy")
    static let xFrameOptions = known("X-Frame-Options")
    static let secFetchSite = known("Sec-Fetch-Site")
    static let xForwardedFor = known("X-Forwarded-For")

    /// A header name written in this file (a valid token by construction).
    private static func known(_ name: String) -> HTTPField.Name {
        guard let parsed = HTTPField.Name(name) else { preconditionFailure("not a header name: \(name)") }
        return parsed
    }
}
