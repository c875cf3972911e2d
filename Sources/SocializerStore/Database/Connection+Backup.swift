import CSQLite
import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// Copies the whole database to a new file through SQLite's online backup
    /// API (https://sqlite.org/c3ref/backup_finish.html), which stays
    /// consistent while other connections write: when the source changes
    /// mid-copy the engine restarts the copy.
    ///
    /// The copy is written beside the destination under a temporary name and
    /// renamed into place at the end, so a failed backup leaves no half file.
    /// The destination must not exist; it is created with mode 0600.
    public func backup(to destination: String, pagesPerStep: Int32 = 1024) throws {
        var info = stat()
        if stat(destination, &info) == 0 {
            throw SocializerError(.cannotCreate, "'\(destination)' already exists",
                                  hint: "choose another path or remove it first; a backup never overwrites")
        }
        let temporary = destination + ".partial-\(getpid())"
        unlink(temporary)
        let target = try Connection(path: temporary, mode: .createIfMissing)
        var finished = false
        defer { if !finished { unlink(temporary) } }
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.lastError(sqlite3_errcode(target.handle), sql: nil)
        }
        while true {
            let rc = sqlite3_backup_step(backup, pagesPerStep)
            if rc == SQLITE_DONE { break }
            if rc == SQLITE_OK { continue }
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                sqlite3_sleep(20)
                continue
            }
            sqlite3_backup_finish(backup)
            throw DatabaseError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)), sql: nil)
        }
        let rc = sqlite3_backup_finish(backup)
        guard rc == SQLITE_OK else {
            throw DatabaseError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)), sql: nil)
        }
        // The copy keeps the source's journal mode; a backup is one file.
        try target.execute("PRAGMA journal_mode = DELETE")
        guard rename(temporary, destination) == 0 else {
            throw SocializerError(.cannotCreate, "cannot create '\(destination)': \(String(cString: strerror(errno)))")
        }
        finished = true
    }
}
