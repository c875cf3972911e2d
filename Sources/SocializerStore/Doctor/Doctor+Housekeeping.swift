#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

extension Doctor {
    // MARK: What waits for a purge

    /// Revoked tokens past expiry and logs past the retention: the rows the
    /// purges would delete, counted through the same conditions and indexes.
    func housekeepingFindings(_ facts: SchemaFacts) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if facts.hasColumn("token_blacklist", "expires_at") {
            let target = TokenRepository.purgeTarget(expiredBefore: options.now)
            let (count, oldest) = try waiting(target)
            if count > 0 {
                findings.append(DoctorFinding(.expiredTokens, table: target.table, column: target.orderBy, count: count,
                    "\(count) revoked token(s) have expired and wait for the purge (the oldest expired \(oldest))",
                    remedy: .purgeTokens))
            }
        }
        if facts.hasColumn("error_logs", "timestamp") {
            let target = LogRepository.purgeTarget(before: options.now.adding(seconds: -options.retention.seconds), type: nil)
            let (count, oldest) = try waiting(target)
            if count > 0 {
                findings.append(DoctorFinding(.oldLogs, table: target.table, column: target.orderBy, count: count,
                    "\(count) error log(s) are older than \(TimeSpan.describe(options.retention)) (the oldest from \(oldest))",
                    remedy: .purgeLogs(olderThan: options.retention)))
            }
        }
        return findings
    }

    // MARK: The audit trail

    /// Entries missing from the audit trail. Its ids come from AUTOINCREMENT
    /// and a rolled-back change gives its id back, so the trail has no holes
    /// of its own: `audit purge` removes only the oldest entries and then
    /// records itself, so the newest entry always stays. A hole in the ids,
    /// or a sequence past the newest id, means entries were deleted some
    /// other way (by hand, or by a tool writing without the trail).
    func auditFindings() throws -> [DoctorFinding] {
        let table = AuditRepository.table
        guard let row = try db.firstRow("""
            SELECT count(*) AS entries, coalesce(min(id), 0) AS lowest, coalesce(max(id), 0) AS highest,
                   coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) AS sequence
            FROM \(table)
            """, [table]) else { return [] }
        let count = try row.int("entries"), lowest = try row.int("lowest"), highest = try row.int("highest"),
            sequence = try row.int("sequence")
        let inside = count == 0 ? 0 : highest - lowest + 1 - count
        let newest = max(0, sequence - highest)
        guard inside + newest > 0 else { return [] }
        var holes: [String] = []
        if inside > 0 {
            let starts = try db.rows("""
                SELECT a.id + 1 AS first, (SELECT min(b.id) FROM \(table) b WHERE b.id > a.id) - 1 AS last FROM \(table) a
                WHERE a.id < ? AND NOT EXISTS (SELECT 1 FROM \(table) b WHERE b.id = a.id + 1) ORDER BY a.id LIMIT 3
                """, [highest])
            for start in starts {
                let first = try start.int("first"), last = try start.int("last")
                holes.append(first == last ? "id \(first)" : "ids \(first)-\(last)")
            }
            if holes.count == 3 { holes.append("…") }
        }
        if newest > 0 { holes.append(newest == 1 ? "the newest (id \(sequence))" : "the newest \(newest) (ids \(highest + 1)-\(sequence))") }
        return [DoctorFinding(.auditGaps, table: table, column: "id", count: inside + newest,
            "\(inside + newest) audit entr\(inside + newest == 1 ? "y is" : "ies are") missing (\(holes.joined(separator: ", "))): "
                + "deleted other than by the audit purge, which removes only the oldest")]
    }

    /// How many rows a purge target holds, and the oldest value of its column.
    private func waiting(_ target: PurgeTarget) throws -> (Int64, String) {
        let row = try db.firstRow("SELECT count(*), min(\(target.orderBy)) FROM \(target.table) WHERE \(target.condition)",
                                  target.arguments)
        guard let row, case .integer(let count) = row[0] else { return (0, "") }
        let oldest: String
        switch row[1] {
        case .text(let text): oldest = Timestamp.parse(text)?.iso8601 ?? text
        default: oldest = "\(row[1])"
        }
        return (count, oldest)
    }

    // MARK: Files

    /// The database file and those SQLite keeps beside it (WAL, shared
    /// memory, rollback journal) that exist, with their permission bits.
    func databaseFiles() -> [(path: String, mode: mode_t)] {
        ["", "-wal", "-shm", "-journal"].compactMap { suffix in
            var info = stat()
            let path = options.path + suffix
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (path, info.st_mode & 0o7777)
        }
    }

    var folder: String { FileWritability.directory(of: options.path) }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func who(_ mode: mode_t, read: mode_t, write: mode_t) -> String {
        let group = mode & (read | write) & 0o070 != 0, others = mode & (read | write) & 0o007 != 0
        return group && others ? "group and others" : group ? "its group" : "others"
    }

    /// Files other users can read or write, and a folder they can list or
    /// change (SQLite: a PostgreSQL server keeps its own files).
    func fileFindings() -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let open = databaseFiles().filter { $0.mode & 0o077 != 0 }
        if !open.isEmpty {
            let described = open.map { "\($0.path) is \(Doctor.octal($0.mode)), open to \(Doctor.who($0.mode, read: 0o044, write: 0o022))" }
            // A read-only database cannot be repaired (--fix would refuse it): the fix is by hand.
            let writable = FileWritability.of(databaseAt: options.path) == .writable
            findings.append(DoctorFinding(.filePermissions, count: Int64(open.count),
                described.joined(separator: "; ") + ": other accounts can read the users' hashes and keys",
                remedy: writable ? .repair : .restrictFiles(open.map(\.path))))
        }
        var info = stat()
        guard stat(folder, &info) == 0 else { return findings }
        let mode = info.st_mode & 0o7777
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            findings.append(DoctorFinding(.folderWritable, count: 1,
                "the folder \(folder) is \(Doctor.octal(mode)), writable by \(Doctor.who(mode, read: 0, write: 0o022)): "
                    + "they can delete or replace the database", remedy: .restrictFolder(folder)))
        } else if mode & 0o044 != 0 {
            findings.append(DoctorFinding(.folderReadable, count: 1,
                "the folder \(folder) is \(Doctor.octal(mode)), readable by \(Doctor.who(mode, read: 0o044, write: 0)): "
                    + "they can list the database and its journal files", remedy: .restrictFolder(folder)))
        }
        return findings
    }
}
