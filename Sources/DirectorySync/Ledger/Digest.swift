import Foundation

import struct Crypto.HMAC
import struct Crypto.SHA256
import struct Crypto.SymmetricKey

/// The hashes dirsync keeps and checks, from swift-crypto: SHA-256 of invitation tokens (what the store keeps
/// instead of the token) and HMAC-SHA-256 of saved plans (so an edited plan file is refused).
public enum Digest {
    /// The 32-byte SHA-256 digest of `message`.
    public static func sha256(_ message: some Collection<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(message)))
    }

    /// The SHA-256 digest of `text`'s UTF-8 bytes, as 64 lower-case hex digits.
    public static func sha256Hex(_ text: String) -> String { hex(sha256(Array(text.utf8))) }

    /// The HMAC-SHA-256 of `message` under `key`.
    public static func hmacSHA256(key: [UInt8], message: some Collection<UInt8>) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: key)))
    }

    /// `bytes` as lower-case hex digits.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Comparison whose running time does not depend on where two values first differ.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes, looking at every byte of both.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        var right = rhs.makeIterator()
        for byte in lhs { difference |= byte ^ (right.next() ?? ~byte) }
        return difference == 0
    }
}
