import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore
import SocializerSecurity

/// The long runs that commit piece by piece (`tokens purge`, `users
/// rotate-key --all`) killed at random points and run beside the app.
@Suite(.serialized) struct LongRunFaultTests {
    let folder = TemporaryDirectory()
    var db: String { folder.file("live.db") }

    // MARK: tokens purge

    /// kill -9 at random points of a purge: only whole batches are gone
    /// (a prefix of the expiry index; the unexpired rows all stay), and a
    /// re-run deletes the rest.
    @Test func aKilledPurgeKeepsCommittedBatchesOnlyAndReRunningFinishes() throws {
        #expect(try runBinary(["--db", folder.file("template.db"), "-q", "migrate", "up"], in: folder) == 0)
        let template = try Connection(path: folder.file("template.db"))
        try template.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
            INSERT INTO token_blacklist (id, token, expires_at, created_at)
            SELECT i, 'eyJ.' || hex(randomblob(40)) || '.' || i,
                   CASE WHEN i <= 80000 THEN '2020-01-01 00:00:00.000000' ELSE '2099-01-01 00:00:00.000000' END,
                   '2019-12-01 00:00:00.000000' FROM n
            """)
        _ = try template.rows("PRAGMA wal_checkpoint(TRUNCATE)")
        var random = SeededRandom(0x9A46_0001)
        for trial in 0..<4 {
            let name = "purge-\(trial).db"
            try folder.copy("template.db", to: name)
            let path = folder.file(name)
            let run = try Spawned(["--db", path, "tokens", "purge", "--batch-size", "500"], directory: folder.path, quiet: true)
            usleep(UInt32.random(in: 20_000...300_000, using: &random))
            run.kill9()
            let connection = try Connection(path: path)
            #expect(try connection.scalar("PRAGMA integrity_check") == .text("ok"))
            let left = try connection.scalarInt("SELECT count(*) FROM token_blacklist WHERE expires_at < '2026-01-01'")
            let lowest = try connection.scalarInt("SELECT coalesce(min(id), 80001) FROM token_blacklist")
            // Batches walk the expiry index (ids in order within one expiry):
            // what is gone is exactly the ids below the lowest left.
            #expect(left == 80001 - lowest, "seed \(random.seed), trial \(trial): \(left) left from id \(lowest)")
            #expect(try connection.scalarInt("SELECT count(*) FROM token_blacklist WHERE expires_at > '2026-01-01'") == 20_000)
            let rerun = try Spawned(["--db", path, "-q", "tokens", "purge"], directory: folder.path)
            #expect(rerun.wait() == 0, "\(rerun.stderr)")
            #expect(try connection.scalarInt("SELECT count(*) FROM token_blacklist") == 20_000)
        }
    }

    // MARK: users rotate-key --all

    static let memory = Array(#"{"messages": [], "general_chat": [], "ai_conversation": [], "metadata": {"version": "1.0"}}"#.utf8)

    /// `count` users, each with a key and a memory encrypted with it.
    func prepareUsers(_ count: Int, at path: String) throws -> [Int64: String] {
        #expect(try runBinary(["--db", path, "-q", "migrate", "up"], in: folder) == 0)
        let connection = try Connection(path: path)
        let key = try FernetKey.generate()
        let token = try Fernet.encrypt(Self.memory, key: key, now: Int64(Date().timeIntervalSince1970) - 10)
        var keys: [Int64: String] = [:]
        try connection.transaction {
            for i in 1...count {
                try connection.execute("""
                    INSERT INTO users (id, username, hashed_password, hashed_email, encryption_key, conversation_memory)
                    VALUES (?, ?, '$2b$04$abcdefghijklmnopqrstuu9Vb8vA0G3VWo2EZZyZ2ZXc6Rc0uo6GG', ?, ?, ?)
                    """, [Int64(i), "user\(i)", "no-email:\(i)", key.encoded, token])
                keys[Int64(i)] = key.encoded
            }
        }
        _ = try connection.rows("PRAGMA wal_checkpoint(TRUNCATE)")
        return keys
    }

    /// Every user's memory decrypts with the key stored beside it; returns
    /// how many keys differ from `original`.
    func checkEveryMemoryDecrypts(_ path: String, original: [Int64: String], _ context: String) throws -> Int {
        let connection = try Connection(path: path, mode: .readOnly)
        var rotated = 0
        let now = Int64(Date().timeIntervalSince1970)
        try connection.forEachRow("SELECT id, encryption_key, conversation_memory FROM users") { row in
            let id = try row.int("id")
            let key = try FernetKey(encoded: try row.string("encryption_key"))
            let plain = try? Fernet.decrypt(try row.string("conversation_memory"), key: key, now: now)
            #expect(plain == Self.memory, "\(context): user \(id) lost its memory")
            if original[id] != key.encoded { rotated += 1 }
        }
        return rotated
    }

    /// kill -9 at random points of `rotate-key --all`: every user is either
    /// rotated or not, never half (the memory always decrypts with the
    /// stored key), and a re-run rotates everyone.
    @Test func aKilledRotationIsAtomicPerUserAndReRunningFinishes() throws {
        let original = try prepareUsers(3000, at: folder.file("template.db"))
        var random = SeededRandom(0x4E7A_0001)
        for trial in 0..<3 {
            let name = "rotate-\(trial).db"
            try folder.copy("template.db", to: name)
            let path = folder.file(name)
            let run = try Spawned(["--db", path, "users", "rotate-key", "--all", "--yes"], directory: folder.path, quiet: true)
            usleep(UInt32.random(in: 50_000...500_000, using: &random))
            run.kill9()
            let partly = try checkEveryMemoryDecrypts(path, original: original, "seed \(random.seed), trial \(trial)")
            #expect(partly < 3000, "the kill came after the end; raise the user count")
            let rerun = try Spawned(["--db", path, "users", "rotate-key", "--all", "--yes"], directory: folder.path)
            #expect(rerun.wait() == 0, "\(rerun.stderr)")
            #expect(rerun.stdout == "rotated 3000 of 3000 user(s)\n")
            #expect(try checkEveryMemoryDecrypts(path, original: original, "re-run") == 3000)
        }
    }

    /// The app (1 s busy timeout, a commit every 3 ms) writes all through a
    /// rotation of 10,000 users: rotate-key leaves the lock free between
    /// users. (Re-locking at once, it starved the writer past its timeout.)
    @Test func theAppsWritesSucceedDuringARotation() throws {
        let original = try prepareUsers(10_000, at: db)
        let writer = try LiveWriter(database: db, intervalMilliseconds: 3)
        let rotation = try Spawned(["--db", db, "users", "rotate-key", "--all", "--yes"], directory: folder.path)
        let status = rotation.wait(seconds: 120)
        let (written, failures) = writer.stop()
        #expect(status == 0, "\(rotation.stderr)")
        #expect(failures == 0 && written > 0, "the app's writes: \(written) committed, \(failures) failed")
        #expect(try checkEveryMemoryDecrypts(db, original: original, "after") == 10_000)
        let connection = try Connection(path: db, mode: .readOnly)
        #expect(try connection.scalarInt("SELECT count(*) FROM error_logs WHERE error_type = 'Live'") == Int64(written))
    }

    // MARK: tokens purge beside the app

    /// The writer with a 1 s busy timeout during a purge: covered by
    /// PurgeProcessTests.theAppsWritesSucceedDuringAPurge (5 ms commits);
    /// here at 3 ms, the app's busiest rate.
    @Test func theAppsWritesSucceedDuringAPurgeAt3ms() throws {
        #expect(try runBinary(["--db", db, "-q", "migrate", "up"], in: folder) == 0)
        let connection = try Connection(path: db)
        try connection.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
            INSERT INTO token_blacklist (token, expires_at, created_at)
            SELECT 'eyJ.' || hex(randomblob(40)) || '.' || i, '2020-01-01 00:00:00.000000', '2019-12-01 00:00:00.000000' FROM n
            """)
        let writer = try LiveWriter(database: db, intervalMilliseconds: 3)
        let purge = try Spawned(["--db", db, "-q", "tokens", "purge"], directory: folder.path)
        let status = purge.wait(seconds: 120)
        let (written, failures) = writer.stop()
        #expect(status == 0, "\(purge.stderr)")
        #expect(failures == 0 && written > 0, "the app's writes: \(written) committed, \(failures) failed")
        #expect(try connection.scalarInt("SELECT count(*) FROM token_blacklist") == 0)
    }
}
