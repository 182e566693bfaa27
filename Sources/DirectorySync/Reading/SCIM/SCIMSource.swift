import Foundation

/// A SCIM 2.0 service provider as a directory source: reads every user (and their groups), flattens each to a
/// `DirectoryEntry` (see `SCIMResource.attributes`), and maps them. A failed or partial listing throws a
/// `SCIMError`; no partial `DirectoryContents` is ever returned.
public struct SCIMSource: Sendable, CustomStringConvertible {
    /// The configuration's `source` section: the service provider's settings and where its token is.
    public let section: Configuration.SCIMSourceSection
    /// Where `token_env` is read; it never prints.
    let environment: Redacted<[String: String]>
    let pacing: SCIMTransport.Pacing
    /// How requests reach the service provider.
    let http: any HTTPTransport

    /// The source `section` configures, read through `http`.
    public init(
        _ section: Configuration.SCIMSourceSection, http: any HTTPTransport,
        environment: [String: String] = ProcessInfo.processInfo.environment, pacing: SCIMTransport.Pacing = .live
    ) {
        self.section = section
        self.http = http
        self.environment = Redacted(environment)
        self.pacing = pacing
    }

    /// `SCIM source <base URL>`, for messages; never the token.
    public var description: String { "SCIM source \(displayName)" }

    /// The base URL, as messages name the source.
    public var displayName: String { section.settings.baseURL.absoluteString }

    /// The bearer token, from the configured variable or file.
    public func token() throws(SCIMError) -> SCIMToken {
        switch section.token {
        case .environment(let name): try SCIMToken.fromEnvironment(name, environment: environment.revealed)
        case .file(let path, let written): try SCIMToken.fromFile(path, written: written)
        }
    }

    /// Reads every user and maps them with `mapping`. `progress` hears about each page.
    public func read(mapping: Mapping, progress: @escaping @Sendable (SCIMProgress) -> Void = { _ in })
        async throws(SCIMError) -> DirectoryContents
    {
        try await read(into: DirectoryBuilder(kind: .scim, mapping: mapping), progress: progress)
    }

    /// Reads every user and maps them with `mapping`, keeping only `keep(user)` of each.
    public func read<Item: Sendable>(
        mapping: Mapping, keeping keep: @escaping @Sendable (DirectoryUser) -> Item,
        progress: @escaping @Sendable (SCIMProgress) -> Void = { _ in }
    ) async throws(SCIMError) -> DirectoryRead<Item> {
        try await read(into: DirectoryBuilder(kind: .scim, mapping: mapping, keep: keep), progress: progress)
    }

    private func read<Item>(
        into builder: DirectoryBuilder<Item>, progress: @escaping @Sendable (SCIMProgress) -> Void
    ) async throws(SCIMError) -> DirectoryRead<Item> {
        let mapping = builder.mapper.mapping
        let directory = try await readDirectory(
            attributes: Self.requestedAttributes(for: mapping.projection), wantsGroups: !mapping.groups.isEmpty,
            progress: progress)
        var builder = builder
        for diagnostic in directory.diagnostics { builder.report(diagnostic, kind: "scim") }
        let paging =
            "\(Plural.count(directory.users.count, "user")) in \(Plural.count(directory.pages, "page")) (\(directory.pagination) pagination"
            + (directory.total.map { ", totalResults \($0))" } ?? ")")
        builder.report(Diagnostic(.info, paging, at: SourceLocation(source: "scim", record: displayName)), kind: "scim")
        let filter = AttributeFilter(mapping.projection.names.keys)
        builder.reserveCapacity(directory.users.count)
        for user in directory.users { builder.add(Self.entry(for: user, in: directory, only: filter)) }
        return builder.read()
    }

    /// Every user as a raw entry, with all attributes: for `dirsync explain`.
    public func rawEntries() async throws(SCIMError) -> [DirectoryEntry] {
        let directory = try await readDirectory(attributes: [], wantsGroups: true, progress: { _ in })
        return directory.users.map { Self.entry(for: $0, in: directory) }
    }

    private func readDirectory(
        attributes: [String], wantsGroups: Bool, progress: @escaping @Sendable (SCIMProgress) -> Void
    ) async throws(SCIMError) -> SCIMDirectory {
        let settings = section.settings
        let transport = SCIMTransport(
            token: try token(), http: http, timeout: settings.timeout, retry: settings.retry, pacing: pacing)
        defer { transport.close() }
        let client = SCIMClient(settings: settings, transport: transport)
        return try await client.readUsers(attributes: attributes, wantsGroups: wantsGroups, progress: progress)
    }

    /// One user as the mapper sees it.
    static func entry(for user: SCIMResource, in directory: SCIMDirectory, only filter: AttributeFilter? = nil)
        -> DirectoryEntry
    {
        let groups = directory.groupsByUser.map { $0[user.id] ?? [] }
        return DirectoryEntry(location: user.location, strings: user.attributes(groups: groups, only: filter))
    }

    /// The core User attributes of RFC 7643 §4.1, lower-cased.
    static let coreAttributes: Set<String> = [
        "id", "externalid", "meta", "username", "name", "displayname", "nickname", "profileurl", "title", "usertype",
        "preferredlanguage", "locale", "timezone", "active", "emails", "phonenumbers", "ims", "photos", "addresses",
        "groups", "entitlements", "roles", "x509certificates", "schemas",
    ]
    /// The enterprise extension's attributes (RFC 7643 §4.3), lower-cased.
    static let enterpriseAttributes: Set<String> = [
        "employeenumber", "costcenter", "organization", "division", "department", "manager",
    ]

    /// `attributes=` for what the mapping reads: top-level core names, and enterprise attributes fully
    /// qualified. Empty (ask for everything) when the mapping reads a name that is neither, such as a short
    /// name of another extension, because the server could not know where to find it.
    static func requestedAttributes(for projection: AttributeProjection) -> [String] {
        var result = Set<String>()
        for name in projection.names.keys {
            if name.hasPrefix("urn:") {
                result.insert(name)
                continue
            }
            let top = String(name.prefix { $0 != "." })
            if coreAttributes.contains(top) {
                result.insert(top)
            } else if enterpriseAttributes.contains(top) {
                result.insert("\(SCIMResource.enterpriseSchema):\(top)")
            } else {
                return []
            }
        }
        // `userName` and `emails` are cheap and make the email fallbacks and diagnostics work.
        result.formUnion(["username", "emails", "active"])
        return result.sorted()
    }
}
