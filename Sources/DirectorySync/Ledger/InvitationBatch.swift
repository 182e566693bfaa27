import Foundation

/// The addresses of one invitation batch, checked before anything is written: at most 50, all valid,
/// none twice.
public struct InvitationBatch: Sendable, Equatable {
    /// The largest batch the product allows.
    public static let maximumSize = 50

    /// The addresses, in the order given.
    public let addresses: [EmailAddress]

    /// Checks `addresses` (already split, e.g. from a comma-separated list).
    public init(parsing addresses: [String], limit: Int = maximumSize) throws(LedgerError) {
        let given = addresses.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !given.isEmpty else { throw .emptyBatch }
        guard given.count <= limit else { throw .batchTooLarge(count: given.count, limit: limit) }
        var seen = Set<EmailAddress>()
        var parsed: [EmailAddress] = []
        for (index, raw) in given.enumerated() {
            let email: EmailAddress
            do {
                email = try EmailAddress(raw)
            } catch {
                throw .invalidAddressInBatch(position: index + 1, error)
            }
            guard seen.insert(email).inserted else { throw .duplicateInBatch(email) }
            parsed.append(email)
        }
        self.addresses = parsed
    }

    /// Splits a comma-separated list, as typed on the command line.
    public static func split(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}
