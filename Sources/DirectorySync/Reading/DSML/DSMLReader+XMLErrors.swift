extension DSMLHandler {
    /// libxml2's error numbers (`xmlParserErrors`) in words, for the common ones.
    static func meaning(ofXMLError code: Int) -> String {
        let words: [Int: String] = [
            4: "the document is empty", 5: "the document ends early, or has content after its end",
            80: "a comment holds '--'",
            8: "an invalid character reference", 9: "a character XML does not allow",
            23: "an entity reference without its ';'", 26: "an entity that nothing declares",
            38: "a '<' inside an attribute value", 39: "an attribute value without quotes",
            40: "an attribute value that is never closed", 41: "an attribute without a value",
            42: "an attribute given twice", 68: "a name is missing", 73: "a '>' is missing",
            74: "an end tag is missing", 76: "an end tag that does not match its start tag",
            77: "an element that is never closed", 81: "the declared encoding does not match the bytes",
        ]
        return words[code].map { "\($0) (XML error \(code))" } ?? "XML error \(code)"
    }
}
