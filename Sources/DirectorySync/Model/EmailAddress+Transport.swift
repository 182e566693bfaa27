import Foundation

extension EmailAddress {
    /// The domain as mail servers want it: each non-ASCII label in Unicode NFC, then as `xn--` Punycode
    /// (`bücher.example` → `xn--bcher-kva.example`); an ASCII domain as it is.
    public var asciiDomain: String {
        if domain.utf8.allSatisfy({ $0 < 0x80 }) { return domain }
        return Punycode.asciiDomain(domain.precomposedStringWithCanonicalMapping) ?? domain
    }

    /// Whether the part before the `@` is ASCII: otherwise only a server offering SMTPUTF8 (RFC 6531) takes it.
    public var hasASCIILocalPart: Bool { localPart.utf8.allSatisfy { $0 < 0x80 } }

    /// The address as it goes in the SMTP envelope and the message's headers: the local part as it is, the
    /// domain as `asciiDomain`.
    public var transportForm: String {
        if domain.utf8.allSatisfy({ $0 < 0x80 }) { return canonical }
        return localPart + "@" + asciiDomain
    }
}
