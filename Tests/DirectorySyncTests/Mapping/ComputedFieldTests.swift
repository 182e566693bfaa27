import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// The `computed:` language: each function, the limits, located errors, refused regular expressions, and
/// computed fields feeding the anchor, the email and the rules.
@Suite struct ComputedFieldTests {
    private static let entry = DirectoryEntry(
        location: SourceLocation(source: "t", line: 1),
        strings: [
            "sAMAccountName": ["  BoB "], "displayName": ["Bob van Brown"], "department": ["Sales EMEA"],
            "proxyAddresses": ["smtp:b@old.io", "SMTP:bob@acme.com"], "empty": [""],
        ])

    @Test(arguments: [
        ("lower(sAMAccountName)", ["  bob "]),
        ("upper(trim(sAMAccountName))", ["BOB"]),
        ("lower(trim(sAMAccountName)) + \"@acme.com\"", ["bob@acme.com"]),
        ("missing + \"@acme.com\"", []),
        ("split(displayName, \" \")", ["Bob", "van", "Brown"]),
        ("split(displayName, \" \")[0]", ["Bob"]),
        ("split(displayName, \" \")[-1]", ["Brown"]),
        ("split(displayName, \" \")[7]", []),
        ("join(proxyAddresses, \";\")", ["smtp:b@old.io;SMTP:bob@acme.com"]),
        ("replace(department, \"^(\\w+) .*$\", \"$1\")", ["Sales"]),
        ("replace(proxyAddresses, \"^smtp:\", \"\")", ["b@old.io", "SMTP:bob@acme.com"]),
        ("coalesce(missing, empty, department)", ["Sales EMEA"]),
        ("coalesce(missing, empty)", []),
        ("default(missing, \"none\")", ["none"]),
        ("default(department, \"none\")", ["Sales EMEA"]),
        ("'single' + \"double\"", ["singledouble"]),
        ("\"a \\\"quoted\\\" word\"", ["a \"quoted\" word"]),
        ("(lower(displayName))", ["bob van brown"]),
        ("replace(department, \"S\", \"$9\")", ["ales EMEA"]),
        ("replace(department, \"S\", \"$\")", ["$ales EMEA"]),
        ("replace(department, \"S\", \"\\\\\")", ["ales EMEA"]),
    ])
    func eachFunctionDoesWhatTheReferenceSays(_ source: String, _ expected: [String]) throws {
        let expression = try Expression(parsing: source)
        #expect(expression.evaluate(Self.entry) == expected, "\(source)")
    }

    @Test(arguments: [
        ("lower(", "column 7: expected ')', found the end"),
        ("lower(a, b)", "column 1: lower takes one value"),
        ("shout(a)", "column 1: unknown function 'shout'"),
        ("split(a, b)", "column 1: split: the separator must be a quoted string"),
        ("split(a, \"\")", "column 1: split: the separator is empty"),
        ("a[x]", "column 3: expected a position"),
        ("a[-9223372036854775808]", "expected a position between -256 and 256"),
        ("a[99999999999999999999999]", "expected a position between -256 and 256"),
        ("a +", "column 4: expected a value, found the end"),
        ("\"open", "column 1: the string is not closed"),
        ("a b", "column 3: unexpected 'b'"),
        ("replace(a, \"(\", \"\")", "column 1: replace: '(' is not a valid regular expression"),
        ("replace(a, \"(a+)+$\", \"\")", "column 1: replace: '(a+)+$': a repeated group that itself repeats"),
        ("replace(a, \"(a|aa)*\", \"\")", "a repeated group that itself repeats or alternates"),
        ("replace(a, \"(.*)\\\\1\", \"\")", "backreferences are not allowed"),
    ])
    func mistakesNameTheColumn(_ source: String, _ expected: String) {
        #expect(throws: Expression.ParseError.self) { try Expression(parsing: source) }
        do {
            _ = try Expression(parsing: source)
        } catch {
            #expect(error.description.hasPrefix(expected) || error.description.contains(expected), "\(error)")
        }
    }

    @Test func expressionsAndValuesAreBounded() throws {
        let deep = String(repeating: "lower(", count: 70) + "a" + String(repeating: ")", count: 70)
        #expect(throws: Expression.ParseError.self) { try Expression(parsing: deep) }
        let parentheses = String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200)
        #expect(throws: Expression.ParseError.self) { try Expression(parsing: parentheses) }
        #expect(throws: Expression.ParseError.self) { try Expression(parsing: String(repeating: "a+", count: 600)) }
        // Doubling a value again and again stops at the byte limit instead of growing without bound.
        var doubling = "department"
        for _ in 0..<12 { doubling = "replace(\(doubling), \"(.*)\", \"$1$1\")" }
        let values = try Expression(parsing: doubling).evaluate(Self.entry)
        #expect(values.allSatisfy { $0.utf8.count <= Expression.maximumValueBytes })
    }

    @Test func aPatternOfAnyShapeIsCheckedBeforeItIsCompiled() {
        for safe in ["^a+$", "(ab)+", "[(a+)+]", "\\(a+\\)+", "(a)?", "(?:x|y)", "a{2,3}", "\\$$"] {
            #expect(RegexSafety.problem(in: safe) == nil, "\(safe)")
        }
        for unsafe in ["(a+)+", "(a*)*", "((a)+)+", "(x|xy)+", "(a{2,})*", "(.)\\1", "\\k<n>"] {
            #expect(RegexSafety.problem(in: unsafe) != nil, "\(unsafe)")
        }
        #expect(RegexSafety.problem(in: String(repeating: "a", count: 300)) != nil)
        #expect(throws: (any Error).self) { try Condition.Pattern("(a+)+b") }
        #expect(throws: (any Error).self) { try RoleRule.Pattern("(a+)+b") }
    }

    @Test func computedFieldsFeedTheAnchorEmailAndAttributesAndMistakesAreLocated() throws {
        let mapping = try Mapping.parse(
            """
            computed:
              login: 'lower(trim(sAMAccountName))'
              email: 'login + "@acme.com"'
            anchor: { attribute: login, format: text }
            email: [mail, email]
            attributes: [login]

            """, file: "m.yaml")
        guard case .user(let user, _) = Mapper(mapping: mapping).map(Self.entry) else {
            Issue.record("not a user")
            return
        }
        #expect(user.anchor == "bob")
        #expect(user.email == Build.email("bob@acme.com"))
        #expect(user.attributes["login"] == ["bob"])
        let traces = Mapper(mapping: mapping).computationSteps(for: Self.entry)
        #expect(traces.map(\.name) == ["login", "email"])
        #expect(traces[1].steps.map(\.description) == ["login + \"@acme.com\" → \"bob@acme.com\""])
        #expect(
            traces[0].steps.map(\.description) == [
                "trim(samaccountname) → \"BoB\"", "lower(trim(samaccountname)) → \"bob\"",
            ])

        #expect(throws: ConfigError.self) {
            try Mapping.parse("computed:\n  email: 'lower(x'\nanchor: x\nemail: email\n", file: "m.yaml")
        }
        do {
            _ = try Mapping.parse("anchor: x\nemail: email\ncomputed:\n  email: 'lower(x'\n", file: "m.yaml")
        } catch {
            #expect(error.description == "m.yaml:4: computed.email: column 8: expected ')', found the end")
        }
    }
}
