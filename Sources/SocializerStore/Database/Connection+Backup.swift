import CSQLite
import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// Copies the whole database to a new file through SQLite's online backup
    /// API (https://sqlite.org/c3ref/backup_finish.html) in ONE step, inside
    /// one read transaction on this connection: the copy is the database as
    /// it was at that moment, whatever other connections commit meanwhile.
    ///
    /// Copying in several steps lets other connections write between them,
    /// and each such write restarts the copy from the first page: against an
    /// app that commits every few milliseconds it never finishes. In WAL mode
    /// one read snapshot does not stop writers (they append to the WAL, which
    /// grows until the copy ends); in rollback-journal mode the shared lock
    /// makes their commits wait for the copy.
    ///
    /// Taking the snapshot waits for the busy timeout, then fails with
    /// SQLITE_BUSY (exit 75). The copy is written beside the destination under
    /// a temporary name carrying the process id and linked into place at the
    /// end; a failure removes it, and the partial files of processes that no
    /// longer run are removed first. The copy is created with mode 0600.
    ///
    /// - Parameter nextFreeName: when the destination exists, use the first
    ///   free `DESTINATION-2`, `-3`, … instead of failing (automatic backups).
    /// - Returns: the path the copy was written to.
    @discardableResult
    public func backup(to destination: String, nextFreeName: Bool = false) throws -> String {
        PartialFile.removeStale(besides: destination)
        var suffix = 1
        var candidate = destination
        func advance() { suffix += 1; candidate = "\(destination)-\(suffix)" }
        while access(candidate, F_OK) == 0 {
            guard nextFreeName, suffix < 1000 else {
                throw SocializerError(.cannotCreate, "'\(candidate)' already exists",
                                      hint: "choose another path or remove it first; a backup never overwrites")
            }
            advance()
        }
        let partial = PartialFile(destination: destination)
        partial.discard()
        defer { partial.discard() }
        try copySnapshot(to: partial.path, reportingAs: candidate)
        while try !partial.place(at: candidate) {
            guard nextFreeName, suffix < 1000 else {
                throw SocializerError(.cannotCreate, "'\(candidate)' already exists",
                                      hint: "choose another path or remove it first; a backup never overwrites")
            }
            advance()
        }
        return candidate
    }

    private func copySnapshot(to path: String, reportingAs destination: String) throws {
        let target = try Connection(path: path, mode: .createIfMissing, reportedPath: destination)
        let ownTransaction = !isInTransaction
        if ownTransaction {
            // A deferred BEGIN takes no lock; the first read does, waiting
            // in the busy handler, and from then on the snapshot is fixed.
            try execute("BEGIN DEFERRED")
        }
        defer { if ownTransaction { try? execute("COMMIT") } }
        _ = try scalar("SELECT count(*) FROM sqlite_master")
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.lastError(sqlite3_errcode(target.handle), sql: nil)
        }
        let step = sqlite3_backup_step(backup, -1)
        let systemError = sqlite3_system_errno(target.handle)
        let finish = sqlite3_backup_finish(backup)
        if step != SQLITE_DONE {
            throw Connection.backupFailure(step, systemError: systemError, destination: destination)
        }
        if finish != SQLITE_OK {
            throw Connection.backupFailure(finish, systemError: systemError, destination: destination)
        }
        do {
            // The copy keeps the source's journal mode; a backup is one file.
            try target.execute("PRAGMA journal_mode = DELETE")
        } catch let error as DatabaseError {
            throw Connection.backupFailure(error.extendedCode, systemError: sqlite3_system_errno(target.handle),
                                           destination: destination)
        }
    }

    static func backupFailure(_ code: Int32, systemError: Int32, destination: String) -> Error {
        let primary = code & 0xFF
        guard primary == SQLITE_FULL || primary == SQLITE_IOERR else {
            return DatabaseError(extendedCode: code, message: String(cString: sqlite3_errstr(code)), sql: nil)
        }
        // SQLite reports the write's errno only while nothing else has run since.
        let reason = [ENOSPC, EFBIG, EDQUOT].contains(systemError)
            ? String(cString: strerror(systemError)).lowercased()
            : "the disk is full, a file size limit was reached, or the disk failed (\(String(cString: sqlite3_errstr(code))))"
        return SocializerError(.ioError, "cannot write the backup '\(destination)': \(reason); no partial copy was left",
                               hint: "free disk space (or raise the file size limit) and run it again; the database was not changed")
    }
}
