import DirectorySyncTesting
import Foundation
import GRDB
import Testing

@testable import DirectorySyncSQL
@testable import DirectorySyncSQLite

/// The store writes dates and JSON itself, for speed: they must be what GRDB and JSONEncoder would write.
@Suite struct StoredTextTests {
    @Test func datesAreWrittenAsGRDBWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_000_000.9995),
            Date(timeIntervalSince1970: 1_795_000_000.0004), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: -86_400.5), Date(timeIntervalSince1970: 4_102_444_799.999),
        ]
        for _ in 0..<2000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -1e9...4e9, using: &generator)))
        }
        for date in dates {
            let grdb = try #require(String.fromDatabaseValue(date.databaseValue))
            #expect(StoredText.date(date) == grdb, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func flatObjectsReadAsJSONDecoderReadsThem() throws {
        var generator = SeededGenerator(seed: 15)
        let alphabet: [String] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{7F}", "é", "€", "😀", "\u{2028}",
        ]
        for _ in 0..<500 {
            var object: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                let key = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }.joined()
                object[key] = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }.joined()
            }
            let text = StoredText.json(object)
            #expect(StoredText.flatObject(text) == object, "\(text)")
            #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == object)
        }
        // Escapes JSONEncoder would not write, and what is not a flat object of strings.
        #expect(StoredText.flatObject(#"{"a":"\u00e9\ud83d\ude00\/"}"#) == ["a": "é😀/"])
        for bad in [
            #"{"a":1}"#, #"{"a":"b""#, #"{"a":"b","a":"c"}"#, "[]",
            "{", #"{"a":"\x"}"#,
        ] {
            #expect(StoredText.flatObject(bad) == nil, "\(bad)")
        }
    }

    @Test func detailsAreWrittenAsJSONEncoderWritesThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let samples: [[String: String]] = [
            [:], ["b": "2", "a": "1", "B": "3", "a10": "x", "a9": "y"],
            ["reason": "quote \" backslash \\ slash / newline \n tab \t bell \u{07} é 名 🙂"],
        ]
        for sample in samples {
            #expect(StoredText.json(sample) == String(decoding: try encoder.encode(sample), as: UTF8.self))
        }
    }
}
