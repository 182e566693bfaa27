import Foundation

/// A file read in chunks with `read(2)`: readers never hold a whole export in memory. Files that start
/// with a UTF-16 byte-order mark are transcoded to UTF-8 on the fly; a UTF-8 BOM is left for the reader.
final class InputFile {
    /// The file as the user named it.
    let name: String
    private let descriptor: Int32
    /// Total size in bytes when known, for progress.
    let size: Int?
    /// Raw bytes read so far.
    private(set) var bytesRead = 0
    private var encoding: Encoding?
    private var raw: [UInt8] = []
    private var pendingHighSurrogate: UInt16?

    private enum Encoding { case utf8, utf16LittleEndian, utf16BigEndian }

    /// Whether the file starts with a UTF-16 byte-order mark and is transcoded (known after the first read).
    var isTranscodedFromUTF16: Bool { encoding == .utf16LittleEndian || encoding == .utf16BigEndian }

    init(path: String, name: String) throws(ReadError) {
        var status = stat()
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ReadError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw ReadError.unreadable(file: name, reason: "it is a directory")
        }
        self.descriptor = descriptor
        self.name = name
        self.size = status.st_size > 0 ? Int(status.st_size) : nil
    }

    deinit { close(descriptor) }

    /// Reads up to `count` bytes of UTF-8 into `buffer`; 0 means the end of the file.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(ReadError) -> Int {
        if encoding == nil { try detectEncoding() }
        switch encoding {
        case .utf16LittleEndian, .utf16BigEndian: return try transcode(into: buffer, count: count)
        default: break
        }
        if !raw.isEmpty {
            let taken = min(count, raw.count)
            raw.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { buffer.update(from: base, count: taken) }
            }
            raw.removeFirst(taken)
            return taken + (taken < count ? try readRaw(into: buffer + taken, count: count - taken) : 0)
        }
        return try readRaw(into: buffer, count: count)
    }

    private func readRaw(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(ReadError) -> Int {
        while true {
            let got = Foundation.read(descriptor, buffer, count)
            if got >= 0 {
                bytesRead += got
                return got
            }
            if errno == EINTR { continue }
            throw ReadError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
    }

    private func detectEncoding() throws(ReadError) {
        var head = [UInt8](repeating: 0, count: 2)
        var filled = 0
        while filled < 2 {
            let got = try head.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
                guard let base = pointer.baseAddress else { return 0 }
                return try readRaw(into: base + filled, count: 2 - filled)
            }
            if got == 0 { break }
            filled += got
        }
        head.removeLast(2 - filled)
        if head == [0xFF, 0xFE] {
            encoding = .utf16LittleEndian
        } else if head == [0xFE, 0xFF] {
            encoding = .utf16BigEndian
        } else {
            encoding = .utf8
            raw = head
        }
    }

    /// UTF-16 → UTF-8, keeping an odd trailing byte and an unpaired high surrogate for the next chunk.
    private func transcode(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(ReadError) -> Int {
        let wanted = max(2, (count / 3) & ~1)
        var chunk = [UInt8](repeating: 0, count: wanted)
        let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(ReadError) in
            guard let base = pointer.baseAddress else { return 0 }
            return try readRaw(into: base, count: wanted)
        }
        raw.append(contentsOf: chunk.prefix(got))
        if got == 0 {
            if !raw.isEmpty || pendingHighSurrogate != nil {
                throw ReadError.malformed(
                    at: SourceLocation(source: name), detail: "the UTF-16 text ends in the middle of a character")
            }
            return 0
        }
        let littleEndian = encoding == .utf16LittleEndian
        var written = 0
        var index = 0
        func put(_ byte: UInt8) {
            buffer[written] = byte
            written += 1
        }
        while index + 1 < raw.count {
            let unit =
                littleEndian
                ? UInt16(raw[index]) | UInt16(raw[index + 1]) << 8 : UInt16(raw[index]) << 8 | UInt16(raw[index + 1])
            index += 2
            var scalar: UInt32
            if let high = pendingHighSurrogate {
                pendingHighSurrogate = nil
                guard unit >= 0xDC00 && unit <= 0xDFFF else { throw invalidUTF16() }
                scalar = 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00)
            } else if unit >= 0xD800 && unit <= 0xDBFF {
                pendingHighSurrogate = unit
                continue
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw invalidUTF16()
            } else {
                scalar = UInt32(unit)
            }
            switch scalar {
            case 0..<0x80:
                put(UInt8(scalar))
            case 0x80..<0x800:
                put(UInt8(0xC0 | scalar >> 6))
                put(UInt8(0x80 | scalar & 0x3F))
            case 0x800..<0x10000:
                put(UInt8(0xE0 | scalar >> 12))
                put(UInt8(0x80 | scalar >> 6 & 0x3F))
                put(UInt8(0x80 | scalar & 0x3F))
            default:
                put(UInt8(0xF0 | scalar >> 18))
                put(UInt8(0x80 | scalar >> 12 & 0x3F))
                put(UInt8(0x80 | scalar >> 6 & 0x3F))
                put(UInt8(0x80 | scalar & 0x3F))
            }
            scalar = 0
        }
        raw.removeFirst(index)
        if written == 0 { return try transcode(into: buffer, count: count) }
        return written
    }

    private func invalidUTF16() -> ReadError {
        ReadError.malformed(
            at: SourceLocation(source: name), detail: "the file is not valid UTF-16 (unpaired surrogate)")
    }
}
