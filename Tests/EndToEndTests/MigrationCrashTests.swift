import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// BAD-INPUT row 40: a migration killed half-way (kill -9) leaves the old
/// version whole, and running `migrate up` again completes it.
@Suite struct MigrationCrashTests {
    let folder = TemporaryDirectory()

    // BAD-INPUT 40
    @Test func aKilledMigrationLeavesTheOldVersionWholeAndReRunningWorks() throws {
        let path = folder.file("app.db")
        let db = try LegacyDatabase.create(at: path)
        try db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
            INSERT INTO error_logs (id, timestamp, user_id, error_type, error_message)
            SELECT 100 + i, '2026-01-01 00:00:00.000000', NULL, 'E', hex(randomblob(40)) FROM n
            """)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).baseline()
        let before = try db.scalarInt("SELECT count(*) FROM error_logs")
        let up = Process()
        up.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        up.arguments = ["--db", path, "migrate", "up", "--no-backup"]
        up.standardOutput = FileHandle.nullDevice
        up.standardError = FileHandle.nullDevice
        try up.run()
        // Kill it inside 0002's transaction: once its rollback journal exists
        // and while it copies the 400,000 log rows (about a second).
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: path + "-journal") && Date() < deadline { usleep(1000) }
        #expect(FileManager.default.fileExists(atPath: path + "-journal"), "the migration never started writing")
        usleep(50_000)
        kill(up.processIdentifier, SIGKILL)
        up.waitUntilExit()
        #expect(up.terminationReason == .uncaughtSignal)
        let after = try Connection(path: path)
        let state = try Migrator(connection: after, clock: FixedClock(testNow)).state()
        #expect(state == .migrated(version: 1), "0002 was killed before it committed: \(state)")
        #expect(try after.rows("PRAGMA table_info(users)").allSatisfy { $0["dflt_value"] == .null }, "the old schema is whole")
        #expect(try after.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try after.scalarInt("SELECT count(*) FROM error_logs") == before)
        let rerun = Process()
        rerun.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        rerun.arguments = ["--db", path, "-q", "migrate", "up", "--no-backup"]
        rerun.standardOutput = FileHandle.nullDevice
        try rerun.run()
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)
        #expect(try Migrator(connection: after, clock: FixedClock(testNow)).state() == .migrated(version: Migrations.latestVersion))
        #expect(try after.scalarInt("SELECT count(*) FROM error_logs") == before)
        #expect(try after.rows("PRAGMA foreign_key_check").isEmpty)
    }
}
