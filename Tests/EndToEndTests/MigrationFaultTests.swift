import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// `migrate up` raced, killed and starved of disk (issue 10).
@Suite(.serialized) struct MigrationFaultTests {
    let folder = TemporaryDirectory()

    func state(_ path: String) throws -> SchemaState {
        try Migrator(connection: try Connection(path: path, mode: .readOnly), clock: FixedClock(testNow)).state()
    }

    /// Two runs on a path that does not exist yet: both succeed (one
    /// creates, the other finds it done or finishes it), never exit 70, and
    /// the database is never lost.
    @Test func twoRunsCreatingTheSameDatabaseBothSucceed() throws {
        for trial in 0..<12 {
            let path = folder.file("race-\(trial).db")
            let first = try Spawned(["--db", path, "migrate", "up"], directory: folder.path)
            let second = try Spawned(["--db", path, "migrate", "up"], directory: folder.path)
            let statuses = [first.wait(), second.wait()]
            #expect(statuses.allSatisfy { $0 == 0 || $0 == 75 } && statuses.contains(0),
                    "trial \(trial): \(statuses) \(first.stderr) \(second.stderr)")
            #expect(folder.exists("race-\(trial).db"), "trial \(trial): the database was lost")
            guard folder.exists("race-\(trial).db") else { continue }
            #expect(try state(path) == .migrated(version: Migrations.latestVersion))
            let db = try Connection(path: path, mode: .readOnly)
            #expect(try db.scalarInt("SELECT count(*) FROM schema_migrations") == Int64(Migrations.all.count))
            #expect(try db.scalar("PRAGMA journal_mode") == .text("wal"))
            #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        }
        #expect(folder.partialFiles.isEmpty, "\(folder.partialFiles)")
    }

    /// Two `--no-backup` runs on a database with one long migration pending:
    /// the loser waits for the lock, re-reads the version inside it and says
    /// the database is already up to date, instead of applying 0003 again.
    @Test func theLoserOfARaceSeesTheNewVersionInsideTheLock() throws {
        let template = folder.file("template.db")
        #expect(try runBinary(["--db", template, "-q", "migrate", "up", "--to", "2"], in: folder) == 0)
        let db = try Connection(path: template)
        try db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
            INSERT INTO token_blacklist (token, expires_at, created_at, user_id)
            SELECT 'eyJ.' || hex(randomblob(40)) || '.' || i, '2030-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', NULL FROM n
            """)
        _ = try db.rows("PRAGMA wal_checkpoint(TRUNCATE)")
        for trial in 0..<3 {
            let name = "pair-\(trial).db"
            try folder.copy("template.db", to: name)
            let path = folder.file(name)
            let runs = try (0..<2).map { _ in
                // Up to 0003 only: with later migrations pending too, the loser would rightly apply those.
                try Spawned(["--db", path, "--busy-timeout", "30000", "migrate", "up", "--no-backup", "--to", "3"],
                            directory: folder.path)
            }
            let statuses = runs.map { $0.wait() }
            #expect(statuses == [0, 0], "trial \(trial): \(runs.map(\.stderr))")
            let applied = runs.filter { $0.stdout.contains("indexes") }
            #expect(applied.count == 1, "trial \(trial): 0003 applied by \(applied.count) runs")
            let loser = runs.first { !$0.stdout.contains("indexes") }
            #expect(loser?.stderr.contains("already up to date at version 3") == true
                        || loser?.stderr.contains("at version 3; nothing to apply") == true, "\(loser?.stderr ?? "")")
            #expect(try state(path) == .migrated(version: 3))
            #expect(try Connection(path: path, mode: .readOnly).scalarInt("SELECT count(*) FROM schema_migrations") == 3)
        }
    }

    /// kill -9 at random points of a first `migrate up`: nothing half-made
    /// is ever at PATH, and the next run creates a whole WAL database and
    /// removes the dead run's temporary files.
    @Test func aKilledFirstRunLeavesNoHalfDatabaseAndTheNextRunUsesWAL() throws {
        var random = SeededRandom(0x3161_0001)
        for trial in 0..<8 {
            let path = folder.file("new-\(trial).db")
            let run = try Spawned(["--db", path, "migrate", "up"], directory: folder.path, quiet: true)
            usleep(UInt32.random(in: 0...40_000, using: &random))
            run.kill9()
            if folder.exists("new-\(trial).db") {
                #expect(try state(path) == .migrated(version: Migrations.latestVersion), "seed \(random.seed), trial \(trial)")
            }
            let rerun = try Spawned(["--db", path, "-q", "migrate", "up"], directory: folder.path)
            #expect(rerun.wait() == 0, "\(rerun.stderr)")
            #expect(try state(path) == .migrated(version: Migrations.latestVersion))
            #expect(try Connection(path: path, mode: .readOnly).scalar("PRAGMA journal_mode") == .text("wal"),
                    "seed \(random.seed), trial \(trial)")
        }
        #expect(folder.partialFiles.isEmpty, "\(folder.partialFiles)")
    }

    /// BAD-INPUT row 40. kill -9 at random points of `migrate up` on a database with data
    /// (backup, then 0002's rebuild, then 0003): the recorded version always
    /// matches a whole schema, no row is lost, and a re-run completes.
    @Test func aKilledUpgradeKeepsWholeMigrationsAndReRunningCompletes() throws {
        let template = folder.file("template.db")
        #expect(try runBinary(["--db", template, "-q", "migrate", "up", "--to", "1"], in: folder) == 0)
        try fillLogs(template, rows: 120_000)
        var random = SeededRandom(0x3161_0002)
        for trial in 0..<5 {
            let name = "up-\(trial).db"
            try folder.copy("template.db", to: name)
            let path = folder.file(name)
            let run = try Spawned(["--db", path, "migrate", "up"], directory: folder.path, quiet: true)
            usleep(UInt32.random(in: 0...400_000, using: &random))
            run.kill9()
            let db = try Connection(path: path)
            let version: Int
            switch try state(path) {
            case .migrated(let v): version = v
            default: Issue.record("seed \(random.seed), trial \(trial): no version"); continue
            }
            let defaults = try db.rows("PRAGMA table_info(users)").contains { $0["dflt_value"] != .null }
            let indexes = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'ix_token_blacklist_expires_at'")
            #expect(defaults == (version >= 2) && (indexes == 1) == (version >= 3),
                    "seed \(random.seed), trial \(trial): version \(version), defaults \(defaults), indexes \(indexes)")
            #expect(try db.scalarInt("SELECT count(*) FROM error_logs") == 120_000)
            #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
            let rerun = try Spawned(["--db", path, "-q", "migrate", "up"], directory: folder.path)
            #expect(rerun.wait() == 0, "\(rerun.stderr)")
            #expect(try state(path) == .migrated(version: Migrations.latestVersion))
            #expect(try db.scalarInt("SELECT count(*) FROM error_logs") == 120_000)
        }
        #expect(folder.partialFiles.isEmpty, "seed \(random.seed): \(folder.partialFiles)")
    }

    /// Two `migrate up` runs at once on an existing database: both back it
    /// up (in the same second, under distinct names), both exit 0, and every
    /// migration is applied once.
    @Test func twoUpgradesAtOnceBothBackUpAndSucceed() throws {
        #expect(try runBinary(["--db", folder.file("template.db"), "-q", "migrate", "up", "--to", "1"], in: folder) == 0)
        for trial in 0..<4 {
            let name = "both-\(trial).db"
            try folder.copy("template.db", to: name)
            let runs = try (0..<2).map { _ in try Spawned(["--db", folder.file(name), "migrate", "up"], directory: folder.path) }
            let statuses = runs.map { $0.wait() }
            #expect(statuses == [0, 0], "trial \(trial): \(runs.map(\.stderr))")
            #expect(try state(folder.file(name)) == .migrated(version: Migrations.latestVersion))
            #expect(try Connection(path: folder.file(name), mode: .readOnly).scalarInt("SELECT count(*) FROM schema_migrations") == Int64(Migrations.all.count))
            let backups = folder.listing().filter { $0.hasPrefix(name + ".bak-v") }
            #expect(!backups.isEmpty && backups.count <= 2, "\(backups)")
            for backup in backups {
                #expect(try Connection(path: folder.file(backup), mode: .readOnly).scalar("PRAGMA integrity_check") == .text("ok"))
            }
        }
        #expect(folder.partialFiles.isEmpty)
    }

    /// BAD-INPUT row 38. A full disk (RLIMIT_FSIZE, SIGXFSZ ignored) during the backup or the
    /// migration: exit 74, the database unchanged, no backup or temporary file.
    @Test func aFullDiskExits74WithTheDatabaseUnchanged() throws {
        let path = folder.file("app.db")
        #expect(try runBinary(["--db", path, "-q", "migrate", "up", "--to", "1"], in: folder) == 0)
        try fillLogs(path, rows: 20_000)
        let before = try contentDigest(path)
        let withBackup = try Spawned(["--db", path, "migrate", "up"], directory: folder.path, fileSizeLimitBlocks: 1024)
        #expect(withBackup.wait() == 74)
        #expect(withBackup.stderr.hasPrefix("socializer: error: cannot write the backup '\(path).bak-v1-"), "\(withBackup.stderr)")
        #expect(try contentDigest(path) == before)
        #expect(!folder.listing().contains { $0.contains(".bak-") } && folder.partialFiles.isEmpty, "\(folder.listing())")
        let noBackup = try Spawned(["--db", path, "migrate", "up", "--no-backup"], directory: folder.path,
                                   fileSizeLimitBlocks: 1024)
        #expect(noBackup.wait() == 74)
        #expect(noBackup.stderr.hasPrefix("socializer: error: migration 0002_defaults_and_cascades failed at statement"), "\(noBackup.stderr)")
        #expect(noBackup.stderr.contains("the database is unchanged"))
        #expect(try contentDigest(path) == before)
        #expect(try state(path) == .migrated(version: 1))
        // Creating a database on a full disk leaves no file at all.
        let fresh = try Spawned(["--db", folder.file("fresh.db"), "migrate", "up"], directory: folder.path,
                                fileSizeLimitBlocks: 16)
        #expect(fresh.wait() == 74, "\(fresh.stderr)")
        #expect(fresh.stderr.hasPrefix("socializer: error: "))
        #expect(!folder.exists("fresh.db") && folder.partialFiles.isEmpty, "\(folder.listing())")
    }
}
