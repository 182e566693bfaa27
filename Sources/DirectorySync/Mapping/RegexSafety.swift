/// Regular expressions from configuration and mapping files are checked before they are compiled, so a pattern
/// cannot make matching take exponential time on a directory value: no repeated group that itself repeats or
/// alternates (`(a+)+`, `(a|aa)*`), no backreferences, at most `maximumLength` characters. ICU backtracks;
/// these are the shapes that make it backtrack without bound.
enum RegexSafety {
    /// The longest pattern accepted, in characters.
    static let maximumLength = 256

    /// Thrown by the pattern types for a pattern `problem(in:)` refuses.
    struct Unsafe: Error, CustomStringConvertible {
        let description: String
    }

    /// Why `source` is refused, or nil when it is acceptable.
    static func problem(in source: String) -> String? {
        let characters = Array(source)
        if characters.count > maximumLength {
            return "the regular expression is longer than \(maximumLength) characters"
        }
        // Per open group: whether it holds a quantifier or an alternation.
        var groups: [(repeats: Bool, alternates: Bool)] = [(false, false)]
        var index = 0
        func isQuantifier(at position: Int) -> Bool {
            guard position < characters.count else { return false }
            return characters[position] == "*" || characters[position] == "+" || characters[position] == "{"
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                if index + 1 < characters.count {
                    let next = characters[index + 1]
                    if next.isNumber && next != "0" || next == "k" {
                        return "'\(source)': backreferences are not allowed"
                    }
                }
                index += 2
                continue
            case "[":
                // A character class: skip to its closing bracket (a `]` first in the class is literal).
                index += 1
                if index < characters.count, characters[index] == "^" { index += 1 }
                if index < characters.count, characters[index] == "]" { index += 1 }
                while index < characters.count, characters[index] != "]" {
                    index += characters[index] == "\\" ? 2 : 1
                }
            case "(":
                groups.append((false, false))
            case ")":
                guard groups.count > 1 else { break }
                let inner = groups.removeLast()
                let repeated = isQuantifier(at: index + 1)
                if repeated && (inner.repeats || inner.alternates) {
                    return "'\(source)': a repeated group that itself repeats or alternates (like (a+)+ or (a|aa)*) "
                        + "can take exponential time; rewrite it without the nesting"
                }
                if inner.repeats || repeated { groups[groups.count - 1].repeats = true }
            case "|":
                groups[groups.count - 1].alternates = true
            case "*", "+", "{":
                groups[groups.count - 1].repeats = true
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
