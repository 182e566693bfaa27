import Foundation
import Testing

@testable import DirectorySync

/// dirsync's JSON encoder against Foundation's, on every shape the views produce and the awkward cases.
@Suite struct JSONTextTests {
    struct Inner: Codable, Equatable {
        let name: String
        let count: Int
        let flag: Bool
    }

    /// Written field by field so that Foundation, which leaves out what `encodeIfPresent` is given as nil,
    /// prints the same keys (`missing` is encoded only when present).
    struct Sample: Encodable {
        let text: String
        let optional: String?
        let missing: String?
        let number: Int64
        let negative: Int
        let list: [Inner]
        let empty: [Int]
        let emptyObject: [String: Int]
        let map: [String: Int]
        let nested: [[String]]
        let inner: Inner?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(optional, forKey: .optional)
            if let missing { try container.encode(missing, forKey: .missing) }
            try container.encode(number, forKey: .number)
            try container.encode(negative, forKey: .negative)
            try container.encode(list, forKey: .list)
            try container.encode(empty, forKey: .empty)
            try container.encode(emptyObject, forKey: .emptyObject)
            try container.encode(map, forKey: .map)
            try container.encode(nested, forKey: .nested)
            try container.encode(inner, forKey: .inner)
        }

        enum CodingKeys: String, CodingKey {
            case text, optional, missing, number, negative, list, empty
            case emptyObject = "empty_object"
            case map, nested
            case inner
        }
    }

    static let samples: [Sample] = [
        Sample(
            text: "plain", optional: nil, missing: nil, number: 9_007_199_254_740_993, negative: -3,
            list: [Inner(name: "a", count: 1, flag: true), Inner(name: "b", count: 0, flag: false)], empty: [],
            emptyObject: [:], map: ["zeta": 1, "alpha": 2, "Beta": 3, "a10": 4, "a9": 5, "_x": 6], nested: [[], ["x"]],
            inner: nil),
        Sample(
            text:
                "quotes \" backslash \\ slash / tab \t newline \n return \r bell \u{07} nul \u{0} unit \u{1F} del \u{7F}",
            optional: "ünïcödé 名前 🙂 e\u{301}", missing: "here", number: 0, negative: Int.min,
            list: [], empty: [1, 2], emptyObject: [:], map: [:], nested: [["a", "b"], []],
            inner: Inner(name: "<tag> & 'apostrophe'", count: Int.max, flag: true)),
    ]

    private func foundation(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [true, false])
    func matchesFoundationByteForByte(pretty: Bool) throws {
        for sample in Self.samples {
            #expect(try JSONText(pretty: pretty).string(sample) == foundation(sample, pretty: pretty))
        }
        #expect(try JSONText(pretty: pretty).string([Inner]()) == foundation([Inner](), pretty: pretty))
        #expect(try JSONText(pretty: pretty).string("top") == foundation("top", pretty: pretty))
    }

    /// A synthesized encoder leaves nil optionals out with Foundation; dirsync writes every key, nil as null.
    @Test func nilOptionalsAreNullNotLeftOut() throws {
        struct Row: Codable, Equatable {
            let name: String?
            let count: Int?
            let inner: Inner?
        }
        #expect(try foundation(Row(name: nil, count: nil, inner: nil), pretty: false) == "{}")
        #expect(
            try JSONText(pretty: false).string(Row(name: nil, count: nil, inner: nil))
                == #"{"count":null,"inner":null,"name":null}"#)
        let full = Row(name: "a", count: 1, inner: Inner(name: "b", count: 2, flag: true))
        #expect(try JSONText(pretty: false).string(full) == foundation(full, pretty: false))
        let empty = Data(try JSONText(pretty: false).encode(Row(name: nil, count: nil, inner: nil)))
        #expect(try JSONDecoder().decode(Row.self, from: empty) == Row(name: nil, count: nil, inner: nil))
    }

    @Test func whatItWritesFoundationReadsBack() throws {
        let inner = [Inner(name: "x\"y\\z/\n", count: -1, flag: false)]
        let data = Data(try JSONText(pretty: true).encode(inner))
        #expect(try JSONDecoder().decode([Inner].self, from: data) == inner)
    }
}
