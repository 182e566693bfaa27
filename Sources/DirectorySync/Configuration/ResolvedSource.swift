import Foundation

/// The source and mapping a command reads: the file named on the command line (`--source`, `--mapping`), else
/// the configured source; with the mapping named on the command line, else the configured one (for a source
/// of the configured kind), else the kind's preset. The one place a source is resolved.
public struct ResolvedSource: Sendable {
    /// Why no source could be resolved; the wording names the option or key.
    public enum Failure: Error, Equatable, UserFacingError {
        /// `--source scim:…`: a SCIM source is only ever configured.
        case scimOnCommandLine
        /// `--source KIND:` with nothing after the colon (the option's text).
        case noFile(String)
        /// `--source` starts with a word that is not a kind of export (that word).
        case unknownKind(String)
        /// `--source` gives no kind and its extension says none (the option's text).
        case kindNotInferable(String)
        /// The configured source has no file and no SCIM section this build can read.
        case notAvailable(SourceKind)
        /// No `--source` and no `source` section; `overridable` when `--mapping` was given (see the hint).
        case noSource(configFile: String?, overridable: Bool)
        /// No mapping named anywhere and no preset for the kind; `overridable` when `--source` or `--mapping`
        /// was given.
        case noMapping(SourceKind, overridable: Bool)
        /// `command` reads export files and the configured source is SCIM.
        case notAFile(command: String)
        /// `--mapping` without `--source` when `sources:` lists several, each with its own mapping.
        case mappingWithSources

        /// What is missing or wrong, naming `--source`, `source.kind` or the mapping.
        public var description: String {
            switch self {
            case .scimOnCommandLine:
                "--source: a SCIM source is configured in dirsync.yaml (source.url), not on the command line"
            case .noFile(let text): "--source: '\(text)' names no file"
            case .unknownKind(let kind): "--source: '\(kind)' is not a kind of export (ldif, dsml or csv)"
            case .kindNotInferable(let text): "--source: cannot tell what kind of export '\(text)' is from its name"
            case .notAvailable(let kind): "source.kind \(kind) is not available in this build"
            case .noSource(let file, _): "no source configured\(file.map { " in \($0)" } ?? "")"
            case .noMapping(let kind, _): "no mapping for this \(kind) source"
            case .notAFile(let command): "\(command) reads export files; the configured source is SCIM"
            case .mappingWithSources: "--mapping: the configuration lists several sources, each with its mapping"
            }
        }

        /// An example of what to pass or configure; nil when there is nothing to suggest.
        public var hint: String? {
            switch self {
            case .scimOnCommandLine: nil
            case .noFile, .unknownKind: "for example --source ldif:exports/users.ldif"
            case .kindNotInferable(let text):
                "write the kind before the path: --source ldif:\(text), dsml:\(text) or csv:\(text)"
            case .notAvailable: nil
            case .noSource(_, let overridable):
                "add 'source: { kind: ldif, path: users.ldif }' and 'mapping:' to the configuration"
                    + (overridable ? ", or pass --source ldif:PATH" : "")
            case .noMapping(_, let overridable):
                (overridable ? "pass --mapping active-directory or --mapping openldap (or a file), or " : "")
                    + "set 'mapping:' in the configuration (a preset or a file)"
            case .notAFile: "'dirsync source show' reads and checks a SCIM source"
            case .mappingWithSources: "pass --source with --mapping to read one file, or change the mapping in sources"
            }
        }
    }

    /// The export file, for file sources.
    public let file: FileSource?
    /// The service provider, for `kind: scim`.
    public let scim: SCIMSource?
    /// The mapping to read it with: `--mapping`, else the configured one, else the kind's preset; nil only
    /// when `needsMapping` was false and none was found.
    public let mappingReference: MappingReference?

    /// `source` (`KIND:PATH` from the command line) and `mapping` (a preset or a file) override `configuration`;
    /// paths on the command line are relative to `workingDirectory`. A SCIM source is read through `http`.
    public init(
        configuration: Configuration, configFile: String?, http: any HTTPTransport, source: String? = nil,
        mapping: String? = nil,
        needsMapping: Bool = true,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) throws(Failure) {
        let overridable = source != nil || mapping != nil
        if let text = source {
            let (kind, path) = try Self.kindAndPath(text)
            file = FileSource(
                kind: kind, path: Configuration.resolve(path, against: workingDirectory), displayName: path)
            scim = nil
        } else if let source = configuration.source, let section = source.scimSection {
            file = nil
            scim = SCIMSource(section, http: http)
        } else if let source = configuration.source {
            scim = nil
            guard let path = source.path else { throw .notAvailable(source.kind) }
            file = FileSource(kind: source.kind, path: path, displayName: source.pathAsWritten ?? path)
        } else {
            throw .noSource(configFile: configFile, overridable: overridable)
        }
        if let mapping {
            mappingReference = MappingReference(mapping, relativeTo: workingDirectory)
        } else if let configured = configuration.mapping, source == nil || configuration.source?.kind == file?.kind {
            // The configuration's mapping is for its own kind of source: a file of another kind named with
            // --source is read with that kind's preset.
            mappingReference = configured
        } else {
            mappingReference = Mapping.defaultPresetName(for: file?.kind ?? .scim).map(MappingReference.preset)
        }
        if needsMapping && mappingReference == nil {
            throw .noMapping(file?.kind ?? .scim, overridable: overridable)
        }
    }

    /// The file's kind, or `.scim`.
    public var kind: SourceKind { file?.kind ?? .scim }

    /// The file, or the base URL, as messages name the source.
    public var displayName: String { file?.displayName ?? scim?.displayName ?? "" }

    /// `KIND:PATH`, or a path whose extension says the kind (`.ldif`; `.xml`, `.dsml`; `.csv`).
    public static func kindAndPath(_ text: String) throws(Failure) -> (SourceKind, String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, let kind = SourceKind(rawValue: parts[0].lowercased()) {
            guard kind != .scim else { throw .scimOnCommandLine }
            guard !parts[1].isEmpty else { throw .noFile(text) }
            return (kind, parts[1])
        }
        if parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw .unknownKind(parts[0])
        }
        switch URL(fileURLWithPath: text).pathExtension.lowercased() {
        case "ldif": return (.ldif, text)
        case "xml", "dsml": return (.dsml, text)
        case "csv": return (.csv, text)
        default: throw .kindNotInferable(text)
        }
    }

    /// The export file; a SCIM source has none.
    public func fileSource(for command: String = "this command") throws(Failure) -> FileSource {
        guard let file else { throw .notAFile(command: command) }
        return file
    }

    /// The source with its mapping, loaded, ready to read.
    public func mapped() throws -> MappedSource {
        guard let mappingReference else { throw Failure.noMapping(kind, overridable: false) }
        let mapping = try Mapping.load(mappingReference)
        if let scim { return MappedSource(location: .scim(scim), mapping: mapping, mappingReference: mappingReference) }
        return MappedSource(location: .file(try fileSource()), mapping: mapping, mappingReference: mappingReference)
    }
}

/// Every source a command reads: the one `ResolvedSource` would give, or, when the configuration lists
/// `sources:` and the command line names none, each of them with its name and mapping.
public struct ResolvedSources: Sendable {
    /// One source with its name.
    public struct Part: Sendable {
        /// The name in `sources:`, or the source's display name for a single source.
        public let name: String
        /// The source and its mapping.
        public let source: ResolvedSource
    }

    /// The sources in configuration order.
    public let parts: [Part]
    /// Which source wins each field.
    public let precedence: SourcePrecedence

    /// As `ResolvedSource.init`; `source` (a file on the command line) replaces every configured source.
    public init(
        configuration: Configuration, configFile: String?, http: any HTTPTransport, source: String? = nil,
        mapping: String? = nil, needsMapping: Bool = true,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) throws(ResolvedSource.Failure) {
        guard source == nil, !configuration.sources.isEmpty else {
            let one = try ResolvedSource(
                configuration: configuration, configFile: configFile, http: http, source: source, mapping: mapping,
                needsMapping: needsMapping, workingDirectory: workingDirectory)
            parts = [Part(name: one.displayName, source: one)]
            precedence = SourcePrecedence(sources: [one.displayName])
            return
        }
        if mapping != nil { throw .mappingWithSources }
        var parts: [Part] = []
        for named in configuration.sources {
            let one = try ResolvedSource(
                configuration: configuration.single(named), configFile: configFile, http: http,
                needsMapping: needsMapping, workingDirectory: workingDirectory)
            parts.append(Part(name: named.name, source: one))
        }
        self.parts = parts
        precedence = SourcePrecedence(sources: parts.map(\.name), byField: configuration.precedence)
    }

    /// Every source with its mapping loaded, ready to read (merged when there are several).
    public func mapped() throws -> SourceSet<MappedSource> {
        var members: [SourceSet<MappedSource>.Member] = []
        for part in parts { members.append(.init(name: part.name, part: try part.source.mapped())) }
        return SourceSet(members, precedence: precedence)
    }
}
