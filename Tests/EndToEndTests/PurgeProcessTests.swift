import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// The cron job's purge against a live database that another process writes to.
@Suite(.serialized) struct PurgeProcessTests {
    let folder = TemporaryDirectory()

    func prepare(rows: Int) throws -> String {
        let db = folder.file("live.db")
        let up = Process()
        up.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        up.arguments = ["--db", db, "-q", "migrate", "up"]
        up.standardOutput = FileHandle.nullDevice
        try up.run()
        up.waitUntilExit()
        let connection = try Connection(path: db)
        try connection.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO token_blacklist (token, expires_at, created_at)
            SELECT 'eyJhbGciOiJIUzI1NiJ9.' || hex(randomblob(60)) || '.' || i, '2020-01-01 00:00:00.000000', '2019-12-01 00:00:00.000000' FROM n
            """, [rows])
        return db
    }

    /// A second process (Python's sqlite3, as the app uses, with a 1 s busy
    /// timeout) writes all through a 200,000-row purge; none of its writes
    /// fail or are lost.
    @Test func theAppsWritesSucceedDuringAPurge() throws {
        let db = try prepare(rows: 200_000)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            conn = sqlite3.connect(sys.argv[1], timeout=1.0, isolation_level=None)
            failures = 0
            deadline = time.time() + float(sys.argv[2])
            written = 0
            while time.time() < deadline:
                try:
                    conn.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES (strftime('%Y-%m-%d %H:%M:%f000','now'), 'Live', 'write ' || ?)", (written,))
                    written += 1
                except sqlite3.OperationalError as e:
                    failures += 1
                    print("failed:", e, file=sys.stderr)
                time.sleep(0.005)
            print(written, failures)
            """, db, "4"]
        let writerOut = Pipe()
        writer.standardOutput = writerOut
        try writer.run()
        usleep(200_000)
        let purge = Process()
        purge.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        purge.arguments = ["--db", db, "--json", "tokens", "purge"]
        let purgeOut = Pipe()
        purge.standardOutput = purgeOut
        try purge.run()
        let reportData = purgeOut.fileHandleForReading.readDataToEndOfFile()
        purge.waitUntilExit()
        let counts = String(decoding: writerOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        writer.waitUntilExit()
        #expect(purge.terminationStatus == 0)
        let report = try JSONParser.parse([UInt8](reportData))
        #expect(report["rows_deleted"] == .integer(200_000))
        #expect(report["complete"] == .bool(true))
        let parts = counts.split(separator: " ").map { Int($0.trimmedSpaces) ?? -1 }
        #expect(parts.count == 2 && parts[1] == 0, "the writer's failures: \(counts)")
        let written = parts.first ?? 0
        #expect(written > 0, "the writer kept writing: \(counts)")
        let connection = try Connection(path: db)
        #expect(try connection.scalarInt("SELECT count(*) FROM error_logs WHERE error_type = 'Live'") == Int64(written), "no write lost")
        #expect(try connection.scalarInt("SELECT count(*) FROM token_blacklist") == 0)
        if case .number(let longest) = report["longest_batch_ms"] { #expect(longest < 1000) }
    }

    // BAD-INPUT 42
    /// Ctrl-C stops between batches: exit 130, the report printed, what was
    /// committed stays, the rest is left for the next run.
    @Test func anInterruptStopsCleanlyWithTheReport() throws {
        let db = try prepare(rows: 200_000)
        let purge = Process()
        purge.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        purge.arguments = ["--db", db, "--json", "tokens", "purge", "--batch-size", "500"]
        let out = Pipe(), err = Pipe()
        purge.standardOutput = out
        purge.standardError = err
        try purge.run()
        usleep(400_000)
        kill(purge.processIdentifier, SIGINT)
        let report = try JSONParser.parse([UInt8](out.fileHandleForReading.readDataToEndOfFile()))
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        purge.waitUntilExit()
        #expect(purge.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        #expect(report["complete"] == .bool(false))
        guard case .integer(let deleted) = report["rows_deleted"] else { Issue.record("no count"); return }
        #expect(deleted > 0 && deleted < 200_000)
        let connection = try Connection(path: db)
        #expect(try connection.scalarInt("SELECT count(*) FROM token_blacklist") == 200_000 - deleted)
        #expect(try connection.scalar("PRAGMA integrity_check") == .text("ok"))
    }
}
