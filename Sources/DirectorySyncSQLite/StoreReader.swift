import DirectorySyncSQL
import Foundation
import GRDB

/// Opens a store file truly read-only, also where its folder cannot be written.
///
/// A WAL database is normally read through its `-wal` file and `-shm` index, which SQLite creates beside
/// it, even for a read-only connection. In a read-only folder they cannot be created, and SQLite refuses
/// to open. The rule then:
///
/// - if the `-wal` file is missing or empty, every committed change is in the file itself (the last writer
///   checkpointed and removed its log on closing, and nobody can have started writing in a folder this user
///   cannot write), so the file is opened `immutable=1`: no locks, no `-shm`, nothing created;
/// - if the `-wal` file holds data, it may hold committed changes the file does not have yet; an immutable
///   open would silently ignore them, so the store is refused (`StoreError.unreadableLog`) instead.
///
/// Where `-wal` and `-shm` exist (a writer is running, or was killed), SQLite reads them read-only itself.
enum StoreReader {
    /// A read-only connection to the file at `location` (absolute); `path` names it in errors.
    static func open(_ location: String, path: String, configuration: GRDB.Configuration) throws -> DatabaseQueue {
        var configuration = configuration
        configuration.readonly = true
        do {
            return try DatabaseQueue(path: location, configuration: configuration)
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        {
            // SQLite could not create the -wal or -shm file: the folder is read-only for this user.
            guard !StoreFile.folderIsWritable(path) else { throw error }
            guard !StoreFile.logHoldsData(path) else { throw StoreError.unreadableLog(path: path) }
            guard try acceptsURIs() else {
                throw StoreError.unreadable(
                    path: path, reason: "its folder is read-only and this SQLite cannot open a file immutable")
            }
            return try DatabaseQueue(path: immutableURI(location), configuration: configuration)
        }
    }

    /// Whether this SQLite reads `file:` names as URIs (it does when built with `SQLITE_USE_URI`, as
    /// distributions build it); GRDB does not pass `SQLITE_OPEN_URI`.
    private static func acceptsURIs() throws -> Bool {
        try DatabaseQueue().read { db in
            try Bool.fetchOne(db, sql: "SELECT sqlite_compileoption_used('USE_URI')") ?? false
        }
    }

    /// `file:` URI of `location` with `immutable=1`; every byte that could be read as URI syntax escaped.
    static func immutableURI(_ location: String) -> String {
        var encoded = ""
        for byte in location.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return "file:" + encoded + "?immutable=1"
    }
}
