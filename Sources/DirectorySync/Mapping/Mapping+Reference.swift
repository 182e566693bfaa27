import Foundation

/// How a configuration or the command line names a mapping: a shipped preset (`active-directory`) or a
/// file (`Mappings/acme.yaml`, relative to the configuration file or the working directory).
public enum MappingReference: Sendable, Equatable, CustomStringConvertible {
    case preset(String)
    case file(path: String, shownAs: String)

    /// A bare word without `/` and without a `.yaml`/`.yml` ending names a preset; anything else is a path,
    /// made absolute against `directory`.
    public init(_ text: String, relativeTo directory: URL) {
        let isPath = text.contains("/") || text.hasSuffix(".yaml") || text.hasSuffix(".yml")
        if isPath {
            self = .file(path: Configuration.resolve(text, against: directory), shownAs: text)
        } else {
            self = .preset(text)
        }
    }

    /// How messages name the mapping: `preset 'active-directory'`, or the path as the user wrote it.
    public var description: String {
        switch self {
        case .preset(let name): "preset '\(name)'"
        case .file(_, let shownAs): shownAs
        }
    }
}

extension Mapping {
    /// The names of the presets shipped with dirsync.
    public static var presetNames: [String] { presetTexts.keys.sorted() }

    /// The preset called `name`.
    public static func preset(_ name: String) throws(ConfigError) -> Mapping {
        guard let text = presetTexts[name] else {
            let suggestion = YAMLValue.closest(to: name, in: presetNames).map { "did you mean '\($0)'? " } ?? ""
            throw ConfigError(
                file: name, line: nil, path: "", problem: "no such mapping preset",
                hint: "\(suggestion)presets: \(presetNames.joined(separator: ", ")); or give a file path")
        }
        return try parse(text, file: "\(name) (preset)")
    }

    /// Loads what `reference` names.
    public static func load(_ reference: MappingReference) throws(ConfigError) -> Mapping {
        switch reference {
        case .preset(let name):
            return try preset(name)
        case .file(let path, let shownAs):
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(
                    file: shownAs, line: nil, path: "", problem: "no such mapping file",
                    hint: "presets: \(presetNames.joined(separator: ", "))")
            }
            return try load(URL(fileURLWithPath: path), file: shownAs)
        }
    }

    /// The preset that suits a source kind when none is configured.
    public static func defaultPresetName(for kind: SourceKind) -> String? {
        switch kind {
        case .ldif: nil
        case .dsml: "dsml"
        case .csv: "csv"
        case .scim: presetTexts["scim"] == nil ? nil : "scim"
        }
    }
}
