import Foundation

/// The addresses of one invitation batch, checked before anything is written: at most 50, all valid,
/// none twice.
public struct InvitationBatch: Sendable, Equatable {
    /// The largest batch the product allows.
    public static let maximumSize = 50

    /// The addresses, in the order given.
    public let addresses: [EmailAddress]
    /// The usernames given with addresses (`ann@x.com:ann.lee`); an address without one gets the derived one.
    public let usernames: [EmailAddress: Username]

    /// Checks `addresses` (already split, e.g. from a comma-separated list), each `email` or `email:username`.
    public init(parsing addresses: [String], limit: Int = maximumSize) throws(LedgerError) {
        let given = addresses.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !given.isEmpty else { throw .emptyBatch }
        guard given.count <= limit else { throw .batchTooLarge(count: given.count, limit: limit) }
        var seen = Set<EmailAddress>()
        var parsed: [EmailAddress] = []
        var usernames: [EmailAddress: Username] = [:]
        var takenUsernames: [Username: EmailAddress] = [:]
        for (index, item) in given.enumerated() {
            var raw = item
            var username: Username?
            // `email:username`: the part after the last ':' is a username when it holds no '@'.
            if let colon = item.lastIndex(of: ":"), !item[colon...].contains("@") {
                raw = String(item[..<colon])
                do { username = try Username(String(item[item.index(after: colon)...])) } catch {
                    throw .invalidUsernameInBatch(position: index + 1, error)
                }
            }
            let email: EmailAddress
            do {
                email = try EmailAddress(raw)
            } catch {
                throw .invalidAddressInBatch(position: index + 1, error)
            }
            guard seen.insert(email).inserted else { throw .duplicateInBatch(email) }
            if let username {
                if let other = takenUsernames[username] { throw .usernameTaken(username, by: other) }
                takenUsernames[username] = email
                usernames[email] = username
            }
            parsed.append(email)
        }
        self.addresses = parsed
        self.usernames = usernames
    }

    /// Splits a comma-separated list, as typed on the command line.
    public static func split(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}
