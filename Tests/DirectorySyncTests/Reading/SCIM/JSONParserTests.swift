import Testing

@testable import DirectorySync

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func documentsParseToTheirValues() throws {
        let value = try parse(#" { "a" : [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": [] } "#)
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
        #expect(value["e"] == .array([]))
        #expect(try parse("0") == .number("0"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""tab\there""#, "tab\there"),
        (#""quote \" slash \/ back \\""#, "quote \" slash / back \\"),
        (#""\u00e9t\u00C9""#, "étÉ"),
        (#""\ud83d\ude00 grin""#, "😀 grin"),
        (#""lone \ud83d high""#, "lone \u{FFFD} high"),
        (#""lone \ude00 low""#, "lone \u{FFFD} low"),
        ("\"raw é UTF-8\"", "raw é UTF-8"),
        (#""\b\f\n\r""#, "\u{8}\u{C}\n\r"),
    ])
    func stringsUnescape(_ json: String, _ expected: String) throws {
        #expect(try parse(json) == .string(expected))
    }

    @Test(arguments: [
        (#"{"a":1"#, 6, "unexpected end of data (the body is truncated)"),
        (#"{"a":tru"#, 8, "unexpected end of data (the body is truncated)"),
        (#"{"a":"abc"#, 9, "unexpected end of data (the body is truncated)"),
        (#"[1,"#, 3, "unexpected end of data (the body is truncated)"),
        (#"[1,]"#, 3, "unexpected character ']'"),
        (#"{"a" 1}"#, 5, "expected ':' after a member name"),
        (#"{a:1}"#, 1, "expected a quoted member name"),
        (#"01"#, 0, "a number may not start with 0"),
        (#"-"#, 1, "unexpected end of data (the body is truncated)"),
        (#"[1] x"#, 4, "unexpected data after the document"),
        (#"{"a":nul}"#, 8, "unexpected character '}'"),
        (#""\x""#, 2, #"unknown escape '\x'"#),
        ("\"a\u{1}b\"", 2, "control character in a string"),
        ("<html>", 0, "unexpected character '<'"),
        ("", 0, "unexpected end of data (the body is truncated)"),
    ])
    func malformedDocumentsSayWhereAndWhy(_ json: String, _ offset: Int, _ problem: String) {
        #expect(throws: JSONParser.Failure(offset: offset, problem: problem)) { try parse(json) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func keysAreFoundIgnoringCaseAndTheFirstWins() throws {
        let value = try parse(#"{"Resources": [1], "resources": [2], "userName": "a", "ÜBER": 1}"#)
        #expect(value["resources"] == .array([.number("1")]))
        #expect(value["RESOURCES"] == .array([.number("1")]))
        #expect(value["USERNAME"] == .string("a"))
        #expect(value["über"] == nil)  // only ASCII folds, as RFC 7643 attribute names are ASCII
        #expect(value["missing"] == nil)
        #expect(try parse(#"{"a": null}"#)["a"] == nil)
    }

    @Test(arguments: [
        ("true", true), ("false", false), (#""True""#, true), (#""FALSE""#, false), (#"" yes ""#, true),
        (#""no""#, false), ("1", true), ("0", false), ("1.0", true), (#""1""#, true), (#""0""#, false),
    ])
    func booleansAreReadLeniently(_ json: String, _ expected: Bool) throws {
        #expect(try parse(json).lenientBool == expected)
    }

    @Test(arguments: ["null", "2", #""maybe""#, "[]", "{}", #""""#])
    func notABooleanIsUnknown(_ json: String) throws {
        #expect(try parse(json).lenientBool == nil)
    }

    @Test func numbersAndTextConvert() throws {
        #expect(try parse("400").lenientInt == 400)
        #expect(try parse(#""400""#).lenientInt == 400)
        #expect(try parse("4e2").lenientInt == 400)
        #expect(try parse("4.5").lenientInt == nil)
        #expect(try parse("12345").text == "12345")
        #expect(try parse("true").text == "true")
        #expect(try parse("[1]").text == nil)
        #expect(try parse(#""one""#).elements == [.string("one")])
        #expect(try parse("null").elements == [])
    }
}
