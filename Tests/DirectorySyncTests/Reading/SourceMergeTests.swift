import Foundation
import Testing

@testable import DirectorySync

/// The merge of several sources' reads, without files: who is the same person, which source wins each field,
/// what the provenance says, and what the counts and fingerprint become.
@Suite struct SourceMergeTests {
    private func user(
        _ anchor: String, _ email: String?, given: String? = nil, title: String? = nil, groups: [String] = [],
        active: Bool = true, source: String, line: Int
    ) throws -> DirectoryUser {
        DirectoryUser(
            anchor: anchor, email: try email.map { try EmailAddress($0) }, givenName: given,
            groups: groups.map { DirectoryUser.Group(id: $0, name: $0) }, isActive: active,
            attributes: title.map { ["title": [$0]] } ?? [:], location: SourceLocation(source: source, line: line))
    }

    private func part(_ name: String, _ users: [DirectoryUser], entries: Int? = nil, fingerprint: String = "f")
        -> SourceMerge.Part
    {
        SourceMerge.Part(
            name: name,
            read: DirectoryContents(
                kind: .csv, users: users, diagnostics: [],
                counts: DirectoryCounts(entries: entries ?? users.count, users: users.count), fingerprint: fingerprint))
    }

    @Test func eachFieldComesFromTheFirstSourceInItsOrderThatHasIt() throws {
        let hr = part(
            "hr", [try user("h1", "ann@example.com", title: "Counsel", groups: ["Legal"], source: "hr.csv", line: 2)])
        let ad = part(
            "ad",
            [
                try user(
                    "g1", "Ann@Example.com", given: "Ann", title: "Lawyer", groups: ["Staff", "Legal"], active: false,
                    source: "ad.ldif", line: 1)
            ])
        let badge = part("badge", [try user("b1", "ann@example.com", given: "Annie", source: "badge.csv", line: 5)])
        let precedence = SourcePrecedence(
            sources: ["hr", "ad", "badge"], byField: ["given_name": ["badge"], "active": ["ad"]])
        let merged = SourceMerge.merge([hr, ad, badge], precedence: precedence)
        let ann = try #require(merged.users.first)
        #expect(merged.users.count == 1)
        #expect(ann.anchor == "h1" && ann.location == SourceLocation(source: "hr.csv", line: 2))
        #expect(ann.givenName == "Annie")  // badge first for given_name
        #expect(ann.isActive == false)  // ad first for active
        #expect(ann.attributes["title"] == ["Counsel"])  // hr, first in the list
        #expect(ann.groups.map(\.name) == ["Legal", "Staff"])  // joined, each once
        let provenance = try #require(ann.provenance)
        #expect(provenance.sources == ["hr", "ad", "badge"])
        #expect(
            provenance.fields == [
                "anchor": "hr", "email": "hr", "given_name": "badge", "active": "ad", "title": "hr",
            ])
        #expect(provenance.summary == "anchor, email, title from hr; active from ad; given_name from badge")
        #expect(merged.counts == DirectoryCounts(entries: 3, users: 1, skipped: 0, disabled: 1))
    }

    @Test func anchorsMatchBeforeEmails() throws {
        // b's entry has a's anchor and c's address: the anchor decides, and c stays someone else... except that
        // c's address is taken by then, so the entry matches two people and is skipped.
        let first = part(
            "one",
            [
                try user("a", "a@example.com", source: "one", line: 1),
                try user("c", "c@example.com", source: "one", line: 2),
            ])
        let second = part(
            "two",
            [
                try user("a", "a.new@example.com", title: "T", source: "two", line: 1),
                try user("x", "c@example.com", source: "two", line: 2),
                try user("a", "c@example.com", source: "two", line: 3),
            ])
        let merged = SourceMerge.merge([first, second], precedence: SourcePrecedence(sources: ["one", "two"]))
        #expect(merged.users.map(\.anchor) == ["a", "c"])
        #expect(merged.users.map { $0.email?.canonical } == ["a@example.com", "c@example.com"])
        #expect(merged.users[0].attributes["title"] == ["T"])
        #expect(merged.users.allSatisfy { $0.provenance?.sources == ["one", "two"] })
        #expect(merged.counts.skipped == 1)
        #expect(merged.diagnostics.contains { $0.message.contains("two different people; this entry is skipped") })
    }

    @Test func theFingerprintFollowsEveryPart() throws {
        let a = part("a", [try user("1", "one@example.com", source: "a", line: 1)], fingerprint: "x")
        let b = part("b", [try user("2", "two@example.com", source: "b", line: 1)], fingerprint: "y")
        let changed = part("b", [try user("2", "two@example.com", source: "b", line: 1)], fingerprint: "z")
        let precedence = SourcePrecedence(sources: ["a", "b"])
        let before = SourceMerge.merge([a, b], precedence: precedence).fingerprint
        #expect(SourceMerge.merge([a, b], precedence: precedence).fingerprint == before)
        #expect(SourceMerge.merge([a, changed], precedence: precedence).fingerprint != before)
    }
}
