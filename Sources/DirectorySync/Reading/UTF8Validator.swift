/// Checks UTF-8 as it streams by, chunk after chunk (a character may straddle two chunks), counting lines
/// so a bad byte can be located.
struct UTF8Validator {
    private var remaining = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    /// Line breaks seen so far.
    private(set) var newlines = 0

    /// False at the first byte that cannot continue valid UTF-8.
    mutating func validate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes {
            if remaining == 0 {
                if byte < 0x80 {
                    if byte == 0x0A { newlines += 1 }
                    continue
                }
                switch byte {
                case 0xC2...0xDF: (remaining, low, high) = (1, 0x80, 0xBF)
                case 0xE0: (remaining, low, high) = (2, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (remaining, low, high) = (2, 0x80, 0xBF)
                case 0xED: (remaining, low, high) = (2, 0x80, 0x9F)
                case 0xF0: (remaining, low, high) = (3, 0x90, 0xBF)
                case 0xF1...0xF3: (remaining, low, high) = (3, 0x80, 0xBF)
                case 0xF4: (remaining, low, high) = (3, 0x80, 0x8F)
                default: return false
                }
            } else {
                guard byte >= low && byte <= high else { return false }
                remaining -= 1
                (low, high) = (0x80, 0xBF)
            }
        }
        return true
    }

    /// Whether the input may end here (no character left half-way).
    var isComplete: Bool { remaining == 0 }
}
