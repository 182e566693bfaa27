import Foundation

/// The code of an account invitation (the account-first flow): what the person types to request access.
///
/// Sixteen characters of Crockford's base32 (no I, L, O or U; read case-insensitively, `I`/`L` as 1 and `O`
/// as 0), shown in four groups (`7KQ2-M9XD-4TBH-WC3R`): 80 random bits. The first six characters are the
/// *selector* (30 bits) that finds the code's row; the store keeps the selector and the SHA-256 of the whole
/// code, never the code, and the remaining ten characters (50 bits) are the proof. A wrong proof for a known
/// selector is counted against that code; after `AccessCode.attemptLimit` the code is locked.
public struct AccessCode: Sendable, Equatable, CustomStringConvertible {
    /// The sixteen characters, upper-case, without separators.
    public let text: String

    /// Characters in a code.
    public static let length = 16
    static let selectorLength = 6
    /// Wrong attempts a code takes before it is locked (a new account invitation sends a new one).
    public static let attemptLimit = 5
    /// Crockford's base32 alphabet.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A fresh code from the system's cryptographically secure generator.
    public static func generate() -> AccessCode {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A fresh code from `generator`: 80 bits, 5 per character.
    public static func generate(using generator: inout some RandomNumberGenerator) -> AccessCode {
        var bytes: [UInt8] = []
        var word = generator.next()
        var left = 64
        for _ in 0..<length {
            if left < 5 {
                word = generator.next()
                left = 64
            }
            bytes.append(alphabet[Int(word & 31)])
            word >>= 5
            left -= 5
        }
        return AccessCode(unchecked: String(decoding: bytes, as: UTF8.self))
    }

    private init(unchecked text: String) { self.text = text }

    /// A code as a person types it: any case, with spaces or dashes anywhere; `I`/`L` read as 1, `O` as 0.
    public init(parsing input: String) throws(LedgerError) {
        var bytes: [UInt8] = []
        for byte in input.utf8 {
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") { continue }
            var upper = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
            if upper == UInt8(ascii: "I") || upper == UInt8(ascii: "L") { upper = UInt8(ascii: "1") }
            if upper == UInt8(ascii: "O") { upper = UInt8(ascii: "0") }
            guard Self.alphabet.contains(upper), bytes.count < Self.length else { throw .malformedCode }
            bytes.append(upper)
        }
        guard bytes.count == Self.length else { throw .malformedCode }
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    /// The part the store looks the code's row up by.
    public var selector: String { String(text.prefix(Self.selectorLength)) }

    /// The SHA-256 of the code, hex-encoded: what the store keeps.
    public var hash: String { Digest.sha256Hex(text) }

    /// Whether this code's hash equals `storedHash`, compared in constant time.
    public func matches(storedHash: String) -> Bool {
        ConstantTime.equals(Array(hash.utf8), Array(storedHash.utf8))
    }

    /// The code in four groups, as the account invitation shows it.
    public var grouped: String {
        stride(from: 0, to: Self.length, by: 4).map { start in
            let from = text.index(text.startIndex, offsetBy: start)
            return String(text[from..<text.index(from, offsetBy: 4)])
        }.joined(separator: "-")
    }

    /// Never the secret: only the selector.
    public var description: String { "code \(selector)…" }

    /// A code's row as the store keeps it: never the code.
    public struct Stored: Sendable, Equatable {
        /// The row's key.
        public let id: Int64
        /// The account invitation the code was sent with.
        public let invitation: Invitation.ID
        /// The first six characters.
        public let selector: String
        /// SHA-256 of the whole code, hex.
        public let hash: String
        /// Wrong attempts so far.
        public var attempts: Int
        /// When the code stops working (the invitation's expiry).
        public let expiresAt: Date
        /// When it was used, or locked, or replaced; nil while it works.
        public var closedAt: Date?
        /// Why it stopped working: `used`, `locked` or `replaced`; nil while it works.
        public var closure: String?

        /// A row as the store reads it.
        public init(
            id: Int64, invitation: Invitation.ID, selector: String, hash: String, attempts: Int, expiresAt: Date,
            closedAt: Date?, closure: String?
        ) {
            self.id = id
            self.invitation = invitation
            self.selector = selector
            self.hash = hash
            self.attempts = attempts
            self.expiresAt = expiresAt
            self.closedAt = closedAt
            self.closure = closure
        }
    }
}

/// A person's request for access with the code of their account invitation (the account-first flow): the
/// account they created (email, the username they chose, their names), waiting for an admin — or the
/// directory — to approve it.
public struct AccessRequest: Sendable, Equatable, Identifiable {
    /// The store's identifier for a request.
    public struct ID: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        /// The primary key.
        public let rawValue: Int64
        /// The identifier for key `rawValue`.
        public init(rawValue: Int64) { self.rawValue = rawValue }
        /// The key in decimal.
        public var description: String { String(rawValue) }
    }

    /// The stored status; `expired` is derived from the clock (`state(at:)`).
    public enum Status: String, Sendable, CaseIterable {
        case pending, approved, denied
    }

    /// What a person sees: the status, with `expired` for a pending request past its expiry.
    public enum State: String, Sendable, CaseIterable, CustomStringConvertible {
        case pending, expired, approved, denied
        /// The raw value.
        public var description: String { rawValue }
    }

    /// The store's identifier.
    public let id: ID
    /// The organization the request is to.
    public let organization: Organization.ID
    /// The account invitation whose code was used.
    public let invitation: Invitation.ID
    /// The address the account invitation was sent to: the code is bound to it.
    public let email: EmailAddress
    /// The username the person chose.
    public let username: Username
    /// The given name the person registered, if any.
    public let givenName: String?
    /// The family name the person registered, if any.
    public let familyName: String?
    /// The stored status.
    public var status: Status
    /// When the request was made.
    public let requestedAt: Date
    /// When a pending request lapses (`policy.access_request_validity`, default 14d).
    public let expiresAt: Date
    /// When it was approved or denied.
    public var closedAt: Date?
    /// Who approved or denied it: an admin's address, or `directory` for a sync.
    public var closedBy: String?
    /// Why it was denied, when the admin said.
    public var reason: String?

    /// A request from its parts, as the store reads it.
    public init(
        id: ID, organization: Organization.ID, invitation: Invitation.ID, email: EmailAddress, username: Username,
        givenName: String?, familyName: String?, status: Status, requestedAt: Date, expiresAt: Date,
        closedAt: Date? = nil, closedBy: String? = nil, reason: String? = nil
    ) {
        self.id = id
        self.organization = organization
        self.invitation = invitation
        self.email = email
        self.username = username
        self.givenName = givenName
        self.familyName = familyName
        self.status = status
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.closedAt = closedAt
        self.closedBy = closedBy
        self.reason = reason
    }

    /// The state at `now`: a pending request past `expiresAt` is `expired`.
    public func state(at now: Date) -> State {
        switch status {
        case .pending: now >= expiresAt ? .expired : .pending
        case .approved: .approved
        case .denied: .denied
        }
    }
}
