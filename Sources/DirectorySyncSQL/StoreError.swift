import DirectorySync

/// Why the store could not be opened or used: one case per thing that went wrong, each naming the file.
///
/// SQLite's and Foundation's own texts never reach the user: `StoreError(_:path:)` turns a `DatabaseError`
/// into one of these cases.
public enum StoreError: Error, Equatable, UserFacingError {
    /// The name of every dirsync store's first migration: a database without it is not one.
    public static let firstMigration = "v1-create-ledger"

    /// Nothing at the path (or a folder on the way to it does not exist).
    case missing(path: String)
    /// The path names a folder.
    case isDirectory(path: String)
    /// The file exists but holds nothing (a store being created when its process died, or a `touch`ed file).
    case emptyFile(path: String)
    /// The file is not an SQLite database (or not a regular file at all).
    case notSQLite(path: String)
    /// An SQLite database without dirsync's first migration: another application's.
    case notADirsyncStore(path: String)
    /// A store migrated by a newer dirsync: `unknown` are its migrations this binary does not know.
    case newerSchema(path: String, unknown: [String], newestKnown: String)
    /// A store written by an older dirsync, opened by a command that does not write.
    case outdatedSchema(path: String)
    /// The file may not be read (`writing` false) or written (`writing` true) by this user.
    case permissionDenied(path: String, writing: Bool)
    /// A command that writes cannot create SQLite's `-wal` and `-shm` files beside the store.
    case readOnlyFolder(path: String)
    /// A read-only folder whose `-wal` holds committed changes that cannot be read without an `-shm` index.
    case unreadableLog(path: String)
    case cannotCreate(path: String, reason: String)
    /// Another connection held the store's lock for longer than the busy timeout.
    case busy(path: String, seconds: Int, holders: [String])
    case diskFull(path: String)
    /// A write broke one of the schema's rules: a bug, or a store edited by hand.
    case constraint(path: String, rule: String)
    /// SQLite found the file's pages inconsistent.
    case damaged(path: String)
    /// The operating system reported an input/output error on the file.
    case ioError(path: String)
    /// Any other SQLite failure; `reason` is dirsync's wording of its result code.
    case unreadable(path: String, reason: String)
    /// The store holds data this dirsync does not understand.
    case database(String)
    /// A PostgreSQL store's server could not be reached, or refused the login; `reason` is dirsync's wording.
    case cannotConnect(store: String, reason: String)
    /// A PostgreSQL database that holds tables but no dirsync store.
    case foreignDatabase(store: String)
    /// A PostgreSQL database with no dirsync store in it yet.
    case notInitialized(store: String)
    /// A PostgreSQL store that lacks `missing` migrations: only `dirsync init` applies them.
    case needsMigration(store: String, missing: [String])
    /// Other agents kept changing what a transaction read until it gave up, after trying again several times.
    case conflict(store: String)

    /// The message for the user, naming the store's path.
    public var description: String {
        switch self {
        case .missing(let path): "no dirsync store at \(path)"
        case .isDirectory(let path): "the store \(path) is a folder, not a dirsync store file"
        case .emptyFile(let path): "no dirsync store at \(path): the file is empty"
        case .notSQLite(let path): "\(path) is not a dirsync store: it is not an SQLite database"
        case .notADirsyncStore(let path):
            "\(path) is not a dirsync store: it is another application's SQLite database (it has no "
                + "'\(Self.firstMigration)' migration)"
        case .newerSchema(let path, let unknown, let newest):
            "the store at \(path) was written by a newer dirsync: it has \(Self.migrations(unknown)) this dirsync "
                + "does not know (the newest it knows is '\(newest)')"
        case .outdatedSchema(let path): "the store at \(path) was written by an older dirsync and needs migrating"
        case .permissionDenied(let path, false): "cannot read the store at \(path): permission denied"
        case .permissionDenied(let path, true): "cannot write the store at \(path): permission denied"
        case .readOnlyFolder(let path):
            "cannot write the store at \(path): its folder is read-only (SQLite keeps \(Self.name(path))-wal and "
                + "\(Self.name(path))-shm beside it)"
        case .unreadableLog(let path):
            "cannot read the store at \(path): its folder is read-only and \(Self.name(path))-wal holds changes "
                + "not yet copied into the store"
        case .cannotCreate(let path, let reason): "cannot create the store at \(path): \(reason)"
        case .busy(let path, let seconds, let holders):
            "the store at \(path) stayed locked by another process for \(seconds) s"
                + (holders.isEmpty ? "" : " (\(holders.joined(separator: "; ")))")
        case .diskFull(let path):
            "cannot write the store at \(path): the disk is full; the change in progress was rolled back"
        case .constraint(let path, let rule): "the store at \(path) refused a change that breaks its rule: \(rule)"
        case .damaged(let path): "the store at \(path) is damaged: SQLite found its pages inconsistent"
        case .ioError(let path): "cannot read or write the store at \(path): the disk reported an input/output error"
        case .unreadable(let path, let reason): "cannot use the store at \(path): \(reason)"
        case .database(let message): "store error: \(message)"
        case .cannotConnect(let store, let reason): "cannot connect to the store at \(store): \(reason)"
        case .foreignDatabase(let store):
            "\(store) is not a dirsync store: the database holds another application's tables (and no "
                + "dirsync_migrations table)"
        case .notInitialized(let store): "no dirsync store in the database at \(store)"
        case .needsMigration(let store, let missing):
            "the store at \(store) needs \(Self.migrations(missing)) before this dirsync can use it"
        case .conflict(let store):
            "the store at \(store) kept refusing the change: other agents changed the same rows at the same time"
        }
    }

    /// What to do next for this case; nil for `unreadable` and `database`, which have no specific advice.
    public var hint: String? {
        switch self {
        case .missing, .emptyFile:
            "create one with 'dirsync init --org NAME --seats N --owner EMAIL', or check --store and 'store:' in "
                + "the configuration"
        case .isDirectory(let path): "pass the store file itself, for example --store \(path)/dirsync.sqlite"
        case .notSQLite, .notADirsyncStore:
            "check --store and 'store:' in the configuration; dirsync adds its tables only to a new file or to a "
                + "dirsync store"
        case .newerSchema: "upgrade dirsync to the version that wrote this store, or newer; the store was not changed"
        case .outdatedSchema: "run any command that writes (for example 'dirsync outbox deliver') to migrate it"
        case .permissionDenied(let path, _):
            "check the owner and mode of \(path) (init creates it 0600, for the user who ran it), or run dirsync "
                + "as that user"
        case .readOnlyFolder:
            "make the store's folder writable for this user, or move the store (with its -wal file) to one that is"
        case .unreadableLog:
            "run a command that writes (for example 'dirsync outbox deliver') as a user who can write the folder; "
                + "read-only commands then work"
        case .cannotCreate: "check that the folder exists or can be created, and that this user may write in it"
        case .busy:
            "wait for the other process to finish ('dirsync status' shows a running agent) and run the command again"
        case .diskFull(let path): "free space on the disk that holds \(path) and run the command again"
        case .constraint:
            "nothing of that change was stored; this points to a bug in dirsync or a store edited by hand: "
                + "please report it with the command that failed"
        case .damaged(let path): "restore it from a backup; 'sqlite3 \(path) .recover' may save what it holds"
        case .ioError: "check the disk (dmesg, the file system's health) and run the command again"
        case .cannotConnect:
            "check the host, port, user, database and sslmode in 'store:', the password (store_password_env or "
                + "store_password_file, else PGPASSWORD), and that the server accepts this machine"
        case .foreignDatabase:
            "give dirsync a database of its own (CREATE DATABASE dirsync OWNER …) and name it in 'store:'"
        case .notInitialized:
            "create it with 'dirsync init --org NAME --seats N --owner EMAIL' and this store"
        case .needsMigration:
            "run 'dirsync init --migrate-only' once with this store: it applies the migrations in one transaction "
                + "under a lock, so agents may keep running"
        case .conflict: "run the command again; nothing of the refused change was stored"
        case .unreadable, .database: nil
        }
    }

    private static func migrations(_ names: [String]) -> String {
        let quoted = names.map { "'\($0)'" }.joined(separator: ", ")
        return names.count == 1 ? "the migration \(quoted)" : "the migrations \(quoted)"
    }

    /// The file's own name, for the names of its companions.
    private static func name(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
