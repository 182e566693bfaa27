import ArgumentParser
import DirectorySync
import Foundation
import Logging

/// How `dirsync run` writes its log to stderr.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    /// `2026-11-21T10:00:00Z info run finished run.id=3 run.outcome=completed`
    case text
    /// One JSON object per line: `{"time":…,"level":…,"message":…,"run.id":…}`.
    case json
}

/// A log handler writing one line per message to stderr, as text or JSON.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let time = DateText.iso8601(Date())
        let line: String
        switch format {
        case .text:
            let facts = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.plain($0.value))" }.joined(
                separator: " ")
            line = "\(time) \(event.level.rawValue) \(event.message)\(facts.isEmpty ? "" : " " + facts)"
        case .json:
            var object: [String: String] = ["time": time, "level": event.level.rawValue, "message": "\(event.message)"]
            for (key, value) in merged { object[key] = Self.plain(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((TerminalText.escaped(line) + "\n").utf8))
    }

    private static func plain(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain).joined(separator: ",")
        case .dictionary(let values):
            values.sorted { $0.key < $1.key }.map { "\($0.key)=\(plain($0.value))" }.joined(separator: ",")
        }
    }
}
