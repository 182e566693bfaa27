import Foundation

/// A bulk-invite CSV (`dirsync invitations import FILE.csv`), checked row by row against itself and the
/// organization before anything is sent, then sent in batches of at most 50 rows, each all or nothing: a row
/// with a problem keeps its whole batch back, and the other batches go.
public struct InvitationImport: Sendable {
    /// One data row of the file as read.
    public struct Row: Sendable, Equatable {
        /// Where it is (`team.csv:7`).
        public var location: SourceLocation
        /// The `email` column.
        public var email: String
        /// The `username` column; empty for the derived one.
        public var username: String
        /// The `first_name` column.
        public var givenName: String
        /// The `last_name` column.
        public var familyName: String
        /// The `role` column; empty for the `--role` default.
        public var role: String

        /// A row from its columns.
        public init(
            location: SourceLocation, email: String, username: String = "", givenName: String = "",
            familyName: String = "", role: String = ""
        ) {
            self.location = location
            self.email = email
            self.username = username
            self.givenName = givenName
            self.familyName = familyName
            self.role = role
        }
    }

    /// A row that passed its checks: what its invitation will be.
    public struct Invitee: Sendable, Equatable {
        /// The address.
        public let email: EmailAddress
        /// The role.
        public let role: Role
        /// The username given, or nil for the derived one.
        public let username: Username?
        /// The first name, if given.
        public let givenName: String?
        /// The last name, if given.
        public let familyName: String?
    }

    /// A row and what its checks found: an invitee, or the problem that keeps it (and its batch) back.
    public struct Checked: Sendable, Equatable {
        /// The row.
        public let row: Row
        /// What the row invites; nil when it has a problem.
        public let invitee: Invitee?
        /// Why the row cannot be sent; nil when it passed.
        public let problem: String?
    }

    /// What the organization holds that rows are checked against.
    public struct Organization: Sendable {
        /// Addresses of members, with their role.
        public var members: [EmailAddress: Role]
        /// Addresses with a pending invitation.
        public var invited: Set<EmailAddress>
        /// Usernames held, by holder.
        public var usernames: [Username: EmailAddress]
        /// Seats free now.
        public var freeSeats: Int

        /// The organization as the checks see it.
        public init(
            members: [EmailAddress: Role], invited: Set<EmailAddress>, usernames: [Username: EmailAddress],
            freeSeats: Int
        ) {
            self.members = members
            self.invited = invited
            self.usernames = usernames
            self.freeSeats = freeSeats
        }
    }

    /// Checks every row (in file order): the address, a duplicate address or username in the file, someone
    /// already a member or invited, a username held in the organization, the role (the row's or `defaultRole`),
    /// and finally the seats, which the first rows that pass get.
    public static func check(_ rows: [Row], defaultRole: Role?, against organization: Organization) -> [Checked] {
        var emails: [EmailAddress: SourceLocation] = [:]
        var usernames: [Username: SourceLocation] = [:]
        var seats = organization.freeSeats
        return rows.map { row in
            func refuse(_ problem: String) -> Checked { Checked(row: row, invitee: nil, problem: problem) }
            let email: EmailAddress
            do { email = try EmailAddress(row.email) } catch { return refuse("\(error)") }
            if let earlier = emails[email] { return refuse("\(email) is also on line \(earlier.line ?? 0)") }
            emails[email] = row.location
            if let role = organization.members[email] { return refuse("\(email) is already a member (role \(role))") }
            if organization.invited.contains(email) { return refuse("\(email) already has a pending invitation") }
            var username: Username?
            if !row.username.trimmingCharacters(in: .whitespaces).isEmpty {
                do { username = try Username(row.username) } catch { return refuse("\(error)") }
            }
            if let username {
                if let earlier = usernames[username] {
                    return refuse("the username \(username) is also on line \(earlier.line ?? 0)")
                }
                usernames[username] = row.location
                if let holder = organization.usernames[username], holder != email {
                    return refuse("the username \(username) is taken by \(holder)")
                }
            }
            let role: Role
            let text = row.role.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                guard let defaultRole else { return refuse("no role: fill the role column or pass --role") }
                role = defaultRole
            } else {
                do { role = try Role(parsing: text) } catch { return refuse("\(error)") }
            }
            guard role.isInvitable else { return refuse("owner cannot be invited; invite as admin") }
            let given: String?
            let family: String?
            do {
                given = try Member.typedName(row.givenName)
                family = try Member.typedName(row.familyName)
            } catch {
                return refuse("\(error)")
            }
            guard seats > 0 else { return refuse("no seat left (\(organization.freeSeats) were free)") }
            seats -= 1
            return Checked(
                row: row,
                invitee: Invitee(email: email, role: role, username: username, givenName: given, familyName: family),
                problem: nil)
        }
    }

    /// The checked rows in batches of at most `size`, in file order; a batch is sent only when none of its rows
    /// has a problem.
    public static func batches(_ checked: [Checked], size: Int = InvitationBatch.maximumSize) -> [[Checked]] {
        stride(from: 0, to: checked.count, by: size).map { Array(checked[$0..<min($0 + size, checked.count)]) }
    }
}

extension Ledger {
    /// Invites every invitee of one import batch in one transaction: all of them, or (on any refusal) none.
    public func invite(
        _ invitees: [InvitationImport.Invitee], in organization: Organization.ID, mail: MailSettings,
        by actor: String, at now: Date
    ) async throws -> [Invitation] {
        let makeToken = makeTokenFunction
        return try await store.write { db in
            let rules = try Self.rules(db, organization, now, mail, makeToken)
            try rules.requireSeats(invitees.count)
            return try invitees.map {
                try rules.invite(
                    $0.email, as: $0.role, message: nil, by: actor, givenName: $0.givenName, familyName: $0.familyName,
                    username: $0.username, details: ["via": "import"])
            }
        }
    }
}
