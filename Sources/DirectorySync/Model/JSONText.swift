import Foundation

/// A JSON encoder for dirsync's output: keys sorted, slashes unescaped, pretty-printed or compact, byte for
/// byte what Foundation's `JSONEncoder` prints with those options (a test holds it to that), several times
/// faster: a million-user plan is written in a fraction of a second.
///
/// One difference, on purpose: a nil optional is written as `null`, never left out, so every object of a
/// kind has the same keys (README, "JSON formats") without each view writing its own `encode(to:)`.
///
/// Supports what dirsync's JSON views contain: strings, integers, booleans, nulls, arrays and objects.
/// Floating-point numbers are written in Swift's shortest form.
package struct JSONText {
    package var pretty: Bool

    package init(pretty: Bool) { self.pretty = pretty }

    package func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(encoder.root.node, into: &output, depth: 0)
        return output
    }

    package func string(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    // MARK: - Writing

    private func write(_ node: Node, into output: inout [UInt8], depth: Int) {
        switch node {
        case .null: output += Array("null".utf8)
        case .bool(let value): output += Array((value ? "true" : "false").utf8)
        case .number(let text): output += Array(text.utf8)
        case .string(let text): JSONString.append(text, to: &output)
        case .array(let box):
            output.append(UInt8(ascii: "["))
            for (index, element) in box.elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(into: &output, depth: depth + 1)
                write(element, into: &output, depth: depth + 1)
            }
            close(box.elements.isEmpty, into: &output, depth: depth)
            output.append(UInt8(ascii: "]"))
        case .object(let box):
            output.append(UInt8(ascii: "{"))
            let members = box.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(into: &output, depth: depth + 1)
                JSONString.append(member.key, to: &output)
                output += pretty ? [0x20, UInt8(ascii: ":"), 0x20] : [UInt8(ascii: ":")]
                write(member.value, into: &output, depth: depth + 1)
            }
            close(members.isEmpty, into: &output, depth: depth)
            output.append(UInt8(ascii: "}"))
        }
    }

    /// In pretty output, a line break and the indentation of `depth`.
    private func newline(into output: inout [UInt8], depth: Int) {
        guard pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output += repeatElement(0x20, count: depth * 2)
    }

    /// Before a closing bracket: a line break, and an empty line first in an empty container.
    private func close(_ isEmpty: Bool, into output: inout [UInt8], depth: Int) {
        if pretty && isEmpty { output.append(UInt8(ascii: "\n")) }
        newline(into: &output, depth: depth)
    }

    // MARK: - The tree

    fileprivate enum Node {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array(ArrayBox)
        case object(ObjectBox)
    }

    /// Containers are filled after they are handed out, so they live in boxes.
    fileprivate final class ArrayBox {
        var elements: [Node] = []
    }

    fileprivate final class ObjectBox {
        var members: [(key: String, value: Node)] = []

        func set(_ key: String, _ value: Node) {
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = value
            } else {
                members.append((key, value))
            }
        }
    }

    /// Where an encoder's value goes: set once, by a container or a single value.
    fileprivate final class Slot {
        var node: Node = .object(ObjectBox())
    }

    fileprivate final class TreeEncoder: Encoder {
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        let root: Slot

        init(codingPath: [any CodingKey] = [], into slot: Slot = Slot()) {
            self.codingPath = codingPath
            self.root = slot
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let box: ObjectBox
            if case .object(let existing) = root.node {
                box = existing
            } else {
                box = ObjectBox()
                root.node = .object(box)
            }
            return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let box = ArrayBox()
            root.node = .array(box)
            return Unkeyed(box: box, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(slot: root, codingPath: codingPath) }

        /// The node for `value`, encoded at `path`.
        static func node(for value: some Encodable, at path: [any CodingKey]) throws -> Node {
            if let text = value as? String { return .string(text) }
            let encoder = TreeEncoder(codingPath: path)
            try value.encode(to: encoder)
            return encoder.root.node
        }
    }

    private struct IndexKey: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: ObjectBox
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .string(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: Double, forKey key: Key) throws { box.set(key.stringValue, Single.number(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: Int32, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: UInt16, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: UInt32, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            box.set(key.stringValue, .number(String(value)))
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            box.set(key.stringValue, Single.number(Double(value)))
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            box.set(key.stringValue, try TreeEncoder.node(for: value, at: codingPath + [key]))
        }

        // Synthesized `Encodable` leaves out nil optionals through these; dirsync writes them as null.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try present(value, key) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try present(value, key) }

        private mutating func present<T: Encodable>(_ value: T?, _ key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectBox()
            box.set(key.stringValue, .object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            box.set(key.stringValue, .array(nested))
            return Unkeyed(box: nested, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

        private func superEncoder(named name: String) -> any Encoder {
            let slot = Slot()
            let encoder = TreeEncoder(codingPath: codingPath, into: slot)
            box.set(name, slot.node)
            return encoder
        }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let box: ArrayBox
        let codingPath: [any CodingKey]
        var count: Int { box.elements.count }

        mutating func encodeNil() throws { box.elements.append(.null) }
        mutating func encode(_ value: Bool) throws { box.elements.append(.bool(value)) }
        mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
        mutating func encode(_ value: Int) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: Int64) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: Double) throws { box.elements.append(Single.number(value)) }
        mutating func encode(_ value: Int8) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: Int16) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: Int32) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: UInt) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: UInt8) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: UInt16) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: UInt32) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: UInt64) throws { box.elements.append(.number(String(value))) }
        mutating func encode(_ value: Float) throws { box.elements.append(Single.number(Double(value))) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            box.elements.append(try TreeEncoder.node(for: value, at: codingPath + [IndexKey(intValue: count)]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectBox()
            box.elements.append(.object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            box.elements.append(.array(nested))
            return Unkeyed(box: nested, codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            let slot = Slot()
            box.elements.append(slot.node)
            return TreeEncoder(codingPath: codingPath, into: slot)
        }
    }

    private struct Single: SingleValueEncodingContainer {
        let slot: Slot
        let codingPath: [any CodingKey]

        static func number(_ value: Double) -> Node {
            if value.rounded() == value, abs(value) < 1e15 { return .number(String(Int64(value))) }
            return .number(value.description)
        }

        mutating func encodeNil() throws { slot.node = .null }
        mutating func encode(_ value: Bool) throws { slot.node = .bool(value) }
        mutating func encode(_ value: String) throws { slot.node = .string(value) }
        mutating func encode(_ value: Int) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: Int64) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: Double) throws { slot.node = Self.number(value) }
        mutating func encode(_ value: Int8) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: Int16) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: Int32) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: UInt) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: UInt8) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: UInt16) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: UInt32) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: UInt64) throws { slot.node = .number(String(value)) }
        mutating func encode(_ value: Float) throws { slot.node = Self.number(Double(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            slot.node = try TreeEncoder.node(for: value, at: codingPath)
        }
    }
}
