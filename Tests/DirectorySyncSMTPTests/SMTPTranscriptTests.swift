import Testing

@testable import DirectorySyncSMTP

@Suite struct SMTPTranscriptTests {
    @Test func placeholder() { #expect(SMTPTranscript().reply == nil) }
}
