import DirectorySync
import Foundation
import GRDB

/// Dates and JSON as the store keeps them, written without Foundation's formatters and encoders: those took
/// a tenth of the time of applying 10,000 invitations. Tests hold each to what GRDB and `JSONEncoder` write.
enum StoredText {
    /// A date as GRDB stores it (`yyyy-MM-dd HH:mm:ss.SSS`, UTC); GRDB reads it back.
    static func date(_ date: Date) -> String { DateText.storage(date) }

    /// A compact JSON object with its keys sorted: what `JSONEncoder` writes with `.sortedKeys` and
    /// `.withoutEscapingSlashes`.
    /// A JSON object whose values are all strings, read without a general decoder: `{"k":"v",…}` with no
    /// whitespace except inside strings, the escapes of RFC 8259 §7. Nil for anything else (the caller then
    /// falls back to `JSONDecoder`).
    static func flatObject(_ text: String) -> [String: String]? {
        let utf8 = Array(text.utf8)
        return utf8.withUnsafeBufferPointer { bytes -> [String: String]? in
            var index = 0
            func string() -> String? {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                index += 1
                let start = index
                // The common case: no escape, the bytes are the string.
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
                    bytes[index] >= 0x20
                {
                    index += 1
                }
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "\"") {
                    let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return value
                }
                guard bytes[index] == UInt8(ascii: "\\") else { return nil }
                var scalars = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    .unicodeScalars
                var pending: [UInt8] = []
                func flush() {
                    if !pending.isEmpty {
                        scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
                        pending.removeAll()
                    }
                }
                func hex4() -> UInt32? {
                    guard index + 4 <= bytes.count else { return nil }
                    var value: UInt32 = 0
                    for _ in 0..<4 {
                        let byte = bytes[index]
                        let digit: UInt32
                        switch byte {
                        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                        default: return nil
                        }
                        value = value << 4 | digit
                        index += 1
                    }
                    return value
                }
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        index += 1
                        flush()
                        return String(scalars)
                    }
                    guard byte >= 0x20 else { return nil }
                    guard byte == UInt8(ascii: "\\") else {
                        pending.append(byte)
                        index += 1
                        continue
                    }
                    index += 1
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): pending.append(escape)
                    case UInt8(ascii: "b"): pending.append(0x08)
                    case UInt8(ascii: "f"): pending.append(0x0C)
                    case UInt8(ascii: "n"): pending.append(0x0A)
                    case UInt8(ascii: "r"): pending.append(0x0D)
                    case UInt8(ascii: "t"): pending.append(0x09)
                    case UInt8(ascii: "u"):
                        flush()
                        guard var value = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(value) {
                            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { return nil }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(value) else { return nil }
                        scalars.append(scalar)
                    default: return nil
                    }
                }
                return nil
            }
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{") else { return nil }
            index = 1
            var result: [String: String] = [:]
            if bytes[index] == UInt8(ascii: "}") { return index + 1 == bytes.count ? result : nil }
            while true {
                guard let key = string(), index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = string(), index < bytes.count else { return nil }
                guard result.updateValue(value, forKey: key) == nil else { return nil }
                if bytes[index] == UInt8(ascii: "}") { return index + 1 == bytes.count ? result : nil }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
    }

    static func json(_ object: [String: String]) -> String {
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
