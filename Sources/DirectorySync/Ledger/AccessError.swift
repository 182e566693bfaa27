/// Why a change to accounts or grants was refused.
public enum AccessError: Error, Equatable, Sendable, UserFacingError {
    /// No account of the organization has that name (the names it has).
    case unknownAccount(String, known: [String])
    /// An account of that name (ignoring case) exists already.
    case accountExists(String)
    /// The account cannot go while grants name it (how many).
    case accountHasGrants(String, count: Int)
    /// The member holds that grant already.
    case grantHeld(EmailAddress, Grant)
    /// The member does not hold that grant.
    case grantNotHeld(EmailAddress, Grant)
    /// The role is not in the organization's catalog (the roles it has).
    case unknownRole(String, known: [String])
    /// An organization role (owner, admin, member, viewer) named as a grant.
    case organizationRole(String)
    /// `account-admin` without an account.
    case accountAdminNeedsAccount
    /// The account's name cannot be used (why).
    case invalidAccountName(String, problem: String)
    /// The person holds the grant by inheritance from the parent organization named; it changes only there.
    case inherited(EmailAddress, Grant, from: String)
    /// Only an organization-wide grant can be inherited by child organizations.
    case inheritedGrantScoped(Grant)

    /// One line for `error: …`.
    public var description: String {
        switch self {
        case .unknownAccount(let name, _): "no account of this organization is called '\(name)'"
        case .accountExists(let name): "the organization already has an account called '\(name)'"
        case .accountHasGrants(let name, let count):
            "account '\(name)' still has \(Plural.count(count, "grant")) in it; nothing was removed"
        case .grantHeld(let email, let grant): "\(email) already holds \(grant)"
        case .grantNotHeld(let email, let grant): "\(email) does not hold \(grant)"
        case .unknownRole(let name, _): "no role of the catalog is called '\(name)'"
        case .organizationRole(let name):
            "'\(name)' is an organization role, not a grant (owner is never a grant)"
        case .accountAdminNeedsAccount: "\(AccessCatalog.accountAdmin) is limited to one account"
        case .invalidAccountName(let name, let problem): "account '\(name)': \(problem)"
        case .inherited(let email, let grant, let from):
            "\(email) holds \(grant) inherited from the parent organization \(from); it can be changed only there"
        case .inheritedGrantScoped(let grant):
            "\(grant) is limited to an account; only a grant for the whole organization is inherited by child organizations"
        }
    }

    /// What to do next, when it is clear.
    public var hint: String? {
        switch self {
        case .unknownAccount(_, let known):
            known.isEmpty
                ? "add it with 'dirsync accounts add NAME' or under organization.accounts"
                : "the accounts are \(known.joined(separator: ", "))"
        case .accountHasGrants(let name, _):
            "remove those grants first ('dirsync members list' shows them, 'dirsync grants remove EMAIL ROLE --account \(name)')"
        case .unknownRole(_, let known): "the roles are \(known.joined(separator: ", ")) (add yours under access.roles)"
        case .organizationRole(let name):
            name.lowercased() == "owner"
                ? "owners are made only by 'dirsync init'"
                : "the organization role is set with --role when inviting, 'dirsync members set-role EMAIL ROLE' after"
        case .accountAdminNeedsAccount: "pass --account NAME"
        case .inherited(let email, let grant, let from):
            "dirsync grants remove \(email) \(grant.role) --org '\(from)'"
        default: nil
        }
    }
}
