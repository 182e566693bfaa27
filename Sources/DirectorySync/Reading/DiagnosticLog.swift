/// Collects diagnostics while a source is read, keeping the first few of each kind and counting the rest,
/// so a file with a million trailing spaces yields a readable report rather than a million lines.
public struct DiagnosticLog: Sendable, Equatable {
    /// How many diagnostics of one kind are kept before the rest are only counted.
    public let limitPerKind: Int
    private var kept: [Diagnostic] = []
    private var counts: [String: Int] = [:]
    private var kindOrder: [String] = []
    private var samples: [String: Diagnostic] = [:]
    private var limits: [String: Int] = [:]

    /// An empty log that keeps up to `limitPerKind` diagnostics of each kind (20 unless told).
    public init(limitPerKind: Int = 20) {
        self.limitPerKind = limitPerKind
    }

    /// Records `diagnostic` under `kind` (a short stable label such as `trailing-space`); past the limit it
    /// is only counted. Kinds that must never be capped (duplicates) pass `limit: .max`.
    public mutating func add(_ diagnostic: Diagnostic, kind: String, limit: Int? = nil) {
        let count = counts[kind, default: 0] + 1
        counts[kind] = count
        if count == 1 {
            kindOrder.append(kind)
            samples[kind] = diagnostic
            limits[kind] = limit ?? limitPerKind
        }
        if count <= limits[kind, default: limitPerKind] { kept.append(diagnostic) }
    }

    /// How many diagnostics of `kind` were reported, kept or not.
    public func count(of kind: String) -> Int { counts[kind, default: 0] }

    /// The kept diagnostics in the order reported, then one summary line per kind that went over its limit.
    public var diagnostics: [Diagnostic] {
        var result = kept
        for kind in kindOrder {
            let limit = limits[kind, default: limitPerKind]
            let count = counts[kind, default: 0]
            guard count > limit, let sample = samples[kind] else { continue }
            result.append(
                Diagnostic(
                    sample.severity, "\(count - limit) more of this kind not listed (\(kind): \(count) in all)",
                    at: nil))
        }
        return result
    }
}
