import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

@Suite(.serialized) struct PurgeEngineTests {
    let folder = TemporaryDirectory()

    func database(tokens: Int, expired: Int) throws -> Connection {
        let db = try Connection(path: folder.file("p.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        try db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO token_blacklist (token, expires_at, created_at)
            SELECT 'token-' || i, CASE WHEN i <= ? THEN '2026-01-01 00:00:00.000000' ELSE '2027-01-01 00:00:00.000000' END,
                   '2025-12-01 00:00:00.000000' FROM n
            """, [tokens, expired])
        return db
    }

    let cutoff = TokenRepository.purgeTarget(expiredBefore: testNow)

    @Test func deletesExactlyTheMatchingRowsInBatches() throws {
        let db = try database(tokens: 20_000, expired: 12_345)
        var engine = PurgeEngine(db: db, maxBatchSize: 1000, maxLockMilliseconds: 100)
        engine.firstBatchSize = 100
        let report = try engine.run(cutoff, dryRun: false)
        #expect(report.rowsDeleted == 12_345)
        #expect(report.batches >= 13, "sizes ramp up from 100 to at most 1000: \(report.batches)")
        #expect(try db.scalar("PRAGMA synchronous") == .integer(2), "rollback journal keeps FULL")
        #expect(report.stoppedEarly == nil)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 20_000 - 12_345)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist WHERE expires_at < ?", [testNow.databaseText]) == 0)
        #expect(!db.isInTransaction)
    }

    @Test func aDryRunCountsAndDeletesNothing() throws {
        let db = try database(tokens: 1000, expired: 400)
        let report = try PurgeEngine(db: db).run(cutoff, dryRun: true)
        #expect(report.rowsDeleted == 400 && report.dryRun && report.batches == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 1000)
    }

    @Test func anEmptyTableIsSuccess() throws {
        let db = try database(tokens: 0, expired: 0)
        let report = try PurgeEngine(db: db).run(cutoff, dryRun: false)
        #expect(report.rowsDeleted == 0 && report.batches == 1 && report.stoppedEarly == nil)
    }

    @Test func batchSizesFollowTheTimeBudget() throws {
        let engine = PurgeEngine(db: try database(tokens: 0, expired: 0), maxBatchSize: 5000, maxLockMilliseconds: 100)
        // 1,000 rows took 40 ms: 0.04 ms a row, 50 ms of budget → 1,250 rows.
        #expect(engine.nextBatchSize(after: 1000, took: 40) == 1250)
        // Fast batches grow at most twofold, and never past the cap.
        #expect(engine.nextBatchSize(after: 256, took: 1) == 512)
        #expect(engine.nextBatchSize(after: 4000, took: 1) == 5000)
        // A batch over budget shrinks the next one at once, to 30% of the budget (0.2 ms a row → 150).
        #expect(engine.nextBatchSize(after: 5000, took: 1000) == 150)
        #expect(engine.nextBatchSize(after: 1, took: 10_000) == 1)
    }

    @Test func deletesGoThroughTheIndexes() throws {
        let db = try database(tokens: 0, expired: 0)
        for target in [cutoff, LogRepository.purgeTarget(before: testNow, type: nil), LogRepository.purgeTarget(before: testNow, type: "E")] {
            let plan = try db.rows("EXPLAIN QUERY PLAN " + target.deleteSQL, target.arguments + [.integer(10)])
                .map { try $0.string("detail") }.joined(separator: "; ")
            #expect(plan.contains("INDEX ix_\(target.table)_\(target.orderBy) (\(target.orderBy)<?)")
                    || plan.contains("INDEX ix_error_logs_error_type (error_type=?)"), "\(target.table): \(plan)")
            #expect(plan.contains("SEARCH \(target.table) USING INTEGER PRIMARY KEY (rowid=?)"), "rowid lookups: \(plan)")
            #expect(!plan.contains("SCAN"), "no full scan: \(plan)")
        }
    }

    /// A target no index serves is walked in rowid order, each batch after
    /// the last row of the one before: rows it keeps are read once, and a
    /// row that comes to match behind the walk is left to the next run.
    @Test func aTargetWalkedInRowidOrderResumesAfterThePreviousBatch() throws {
        let db = try database(tokens: 0, expired: 0)
        try db.execute("DELETE FROM token_blacklist")
        try db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
            INSERT INTO token_blacklist (id, token, expires_at, created_at)
            SELECT i, 'token-' || i, CASE WHEN i % 2 = 1 THEN '2026-01-01 00:00:00.000000' ELSE '2027-01-01 00:00:00.000000' END,
                   '2025-12-01 00:00:00.000000' FROM n
            """)
        let target = PurgeTarget(table: "token_blacklist", condition: "expires_at < ?", arguments: [.text(testNow.databaseText)],
                                 orderBy: "rowid")
        #expect(target.resumes(.sqlite) && !cutoff.resumes(.sqlite))
        let plan = try db.rows("EXPLAIN QUERY PLAN " + target.deleteSQL, [.integer(0)] + target.arguments + [.integer(10)])
            .map { try $0.string("detail") }.joined(separator: "; ")
        #expect(plan.contains("SEARCH token_blacklist USING INTEGER PRIMARY KEY (rowid>?)"), "\(plan)")
        var engine = PurgeEngine(db: db, maxBatchSize: 100, maxLockMilliseconds: 100)
        engine.firstBatchSize = 100
        engine.pacer = LockPacer(maximumPauseMilliseconds: 0, minimumPauseMilliseconds: 0)
        var batches = 0
        let report = try engine.run(target, dryRun: false) { _ in
            batches += 1
            // Token 2, kept by the first batch, expires behind the walk.
            if batches == 1 { try? db.execute("UPDATE token_blacklist SET expires_at = '2026-01-01 00:00:00.000000' WHERE id = 2") }
        }
        #expect(report.rowsDeleted == 500 && report.batches >= 5 && report.stoppedEarly == nil, "\(report)")
        #expect(try db.rows("SELECT id FROM token_blacklist WHERE expires_at < ?", [testNow.databaseText]).map(\.values) == [[.integer(2)]])
        #expect(try engine.run(target, dryRun: false).rowsDeleted == 1)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 499)
    }

    // BAD-INPUT 36
    @Test func aLockHeldElsewhereStopsWithWhatWasCommitted() throws {
        let db = try database(tokens: 5_000, expired: 5_000)
        db.setBusyTimeout(milliseconds: 100)
        let other = try Connection(path: folder.file("p.db"))
        var engine = PurgeEngine(db: db, maxBatchSize: 100, maxLockMilliseconds: 100)
        engine.firstBatchSize = 100
        // After the third batch another connection takes the write lock and keeps it.
        let report = try engine.run(cutoff, dryRun: false) { progress in
            if progress.batches == 3 { try? other.execute("BEGIN IMMEDIATE") }
        }
        #expect(report.stoppedEarly?.code == .temporarilyUnavailable)
        #expect(report.rowsDeleted == 300 && report.batches == 3)
        try other.execute("ROLLBACK")
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 4_700, "what was reported is what was committed")
        #expect(!db.isInTransaction)
        let rest = try PurgeEngine(db: db).run(cutoff, dryRun: false)
        #expect(rest.rowsDeleted == 4_700, "re-running finishes the job")
    }

    // BAD-INPUT 42 (in process; the Ctrl-C test against the binary is in PurgeProcessTests)
    @Test func anInterruptionStopsBetweenBatches() throws {
        let db = try database(tokens: 1000, expired: 1000)
        Interruption.request()
        defer { Interruption.reset() }
        let report = try PurgeEngine(db: db).run(cutoff, dryRun: false)
        #expect(report.stoppedEarly?.code == .interrupted && report.rowsDeleted == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 1000)
    }
}
