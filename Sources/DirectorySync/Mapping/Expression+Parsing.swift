extension Expression {
    /// A mistake in an expression, with the 1-based column it is at.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// Where in the expression, counted in characters from 1.
        public let column: Int
        /// What is wrong.
        public let problem: String

        /// `column 14: expected ')'`.
        public var description: String { "column \(column): \(problem)" }
    }

    /// The longest expression accepted, in characters.
    public static let maximumLength = 1000

    /// Parses `text`: `lower(sAMAccountName) + "@acme.com"`. Throws on a syntax error, an unknown function, a
    /// wrong number of arguments, an invalid or unsafe regular expression, or an expression past the limits.
    public init(parsing text: String) throws(ParseError) {
        guard text.count <= Self.maximumLength else {
            throw ParseError(column: Self.maximumLength, problem: "longer than \(Self.maximumLength) characters")
        }
        var parser = ExpressionParser(Array(text))
        self = try parser.parseWhole()
    }
}

/// A recursive-descent parser of the `computed:` language, its depth bounded by the node limit.
private struct ExpressionParser {
    let characters: [Character]
    var position = 0
    var nodes = 0

    init(_ characters: [Character]) { self.characters = characters }

    mutating func parseWhole() throws(Expression.ParseError) -> Expression {
        let expression = try concatenation()
        skipSpaces()
        guard position == characters.count else { throw error("unexpected '\(characters[position])'") }
        return expression
    }

    private func error(_ problem: String) -> Expression.ParseError {
        Expression.ParseError(column: position + 1, problem: problem)
    }

    private mutating func count() throws(Expression.ParseError) {
        nodes += 1
        if nodes > Expression.maximumNodes { throw error("more than \(Expression.maximumNodes) operations") }
    }

    private mutating func concatenation() throws(Expression.ParseError) -> Expression {
        var parts = [try postfix()]
        skipSpaces()
        while position < characters.count, characters[position] == "+" {
            position += 1
            try count()
            parts.append(try postfix())
            skipSpaces()
        }
        return parts.count == 1 ? parts[0] : .concat(parts)
    }

    private mutating func postfix() throws(Expression.ParseError) -> Expression {
        var expression = try primary()
        skipSpaces()
        while position < characters.count, characters[position] == "[" {
            position += 1
            try count()
            skipSpaces()
            let start = position
            if position < characters.count, characters[position] == "-" { position += 1 }
            while position < characters.count, characters[position].isASCII, characters[position].isNumber {
                position += 1
            }
            guard let index = Int(String(characters[start..<position])),
                (-Expression.maximumValues...Expression.maximumValues).contains(index)
            else {
                throw error("expected a position between -\(Expression.maximumValues) and \(Expression.maximumValues)")
            }
            skipSpaces()
            try expect("]")
            expression = .index(expression, index)
            skipSpaces()
        }
        return expression
    }

    private mutating func primary() throws(Expression.ParseError) -> Expression {
        skipSpaces()
        try count()
        guard position < characters.count else { throw error("expected a value, found the end") }
        let character = characters[position]
        if character == "\"" || character == "'" { return .literal(try string()) }
        if character == "(" {
            position += 1
            let inner = try concatenation()
            skipSpaces()
            try expect(")")
            return inner
        }
        guard Self.isNameStart(character) else { throw error("unexpected '\(character)'") }
        let start = position
        while position < characters.count, Self.isName(characters[position]) { position += 1 }
        let name = String(characters[start..<position])
        skipSpaces()
        guard position < characters.count, characters[position] == "(" else {
            return .attribute(AttributeName.normalize(name))
        }
        let column = start + 1
        position += 1
        var arguments: [Expression] = []
        skipSpaces()
        if position < characters.count, characters[position] != ")" {
            arguments.append(try concatenation())
            skipSpaces()
            while position < characters.count, characters[position] == "," {
                position += 1
                arguments.append(try concatenation())
                skipSpaces()
            }
        }
        try expect(")")
        return try call(name, arguments, column: column)
    }

    private func call(_ name: String, _ arguments: [Expression], column: Int) throws(Expression.ParseError)
        -> Expression
    {
        func fail(_ problem: String) -> Expression.ParseError {
            Expression.ParseError(column: column, problem: problem)
        }
        func literal(_ index: Int, _ what: String) throws(Expression.ParseError) -> String {
            guard case .literal(let text) = arguments[index] else {
                throw fail("\(name): the \(what) must be a quoted string")
            }
            return text
        }
        func arity(_ count: Int, _ usage: String) throws(Expression.ParseError) {
            guard arguments.count == count else { throw fail("\(name) takes \(usage)") }
        }
        switch name {
        case "lower", "upper", "trim":
            try arity(1, "one value")
            return name == "lower" ? .lower(arguments[0]) : name == "upper" ? .upper(arguments[0]) : .trim(arguments[0])
        case "replace":
            try arity(3, "a value, a regular expression and its replacement: replace(x, \"REGEX\", \"WITH\")")
            let source = try literal(1, "regular expression")
            let pattern: Condition.Pattern
            do {
                pattern = try Condition.Pattern(source)
            } catch {
                throw fail(
                    "replace: \(RegexSafety.problem(in: source) ?? "'\(source)' is not a valid regular expression")")
            }
            return .replace(arguments[0], pattern, try literal(2, "replacement"))
        case "split", "join":
            try arity(2, "a value and a separator: \(name)(x, \",\")")
            let separator = try literal(1, "separator")
            guard !separator.isEmpty else { throw fail("\(name): the separator is empty") }
            return name == "split" ? .split(arguments[0], separator) : .join(arguments[0], separator)
        case "coalesce":
            guard !arguments.isEmpty else { throw fail("coalesce takes one or more values") }
            return .coalesce(arguments)
        case "default":
            try arity(2, "a value and what to use without one: default(x, \"VALUE\")")
            return .fallback(arguments[0], try literal(1, "default"))
        default:
            throw fail(
                "unknown function '\(name)' (functions: lower, upper, trim, replace, split, join, coalesce, default)")
        }
    }

    private mutating func string() throws(Expression.ParseError) -> String {
        let quote = characters[position]
        let opening = position
        position += 1
        var text = ""
        while position < characters.count {
            let character = characters[position]
            position += 1
            if character == quote { return text }
            // A backslash escapes only the quote and itself; elsewhere (`\w` in a pattern) it is kept.
            if character == "\\", position < characters.count,
                characters[position] == quote || characters[position] == "\\"
            {
                text.append(characters[position])
                position += 1
                continue
            }
            text.append(character)
        }
        throw Expression.ParseError(column: opening + 1, problem: "the string is not closed with \(quote)")
    }

    private mutating func expect(_ character: Character) throws(Expression.ParseError) {
        guard position < characters.count, characters[position] == character else {
            throw error(
                position < characters.count
                    ? "expected '\(character)', found '\(characters[position])'"
                    : "expected '\(character)', found the end")
        }
        position += 1
    }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position] == " " || characters[position] == "\t" { position += 1 }
    }

    private static func isNameStart(_ character: Character) -> Bool { character.isLetter || character == "_" }

    private static func isName(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "_-;.".contains(character)
    }
}
