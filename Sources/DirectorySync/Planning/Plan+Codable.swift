import Foundation

/// The plan's JSON layout (`format_version` 1), what `plan --format json` prints and `plan --out` saves:
/// `basis`, `summary`, `changes`, `diagnostics`, `blocked`, every key always present (null when it does not
/// apply), snake_case. Each change is written flat (`action`, `email`, `role`, `from_role`, `to_role`, `reason`,
/// `rule`, `anchor`, `member_id`, `invitation_id`, `from_email`, `name`) and read back strictly: a field its
/// action needs must be there, one it does not use must be null, so no impossible change is ever read.
extension Plan: Codable {
    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case basis, summary, changes, diagnostics, blocked
    }

    /// Writes the plan's JSON document, with `format_version` and a `summary` of the changes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatVersion, forKey: .formatVersion)
        try container.encode(basis, forKey: .basis)
        try container.encode(
            Dictionary(uniqueKeysWithValues: summary.map { ($0.key.rawValue, $0.value) }), forKey: .summary)
        try container.encode(changes, forKey: .changes)
        try container.encode(diagnostics, forKey: .diagnostics)
        try container.encode(blocked, forKey: .blocked)
    }

    /// Reads a plan's JSON document. A `format_version` other than `formatVersion` is refused; `summary` must be
    /// there but is not used.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .formatVersion)
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: container,
                debugDescription:
                    "format_version \(version) is not supported (this dirsync reads \(Self.formatVersion))")
        }
        _ = try container.decode([String: Int].self, forKey: .summary)
        self.init(
            basis: try container.decode(Basis.self, forKey: .basis),
            changes: try container.decode([Change].self, forKey: .changes),
            diagnostics: try container.decode([Diagnostic].self, forKey: .diagnostics),
            blocked: try container.decodeIfPresent(Blocked.self, forKey: .blocked))
    }
}

extension Plan.Basis: Codable {
    enum CodingKeys: String, CodingKey {
        case organization, snapshot, desired
        case sourceKind = "source_kind"
        case sourceUsers = "source_users"
        case computedAt = "computed_at"
        case seats
        case seatsUsed = "seats_used"
    }

    /// Writes the basis with snake_case keys, `computed_at` in ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(organization, forKey: .organization)
        try container.encode(snapshot, forKey: .snapshot)
        try container.encode(desired, forKey: .desired)
        try container.encode(sourceKind.rawValue, forKey: .sourceKind)
        try container.encode(sourceUsers, forKey: .sourceUsers)
        try container.encode(DateText.iso8601(computedAt), forKey: .computedAt)
        try container.encode(seats, forKey: .seats)
        try container.encode(seatsUsed, forKey: .seatsUsed)
    }

    /// Reads a basis; an unknown `source_kind`, or a `computed_at` outside `DateText.supportedRange`, is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try container.decode(String.self, forKey: .sourceKind)
        guard let kind = SourceKind(rawValue: kindText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .sourceKind, in: container, debugDescription: "unknown source kind '\(kindText)'")
        }
        let computedText = try container.decode(String.self, forKey: .computedAt)
        let computedAt: Date
        do {
            computedAt = try DateText.instant(computedText)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .computedAt, in: container, debugDescription: error.description)
        }
        self.init(
            organization: try container.decode(String.self, forKey: .organization),
            snapshot: try container.decode(String.self, forKey: .snapshot),
            desired: try container.decode(String.self, forKey: .desired), sourceKind: kind,
            sourceUsers: try container.decode(Int.self, forKey: .sourceUsers), computedAt: computedAt,
            seats: try container.decode(Int.self, forKey: .seats),
            seatsUsed: try container.decode(Int.self, forKey: .seatsUsed))
    }
}

extension Plan.Blocked: Codable {
    enum CodingKeys: String, CodingKey { case reason }

    /// Writes `{"reason": …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reason, forKey: .reason)
    }

    /// Reads `{"reason": …}`.
    public init(from decoder: any Decoder) throws {
        self.init(reason: try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .reason))
    }
}

extension Plan.Change: Codable {
    enum CodingKeys: String, CodingKey {
        case action, email, role
        case fromRole = "from_role"
        case toRole = "to_role"
        case reason, rule, anchor
        case memberID = "member_id"
        case invitationID = "invitation_id"
        case fromEmail = "from_email"
        case name, grants
        case offerID = "offer_id"
        case firstName = "first_name"
        case lastName = "last_name"
        case username, fields
        case requestID = "request_id"
        case flow
    }

    /// One profile field change as the plan writes it: `{"field": "title", "from": null, "to": "Engineer"}`.
    private struct FieldJSON: Codable {
        let field: String
        let from: String?
        let to: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(field, forKey: .field)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        }
    }

    /// One grant as the plan writes it: `{"account": null, "role": "signer"}`.
    private struct GrantJSON: Codable {
        let role: String
        let account: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(account, forKey: .account)
        }
    }

    /// Writes the change as one flat object, every key present and null where the action does not use it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action.rawValue, forKey: .action)
        try container.encode(email.canonical, forKey: .email)
        try container.encode(role?.rawValue, forKey: .role)
        try container.encode(fromRole?.rawValue, forKey: .fromRole)
        try container.encode(toRole?.rawValue, forKey: .toRole)
        try container.encode(reason.description, forKey: .reason)
        try container.encode(rule, forKey: .rule)
        try container.encode(anchor, forKey: .anchor)
        try container.encode(memberID?.rawValue, forKey: .memberID)
        try container.encode(invitationID?.rawValue, forKey: .invitationID)
        try container.encode(fromEmail?.canonical, forKey: .fromEmail)
        try container.encode(name, forKey: .name)
        try container.encode(grants.map { GrantJSON(role: $0.role, account: $0.account) }, forKey: .grants)
        try container.encode(offerID?.rawValue, forKey: .offerID)
        try container.encode(givenName, forKey: .firstName)
        try container.encode(familyName, forKey: .lastName)
        try container.encode(username?.text, forKey: .username)
        try container.encode(fields.map { FieldJSON(field: $0.field, from: $0.from, to: $0.to) }, forKey: .fields)
        try container.encode(requestID?.rawValue, forKey: .requestID)
        try container.encode(flow?.rawValue, forKey: .flow)
    }

    /// Reads a flat change strictly (each field its action needs present, every other one null); its reason is
    /// kept as its words, `Reason.recorded`.
    public init(from decoder: any Decoder) throws {
        let fields = try Fields(decoder.container(keyedBy: CodingKeys.self))
        let names = try fields.names()
        self.init(
            try fields.email(.email), try fields.effect(), reason: .recorded(try fields.text(.reason)),
            rule: try fields.optionalText(.rule), anchor: try fields.optionalText(.anchor), grants: try fields.grants(),
            givenName: names.given, familyName: names.family, username: try fields.username(),
            fields: try fields.profileFields())
        self.flow = try fields.flow()
    }

    /// The flat fields of one change as read, checked field by field against its action.
    private struct Fields {
        let container: KeyedDecodingContainer<CodingKeys>
        let action: Plan.Action

        init(_ container: KeyedDecodingContainer<CodingKeys>) throws {
            self.container = container
            let text = try container.decode(String.self, forKey: .action)
            guard let action = Plan.Action(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .action, in: container, debugDescription: "unknown action '\(text)'")
            }
            self.action = action
        }

        func fail(_ key: CodingKeys, _ problem: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: problem)
        }

        func text(_ key: CodingKeys) throws -> String { try container.decode(String.self, forKey: key) }

        func optionalText(_ key: CodingKeys) throws -> String? {
            try container.decodeIfPresent(String.self, forKey: key)
        }

        func email(_ key: CodingKeys) throws -> EmailAddress {
            let raw = try text(key)
            do { return try EmailAddress(raw) } catch { throw fail(key, error.description) }
        }

        func optionalEmail(_ key: CodingKeys) throws -> EmailAddress? {
            guard try optionalText(key) != nil else { return nil }
            return try email(key)
        }

        func optionalRole(_ key: CodingKeys) throws -> Role? {
            guard let text = try optionalText(key) else { return nil }
            guard let role = Role(rawValue: text) else { throw fail(key, "unknown role '\(text)'") }
            return role
        }

        /// A field this action needs.
        func required<T>(_ key: CodingKeys, _ read: (CodingKeys) throws -> T?) throws -> T {
            guard let value = try read(key) else {
                throw fail(key, "a \(action.rawValue) change needs \(key.stringValue)")
            }
            return value
        }

        /// Fields this action does not use: each must be null.
        func unused(_ keys: CodingKeys...) throws {
            for key in keys where try !container.decodeNil(forKey: key) {
                throw fail(key, "a \(action.rawValue) change has no \(key.stringValue)")
            }
        }

        func member(_ key: CodingKeys = .memberID) throws -> Member.ID {
            Member.ID(rawValue: try required(key) { try container.decodeIfPresent(Int64.self, forKey: $0) })
        }

        func invitation(_ key: CodingKeys = .invitationID) throws -> Invitation.ID {
            Invitation.ID(rawValue: try required(key) { try container.decodeIfPresent(Int64.self, forKey: $0) })
        }

        /// The change's grants (none when the key is absent, as in plans written before grants): only a join,
        /// invite, reinvite (or one deferred for want of a seat), grant or ungrant has any, and a grant or ungrant
        /// has at least one.
        func grants() throws -> [Grant] {
            let grants = (try container.decodeIfPresent([GrantJSON].self, forKey: .grants) ?? []).map {
                Grant(role: $0.role, account: $0.account)
            }
            switch action {
            case .grant, .ungrant:
                if grants.isEmpty { throw fail(.grants, "a \(action.rawValue) change needs grants") }
            case .offer:
                if grants.isEmpty, try container.decodeNil(forKey: .toRole) {
                    throw fail(.grants, "an offer change offers grants, a role (to_role), or both")
                }
            case .join, .invite, .reinvite, .defer, .resendOffer, .revokeOffer, .restoreAccess, .approve: break
            default:
                if !grants.isEmpty { throw fail(.grants, "a \(action.rawValue) change has no grants") }
            }
            return grants
        }

        func offer() throws -> Offer.ID {
            Offer.ID(rawValue: try required(.offerID) { try container.decodeIfPresent(Int64.self, forKey: $0) })
        }

        /// The names a join registers or an invitation pre-fills: only a join, invite, reinvite or deferral has them.
        func names() throws -> (given: String?, family: String?) {
            let given = try optionalText(.firstName)
            let family = try optionalText(.lastName)
            if given != nil || family != nil, ![.join, .invite, .reinvite, .defer, .approve].contains(action) {
                throw fail(given != nil ? .firstName : .lastName, "a \(action.rawValue) change has no names")
            }
            return (given.flatMap(Member.directoryName), family.flatMap(Member.directoryName))
        }

        /// The username a join, invite or deferral gives; null for every other action.
        func username() throws -> Username? {
            guard let text = try optionalText(.username) else { return nil }
            guard [.join, .invite, .defer].contains(action) else {
                throw fail(.username, "a \(action.rawValue) change has no username")
            }
            do { return try Username(text) } catch { throw fail(.username, error.description) }
        }

        /// The profile fields the change sets (none when the key is absent, as in plans written before profiles):
        /// only an update, join, invite, reinvite or deferral has any; each names a valid field once, each value
        /// is one a directory could give.
        func profileFields() throws -> [Plan.FieldChange] {
            let read = try container.decodeIfPresent([FieldJSON].self, forKey: .fields) ?? []
            if !read.isEmpty, ![.update, .join, .invite, .reinvite, .defer].contains(action) {
                throw fail(.fields, "a \(action.rawValue) change sets no profile fields")
            }
            var seen = Set<String>()
            var result: [Plan.FieldChange] = []
            for item in read {
                if let problem = Identity.fieldKeyProblem(item.field) {
                    throw fail(.fields, "'\(item.field)': \(problem)")
                }
                guard seen.insert(item.field).inserted else { throw fail(.fields, "'\(item.field)' is set twice") }
                for value in [item.from, item.to].compactMap({ $0 }) where Identity.directoryValue(value) != value {
                    throw fail(.fields, "the value of '\(item.field)' is not a cleaned directory value")
                }
                guard item.from != item.to else { throw fail(.fields, "'\(item.field)' does not change") }
                result.append(Plan.FieldChange(field: item.field, from: item.from, to: item.to))
            }
            return result.sorted()
        }

        /// The flow of an invite or a deferral; null for every other action.
        func flow() throws -> Invitation.Flow? {
            guard let text = try optionalText(.flow) else { return nil }
            guard [.invite, .defer, .approve].contains(action) else {
                throw fail(.flow, "a \(action.rawValue) change has no flow")
            }
            guard let flow = Invitation.Flow(rawValue: text) else { throw fail(.flow, "unknown flow '\(text)'") }
            return flow
        }

        func hasMember() throws -> Bool { try !container.decodeNil(forKey: .memberID) }
        func hasInvitation() throws -> Bool { try !container.decodeNil(forKey: .invitationID) }

        func effect() throws -> Plan.Effect {
            let role = { try required(.role, optionalRole) }
            let from = { try required(.fromRole, optionalRole) }
            let to = { try required(.toRole, optionalRole) }
            if ![.offer, .resendOffer, .revokeOffer].contains(action),
                try container.decodeIfPresent(Int64.self, forKey: .offerID) != nil
            {
                throw fail(.offerID, "a \(action.rawValue) change has no offer_id")
            }
            if action != .approve, try container.decodeIfPresent(Int64.self, forKey: .requestID) != nil {
                throw fail(.requestID, "a \(action.rawValue) change has no request_id")
            }
            switch action {
            case .approve:
                try unused(.fromRole, .toRole, .memberID, .fromEmail, .name)
                let request = try required(.requestID) { try container.decodeIfPresent(Int64.self, forKey: $0) }
                return .approve(AccessRequest.ID(rawValue: request), invitation: try invitation(), role: try role())
            case .adopt:
                try unused(.fromRole, .toRole, .fromEmail, .name)
                if try hasMember() {
                    try unused(.invitationID)
                    return .adoptMember(try member(), role: try role())
                }
                return .adoptInvitation(try invitation(), role: try role())
            case .revoke:
                try unused(.fromRole, .toRole, .memberID, .fromEmail, .name)
                return .revoke(try invitation(), role: try role())
            case .remove:
                try unused(.role, .toRole, .invitationID, .fromEmail, .name)
                return .remove(try member(), role: try from())
            case .downgrade:
                try unused(.role, .invitationID, .fromEmail, .name)
                guard try to() == .viewer else { throw fail(.toRole, "a downgrade is to viewer") }
                return .downgrade(try member(), from: try from())
            case .update:
                try unused(.fromRole, .toRole, .name)
                let setsFields = try !profileFields().isEmpty
                if try hasInvitation() {
                    try unused(.memberID, .fromEmail)
                    guard setsFields else { throw fail(.fields, "an update of an invitation needs fields") }
                    return .updateInvitation(try invitation(), role: try role())
                }
                if let previous = try optionalEmail(.fromEmail) {
                    if setsFields { throw fail(.fields, "an email update sets no profile fields") }
                    return .updateEmail(try member(), from: previous, role: try role())
                }
                return setsFields
                    ? .updateProfile(try member(), role: try role()) : .updateAnchor(try member(), role: try role())
            case .removeAccess:
                try unused(.role, .toRole, .invitationID, .fromEmail, .name)
                return .removeAccess(try member(), from: try from())
            case .restoreAccess:
                try unused(.fromRole, .toRole, .invitationID, .fromEmail, .name)
                return .restoreAccess(try member(), role: try role())
            case .changeRole:
                try unused(.role, .invitationID, .fromEmail, .name)
                return .changeRole(try member(), from: try from(), to: try to())
            case .offer:
                try unused(.fromRole, .invitationID, .fromEmail, .name)
                let replacing = try container.decodeIfPresent(Int64.self, forKey: .offerID).map(Offer.ID.init)
                let current = try role()
                let offered = try optionalRole(.toRole)
                if let offered, offered <= current { throw fail(.toRole, "an offered role is above the member's") }
                return .offer(try member(), role: current, to: offered, replacing: replacing)
            case .resendOffer, .revokeOffer:
                try unused(.fromRole, .toRole, .invitationID, .fromEmail, .name)
                return action == .resendOffer
                    ? .resendOffer(try offer(), member: try member(), role: try role())
                    : .revokeOffer(try offer(), member: try member(), role: try role())
            case .grant, .ungrant:
                try unused(.fromRole, .toRole, .invitationID, .fromEmail, .name)
                return action == .grant
                    ? .grant(try member(), role: try role()) : .ungrant(try member(), role: try role())
            case .reinvite:
                try unused(.memberID, .name)
                let target = try to()
                guard try role() == target else { throw fail(.role, "a reinvite's role is its to_role") }
                return .reinvite(
                    try invitation(), from: try from(), to: target, previousEmail: try optionalEmail(.fromEmail))
            case .join, .invite:
                try unused(.fromRole, .toRole, .memberID, .invitationID, .fromEmail)
                let name = try optionalText(.name)
                return action == .join ? .join(try role(), name: name) : .invite(try role(), name: name)
            case .resend:
                try unused(.fromRole, .toRole, .memberID, .fromEmail, .name)
                return .resend(try invitation(), role: try role())
            case .defer:
                try unused(.fromRole, .toRole)
                let invitation = try hasInvitation() ? try self.invitation() : nil
                let deferredMember = try hasMember() ? try member() : nil
                if deferredMember != nil, invitation != nil {
                    throw fail(.memberID, "a deferral acts on a member or an invitation, not both")
                }
                let previous = try optionalEmail(.fromEmail)
                if previous != nil && invitation == nil {
                    throw fail(.fromEmail, "a deferral has a from_email only for a reinvite of an invitation")
                }
                return .deferred(
                    Plan.Deferral(
                        role: try role(), invitation: invitation, previousEmail: previous,
                        name: try optionalText(.name), member: deferredMember))
            }
        }
    }
}
