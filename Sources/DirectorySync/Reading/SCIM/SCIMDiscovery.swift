/// What the service provider says about itself (`/ServiceProviderConfig`, RFC 7643 §5 and RFC 9865 §4;
/// `/ResourceTypes`, RFC 7643 §6). Taken as hints: every listing is checked as it goes, whatever the
/// server announced. A server that serves neither document is read with the defaults.
public struct SCIMDiscovery: Sendable, Equatable {
    /// `pagination.cursor`: the server pages with RFC 9865 cursors.
    public var supportsCursor = false
    /// `pagination.defaultPaginationMethod`, lower-cased, when given.
    public var defaultPagination: String?
    /// The largest page the server serves: the smaller of `pagination.maxPageSize` and `filter.maxResults`.
    public var maxPageSize: Int?
    /// The Users and Groups endpoints from `/ResourceTypes` (some servers route `/users` only).
    public var usersEndpoint = "/Users"
    /// The Groups endpoint, `/Groups` unless `/ResourceTypes` names another.
    public var groupsEndpoint = "/Groups"
    /// Whether `/ResourceTypes` lists a Group type; nil when it could not be read.
    public var servesGroups: Bool?
    /// What could not be read, for diagnostics.
    public var notes: [String] = []

    /// What is assumed of a server that describes nothing: no cursors, `/Users` and `/Groups`, no page-size limit.
    public init() {}

    /// Applies a `/ServiceProviderConfig` document.
    mutating func read(serviceProviderConfig json: JSONValue) {
        if let pagination = json["pagination"] {
            supportsCursor = pagination["cursor"]?.lenientBool ?? false
            defaultPagination = pagination["defaultPaginationMethod"]?.text?.lowercased()
            if let size = pagination["maxPageSize"]?.lenientInt, size > 0 { maxPageSize = size }
        }
        if let results = json["filter"]?["maxResults"]?.lenientInt, results > 0 {
            maxPageSize = min(maxPageSize ?? results, results)
        }
    }

    /// Applies a `/ResourceTypes` ListResponse (or a bare list of resource types).
    mutating func read(resourceTypes json: JSONValue) {
        let types = json["Resources"]?.elements ?? json.elements
        servesGroups = false
        for type in types {
            guard let name = type["name"]?.text ?? type["id"]?.text, var endpoint = type["endpoint"]?.text,
                !endpoint.isEmpty
            else { continue }
            if !endpoint.hasPrefix("/") { endpoint = "/" + endpoint }
            switch name.lowercased() {
            case "user": usersEndpoint = endpoint
            case "group":
                groupsEndpoint = endpoint
                servesGroups = true
            default: break
            }
        }
    }
}
