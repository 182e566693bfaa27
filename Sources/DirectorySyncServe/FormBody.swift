import Foundation

/// An `application/x-www-form-urlencoded` body, read with bounds: a field appears once, names and values are
/// valid UTF-8, and the whole body was already capped by the server.
struct FormBody: Sendable {
    private var fields: [String: String] = [:]

    /// The form in `text`; nil when it is not a form (bad percent-encoding, invalid UTF-8, a repeated field,
    /// more than 20 fields).
    init?(_ text: String) {
        let pairs = text.split(separator: "&", omittingEmptySubsequences: true)
        guard pairs.count <= 20 else { return nil }
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : ""),
                fields[name] == nil
            else { return nil }
            fields[name] = value
        }
    }

    /// The field `name`, nil when absent; blank values read as nil too.
    subscript(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    private static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
