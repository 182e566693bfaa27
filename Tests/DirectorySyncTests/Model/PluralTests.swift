import DirectorySyncTesting
import Testing

@testable import DirectorySync

/// Counts read as English: one is singular, everything else plural.
@Suite struct PluralTests {
    @Test(
        arguments: [
            (0, "member", nil, "0 members"), (1, "member", nil, "1 member"), (2, "member", nil, "2 members"),
            (1, "person", "people", "1 person"), (3, "person", "people", "3 people"),
            (1, "entry", "entries", "1 entry"),
            (-1, "attempt", nil, "-1 attempts"),
        ] as [(Int, String, String?, String)])
    func oneIsSingularEverythingElsePlural(_ count: Int, _ singular: String, _ plural: String?, _ expected: String) {
        #expect(Plural.count(count, singular, plural) == expected)
    }

    @Test func theDeletionLimitSaysPersonForOne() throws {
        let blocked = Planner.block(
            deletions: 1, snapshot: Build.snapshot(members: [Build.member("bo@acme.com")]),
            policy: SyncPolicy(maxDeletions: 0, maxDeletionRatio: 1), sourceUsers: 10, lastSourceUsers: nil)
        #expect(
            try #require(blocked).reason.hasPrefix(
                "the plan revokes, removes, downgrades or ungrants 1 person, more than"))
    }
}
