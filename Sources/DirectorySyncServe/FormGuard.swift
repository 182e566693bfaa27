import DirectorySync
import Foundation

/// CSRF protection without server state: a signed double-submit cookie.
///
/// A page with a form sets the cookie `dirsync_csrf` (128 random bits, `HttpOnly`, `SameSite=Strict`, `Secure`
/// when the public URL is https) and puts into the form an HMAC-SHA256 of the cookie and the form's name under
/// a key derived from the store's signing key. A POST is accepted only when the cookie is there and the field
/// is its HMAC for that form, compared in constant time; another site can neither read the cookie nor compute
/// the field. A cross-site POST is also refused by its `Origin` or `Sec-Fetch-Site` header when the browser
/// sends one.
struct FormGuard: Sendable {
    static let cookieName = "dirsync_csrf"
    private let key: [UInt8]
    /// Whether the cookie carries `Secure` (the public URL is https).
    let secure: Bool

    /// A guard whose key is derived from `secret` (the store's signing key), so every `dirsync serve` process
    /// on one store accepts the others' forms.
    init(secret: [UInt8], secure: Bool) {
        self.key = Digest.hmacSHA256(key: secret, message: Array("dirsync serve csrf v1".utf8))
        self.secure = secure
    }

    /// A new cookie value: 16 random bytes, hex.
    static func newCookie() -> String {
        var generator = SystemRandomNumberGenerator()
        return Digest.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Whether `value` looks like a cookie this guard sets (32 lower-case hex digits).
    static func isWellFormed(_ value: String) -> Bool {
        value.utf8.count == 32 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The form field for `cookie` and the form `form` (`accept`, `offer`, `request`).
    func field(cookie: String, form: String) -> String {
        Digest.hex(Digest.hmacSHA256(key: key, message: Array("\(form)|\(cookie)".utf8)))
    }

    /// Whether `field` is the field for `cookie` and `form`; constant-time in the field's content.
    func accepts(field: String?, cookie: String?, form: String) -> Bool {
        guard let field, let cookie, Self.isWellFormed(cookie) else { return false }
        return ConstantTime.equals(Array(self.field(cookie: cookie, form: form).utf8), Array(field.utf8))
    }

    /// The `Set-Cookie` value for `cookie`.
    func setCookie(_ cookie: String) -> String {
        "\(Self.cookieName)=\(cookie); Path=/; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    /// The value of the cookie `name` in a `Cookie` header, if there.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                return pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
