import Foundation

extension Configuration {
    /// One item of `sources:`: a source with its name and mapping.
    public struct NamedSource: Sendable, Equatable {
        /// How provenance and messages name it: `name:`, else the file's name or the SCIM host.
        public var name: String
        /// Where its people are.
        public var source: SourceSection
        /// Its mapping (`mapping:` in the item); nil for the kind's preset.
        public var mapping: MappingReference?

        /// `source` called `name`, read with `mapping` (nil: the kind's preset).
        public init(name: String, source: SourceSection, mapping: MappingReference? = nil) {
            self.name = name
            self.source = source
            self.mapping = mapping
        }
    }

    /// The source of several sources, with its name and mapping, as a single `source:` would be configured.
    public func single(_ named: NamedSource) -> Configuration {
        var configuration = self
        configuration.source = named.source
        configuration.mapping = named.mapping
        configuration.sources = []
        return configuration
    }

    /// Reads `source` and `mapping`, or `sources` and `precedence`, from the top-level keys.
    mutating func parseSourceKeys(_ top: YAMLMapping, directory: URL) throws(ConfigError) {
        if let section = top["sources"] {
            if top["source"] != nil {
                throw section.error(
                    "give source (one) or sources (several), not both",
                    hint: "move the source into the sources list as one more item")
            }
            if let mapping = top["mapping"] {
                throw mapping.error(
                    "with sources, each source names its own mapping",
                    hint: "move it into the items of sources, for example 'mapping: active-directory'")
            }
            sources = try Self.parseSources(section, directory: directory)
        }
        if let section = top["source"] {
            source = try SourceSection(parsing: section, directory: directory)
        }
        if let value = top["mapping"] {
            mapping = MappingReference(try value.nonEmptyString(), relativeTo: directory)
        }
        if let section = top["precedence"] {
            guard !sources.isEmpty else {
                throw section.error("precedence orders several sources; there is no sources list")
            }
            precedence = try Self.parsePrecedence(section, sources: sources.map(\.name))
        }
    }

    private static func parseSources(_ section: YAMLValue, directory: URL) throws(ConfigError) -> [NamedSource] {
        let items = try section.list()
        guard !items.isEmpty else { throw section.error("the list of sources is empty") }
        var result: [NamedSource] = []
        for item in items {
            let source = try SourceSection(parsing: item, directory: directory, extraKeys: ["name", "mapping"])
            let keys = try item.mapping(allowed: SourceSection.fileKeys + SourceSection.scimKeys + ["name", "mapping"])
            let name: String
            if let value = keys["name"] {
                name = try value.nonEmptyString()
                if name.count > 64
                    || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
                {
                    throw value.error(
                        "a source's name is up to 64 letters, digits, '.', '_' or '-'", hint: "for example name: ad")
                }
            } else {
                name = defaultName(of: source)
            }
            if result.contains(where: { $0.name == name }) {
                throw (keys["name"] ?? item).error(
                    "two sources are called '\(name)'", hint: "give each a name of its own: name: contractors")
            }
            let mapping = try keys["mapping"].map { value throws(ConfigError) in
                MappingReference(try value.nonEmptyString(), relativeTo: directory)
            }
            result.append(NamedSource(name: name, source: source, mapping: mapping))
        }
        return result
    }

    /// The file's name (`contractors.csv`), or the SCIM service's host.
    private static func defaultName(of source: SourceSection) -> String {
        if let written = source.pathAsWritten { return URL(fileURLWithPath: written).lastPathComponent }
        return source.scimSection?.settings.baseURL.host ?? source.kind.rawValue
    }

    private static func parsePrecedence(_ section: YAMLValue, sources: [String]) throws(ConfigError)
        -> [String: [String]]
    {
        var result: [String: [String]] = [:]
        for (key, value) in try section.pairs() {
            let field = key.lowercased()
            if field == "groups" {
                throw value.error(
                    "groups are joined from every source, not taken from one",
                    hint: "order other fields: \(SourcePrecedence.fields.joined(separator: ", ")) or an attribute")
            }
            let names = try value.strings()
            guard !names.isEmpty else { throw value.error("name at least one source") }
            for (index, name) in names.enumerated() {
                guard sources.contains(name) else {
                    throw value.error(
                        "no source is called '\(name)'", hint: "the sources are \(sources.joined(separator: ", "))")
                }
                if names[..<index].contains(name) { throw value.error("'\(name)' is named twice") }
            }
            result[field] = names
        }
        return result
    }
}
