import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Profile changes in the plan file: they round-trip, and an impossible one is refused when the file is read.
@Suite struct ProfilePlanningTests {
    static let bo = EmailAddress(storedCanonical: "bo@acme.com")

    static func plan(_ changes: [Plan.Change]) -> Plan {
        Plan(
            basis: Plan.Basis(
                organization: "Acme Corp", snapshot: "s", desired: "d", sourceKind: .ldif, sourceUsers: 1,
                computedAt: testEpoch, seats: 10, seatsUsed: 1),
            changes: changes, diagnostics: [], blocked: nil)
    }

    static let title = Plan.FieldChange(field: "title", from: "Engineer", to: "Senior Engineer")

    @Test func profileChangesRoundTripThroughThePlanFile() throws {
        let plan = Self.plan([
            Plan.Change(
                Self.bo, .updateProfile(Member.ID(rawValue: 3), role: .member), reason: .profileChanged(["title"]),
                fields: [Self.title]),
            Plan.Change(
                Self.bo, .updateInvitation(Invitation.ID(rawValue: 4), role: .viewer),
                reason: .profileChanged(["title"]), fields: [Self.title]),
            Plan.Change(
                Self.bo, .updateAnchor(Member.ID(rawValue: 3), role: .member), reason: .anchorChanged, anchor: "a-2"),
            Plan.Change(
                Self.bo, .join(.member, name: "Bo"), reason: .autoJoinDomain("acme.com"),
                fields: [Plan.FieldChange(field: "department", from: nil, to: "Engineering")]),
        ])
        let decoded = try JSONDecoder().decode(Plan.self, from: try JSONEncoder().encode(plan))
        #expect(decoded.changes.map(\.effect) == plan.changes.map(\.effect))
        #expect(decoded.changes.map(\.fields) == plan.changes.map(\.fields))
    }

    @Test(arguments: [
        // A removal sets no fields.
        (
            #"{"action":"remove","member_id":3,"from_role":"member","fields":[{"field":"title","from":"a","to":"b"}]}"#,
            "a remove change sets no profile fields"
        ),
        // A field key is checked as `members identity set` checks it.
        (
            #"{"action":"update","member_id":3,"role":"member","fields":[{"field":"Title","from":"a","to":"b"}]}"#,
            "'Title': a field name starts with a lower-case letter"
        ),
        // An invitation's update is a profile update: without fields it is nothing.
        (
            #"{"action":"update","invitation_id":4,"role":"viewer","fields":[]}"#,
            "an update of an invitation needs fields"
        ),
        // A change that changes nothing is no change.
        (
            #"{"action":"update","member_id":3,"role":"member","fields":[{"field":"title","from":"a","to":"a"}]}"#,
            "'title' does not change"
        ),
        // Values are what a directory gives: no control characters.
        (
            #"{"action":"update","member_id":3,"role":"member","fields":[{"field":"title","from":null,"to":"a\u001b[2J"}]}"#,
            "is not a cleaned directory value"
        ),
        (
            #"{"action":"update","member_id":3,"role":"member","from_email":"old@acme.com","fields":[{"field":"title","from":null,"to":"b"}]}"#,
            "an email update sets no profile fields"
        ),
    ])
    func anImpossibleProfileChangeIsRefused(change: String, problem: String) throws {
        var object = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Self.plan([]))) as? [String: Any])
        var fields = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        for key in [
            "email", "role", "from_role", "to_role", "reason", "rule", "anchor", "member_id", "invitation_id",
            "from_email", "name", "offer_id", "first_name", "last_name", "username",
        ] where fields[key] == nil {
            fields[key] = key == "email" ? "bo@acme.com" : key == "reason" ? "r" : NSNull()
        }
        fields["grants"] = [Any]()
        object["changes"] = [fields]
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect {
            try JSONDecoder().decode(Plan.self, from: data)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }
}
