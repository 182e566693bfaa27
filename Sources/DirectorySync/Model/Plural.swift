/// A count with its noun, singular or plural as the count asks: `1 member`, `2 members`, `1 person`,
/// `3 people`. Every count in dirsync's words goes through it.
public enum Plural {
    /// `count` and `singular`, or `plural` (default: `singular` + "s") unless the count is exactly one.
    public static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }
}
