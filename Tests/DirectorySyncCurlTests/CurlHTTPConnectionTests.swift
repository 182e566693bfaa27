import DirectorySync
import DirectorySyncCurl
import Foundation
import Testing

/// The libcurl connection on its own, against a listener that takes connections and never answers.
@Suite struct CurlHTTPConnectionTests {
    /// A TCP port on 127.0.0.1 whose connections complete (the kernel's backlog) but are never answered.
    final class SilentListener {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            try #require(bound == 0 && listen(descriptor, 8) == 0)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            self.descriptor = descriptor
            port = UInt16(bigEndian: address.sin_port)
        }

        func url(_ path: String = "/v2/Users") throws -> URL {
            try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        }

        deinit { close(descriptor) }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let listener = try SilentListener()
        await #expect(throws: HTTPFailure.timedOut) {
            try await CurlHTTPConnection(idleTimeout: 1).perform(HTTPRequest(url: try listener.url()))
        }
    }

    @Test func cancellingTheTaskAbortsTheRequest() async throws {
        let listener = try SilentListener()
        let client = CurlHTTPConnection(idleTimeout: 60)
        let request = Task { try await client.perform(HTTPRequest(url: try listener.url())) }
        try await Task.sleep(for: .milliseconds(300))
        request.cancel()
        // Cancelled, not timed out: the idle timeout (60 s) is never what ends it, however slow the machine.
        await #expect(throws: HTTPFailure.cancelled) { try await request.value }
    }

    @Test func nobodyListeningIsConnectionRefused() async throws {
        let url = try SilentListener().url()  // closed again at once
        await #expect(throws: HTTPFailure.connectionRefused) {
            try await CurlHTTPConnection(idleTimeout: 5).perform(HTTPRequest(url: url))
        }
    }
}
