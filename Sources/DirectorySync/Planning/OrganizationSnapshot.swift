/// The organization as it is: settings, members and pending invitations (expired ones included).
public struct OrganizationSnapshot: Sendable, Equatable {
    /// The organization, with its settings as the plan sees them (a `SettingsOverride` already applied).
    public let organization: Organization
    /// Every member, owners included, in any order.
    public let members: [Member]
    /// Pending invitations, expired or not.
    public let invitations: [Invitation]
    /// The grants members hold, by member.
    public let grants: [Member.ID: [MemberGrant]]
    /// The grants pending invitations carry, by invitation, sorted.
    public let invitationGrants: [Invitation.ID: [Grant]]
    /// Each member's most recent offer of access, whatever its status (a pending one a sync compares with the
    /// rules, a declined one it does not offer again).
    public let offers: [Member.ID: Offer]
    /// Pending requests for access (the account-first flow), by the account invitation they were made with.
    public let accessRequests: [Invitation.ID: AccessRequest]
    /// A digest of everything a plan depends on: if it changes, a saved plan is stale. Computed once, where the
    /// snapshot is loaded (beside the source read, for a plan).
    public let fingerprint: String

    /// A snapshot of these records; the fingerprint is computed here, once.
    public init(
        organization: Organization, members: [Member], invitations: [Invitation], grants: [MemberGrant] = [],
        invitationGrants: [Invitation.ID: [Grant]] = [:], offers: [Offer] = [], accessRequests: [AccessRequest] = []
    ) {
        self.accessRequests = Dictionary(
            accessRequests.filter { $0.status == .pending }.map { ($0.invitation, $0) },
            uniquingKeysWith: { first, _ in first })
        self.organization = organization
        self.members = members
        self.invitations = invitations
        self.grants = Dictionary(grouping: grants, by: \.member)
        self.invitationGrants = invitationGrants
        var latest: [Member.ID: Offer] = [:]
        for offer in offers {
            guard let member = offer.member else { continue }
            if let known = latest[member], known.id.rawValue > offer.id.rawValue { continue }
            latest[member] = offer
        }
        self.offers = latest
        var fingerprint = Self.fingerprint(organization, members, invitations, grants, invitationGrants, offers)
        if !accessRequests.isEmpty {
            var hasher = Fingerprint()
            hasher.add(
                [fingerprint]
                    + accessRequests.map { "\($0.id)|\($0.status.rawValue)|\($0.username)" }.sorted())
            fingerprint = hasher.hex
        }
        self.fingerprint = fingerprint
    }

    /// The organization's members, pending invitations and grants, read in one transaction: what plans are made
    /// from and what apply checks a plan against.
    public static func load(_ organization: Organization, from db: any LedgerReader) throws -> OrganizationSnapshot {
        OrganizationSnapshot(
            organization: organization, members: try db.members(in: organization.id),
            invitations: try db.invitations(in: organization.id, statuses: [.pending]),
            grants: try db.grants(in: organization.id), invitationGrants: try db.invitationGrants(in: organization.id),
            offers: try db.latestOffers(in: organization.id),
            accessRequests: try db.accessRequests(in: organization.id, statuses: [.pending]))
    }

    /// A record's profile, when it has one (records without digest as they did before profiles).
    private static func add(_ profile: [String: String], _ synced: [String: String], to hasher: inout Fingerprint) {
        for key in profile.keys.sorted() { hasher.add("p", key, profile[key] ?? "") }
        for key in synced.keys.sorted() { hasher.add("ps", key, synced[key] ?? "") }
    }

    private static func fingerprint(
        _ organization: Organization, _ members: [Member], _ invitations: [Invitation], _ grants: [MemberGrant],
        _ invitationGrants: [Invitation.ID: [Grant]], _ offers: [Offer]
    ) -> String {
        // Records in any order digest the same, so nothing is sorted.
        var records = Fingerprint.Unordered()
        for member in members {
            var hasher = Fingerprint()
            hasher.add(
                "m", member.id.description, member.email.canonical, member.role.rawValue, member.anchor ?? "",
                member.isManaged ? "1" : "0", member.accessRemovedAt.map(DateText.iso8601) ?? "")
            Self.add(member.profile, member.profileSynced, to: &hasher)
            records.add(hasher)
        }
        for invitation in invitations {
            var hasher = Fingerprint()
            hasher.add(
                "i", invitation.id.description, invitation.email.canonical, invitation.role.rawValue,
                invitation.status.rawValue, DateText.iso8601(invitation.expiresAt), String(invitation.resendCount),
                invitation.anchor ?? "", invitation.isManaged ? "1" : "0")
            Self.add(invitation.profile, invitation.profileSynced, to: &hasher)
            records.add(hasher)
        }
        for grant in grants {
            var hasher = Fingerprint()
            hasher.add(
                "g", grant.member.description, grant.grant.role, grant.grant.account ?? "", grant.isManaged ? "1" : "0")
            records.add(hasher)
        }
        for (invitation, carried) in invitationGrants {
            var hasher = Fingerprint()
            hasher.add(["ig", invitation.description] + carried.map(\.description))
            records.add(hasher)
        }
        for offer in offers {
            var hasher = Fingerprint()
            hasher.add(
                [
                    "o", offer.id.description, offer.member?.description ?? "", offer.status.rawValue,
                    offer.role?.rawValue ?? "", DateText.iso8601(offer.expiresAt), String(offer.resendCount),
                    offer.isManaged ? "1" : "0",
                ] + offer.items.map { $0.grant.description + ($0.isManaged ? "+" : "") })
            records.add(hasher)
        }
        var total = Fingerprint()
        let settings = organization.settings
        total.add(
            settings.name, String(settings.seats), settings.inviter.canonical,
            String(settings.invitationValidity.seconds), records.hex)
        return total.hex
    }
}
