/// How a command opens a store, whichever engine holds it.
public enum StoreAccess: Sendable {
    /// `dirsync init`: creates the store when missing (an SQLite file, or the tables in an empty PostgreSQL
    /// database) and applies every migration it lacks. Anything that is not a dirsync store is refused.
    case create
    /// Commands that write: it must be a dirsync store. An older SQLite store is migrated; a PostgreSQL store
    /// is migrated by `dirsync init` only, so that agents never race to change a shared schema.
    case readWrite
    /// Commands that only read: it must be a current dirsync store, and nothing is written.
    case readOnly
}
