/// Reads a command-line value with the library's own parser, reporting a failure as a one-line error
/// that names the option: `--owner: 'bo@' is not a valid email address: nothing after the '@'`.
func parsed<T>(_ option: String, _ parse: () throws -> T) throws -> T {
    do {
        return try parse()
    } catch {
        throw CommandError.invalidArgument(option.isEmpty ? "\(error)" : "\(option): \(error)", hint: nil)
    }
}
