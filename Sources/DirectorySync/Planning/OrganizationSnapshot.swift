/// The organization as it is: settings, members and pending invitations (expired ones included).
public struct OrganizationSnapshot: Sendable, Equatable {
    public var organization: Organization
    public var members: [Member]
    /// Pending invitations, expired or not.
    public var invitations: [Invitation]

    public init(organization: Organization, members: [Member], invitations: [Invitation]) {
        self.organization = organization
        self.members = members
        self.invitations = invitations
    }

    /// A digest of everything a plan depends on: if it changes, a saved plan is stale.
    public var fingerprint: String {
        var hasher = Fingerprint()
        let settings = organization.settings
        hasher.add(
            settings.name, String(settings.seats), settings.inviter.canonical,
            String(settings.invitationValidity.seconds))
        for member in members.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            hasher.add(
                "m", member.id.description, member.email.canonical, member.role.rawValue, member.anchor ?? "",
                member.isManaged ? "1" : "0")
        }
        for invitation in invitations.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            hasher.add(
                "i", invitation.id.description, invitation.email.canonical, invitation.role.rawValue,
                invitation.status.rawValue, DateText.iso8601(invitation.expiresAt), String(invitation.resendCount),
                invitation.anchor ?? "", invitation.isManaged ? "1" : "0")
        }
        return hasher.hex
    }
}
