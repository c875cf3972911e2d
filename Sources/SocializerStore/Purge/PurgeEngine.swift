import SocializerCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What to purge: the rows of `table` matching `condition`, walked in the
/// order of an indexed column so each batch reads neighbouring index pages.
public struct PurgeTarget: Sendable {
    public var table: String
    /// An SQL condition with `?` placeholders; never built from input.
    public var condition: String
    public var arguments: [DatabaseValue]
    /// The indexed column the condition ranges over.
    public var orderBy: String
    /// Nullable references to the rows, set NULL in each batch before its
    /// rows go (`room_invites.message_id`): on a schema whose references do
    /// not say ON DELETE SET NULL, the delete would otherwise fail.
    public var detaching: [ReferenceCascade.Column]
    /// `detaching` names every reference to the table: nothing can refer to
    /// a row when it goes, so the engine runs without SQLite's foreign-key
    /// lookups, one per deleted row, which would find nothing.
    public var detachesEveryReference: Bool
    /// Statements each batch runs on rows elsewhere before its own rows go,
    /// with `{rows}` standing for the batch's row subquery (the invite
    /// messages of purged invites lose their `invite_id`). Not counted as
    /// detached: they change values, not references.
    public var beforeDelete: [String] = []

    public init(table: String, condition: String, arguments: [DatabaseValue], orderBy: String,
                detaching: [ReferenceCascade.Column] = [], detachesEveryReference: Bool = false) {
        self.table = table
        self.condition = condition
        self.arguments = arguments
        self.orderBy = orderBy
        self.detaching = detaching
        self.detachesEveryReference = detachesEveryReference
    }

    /// A target no index serves is walked in rowid order (SQLite), and each
    /// batch resumes after the last row of the one before (a leading `rowid
    /// > ?`): starting again from the first row, every batch would read once
    /// more all the rows the purge keeps before its own (bench/invites.sh:
    /// 448 ms of batches where resuming takes 257 ms). A row that comes to
    /// match behind the walk while it runs is left to the next run.
    func resumes(_ dialect: SQLDialect) -> Bool { orderBy == "rowid" && !dialect.isPostgres }

    /// The rows of one batch: the first `?` by the index, as `column`
    /// (after the previous batch's last rowid, bound first, for a target
    /// that resumes).
    func batchRows(_ column: String, _ dialect: SQLDialect) -> String {
        let condition = resumes(dialect) ? "rowid > ? AND (\(condition))" : condition
        return "SELECT \(column) FROM \(table) WHERE \(condition) ORDER BY \(orderBy) LIMIT ?"
    }

    /// One batch: the first `?` rows by the index, deleted by their address
    /// (and the rowids returned, for a target that resumes after the last).
    /// On SQLite, by rowid; `NOT INDEXED` keeps the planner from looking
    /// each row up again through the app's redundant `ix_<table>_id` index.
    /// On PostgreSQL, by ctid, which every table has (training has no id):
    /// `= ANY(ARRAY(…))` is a TID scan, each row fetched by its address.
    func deleteSQL(_ dialect: SQLDialect) -> String {
        dialect.isPostgres
            ? "DELETE FROM \(table) WHERE ctid = ANY(ARRAY(\(batchRows("ctid", dialect))))"
            : "DELETE FROM \(table) NOT INDEXED WHERE rowid IN (\(batchRows("rowid", dialect)))"
                + (resumes(dialect) ? " RETURNING rowid" : "")
    }
    /// The same batch's references set NULL, in the same transaction (so the
    /// same rows). The tables detached from have ids (SQLite: the rowid).
    func detachSQL(_ dialect: SQLDialect) -> [String] {
        let rows = batchRows(dialect.isPostgres ? "id" : "rowid", dialect)
        return detaching.map { "UPDATE \($0.table) SET \($0.column) = NULL WHERE \($0.column) IN (\(rows))" }
    }
    /// `beforeDelete` with the batch's rows (ids on PostgreSQL, rowids on SQLite).
    func beforeDeleteSQL(_ dialect: SQLDialect) -> [String] {
        let rows = batchRows(dialect.isPostgres ? "id" : "rowid", dialect)
        return beforeDelete.map { $0.replacing("{rows}", with: rows) }
    }
    /// SQLite's statements, as the query-plan tests read them.
    var deleteSQL: String { deleteSQL(.sqlite) }
    var detachSQL: [String] { detachSQL(.sqlite) }
    var countSQL: String { "SELECT count(*) FROM \(table) WHERE \(condition)" }
    /// What a dry run says the batches would set NULL.
    var countDetachedSQL: [String] {
        detaching.map { "SELECT count(*) FROM \($0.table) WHERE \($0.column) IN (SELECT id FROM \(table) WHERE \(condition))" }
    }
}

/// What a purge did; the cron job's log line.
public struct PurgeReport: Sendable, Equatable {
    public var table: String
    public var rowsDeleted = 0
    /// References to the deleted rows set NULL (`PurgeTarget.detaching`:
    /// the invites of purged messages); nil when the target detaches none.
    public var rowsDetached: Int?
    public var batches = 0
    public var longestBatchMilliseconds: Double = 0
    public var elapsedMilliseconds: Int64 = 0
    public var dryRun = false
    /// Why the purge stopped before the end, if it did; what it deleted stays deleted.
    public var stoppedEarly: SocializerError?

    public init(table: String) { self.table = table }
}

/// Ctrl-C during a purge or a bulk load: the flag is checked between
/// batches; the open batch finishes or rolls back, never half-applies.
public enum Interruption {
    static let requested = Atomic<Bool>(false)
    public static func request() { requested.store(true, ordering: .relaxed) }
    public static var isRequested: Bool { requested.load(ordering: .relaxed) }
    public static func reset() { requested.store(false, ordering: .relaxed) }
}

/// Deletes in short write transactions so the app's writes interleave
/// (SPEC §8). Batches are sized by time: the engine measures how long each
/// batch held the write lock and sizes the next to stay within
/// `maxLockMilliseconds`, never above `maxBatchSize` rows.
///
/// The same on both engines: on PostgreSQL, which locks rows rather than
/// the database, a batch holds the row locks of what it deletes, and a row
/// another connection holds longer than `lock_timeout` (`--busy-timeout`)
/// stops the purge with exit 75, the batches before it committed.
public struct PurgeEngine {
    public let db: any Database
    public var maxBatchSize: Int
    public var maxLockMilliseconds: Double
    /// The first batch is small: its timing calibrates the rest.
    public var firstBatchSize = 256
    /// After each batch the lock is left free for as long as the batch held
    /// it (at least 1 ms, at most 25 ms: see `LockPacer` for why that always
    /// lets a waiting writer in).
    public var pacer = LockPacer()

    public init(db: any Database, maxBatchSize: Int = 5000, maxLockMilliseconds: Double = 100) {
        self.db = db
        self.maxBatchSize = maxBatchSize
        self.maxLockMilliseconds = maxLockMilliseconds
    }

    /// `afterBatch` sees the report after each committed batch (progress
    /// for --verbose); it runs outside any transaction.
    public func run(_ target: PurgeTarget, dryRun: Bool, afterBatch: (PurgeReport) -> Void = { _ in }) throws -> PurgeReport {
        var report = PurgeReport(table: target.table)
        if !target.detaching.isEmpty { report.rowsDetached = 0 }
        let total = Stopwatch()
        defer { report.elapsedMilliseconds = total.elapsedMilliseconds }
        if dryRun {
            report.dryRun = true
            report.rowsDeleted = Int(try db.scalarInt(target.countSQL, target.arguments))
            for sql in target.countDetachedSQL {
                report.rowsDetached = (report.rowsDetached ?? 0) + Int(try db.scalarInt(sql, target.arguments))
            }
            report.elapsedMilliseconds = total.elapsedMilliseconds
            return report
        }
        let sqlite = !db.dialect.isPostgres
        // A large page cache keeps the index and table pages a batch touched
        // for the next one (the default 2 MB re-reads them from disk).
        if sqlite { try db.execute("PRAGMA cache_size = -65536") }
        let wal = try sqlite && db.scalar("PRAGMA journal_mode") == .text("wal")
        if wal {
            // In WAL, NORMAL cannot corrupt the database; a power cut may only
            // undo the last batches, which the next run deletes again.
            try db.execute("PRAGMA synchronous = NORMAL")
            // Checkpoints run in the pauses, outside the lock: an automatic one
            // would run inside COMMIT and count as lock time.
            try db.execute("PRAGMA wal_autocheckpoint = 0")
        } else if sqlite {
            // This connection only: no journal file created and deleted per batch.
            _ = try db.scalar("PRAGMA journal_mode = TRUNCATE")
        }
        let skipsForeignKeys = sqlite && target.detachesEveryReference
        if skipsForeignKeys {
            // Outside any transaction, where the pragma takes effect; this connection only.
            try db.execute("PRAGMA foreign_keys = OFF")
        }
        defer { if skipsForeignKeys { try? db.execute("PRAGMA foreign_keys = ON") } }
        // Cached by the connection: each statement is parsed once for the run.
        let deleteSQL = target.deleteSQL(db.dialect)
        let detachSQL = target.detachSQL(db.dialect)
        let beforeDeleteSQL = target.beforeDeleteSQL(db.dialect)
        let resumes = target.resumes(db.dialect)
        var pacer = self.pacer
        var size = min(firstBatchSize, maxBatchSize)
        // Where a resuming target's next batch starts: after this rowid.
        var resumeAfter = Int64.min
        while true {
            if Interruption.isRequested {
                report.stoppedEarly = SocializerError(.interrupted, "interrupted; the purge stopped between batches")
                break
            }
            let lock = Stopwatch()
            let deleted: Int
            var detached = 0
            do {
                let arguments: [DatabaseValueConvertible?] = (resumes ? [DatabaseValue.integer(resumeAfter)] : [])
                    + target.arguments + [DatabaseValue.integer(Int64(size))]
                let batch = try db.transaction(.immediate) { () -> (deleted: Int, last: Int64) in
                    detached = 0
                    for sql in beforeDeleteSQL { try db.execute(sql, arguments) }
                    for detach in detachSQL {
                        try db.execute(detach, arguments)
                        detached += db.changes
                    }
                    guard resumes else {
                        try db.execute(deleteSQL, arguments)
                        return (db.changes, resumeAfter)
                    }
                    var (count, last) = (0, resumeAfter)
                    try db.forEachRow(deleteSQL, arguments) { row in
                        count += 1
                        if case .integer(let rowid)? = row.values.first { last = max(last, rowid) }
                    }
                    return (count, last)
                }
                deleted = batch.deleted
                // The walk moves on once the batch has committed.
                resumeAfter = batch.last
            } catch let error as any DatabaseFailure {
                report.stoppedEarly = error.domainError
                break
            } catch let error as SocializerError {
                report.stoppedEarly = error
                break
            }
            let milliseconds = Double(lock.elapsedMicroseconds) / 1000
            report.batches += 1
            report.rowsDeleted += deleted
            if !detachSQL.isEmpty { report.rowsDetached = (report.rowsDetached ?? 0) + detached }
            report.longestBatchMilliseconds = max(report.longestBatchMilliseconds, milliseconds)
            afterBatch(report)
            if deleted < size { break }
            size = nextBatchSize(after: size, took: milliseconds)
            let pause = Stopwatch()
            if wal && report.batches % 4 == 0 {
                // PASSIVE never blocks the app's readers or writers.
                _ = try? db.rows("PRAGMA wal_checkpoint(PASSIVE)")
            }
            pacer.pause(afterHolding: milliseconds, alreadySpent: pause)
        }
        if wal {
            _ = try? db.rows("PRAGMA wal_checkpoint(PASSIVE)")
            try? db.execute("PRAGMA wal_autocheckpoint = 1000")
        }
        report.elapsedMilliseconds = total.elapsedMilliseconds
        return report
    }

    /// Aims at half the lock budget (commit and I/O times vary twofold on a
    /// busy disk), at 30% after a batch that went over it; grows at most
    /// twofold a step and shrinks as far as needed at once.
    func nextBatchSize(after size: Int, took milliseconds: Double) -> Int {
        let perRow = max(milliseconds, 0.01) / Double(size)
        let share = milliseconds > maxLockMilliseconds ? 0.3 : 0.5
        let fitting = Int(maxLockMilliseconds * share / perRow)
        return max(1, min(maxBatchSize, min(fitting, size * 2)))
    }
}
