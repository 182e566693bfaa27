import CCurl
import DirectorySync
import Foundation

/// HTTP through libcurl: the transport the dirsync command gives the SCIM source and the webhook notifier.
public struct CurlHTTPTransport: HTTPTransport, CustomStringConvertible {
    /// The transport; each connection it opens is a libcurl easy handle of its own.
    public init() {}

    /// A new `CurlHTTPConnection` with these timeouts, in seconds.
    public func connection(idleTimeout: Double, totalTimeout: Double) -> any HTTPConnection {
        CurlHTTPConnection(idleTimeout: idleTimeout, totalTimeout: totalTimeout)
    }

    /// `libcurl HTTP`.
    public var description: String { "libcurl HTTP" }
}

/// HTTP through libcurl's easy interface: one handle per connection, so successive requests to a server reuse
/// its connection, and each request blocks a thread of the connection's own while curl waits in `poll`.
///
/// dirsync used Foundation's `URLSession` for this at first. On Linux it spins while it waits for an answer
/// (a dispatch source on the socket's always-true writability): listing 10,000 users from a server that
/// took 12 s cost 11.5 s of client CPU. Here waiting costs nothing.
///
/// Requests go one at a time (the handle is not shared between threads); a cancelled task aborts its
/// request within a second.
public final class CurlHTTPConnection: HTTPConnection, @unchecked Sendable {
    /// How long a request may wait: to connect, and between two pieces of the answer.
    public let idleTimeout: Double
    /// How long a whole request may take.
    public let totalTimeout: Double
    // Only touched on `queue`.
    private let handle: UnsafeMutableRawPointer?
    private let queue = DispatchQueue(label: "dirsync.http")

    /// A connection with these timeouts (in seconds); the whole request defaults to twice the silences.
    public init(idleTimeout: Double = 60, totalTimeout: Double? = nil) {
        self.idleTimeout = idleTimeout
        self.totalTimeout = totalTimeout ?? max(idleTimeout, 1) * 2
        handle = Curl.isReady ? curl_easy_init() : nil
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
    }

    /// Performs `request`; any HTTP status is an answer, only a missing answer throws.
    public func perform(_ request: HTTPRequest) async throws(HTTPFailure) -> HTTPResponse {
        let transfer = Transfer()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponse, HTTPFailure>, Never>) in
                queue.async { continuation.resume(returning: self.run(request, transfer)) }
            }
        } onCancel: {
            transfer.cancel()
        }
        return try result.get()
    }

    // MARK: - On the client's queue

    private func run(_ request: HTTPRequest, _ transfer: Transfer) -> Result<HTTPResponse, HTTPFailure> {
        guard let handle else { return .failure(.other("libcurl could not be initialised")) }
        if transfer.isCancelled { return .failure(.cancelled) }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        for line in request.headers + ["Expect:"] { headers = curl_slist_append(headers, line) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer[0] = 0
        defer { errorBuffer.deallocate() }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var options = [
            ccurl_setopt_string(handle, CURLOPT_URL, request.url.absoluteString),
            // Back to a plain GET (the handle may have POSTed before), then the method asked for.
            ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1),
            request.method == "GET"
                ? ccurl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
                : ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method),
            ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers),
            ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(idleTimeout * 1000)),
            ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1),
            ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(idleTimeout.rounded(.up)))),
            ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000)),
            // Redirects are followed over HTTP(S) only; curl sends the Authorization header to the same host only.
            ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1),
            ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 5),
            ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""),
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)),
            ccurl_setopt_write_callback(handle, bodyCallback),
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context),
            ccurl_setopt_header_callback(handle, headerCallback),
            ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context),
            ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0),
            ccurl_setopt_xferinfo_callback(handle, progressCallback),
            ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context),
        ]
        if let body = request.body {
            options.append(ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count))
            options += body.withUnsafeBytes { bytes in
                // curl copies the bytes before this returns.
                [
                    ccurl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                ]
            }
        }
        if let refused = options.first(where: { $0 != CURLE_OK }) {
            return .failure(.other("libcurl refused an option: \(String(cString: curl_easy_strerror(refused)))"))
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            var osError = 0
            _ = ccurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osError)
            return .failure(Self.failure(code, detail: detail, osError: osError, cancelled: transfer.isCancelled))
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
    }

    private static func failure(_ code: CURLcode, detail: String, osError: Int, cancelled: Bool) -> HTTPFailure {
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where cancelled: .cancelled
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_COULDNT_CONNECT where osError == Int(ECONNREFUSED): .connectionRefused
        case CURLE_COULDNT_CONNECT: .other("cannot connect: \(detail)")
        case CURLE_COULDNT_RESOLVE_HOST: .hostNotFound
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            .tls(detail)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: .connectionLost
        case CURLE_WEIRD_SERVER_REPLY: .notHTTP
        default: .other(detail)
        }
    }
}

/// libcurl's global state, set up once.
public enum Curl {
    /// Whether `curl_global_init` succeeded (it runs once, on first use).
    public static let isReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// One request's answer as it arrives, and whether its task was cancelled.
private final class Transfer: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    // Written by curl's callbacks on the client's queue, read there after the transfer.
    var body = Data()
    var headers: [String: String] = [:]

    var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() { lock.withLock { cancelled = true } }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100 Continue): only the last one's headers count.
            headers = [:]
            body = Data()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private let bodyCallback: ccurl_write_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.body.append(UnsafeRawBufferPointer(start: data, count: size * count).assumingMemoryBound(to: UInt8.self))
    return size * count
}

private let headerCallback: ccurl_write_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue().header(line)
    return size * count
}

private let progressCallback: ccurl_xferinfo_callback = { userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    return Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
}
