/// An error whose description is written for the person at the terminal, with an optional next step.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// What to do next, when it is clear; printed as `hint: …` under the error.
    var hint: String? { get }
}

extension UserFacingError {
    /// No hint, unless the error type provides one.
    public var hint: String? { nil }
}
