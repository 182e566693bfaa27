import ArgumentParser
import DirectorySync
import Foundation

/// `dirsync source`: read the directory as dirsync sees it, without touching the organization.
struct SourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source", abstract: "Read the configured directory source and show what dirsync sees.",
        subcommands: [Show.self, Check.self], defaultSubcommand: Show.self)

    /// The options naming a source on the command line instead of the configuration.
    struct SourceOptions: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Option(
            name: .customLong("source"),
            help: ArgumentHelp(
                "Read this file instead of the configured source: ldif:PATH, dsml:PATH or csv:PATH, or a PATH ending in .ldif, .xml, .dsml or .csv.",
                valueName: "kind:path"))
        var source: String?

        @Option(
            help: ArgumentHelp(
                "The mapping: a preset (\(Mapping.presetNames.joined(separator: ", "))) or a YAML file.",
                valueName: "preset|file"))
        var mapping: String?
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and map the source; print each user, the counts and the diagnostics.")

        @OptionGroup var options: SourceOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text
        @Flag(help: "Print only the counts and diagnostics, not every user.") var summary = false

        func run() async throws {
            let resolved = try ResolvedSource(options)
            let source = try resolved.configured()
            let contents: DirectoryContents
            if summary {
                // Counts and diagnostics only: nothing of each user is kept.
                let read = try await source.read(keeping: { _ in () })
                contents = DirectoryContents(
                    kind: read.kind, users: [], diagnostics: read.diagnostics, counts: read.counts,
                    fingerprint: read.fingerprint)
            } else {
                contents = try await source.readAll()
            }
            switch format {
            case .json: try SourceView.writeJSON(contents, includeUsers: !summary)
            case .text:
                SourceView.writeText(
                    contents, includeUsers: !summary, sourceName: resolved.displayName, kind: resolved.kind,
                    mapping: source.mapping)
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the source file parses (every entry and value), without mapping it.")

        @OptionGroup var options: SourceOptions

        func run() async throws {
            let resolved = try ResolvedSource(options, needsMapping: false)
            let file = try resolved.fileSource(for: "source check")
            let csv = (try? resolved.mapping().csv) ?? Mapping.CSVOptions()
            let summary = try ProgressLine.around(file.displayName) { progress in
                try file.check(csv: csv, progress: progress)
            }
            for diagnostic in summary.diagnostics { Console.out(diagnostic.description) }
            Console.out(
                "\(file.displayName): \(summary.entries) entries, \(summary.values) values, "
                    + "\(summary.bytes) bytes: no errors")
        }
    }
}

/// The source and mapping a `source` command runs with: from the command line, else the configuration.
struct ResolvedSource {
    /// The export file, for file sources.
    let file: FileSource?
    /// The service provider, for `kind: scim`.
    let scim: SCIMSource?
    let mappingReference: MappingReference?
    let configFile: String?

    /// The source a `source` command names with its options, or else the configured one.
    init(_ options: SourceCommand.SourceOptions, needsMapping: Bool = true) throws {
        let (configuration, configFile) = try Self.configuration(options.global, required: options.source == nil)
        try self.init(
            configuration: configuration, configFile: configFile, source: options.source, mapping: options.mapping,
            needsMapping: needsMapping)
    }

    /// The source `source` (`KIND:PATH`, from the command line) names, else the one `configuration` does;
    /// with the mapping `mapping` (a preset or a file), else the configured one, else the kind's default.
    init(
        configuration: Configuration, configFile: String?, source: String? = nil, mapping: String? = nil,
        needsMapping: Bool = true
    ) throws {
        self.configFile = configFile
        let overridable = source != nil || mapping != nil
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        if let text = source {
            let (kind, path) = try Self.kindAndPath(text)
            file = FileSource(kind: kind, path: CommandEnvironment.absolute(path), displayName: path)
            scim = nil
        } else if let source = configuration.source, let section = source.scimSection {
            file = nil
            scim = SCIMSource(section)
        } else if let source = configuration.source {
            scim = nil
            guard let path = source.path else {
                throw CommandError.invalidArgument(
                    "source.kind \(source.kind) is not available in this build", hint: nil)
            }
            file = FileSource(kind: source.kind, path: path, displayName: source.pathAsWritten ?? path)
        } else {
            throw CommandError.invalidArgument(
                "no source configured\(configFile.map { " in \($0)" } ?? "")",
                hint: "add 'source: { kind: ldif, path: users.ldif }' and 'mapping:' to the configuration"
                    + (overridable ? ", or pass --source ldif:PATH" : ""))
        }
        if let mapping {
            mappingReference = MappingReference(mapping, relativeTo: cwd)
        } else if let configured = configuration.mapping, source == nil || configuration.source?.kind == file?.kind {
            // The configuration's mapping is for its own kind of source: a file of another kind named with
            // --source is read with that kind's preset.
            mappingReference = configured
        } else {
            mappingReference = Mapping.defaultPresetName(for: file?.kind ?? .scim).map(MappingReference.preset)
        }
        if needsMapping && mappingReference == nil {
            throw CommandError.invalidArgument(
                "no mapping for this \(kind) source",
                hint: (overridable ? "pass --mapping active-directory or --mapping openldap (or a file), or " : "")
                    + "set 'mapping:' in the configuration (a preset or a file)")
        }
    }

    var kind: SourceKind { file?.kind ?? .scim }

    /// `KIND:PATH`, or a path whose extension says the kind (`.ldif`; `.xml`, `.dsml`; `.csv`).
    static func kindAndPath(_ text: String) throws -> (SourceKind, String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, let kind = SourceKind(rawValue: parts[0].lowercased()) {
            guard kind != .scim else {
                throw CommandError.invalidArgument(
                    "--source: a SCIM source is configured in dirsync.yaml (source.url), not on the command line",
                    hint: nil)
            }
            guard !parts[1].isEmpty else {
                throw CommandError.invalidArgument(
                    "--source: '\(text)' names no file", hint: "for example --source ldif:exports/users.ldif")
            }
            return (kind, parts[1])
        }
        if parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw CommandError.invalidArgument(
                "--source: '\(parts[0])' is not a kind of export (ldif, dsml or csv)",
                hint: "for example --source ldif:exports/users.ldif")
        }
        switch URL(fileURLWithPath: text).pathExtension.lowercased() {
        case "ldif": return (.ldif, text)
        case "xml", "dsml": return (.dsml, text)
        case "csv": return (.csv, text)
        default:
            throw CommandError.invalidArgument(
                "--source: cannot tell what kind of export '\(text)' is from its name",
                hint: "write the kind before the path: --source ldif:\(text), dsml:\(text) or csv:\(text)")
        }
    }

    /// The file, or the base URL, as messages name the source.
    var displayName: String { file?.displayName ?? scim?.displayName ?? "" }

    /// The export file; a SCIM source has none.
    func fileSource(for command: String = "this command") throws -> FileSource {
        guard let file else {
            throw CommandError.invalidArgument(
                "\(command) reads export files; the configured source is SCIM",
                hint: "'dirsync source show' reads and checks a SCIM source")
        }
        return file
    }

    /// The mapping the source is read with.
    func mapping() throws -> Mapping {
        guard let mappingReference else { throw CommandError.invalidArgument("no mapping", hint: nil) }
        return try Mapping.load(mappingReference)
    }

    /// The source with its mapping, ready to read.
    func configured() throws -> ConfiguredSource {
        let mapping = try mapping()
        if let scim { return ConfiguredSource(location: .scim(scim), mapping: mapping) }
        return ConfiguredSource(location: .file(try fileSource()), mapping: mapping)
    }

    private static func configuration(_ options: GlobalOptions, required: Bool) throws -> (Configuration, String?) {
        if let explicit = options.config {
            guard FileManager.default.fileExists(atPath: explicit) else { throw CommandError.noConfig(explicit) }
            let url = URL(fileURLWithPath: CommandEnvironment.absolute(explicit))
            return (try Configuration.load(url, file: explicit), explicit)
        }
        let file = CommandEnvironment.defaultConfigFile
        guard FileManager.default.fileExists(atPath: file) else {
            if required { throw CommandError.noConfig(nil) }
            return (Configuration(), nil)
        }
        return (try Configuration.load(URL(fileURLWithPath: CommandEnvironment.absolute(file)), file: file), file)
    }
}

/// A progress line on stderr while a long read runs, only when stderr is a terminal.
enum ProgressLine {
    static func around<T>(_ name: String, _ work: (FileSource.Progress?) throws -> T) throws -> T {
        guard Console.stderrIsTerminal else { return try work(nil) }
        var lastUpdate = Date()
        var shown = false
        let progress: FileSource.Progress = { read, total in
            let now = Date()
            guard now.timeIntervalSince(lastUpdate) >= 0.2 else { return }
            lastUpdate = now
            shown = true
            let megabytes = Double(read) / 1_048_576
            var text = "reading \(name): \(String(format: "%.0f", megabytes)) MB"
            if let total, total > 0 {
                text += " of \(String(format: "%.0f", Double(total) / 1_048_576)) MB"
                text += " (\(min(100, read * 100 / total))%)"
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }
        defer { if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
        return try work(progress)
    }
}
