import Foundation
import Testing

@testable import DirectorySync

@Suite struct SCIMTransportTests {
    private let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test(arguments: [
        ("120", 120.0), ("0", 0), (" 5 ", 5), ("-3", 0), ("1.5", 1.5),
        ("Sun, 06 Nov 1994 08:49:47 GMT", 10),  // IMF-fixdate
        ("Sunday, 06-Nov-94 08:50:37 GMT", 60),  // RFC 850
        ("Sun Nov  6 08:51:37 1994", 120),  // asctime
        ("Sun, 06 Nov 1994 08:49:27 GMT", 0),  // in the past: no wait
        ("Thu, 01 Jan 2026 00:00:00 GMT", 983_113_823),
    ])
    func retryAfterReadsSecondsAndHTTPDates(_ value: String, _ seconds: Double) {
        #expect(RetryAfter.seconds(value, now: now) == seconds)
    }

    @Test(arguments: ["soon", "", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"])
    func anUnreadableRetryAfterIsIgnored(_ value: String) {
        #expect(RetryAfter.seconds(value, now: now) == nil)
    }

    @Test func backOffDoublesWithJitterUpToTheMaximum() {
        let policy = SCIMTransport.RetryPolicy(maxAttempts: 10, baseDelay: 0.5, maxDelay: 4, budget: 60)
        #expect((1...6).map { policy.backOff(after: $0, unit: 1) } == [0.5, 1, 2, 4, 4, 4])
        #expect((1...4).map { policy.backOff(after: $0, unit: 0) } == [0.25, 0.5, 1, 2])
    }

    @Test func queryValuesArePercentEncodedExceptUnreservedCharacters() {
        #expect(SCIMPager.percentEncoded("AZaz09-._~") == "AZaz09-._~")
        #expect(SCIMPager.percentEncoded("a+b/c=d:e f\"g") == "a%2Bb%2Fc%3Dd%3Ae%20f%22g")
        #expect(SCIMPager.percentEncoded("é") == "%C3%A9")
        let url = SCIMPager.url(
            URL(string: "https://idp.example.com/scim/v2/")!, "/Users", [("cursor", "x+y"), ("count", "100")])
        #expect(url.absoluteString == "https://idp.example.com/scim/v2/Users?cursor=x%2By&count=100")
    }

    @Test func theTokenNeverPrints() throws {
        let token = SCIMToken("s3cr3t-value")
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "SCIMToken(<redacted>)")
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("s3cr3t"))
        #expect(token.authorization == "Bearer s3cr3t-value")
    }

    @Test func tokensComeFromTheEnvironmentOrAFile() throws {
        #expect(try SCIMToken.fromEnvironment("T", environment: ["T": " abc\n"]) == SCIMToken("abc"))
        #expect(throws: SCIMError.tokenVariableMissing("T")) {
            try SCIMToken.fromEnvironment("T", environment: ["T": "  "])
        }
        #expect(throws: SCIMError.tokenVariableMissing("T")) { try SCIMToken.fromEnvironment("T", environment: [:]) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-token-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token")
        func write(_ text: String) throws {
            try text.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        }
        try write("tok-123\n")
        #expect(try SCIMToken.fromFile(file.path) == SCIMToken("tok-123"))
        try write(" \n")
        #expect(throws: SCIMError.tokenFileUnreadable(path: file.path, problem: "the file is empty")) {
            try SCIMToken.fromFile(file.path)
        }
        try write("one\ntwo\n")
        #expect(throws: SCIMError.tokenFileUnreadable(path: file.path, problem: "the file holds more than one line")) {
            try SCIMToken.fromFile(file.path)
        }
        let missing = folder.appendingPathComponent("nope").path
        #expect(throws: SCIMError.tokenFile(SecretFile.Failure(file: missing, problem: .missing))) {
            try SCIMToken.fromFile(missing)
        }
    }
}
