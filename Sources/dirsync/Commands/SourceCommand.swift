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
            let resolved = try ResolvedSources(options)
            let sources = try resolved.configured()
            let contents: DirectoryContents
            if summary {
                // Counts and diagnostics only: nothing of each user is kept.
                let read = try await sources.read(keeping: { _ in () })
                contents = DirectoryContents(
                    kind: read.kind, users: [], diagnostics: read.diagnostics, counts: read.counts,
                    fingerprint: read.fingerprint)
            } else if sources.isMerged {
                contents = try await sources.merged()
            } else {
                contents = try await sources.members[0].part.readAll()
            }
            switch format {
            case .json: try SourceView.writeJSON(contents, includeUsers: !summary)
            case .text:
                let names = sources.members.map { member in
                    let source = member.part.base
                    return (sources.isMerged ? "\(member.name): " : "")
                        + "\(source.displayName) (\(source.kind), mapping \(source.mapping.name))"
                }
                SourceView.writeText(contents, includeUsers: !summary, sources: names.joined(separator: " + "))
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the source file parses (every entry and value), without mapping it.")

        @OptionGroup var options: SourceOptions

        func run() async throws {
            let resolved = try ResolvedSources(options, needsMapping: false)
            for part in resolved.parts {
                let prefix = resolved.parts.count > 1 ? "\(part.name): " : ""
                guard resolved.parts.count == 1 || part.source.file != nil else {
                    Console.out("\(prefix)a SCIM source, not a file: not checked ('dirsync source show' reads it)")
                    continue
                }
                let file = try part.source.fileSource(for: "source check")
                let csv = (try? part.source.mapped().mapping.csv) ?? Mapping.CSVOptions()
                let summary = try await ProgressLine.around(file.displayName) { progress in
                    try file.check(csv: csv, progress: progress)
                }
                for diagnostic in summary.diagnostics { Console.out(diagnostic.description) }
                Console.out(
                    "\(prefix)\(file.displayName): \(Plural.count(summary.entries, "entry", "entries")), "
                        + "\(Plural.count(summary.values, "value")), \(Plural.count(summary.bytes, "byte")): no errors")
            }
        }
    }
}

extension ResolvedSources {
    /// The source a `source` command names with its options, or else the configured ones.
    init(_ options: SourceCommand.SourceOptions, needsMapping: Bool = true) throws {
        let (configuration, configFile) = try CommandEnvironment.loadConfiguration(
            options.global, required: options.source == nil)
        try self.init(
            configuration: configuration, configFile: configFile, http: DirSync.http, source: options.source,
            mapping: options.mapping, needsMapping: needsMapping)
    }

    /// The sources with their mappings, each read with a progress line.
    func configured() throws -> SourceSet<ConfiguredSource> {
        var members: [SourceSet<ConfiguredSource>.Member] = []
        for part in parts {
            members.append(.init(name: part.name, part: ConfiguredSource(base: try part.source.mapped())))
        }
        return SourceSet(members, precedence: precedence)
    }
}

/// A progress line on stderr while a long read runs, only when stderr is a terminal.
enum ProgressLine {
    static func around<T>(_ name: String, _ work: (FileSource.Progress?) async throws -> T) async throws -> T {
        guard Console.stderrIsTerminal else { return try await work(nil) }
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
            FileHandle.standardError.write(Data("\r\u{1B}[K\(TerminalText.escaped(text))".utf8))
        }
        defer { if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
        return try await work(progress)
    }
}
