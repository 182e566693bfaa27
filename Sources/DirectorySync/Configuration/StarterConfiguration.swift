import Foundation

/// The `dirsync.yaml` that `dirsync init` writes beside a new store.
public enum StarterConfiguration {
    /// `store:` with what to know about it: a file's path is relative to this file; a PostgreSQL store needs
    /// its password from somewhere other than the file.
    static func storeLines(_ storePath: String) -> String {
        guard PostgresLocation.isPostgres(storePath) else {
            return "store: \(quoted(storePath))              # relative to this file"
        }
        return "store: \(quoted(storePath))\n"
            + "# store_password_file: /run/secrets/dirsync-store   # or store_password_env; else PGPASSWORD"
    }

    /// A starter file for `organization`, whose store is at `storePath` (relative to the file, or a URL).
    public static func text(organization: String, owner: EmailAddress, storePath: String, createdAt: Date) -> String {
        let quotedName = quoted(organization)
        return """
            # dirsync configuration, written by 'dirsync init' on \(DateText.short(createdAt)).
            # Every key is checked: a misspelt key is an error that names its line.

            organization:
              name: \(quotedName)
              inviter: \(owner.canonical)           # named in invitation emails and the audit log

            \(storeLines(storePath))

            mail:
              outbox: outbox/                 # one .eml file per message
              from: \(quoted("\(organization) <no-reply@\(owner.domain)>"))
              accept_url: "https://app.example.com/invitations/accept?token={token}"

            # The pages the links open, served by 'dirsync serve' behind your TLS proxy (see the README).
            # With serve.public_url set, accept_url above may go: the links then point at these pages.
            # serve:
            #   listen: 127.0.0.1:8080
            #   public_url: "https://join.example.com"

            """
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
