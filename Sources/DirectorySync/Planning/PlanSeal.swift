/// The signature that makes a saved plan tamper-evident: an HMAC-SHA-256 of the plan's canonical encoding
/// under the store's own key (`LedgerReader.planSigningKey()`), which never leaves the store.
///
/// `dirsync plan` signs what it writes; `dirsync apply FILE` recomputes the signature of what it read and
/// refuses the plan, changing nothing, unless the two are equal. An edited field, a plan made with another
/// store, or a file without a signature is refused the same way.
public enum PlanSeal {
    /// The scheme written before the hex digest: `hmac-sha256:3f…`.
    public static let scheme = "hmac-sha256"

    /// Why a plan's signature was refused.
    public enum Failure: Error, Equatable, Sendable {
        case missing
        case malformed
        case mismatch
    }

    /// `hmac-sha256:<64 hex digits>` for `content` under `key`.
    public static func signature(of content: [UInt8], key: [UInt8]) -> String {
        "\(scheme):" + Digest.hex(Digest.hmacSHA256(key: key, message: content))
    }

    /// Throws unless `signature` is the signature of `content` under `key`, compared in constant time.
    public static func verify(_ signature: String?, of content: [UInt8], key: [UInt8]) throws(Failure) {
        guard let signature else { throw .missing }
        guard signature.hasPrefix("\(scheme):"), signature.utf8.count == scheme.utf8.count + 1 + 64 else {
            throw .malformed
        }
        let expected = Self.signature(of: content, key: key)
        guard ConstantTime.equals(Array(signature.utf8), Array(expected.utf8)) else { throw .mismatch }
    }
}
