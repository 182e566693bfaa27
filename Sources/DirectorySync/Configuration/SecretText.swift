import Foundation

/// How errors about secret-bearing keys (`url`, `token_env`, `token_file`, `password_env`, `password_file`,
/// `user_env`, `user_file`) show what was written: never more than a variable name, a path, or a URL without
/// credentials. A value that is not what the key wants may be the secret itself, pasted in the wrong place.
enum SecretText {
    /// The error for a `*_env` key whose value is not a variable name: the value may be the secret itself.
    static let notAVariableName =
        "expected the name of an environment variable; the value is not one and may be the secret itself, "
        + "so it is not shown"

    /// Whether `text` is a portable environment variable name (`[A-Za-z_][A-Za-z0-9_]*`).
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return text.utf8.allSatisfy { byte in
            (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (0x30...0x39).contains(byte) || byte == 0x5F
        }
    }

    /// Whether `text` could be a credential rather than a name: at least 16 characters without white space,
    /// and either upper and lower case mixed with digits (API tokens, JWTs, generated passwords) or a quarter
    /// of them digits (hex keys). `DIRSYNC_SCIM_TOKEN_2` or `scim-token-2024` are names.
    static func looksLikeSecret(_ text: String) -> Bool {
        guard text.count >= 16, !text.contains(where: \.isWhitespace) else { return false }
        let digits = text.count { $0.isNumber }
        let mixedCase = text.contains(where: \.isUppercase) && text.contains(where: \.isLowercase)
        return digits > 0 && (mixedCase || digits * 4 >= text.count) && text.contains(where: \.isLetter)
    }

    /// The problem with a `*_env` value, or nil when it names a variable. A value that is not a name, or a name
    /// that looks like a token, is never shown: it may be the secret itself.
    static func variableNameProblem(_ text: String) -> String? {
        guard isVariableName(text) else { return notAVariableName }
        guard !looksLikeSecret(text) else {
            return "expected the name of an environment variable; the value looks like a token rather than a name, "
                + "so it is not shown"
        }
        return nil
    }

    /// `text` as an error may quote it when it is a URL: without user information, query or fragment (which
    /// may hold credentials). Nil when it cannot be shown: not a URL and possibly a secret.
    static func shownURL(_ text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        var rest = text[schemeEnd.upperBound...]
        var cut = ""
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query]
            cut = "?…"
        }
        // Everything up to the last '@' is user information, even a pasted secret holding '/'.
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(text[..<schemeEnd.upperBound]) + rest + cut
    }

    /// Whether the URL carries a user name or password (`scheme://user:secret@host`); an '@' anywhere before
    /// the query counts, since a secret pasted there may hold a '/'.
    static func hasUserInfo(_ text: String) -> Bool {
        guard let schemeEnd = text.range(of: "://") else { return false }
        let rest = text[schemeEnd.upperBound...]
        return rest.prefix { $0 != "?" && $0 != "#" }.contains("@")
    }
}
