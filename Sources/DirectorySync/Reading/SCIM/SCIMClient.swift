import Foundation

/// Everything one read of a SCIM service provider returned: every user, complete, and group memberships.
public struct SCIMDirectory: Sendable {
    /// Every user listed, each once (by `id`), in the order the server sent them.
    public var users: [SCIMResource]
    /// Memberships by user id, read from `/Groups` for a server that does not fill `User.groups`; nil when
    /// groups came from the users themselves or were not asked for.
    public var groupsByUser: [String: [DirectoryUser.Group]]?
    /// `cursor` or `index`.
    public var pagination: String
    /// Pages fetched for the users.
    public var pages: Int
    /// The server's last `totalResults` for the users, when it sent one.
    public var total: Int?
    /// What the user should know: discovery that failed, a fallback taken, a `totalResults` not trusted.
    public var diagnostics: [Diagnostic]

    /// The memberships of one user: from `/Groups` when they were read, else `User.groups`.
    public func groups(of user: SCIMResource) -> [DirectoryUser.Group]? {
        if let groupsByUser { return groupsByUser[user.id] ?? [] }
        return user.groups
    }
}

/// Reads users (and groups) from a SCIM 2.0 service provider, failing closed: any failed page, exhausted
/// retry budget, listing that stops making progress or ends short of `totalResults` throws a `SCIMError`,
/// and no partial list is ever returned.
public struct SCIMClient: Sendable {
    /// The base URL and how to page, filter and read groups; `timeout` and `retry` are the transport's to apply.
    public let settings: SCIMSettings
    let transport: SCIMTransport

    /// A client for the service provider `settings` describe, sending every request through `transport`.
    public init(settings: SCIMSettings, transport: SCIMTransport) {
        self.settings = settings
        self.transport = transport
    }

    /// Asks the server what it supports. A server without `/ServiceProviderConfig` or `/ResourceTypes` is
    /// read with the defaults; 401/403 stop here.
    public func discover() async throws(SCIMError) -> SCIMDiscovery {
        var discovery = SCIMDiscovery()
        if let json = try await document("/ServiceProviderConfig", notes: &discovery.notes) {
            discovery.read(serviceProviderConfig: json)
        }
        if let json = try await document("/ResourceTypes", notes: &discovery.notes) {
            discovery.read(resourceTypes: json)
        }
        return discovery
    }

    /// Reads every user. `attributes` limits what the server sends (empty: everything); `wantsGroups` says
    /// the mapping uses groups, so `/Groups` is read when the users do not carry them.
    public func readUsers(
        attributes: [String] = [], wantsGroups: Bool, progress: @escaping @Sendable (SCIMProgress) -> Void = { _ in }
    ) async throws(SCIMError) -> SCIMDirectory {
        let discovery = try await discover()
        var diagnostics = discovery.notes.map { Diagnostic(.info, $0, at: source) }
        let count = max(1, min(settings.pageSize, discovery.maxPageSize ?? settings.pageSize))
        let method: SCIMPager.Method
        switch settings.pagination {
        case .index: method = .index
        case .cursor: method = .cursor(fallBackToIndex: false)
        case .auto:
            method =
                discovery.supportsCursor && discovery.defaultPagination != "index"
                ? .cursor(fallBackToIndex: true) : .index
        }
        var wanted = attributes
        if wantsGroups, settings.groups != .none, !wanted.isEmpty,
            !wanted.contains(where: { $0.lowercased() == "groups" })
        {
            wanted.append("groups")
        }
        let users = try await SCIMPager(
            transport: transport, baseURL: settings.baseURL, endpoint: discovery.usersEndpoint, count: count,
            attributes: wanted, filter: settings.filter, progress: progress
        ).list(method)
        diagnostics += users.notes.map { Diagnostic(.warning, $0, at: source) }
        if users.resources.isEmpty, !settings.allowEmpty {
            throw .emptyListing(endpoint: discovery.usersEndpoint)
        }

        var groupsByUser: [String: [DirectoryUser.Group]]?
        let usersCarryGroups = users.resources.contains { $0.json["groups"] != nil }
        let readGroups: Bool
        switch settings.groups {
        case .none, .user: readGroups = false
        case .groups: readGroups = true
        case .auto:
            readGroups = wantsGroups && !usersCarryGroups && discovery.servesGroups != false
            if wantsGroups && !usersCarryGroups && discovery.servesGroups == false {
                diagnostics.append(
                    Diagnostic(
                        .warning, "the server fills no User.groups and serves no Group resources: users have no groups",
                        at: source))
            }
        }
        if readGroups {
            // A server that does not announce a Group resource may simply have none: a 404 to the first page
            // means that. Once the endpoint is announced, or has answered a page, any failure fails the read.
            let groups = try await SCIMPager(
                transport: transport, baseURL: settings.baseURL, endpoint: discovery.groupsEndpoint, count: count,
                attributes: ["displayName", "members"], filter: nil, progress: progress
            ).list(method, absentWhenNotFound: discovery.servesGroups != true)
            if let groups {
                diagnostics += groups.notes.map { Diagnostic(.warning, $0, at: source) }
                let everyone = settings.filter == nil ? Set(users.resources.map(\.id)) : nil
                let memberships = Self.memberships(groups.resources, users: everyone, at: source)
                groupsByUser = memberships.byUser
                diagnostics += memberships.diagnostics
            } else if settings.groups == .groups {
                throw .groupsNotServed(endpoint: discovery.groupsEndpoint)
            } else {
                diagnostics.append(
                    Diagnostic(
                        .info,
                        "\(discovery.groupsEndpoint) answered 404 and no Group resource type is announced: the server "
                            + "has no groups endpoint, so groups come from User.groups alone"
                            + (usersCarryGroups ? "" : " (which this server does not fill: users have no groups)"),
                        at: source))
            }
        }
        return SCIMDirectory(
            users: users.resources, groupsByUser: groupsByUser, pagination: users.pagination, pages: users.pages,
            total: users.total, diagnostics: diagnostics)
    }

    /// Each user's effective groups from the Group resources: direct ones first (by name), then those reached
    /// through groups that contain groups, each marked indirect with the group it was reached through (as
    /// `User.groups` lists them, RFC 7643 §4.1.2). Cycles are cut and reported; when `users` holds every user
    /// id (no filter), members that are neither a user nor a group are reported once per group.
    static func memberships(_ groups: [SCIMResource], users: Set<String>? = nil, at location: SourceLocation? = nil)
        -> (byUser: [String: [DirectoryUser.Group]], diagnostics: [Diagnostic])
    {
        var index: [String: Int32] = [:]
        for (position, group) in groups.enumerated() where index[group.id] == nil { index[group.id] = Int32(position) }
        let names = groups.map { $0.displayName ?? $0.id }
        var parents = [[Int32]](repeating: [], count: groups.count)
        var direct: [String: [Int32]] = [:]
        var diagnostics: [Diagnostic] = []
        for (position, group) in groups.enumerated() {
            var dangling: [String] = []
            var danglingCount = 0
            for member in group.members {
                if let child = index[member.id] {
                    parents[Int(child)].append(Int32(position))
                } else if member.isGroup || (users.map { !$0.contains(member.id) } ?? false) {
                    danglingCount += 1
                    if dangling.count < 3 { dangling.append(member.id) }
                } else {
                    direct[member.id, default: []].append(Int32(position))
                }
            }
            if danglingCount > 0 {
                diagnostics.append(
                    GroupMembership.dangling(
                        group: names[position], count: danglingCount, examples: dangling, in: "the listing",
                        at: location))
            }
        }
        for cycle in GroupMembership.cycles(parents) {
            diagnostics.append(GroupMembership.cycle(cycle.map { names[Int($0)] }, at: location))
        }
        var result: [String: [DirectoryUser.Group]] = [:]
        var closure = GroupClosure(groups: groups.count)
        for (user, groupsOfUser) in direct {
            let ordered = groupsOfUser.sorted { (names[Int($0)], $0) < (names[Int($1)], $1) }
            let found = closure.effective(from: ordered, parents: parents).map { group, via in
                DirectoryUser.Group(
                    id: groups[Int(group)].id, name: names[Int(group)], isDirect: via == nil,
                    via: via.map { names[Int($0)] })
            }
            result[user] = found
        }
        return (result, diagnostics)
    }

    private var source: SourceLocation { SourceLocation(source: "scim", record: settings.baseURL.absoluteString) }

    /// A discovery document, or nil (with a note) when the server does not serve it as JSON.
    private func document(_ path: String, notes: inout [String]) async throws(SCIMError) -> JSONValue? {
        let url = SCIMPager.url(settings.baseURL, path, [])
        let response = try await transport.get(url, at: SCIMRequestLocation(url: url.absoluteString))
        guard (200..<300).contains(response.status) else {
            notes.append("\(path) answered \(response.status); using defaults")
            return nil
        }
        guard let json = try? JSONValue.parse(response.body), json.object != nil else {
            notes.append("\(path) is not a JSON object; using defaults")
            return nil
        }
        return json
    }
}
