import Foundation

/// A member's role in an organization, from most to least privileged: owner > admin > member > viewer.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case owner, admin, member, viewer

    /// The roles an invitation may carry: every role but `owner`.
    public static let invitable: [Role] = [.admin, .member, .viewer]

    /// Whether an invitation may carry this role.
    public var isInvitable: Bool { self != .owner }

    /// The role's name: `owner`, `admin`, `member` or `viewer`.
    public var description: String { rawValue }

    /// Reads a role name given by a user, case-insensitively.
    public init(parsing text: String) throws(Role.Unknown) {
        guard let role = Role(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw Unknown(text: text)
        }
        self = role
    }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .member: 1
        case .admin: 2
        case .owner: 3
        }
    }

    /// `a < b` when `a` has fewer privileges than `b`.
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// A role name that is not one of owner, admin, member, viewer.
    public struct Unknown: Error, Equatable, CustomStringConvertible {
        /// What was given.
        public let text: String
        /// The message for the user, listing the valid role names.
        public var description: String { "unknown role '\(text)' (roles: owner, admin, member, viewer)" }
    }
}
