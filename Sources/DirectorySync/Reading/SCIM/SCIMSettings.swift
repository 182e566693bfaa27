import Foundation

/// How to read a SCIM service provider: the `source` section of `dirsync.yaml` for `kind: scim`, less the
/// token (which comes from the environment or a file).
public struct SCIMSettings: Sendable, Equatable {
    /// Which pagination to use (RFC 7644 §3.4.2.4 index, RFC 9865 cursor).
    public enum Pagination: String, Sendable, CaseIterable {
        /// Cursor when `/ServiceProviderConfig` announces it, else index; falls back to index when the
        /// server turns out not to support cursors.
        case auto
        /// Cursor only; a server without cursor support is an error.
        case cursor
        /// Index only (a `nextCursor` the server forces on its own is still followed, RFC 9865 §2.3).
        case index
    }

    /// Where group memberships come from.
    public enum GroupSource: String, Sendable, CaseIterable {
        /// `User.groups` when the server fills it; otherwise `/Groups` members, when the mapping uses groups.
        case auto
        /// `User.groups` only.
        case user
        /// Always `/Groups` members.
        case groups
        /// No groups.
        case none
    }

    /// The SCIM base URL, e.g. `https://idp.example.com/scim/v2`.
    public var baseURL: URL
    /// Resources asked per page (`count`); lowered to what the server announces as its maximum.
    public var pageSize: Int
    /// Whether to page by cursor or by index (`auto`: cursor when the server announces it).
    public var pagination: Pagination
    /// A SCIM filter scoping the users read (RFC 7644 §3.4.2.2), e.g. `active eq true`.
    public var filter: String?
    /// Where each user's group memberships are read from.
    public var groups: GroupSource
    /// Whether an empty listing is a valid answer (otherwise it is an error).
    public var allowEmpty: Bool
    /// Seconds one request may stay idle before it fails (and is retried).
    public var timeout: Double
    /// How often, and for how long, a failed request is tried again.
    public var retry: SCIMTransport.RetryPolicy

    /// Settings for the service provider at `baseURL`; each default is what `dirsync.yaml` gets when it omits the key.
    public init(
        baseURL: URL, pageSize: Int = 100, pagination: Pagination = .auto, filter: String? = nil,
        groups: GroupSource = .auto, allowEmpty: Bool = false, timeout: Double = 60,
        retry: SCIMTransport.RetryPolicy = SCIMTransport.RetryPolicy()
    ) {
        self.baseURL = baseURL
        self.pageSize = pageSize
        self.pagination = pagination
        self.filter = filter
        self.groups = groups
        self.allowEmpty = allowEmpty
        self.timeout = timeout
        self.retry = retry
    }
}
