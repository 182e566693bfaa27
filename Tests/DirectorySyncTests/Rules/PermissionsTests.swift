import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Who may do what: every kind of actor against every kind of action, in the one place that decides.
@Suite struct PermissionsTests {
    static let email = Build.email("actor@acme.com")
    static let sales = Grant(role: AccessCatalog.accountAdmin, account: "Sales US")
    static let bulk = Grant(role: AccessCatalog.bulkInvite)

    static let actors: [(String, Permissions.Actor)] = [
        ("owner", .init(email: email, role: .owner)),
        ("admin", .init(email: email, role: .admin)),
        ("bulk admin", .init(email: email, role: .admin, grants: [bulk])),
        ("account admin", .init(email: email, role: .member, grants: [sales])),
        ("bulk account admin", .init(email: email, role: .viewer, grants: [sales, bulk])),
        ("member", .init(email: email, role: .member, grants: [Grant(role: "signer")])),
        ("viewer", .init(email: email, role: .viewer)),
        ("outsider", .init(email: email, role: nil, grants: [])),
    ]

    static let inSales = [Grant(role: "signer", account: "sales us")]
    static let actions: [(String, Permissions.Action)] = [
        ("organization", .manageOrganization),
        ("invite one", .invite(count: 1, role: .member, grants: [])),
        ("invite one to Sales US", .invite(count: 1, role: .member, grants: inSales)),
        ("invite an admin to Sales US", .invite(count: 1, role: .admin, grants: inSales)),
        ("invite three to Sales US", .invite(count: 3, role: .viewer, grants: inSales)),
        ("invite three", .invite(count: 3, role: .viewer, grants: [])),
        ("revoke one of Sales US", .manageInvitation(grants: inSales)),
        ("revoke one of the organization", .manageInvitation(grants: [Grant(role: "signer")])),
        ("grant in Sales US", .changeGrant(Grant(role: "signer", account: "Sales US"))),
        ("grant in Legal EU", .changeGrant(Grant(role: "signer", account: "Legal EU"))),
        ("grant organization-wide", .changeGrant(Grant(role: "signer"))),
        ("resend an offer in Sales US", .manageOffer(grants: inSales, role: nil)),
        ("resend an offer of a role", .manageOffer(grants: inSales, role: .admin)),
        ("revoke an organization-wide offer", .manageOffer(grants: [Grant(role: "signer")], role: nil)),
    ]

    /// actor → the actions allowed; every other is refused.
    static let allowed: [String: Set<String>] = [
        "owner": Set(actions.map(\.0)),
        "admin": Set(actions.map(\.0)).subtracting(["invite three to Sales US", "invite three"]),
        "bulk admin": Set(actions.map(\.0)),
        "account admin": [
            "invite one to Sales US", "revoke one of Sales US", "grant in Sales US", "resend an offer in Sales US",
        ],
        "bulk account admin": [
            "invite one to Sales US", "invite three to Sales US", "revoke one of Sales US", "grant in Sales US",
            "resend an offer in Sales US",
        ],
        "member": [], "viewer": [], "outsider": [],
    ]

    @Test(arguments: actors)
    func eachActorMayDoExactlyWhatItsRoleAndGrantsAllow(_ name: String, _ actor: Permissions.Actor) {
        for (label, action) in Self.actions {
            let expected = Self.allowed[name]?.contains(label) ?? false
            var refusal: Permissions.Refusal?
            do { try Permissions.check(actor, may: action) } catch { refusal = error }
            #expect((refusal == nil) == expected, "\(name) / \(label): \(refusal?.description ?? "allowed")")
        }
    }

    @Test func aRefusalNamesTheActorThePermissionAndTheScope() {
        do {
            try Permissions.check(
                Permissions.Actor(email: Self.email, role: .member, grants: [Self.sales]),
                may: .changeGrant(Grant(role: "signer", account: "Legal EU")))
            Issue.record("allowed")
        } catch {
            #expect(
                error.description
                    == "actor@acme.com (member, account-admin@Sales US) may not give or take signer@Legal EU: an account admin acts only within Sales US"
            )
        }
        do {
            try Permissions.check(
                Permissions.Actor(email: Self.email, role: .admin), may: .invite(count: 2, role: .member, grants: []))
            Issue.record("allowed")
        } catch {
            #expect(
                error.description.hasSuffix(
                    "may not invite 2 people at once: inviting more than one address at once needs can_bulk_invite"))
        }
    }
}
