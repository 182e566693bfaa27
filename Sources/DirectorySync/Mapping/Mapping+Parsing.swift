import Foundation

extension Mapping {
    /// The keys allowed at the top of a mapping file.
    static let topLevelKeys = [
        "description", "computed", "anchor", "email", "name", "groups", "person", "disabled", "exclude", "attributes",
        "role", "csv", "username", "profile",
    ]

    /// Reads the mapping file at `url`, naming it `file` in errors.
    public static func load(_ url: URL, file: String) throws(ConfigError) -> Mapping {
        try parse(YAMLValue.load(url, file: file), name: file)
    }

    /// Parses mapping YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Mapping {
        try parse(YAMLValue.parse(text, file: file), name: file)
    }

    /// Interprets a parsed mapping document strictly: unknown keys, wrong types and bad values are errors
    /// naming the file, line and key path.
    public static func parse(_ document: YAMLValue, name: String) throws(ConfigError) -> Mapping {
        let top = try document.mapping(allowed: topLevelKeys)
        let anchorValue = try top.required("anchor")
        var anchor: [AnchorSource] = []
        for item in try Self.items(anchorValue) { anchor.append(try anchorSource(item)) }
        if anchor.isEmpty { throw anchorValue.error("must name at least one attribute") }
        let emailValue = try top.required("email")
        var email: [EmailSource] = []
        for item in try Self.items(emailValue) { email.append(try emailSource(item)) }
        if email.isEmpty { throw emailValue.error("must name at least one attribute") }

        var mapping = Mapping(name: name, anchor: anchor, email: email)
        if let section = top["name"] {
            let keys = try section.mapping(allowed: ["given", "family", "display"])
            mapping.givenName = try attributeNames(keys["given"])
            mapping.familyName = try attributeNames(keys["family"])
            mapping.displayName = try attributeNames(keys["display"])
        }
        if let groups = top["groups"] { try groupSources(groups, into: &mapping) }
        if let section = top["computed"] { mapping.computed = try computedFields(section) }
        mapping.person = try conditions(top["person"])
        mapping.disabled = try conditions(top["disabled"])
        mapping.exclude = try conditions(top["exclude"])
        mapping.attributes = try attributeNames(top["attributes"])
        mapping.role = try attributeNames(top["role"])
        mapping.username = try attributeNames(top["username"])
        if let section = top["csv"] { mapping.csv = try csvOptions(section) }
        if let section = top["profile"] { mapping.profile = try profileFields(section) }
        return mapping
    }

    /// `profile: { title: title, phone: [telephoneNumber, mobile], manager: { attribute: manager, as: email } }`:
    /// each key a profile field (`Identity.fieldKeyProblem`), each value the attributes it is read from.
    private static func profileFields(_ section: YAMLValue) throws(ConfigError) -> [ProfileField] {
        var fields: [ProfileField] = []
        for (key, value) in try section.pairs() {
            if let problem = Identity.fieldKeyProblem(key) {
                throw value.error("'\(key)' cannot name a profile field: \(problem)")
            }
            if Identity.nameKeys.contains(key) {
                throw value.error(
                    "'\(key)' is a name, not a profile field", hint: "map names under name: { given, family, display }")
            }
            if (try? value.pairs()) != nil {
                let keys = try value.mapping(allowed: ["attribute", "as"])
                var labels: [String] = []
                for item in try items(try keys.required("attribute")) { labels.append(try attributeLabel(item)) }
                var isEmail = false
                if let kind = keys["as"] {
                    guard try kind.nonEmptyString() == "email" else {
                        throw kind.error("a profile field is text, or 'as: email'")
                    }
                    isEmail = true
                }
                fields.append(ProfileField(key: key, attributes: labels, isEmail: isEmail))
            } else {
                var labels: [String] = []
                for item in try items(value) { labels.append(try attributeLabel(item)) }
                fields.append(ProfileField(key: key, attributes: labels))
            }
        }
        return fields
    }

    // MARK: - Pieces

    /// `groups: memberOf` (attributes of the person), or `groups: { from: [memberOf, members] }`, where
    /// `members` reads membership from group entries (`member`, `uniqueMember`, `memberUid`).
    private static func groupSources(_ value: YAMLValue, into mapping: inout Mapping) throws(ConfigError) {
        var list = value
        if (try? value.pairs()) != nil {
            let keys = try value.mapping(allowed: ["from"])
            list = try keys.required("from")
        }
        for item in try items(list) {
            if try item.nonEmptyString() == Self.groupEntriesKeyword {
                mapping.readsGroupEntries = true
            } else {
                mapping.groups.append(try attributeName(item))
            }
        }
    }

    /// `computed: { NAME: EXPRESSION, … }`, in the file's order; each expression's mistakes located at its line.
    private static func computedFields(_ section: YAMLValue) throws(ConfigError) -> [ComputedField] {
        var fields: [ComputedField] = []
        for (name, value) in try section.pairs() {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.isEmpty else {
                throw value.error("'\(name)' is not an attribute name")
            }
            let source = try value.nonEmptyString()
            do {
                fields.append(ComputedField(name: name, expression: try Expression(parsing: source), source: source))
            } catch {
                throw value.error(error.description)
            }
        }
        return fields
    }

    /// The `groups.from` word that means "the members listed in group entries".
    static let groupEntriesKeyword = "members"

    /// A list, or one value taken as a list of one.
    private static func items(_ value: YAMLValue) throws(ConfigError) -> [YAMLValue] {
        if (try? value.list()) != nil { return try value.list() }
        return [value]
    }

    private static func attributeNames(_ value: YAMLValue?) throws(ConfigError) -> [String] {
        guard let value else { return [] }
        var names: [String] = []
        for item in try items(value) { names.append(try attributeName(item)) }
        return names
    }

    private static func attributeName(_ value: YAMLValue) throws(ConfigError) -> String {
        AttributeName.normalize(try attributeLabel(value))
    }

    /// The attribute name as written, checked.
    private static func attributeLabel(_ value: YAMLValue) throws(ConfigError) -> String {
        let text = try value.nonEmptyString()
        guard text.allSatisfy({ $0.isLetter || $0.isNumber || "-;._=".contains($0) }) else {
            throw value.error("'\(text)' is not an attribute name")
        }
        return text
    }

    private static func anchorSource(_ value: YAMLValue) throws(ConfigError) -> AnchorSource {
        if (try? value.string()) != nil { return AnchorSource(attribute: try attributeLabel(value)) }
        let keys = try value.mapping(allowed: ["attribute", "format"])
        let attribute = try attributeLabel(try keys.required("attribute"))
        let format = try keys["format"]?.choice(AnchorFormat.self)
        if let format, attribute.lowercased() == "dn", format.isBinary {
            throw value.error("the dn is text; it takes no format")
        }
        return AnchorSource(attribute: attribute, format: format)
    }

    private static func emailSource(_ value: YAMLValue) throws(ConfigError) -> EmailSource {
        let text = try value.nonEmptyString()
        guard let colon = text.firstIndex(of: ":") else { return EmailSource(attribute: try attributeLabel(value)) }
        let prefix = String(text[text.index(after: colon)...])
        guard !prefix.isEmpty else {
            throw value.error("'\(text)': nothing after ':'", hint: "write proxyAddresses:SMTP for the primary address")
        }
        return EmailSource(attribute: String(text[..<colon]), prefix: prefix + ":")
    }

    private static func conditions(_ value: YAMLValue?) throws(ConfigError) -> [Condition] {
        guard let value else { return [] }
        var result: [Condition] = []
        for item in try items(value) { result.append(try condition(item)) }
        return result
    }

    private static func condition(_ value: YAMLValue) throws(ConfigError) -> Condition {
        let tests = ["equals", "in", "matches", "bitmask", "present"]
        let keys = try value.mapping(allowed: ["attribute"] + tests)
        let attribute = try attributeLabel(try keys.required("attribute"))
        let given = keys.order.filter { tests.contains($0) }
        guard given.count == 1, let key = given.first, let testValue = keys[key] else {
            throw value.error(
                given.isEmpty ? "says nothing to test" : "has \(given.count) tests; write one per condition",
                hint: "use one of: \(tests.joined(separator: ", "))")
        }
        switch key {
        case "equals":
            return Condition(attribute: attribute, .equals([try testValue.string()]))
        case "in":
            let values = try testValue.strings()
            if values.isEmpty { throw testValue.error("must list at least one value") }
            return Condition(attribute: attribute, .equals(values))
        case "matches":
            let source = try testValue.string()
            do {
                return Condition(attribute: attribute, .matches(try Condition.Pattern(source)))
            } catch {
                throw testValue.error(
                    RegexSafety.problem(in: source) ?? "'\(source)' is not a valid regular expression")
            }
        case "bitmask":
            return Condition(attribute: attribute, .bitmask(try testValue.int(in: 1...Int(UInt32.max))))
        default:
            return Condition(attribute: attribute, .present(try testValue.bool()))
        }
    }

    private static func csvOptions(_ value: YAMLValue) throws(ConfigError) -> CSVOptions {
        let keys = try value.mapping(allowed: ["delimiter", "split"])
        var options = CSVOptions()
        if let delimiter = keys["delimiter"] {
            switch try delimiter.string() {
            case "auto": options.delimiter = nil
            case ",", "comma": options.delimiter = UInt8(ascii: ",")
            case ";", "semicolon": options.delimiter = UInt8(ascii: ";")
            case "\t", "tab": options.delimiter = UInt8(ascii: "\t")
            case let other:
                throw delimiter.error("'\(other)' is not a delimiter", hint: "use auto, comma, semicolon or tab")
            }
        }
        if let split = keys["split"] {
            for (column, separator) in try split.pairs() {
                let text = try separator.string()
                guard !text.isEmpty else { throw separator.error("must not be empty") }
                options.split[AttributeName.normalize(column)] = text
            }
        }
        return options
    }
}
