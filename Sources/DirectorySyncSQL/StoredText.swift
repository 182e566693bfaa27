import DirectorySync
import Foundation

/// Dates and JSON as the store keeps them, written without Foundation's formatters and encoders: those took
/// a tenth of the time of applying 10,000 invitations. Tests hold each to what GRDB and `JSONEncoder` write.
public enum StoredText {
    /// A date as GRDB stores it (`yyyy-MM-dd HH:mm:ss.SSS`, UTC); GRDB reads it back.
    public static func date(_ date: Date) -> String { DateText.storage(date) }

    /// A JSON object whose values are all strings, read by the project's byte-level `JSONParser` (a plan
    /// reads a million of them); nil for anything else, or a key given twice.
    public static func flatObject(_ text: String) -> [String: String]? {
        guard case .object(let object)? = try? JSONParser.parse(text.utf8) else { return nil }
        var result: [String: String] = [:]
        for (key, value) in object.members {
            guard case .string(let text) = value, result.updateValue(text, forKey: key) == nil else { return nil }
        }
        return result
    }

    /// A compact JSON object with its keys sorted: what `JSONEncoder` writes with `.sortedKeys` and
    /// `.withoutEscapingSlashes`.
    public static func json(_ object: [String: String]) -> String {
        var output: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONString.append(key, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONString.append(object[key] ?? "", to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }
}
