import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

@Suite struct MigrateCommandTests {
    let folder = TemporaryDirectory()
    var db: String { folder.file("app.db") }

    func cli(_ arguments: [String], stdin: String = "", terminal: TerminalInfo = TerminalInfo()) -> CLIResult {
        runCLI(["--db", db] + arguments, stdin: stdin, terminal: terminal)
    }

    @Test func upCreatesAPrivateWALDatabaseAndReportsEachMigration() throws {
        let result = cli(["migrate", "up"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("VERSION  NAME                   DIRECTION  RESULT   DURATION_MS\n1        initial "))
        #expect(result.stderr.isEmpty)
        #expect(folder.mode("app.db") == 0o600)
        let connection = try Connection(path: db)
        #expect(try connection.scalar("PRAGMA journal_mode") == .text("wal"))
        let again = cli(["migrate", "up"])
        #expect(again.status == 0 && again.stdout.isEmpty)
        #expect(again.stderr == "socializer: the database is at version \(Migrations.latestVersion); nothing to apply\n")
    }

    @Test func upStopsAtTheRequestedVersionAndQuietPrintsVersions() {
        #expect(cli(["-q", "migrate", "up", "--to", "2"]).stdout == "1\n2\n")
        #expect(cli(["-q", "migrate", "up", "--no-backup"]).stdout == Migrations.all.dropFirst(2).map { "\($0.version)\n" }.joined())
        let back = cli(["migrate", "up", "--to", "1"])
        #expect(back.status == 64 && back.stderr.contains("use: socializer migrate down --to 1"))
    }

    @Test func upBacksUpAnExistingDatabaseFirst() throws {
        #expect(cli(["migrate", "up", "--to", "1"]).status == 0)
        let result = cli(["migrate", "up"])
        #expect(result.status == 0)
        let backups = folder.listing().filter { $0.hasPrefix("app.db.bak-v1-") }
        #expect(backups == ["app.db.bak-v1-20260615T120000Z"])
        #expect(result.stderr.contains("backup written to \(db).bak-v1-20260615T120000Z"))
        #expect(folder.mode(backups[0]) == 0o600)
        let copy = try Connection(path: folder.file(backups[0]), mode: .readOnly)
        #expect(try Migrator(connection: copy, clock: FixedClock(testNow)).state() == .migrated(version: 1))
    }

    /// Two automatic backups in the same second (the clock is fixed here)
    /// of the same version: the second gets a suffix instead of exit 73.
    @Test func backupNamesNeverCollide() throws {
        #expect(cli(["migrate", "up", "--to", "1"]).status == 0)
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        #expect(cli(["migrate", "down", "--to", "1"]).status == 0)
        let again = cli(["migrate", "up", "--to", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("backup written to \(db).bak-v1-20260615T120000Z-2"))
        #expect(folder.listing().filter { $0.contains(".bak-") } == ["app.db.bak-v1-20260615T120000Z", "app.db.bak-v1-20260615T120000Z-2"])
        let copy = try Connection(path: folder.file("app.db.bak-v1-20260615T120000Z-2"), mode: .readOnly)
        #expect(try copy.scalar("PRAGMA integrity_check") == .text("ok"))
    }

    /// BAD-INPUT row 36. The source locked past --busy-timeout (an exclusive lock on a
    /// rollback-journal database): exit 75, no copy, nothing left behind.
    @Test func aBackupOfALockedDatabaseExits75() throws {
        #expect(cli(["migrate", "up", "--to", "1"]).status == 0)
        let holder = try Connection(path: db)
        _ = try holder.scalar("PRAGMA journal_mode = DELETE")
        try holder.execute("INSERT INTO skills (skill_name) VALUES ('listening')")
        try holder.execute("BEGIN EXCLUSIVE")
        try holder.execute("INSERT INTO skills (skill_name) VALUES ('speaking')")
        let before = folder.snapshot()
        for arguments in [["backup", folder.file("copy.db")], ["migrate", "up"]] {
            let result = cli(["--busy-timeout", "100"] + arguments)
            #expect(result.status == 75, "\(arguments): \(result.stderr)")
            #expect(result.stderr == "socializer: error: the database is locked by another connection\nhint: it is safe to retry; raise --busy-timeout (milliseconds) to wait longer\n")
            #expect(folder.snapshot() == before)
        }
        try holder.execute("ROLLBACK")
        #expect(try holder.scalarInt("SELECT count(*) FROM skills") == 1)
        #expect(try Migrator(connection: holder, clock: FixedClock(testNow)).state() == .migrated(version: 1))
    }

    @Test func noBackupSkipsIt() {
        #expect(cli(["migrate", "up", "--to", "1"]).status == 0)
        #expect(cli(["migrate", "up", "--no-backup"]).status == 0)
        #expect(!folder.listing().contains { $0.contains(".bak-") })
    }

    @Test func dryRunReportsTheSQLAndChangesNothing() throws {
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        let before = folder.snapshot()
        let result = cli(["--dry-run", "migrate", "up"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("-- 0003_indexes (up)\nCREATE INDEX ix_token_blacklist_expires_at ON token_blacklist (expires_at);\n"))
        #expect(result.stderr.contains("dry run: nothing was changed"))
        #expect(folder.snapshot() == before)
        let json = cli(["--json", "-n", "migrate", "up"])
        let value = try JSONParser.parse(json.stdout)
        guard case .array(let runs) = value else { Issue.record("not an array"); return }
        #expect(runs.first?["result"] == .string("dry run, rolled back"))
        #expect(runs.first?["sql"]?.stringValue?.contains("CREATE INDEX") == true)
        #expect(folder.snapshot() == before)
    }

    @Test func dryRunOnAMissingFileLeavesNoFile() {
        let result = cli(["-n", "migrate", "up"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("-- 0001_initial (up)"))
        #expect(folder.listing().isEmpty)
    }

    @Test func statusShowsAppliedAndPendingInEveryFormat() throws {
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        let table = cli(["migrate", "status"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == Migrations.all.count + 1)
        #expect(lines[1].hasPrefix("1        initial                applied  \(Migrations.all[0].checksum)  2026-06-15T12:00:00Z"))
        #expect(lines[3].hasPrefix("3        indexes                pending  \(Migrations.all[2].checksum)"))
        let csv = cli(["--format", "csv", "--fields", "version,state", "--no-header", "migrate", "status"])
        #expect(csv.stdout == "1,applied\r\n2,applied\r\n" + Migrations.all.dropFirst(2).map { "\($0.version),pending\r\n" }.joined())
        let jsonl = cli(["--format", "jsonl", "migrate", "status"])
        let first = try JSONParser.parse(String(jsonl.stdout.split(separator: "\n")[0]))
        #expect(first["applied_at"] == .string("2026-06-15T12:00:00Z"))
        #expect(first["version"] == .integer(1))
    }

    @Test func readVerbsOnAMissingDatabaseExit66AndCreateNothing() {
        for verb in [["migrate", "status"], ["migrate", "validate"], ["migrate", "schema"], ["migrate", "down"],
                     ["migrate", "baseline"], ["backup", folder.file("copy.db")]] {
            let result = cli(verb)
            #expect(result.status == 66, "\(verb)")
            #expect(result.stderr.hasPrefix("socializer: error: database '\(db)' does not exist\nhint: create it with: socializer --db \(db) migrate up\n"), "\(result.stderr)")
        }
        #expect(folder.listing().isEmpty)
    }

    @Test func planPrintsPendingSQLAndNeverCreatesTheFile() {
        let result = cli(["migrate", "plan"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("-- 0001_initial\nBEGIN IMMEDIATE;\nCREATE TABLE users (\n"))
        #expect(result.stdout.contains("-- 0003_indexes\n"))
        #expect(folder.listing().isEmpty)
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        let rest = cli(["migrate", "plan"])
        #expect(!rest.stdout.contains("0002") && rest.stdout.hasPrefix("-- 0003_indexes\n"))
    }

    @Test func validatePassesThenNamesAModifiedMigration() throws {
        #expect(cli(["migrate", "up"]).status == 0)
        #expect(cli(["migrate", "validate"]).stdout == "ok: \(Migrations.all.count) applied migration(s) match\n")
        try Connection(path: db).execute("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 2")
        let before = folder.snapshot()
        let result = cli(["migrate", "validate"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("error: 1 applied migration(s) differ from the ones compiled into this socializer"))
        #expect(result.stderr.contains("  0002_defaults_and_cascades: recorded checksum deadbeef differs from compiled"))
        // BAD-INPUT 41: up refuses too, even with nothing pending, and
        // before its backup (no .bak file is left behind).
        let up = cli(["migrate", "up"])
        #expect(up.status == 65 && up.stderr.contains("applied migration 0002_defaults_and_cascades differs"))
        #expect(folder.snapshot() == before)
        try Connection(path: db).execute("DELETE FROM schema_migrations WHERE version = \(Migrations.latestVersion)")
        let pending = folder.snapshot()
        let refused = cli(["migrate", "up"])
        #expect(refused.status == 65 && refused.stderr.contains("applied migration 0002_defaults_and_cascades differs"))
        #expect(folder.snapshot() == pending)
    }

    @Test func downRollsBackOneStepAndToZeroOnlyWithYes() throws {
        #expect(cli(["migrate", "up"]).status == 0)
        let one = cli(["migrate", "down"])
        let last = try #require(Migrations.all.last)
        let reverted = one.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").prefix(4).map(String.init)
        #expect(one.status == 0 && reverted == ["\(last.version)", last.name, "down", "reverted"], "\(one.stdout)")
        let before = folder.snapshot()
        let refused = cli(["migrate", "down", "--to", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("refusing to roll back 0001_initial, dropping every table and row of the schema without confirmation\nhint: add --yes to confirm"))
        #expect(folder.snapshot() == before)
        let declined = cli(["migrate", "down", "--to", "0"], stdin: "n\n",
                           terminal: TerminalInfo(stdinIsTerminal: true, stdoutIsTerminal: true, stderrIsTerminal: true))
        #expect(declined.status == 64 && declined.stderr.contains("[y/N]") && declined.stderr.contains("not confirmed"))
        #expect(folder.snapshot() == before)
        let yes = cli(["-y", "migrate", "down", "--to", "0"])
        #expect(yes.status == 0 && yes.stdout.contains("initial") && yes.stdout.contains("reverted"))
        let status = try Migrator(connection: try Connection(path: db), clock: FixedClock(testNow)).state()
        #expect(status == .empty)
    }

    @Test func legacyDatabasesAreRefusedUntilBaselinedThenUpgraded() throws {
        try LegacyDatabase.create(at: db)
        let before = folder.snapshot()
        let up = cli(["migrate", "up"])
        #expect(up.status == 78)
        #expect(up.stderr == """
            socializer: error: the database was created by the app and has no migration history
            hint: adopt it first with: socializer --db \(db) migrate baseline

            """)
        #expect(folder.snapshot() == before)
        let status = cli(["migrate", "status"])
        #expect(status.status == 0 && status.stderr.contains("adopt it with: socializer --db \(db) migrate baseline"))
        let dry = cli(["-n", "migrate", "baseline"])
        #expect(dry.status == 0 && dry.stdout.hasPrefix("would record 0001_initial"))
        #expect(folder.snapshot() == before)
        let baseline = cli(["migrate", "baseline"])
        #expect(baseline.status == 0)
        #expect(baseline.stdout == "recorded 0001_initial as applied\nleft alone: alembic_version, life_events\nnext: socializer migrate up\n")
        let again = cli(["migrate", "baseline"])
        #expect(again.status == 65 && again.stderr.contains("already has a migration history (version 1)"))
        let upgraded = cli(["migrate", "up"])
        #expect(upgraded.status == 0)
        #expect(folder.listing().contains { $0.hasPrefix("app.db.bak-v1-") })
        let connection = try Connection(path: db)
        #expect(try connection.scalar("PRAGMA journal_mode") == .text("delete"))
        #expect(try connection.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try connection.rows("PRAGMA foreign_key_check").isEmpty)
        #expect(try connection.scalarInt("SELECT count(*) FROM life_events") == 1)
    }

    @Test func baselineListsEveryDifference() throws {
        let connection = try Connection(path: db, mode: .createIfMissing)
        for statement in LegacyDatabase.ddl where !statement.contains("room_invites") {
            try connection.execute(statement)
        }
        let before = folder.snapshot()
        let result = cli(["migrate", "baseline"])
        #expect(result.status == 65)
        #expect(result.stderr == """
            socializer: error: the database differs from the app schema socializer knows (migration 0001_initial); nothing was recorded
              table room_invites is missing
            hint: repair the differences listed, or restore the database from the app's own schema

            """)
        #expect(folder.snapshot() == before)
    }

    @Test func aNewerDatabaseIsRefusedByEveryMigrateVerbThatWouldGuess() throws {
        #expect(cli(["migrate", "up"]).status == 0)
        let future = Migrations.latestVersion + 1
        try Connection(path: db).execute("INSERT INTO schema_migrations VALUES (?, 'future', 'x', '2030-01-01 00:00:00.000000', 1)", [future])
        let before = folder.snapshot()
        for verb in [["migrate", "up"], ["migrate", "down"], ["migrate", "baseline"], ["migrate", "plan"], ["migrate", "validate"]] {
            let result = cli(verb)
            #expect(result.status == 78, "\(verb)")
            #expect(result.stderr.contains("schema version \(future), newer than this socializer knows (\(Migrations.latestVersion))"), "\(verb): \(result.stderr)")
        }
        #expect(folder.snapshot() == before)
    }

    @Test func aReadOnlyDatabaseRefusesWritesButStillReads() throws {
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        chmod(db, 0o400)
        defer { chmod(db, 0o600) }
        let before = folder.snapshot()
        if getuid() == 0 {
            // root bypasses file modes; a read-only folder is what stops root's writes
            chmod(folder.path, 0o555)
        }
        defer { chmod(folder.path, 0o755) }
        let down = cli(["migrate", "down"])
        #expect(down.status == 77, "\(down.stderr)")
        #expect(down.stderr.contains("read-only") || down.stderr.contains("not writable"))
        #expect(folder.snapshot() == before)
        let status = cli(["migrate", "status"])
        #expect(status.status == 0)
        // A read-only handle on a WAL database may leave empty -wal/-shm files
        // (SQLite cannot remove them without writing); the database is untouched.
        #expect(folder.snapshot()["app.db"] == before["app.db"])
    }

    @Test func aLockedDatabaseExits75AfterTheBusyTimeout() throws {
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        let holder = try Connection(path: db)
        try holder.execute("BEGIN IMMEDIATE")
        defer { try? holder.execute("ROLLBACK") }
        let result = cli(["--busy-timeout", "100", "migrate", "up", "--no-backup"])
        #expect(result.status == 75)
        #expect(result.stderr.contains("the database is locked by another connection"))
        #expect(result.stderr.contains("hint: it is safe to retry"))
        try holder.execute("ROLLBACK")
        #expect(try Migrator(connection: holder, clock: FixedClock(testNow)).state() == .migrated(version: 2))
    }

    @Test func aFileThatIsNotADatabaseIsRefused() {
        _ = folder.write("app.db", String(repeating: "hello, not sqlite\n", count: 300))
        let before = folder.snapshot()
        let result = cli(["migrate", "up"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("error: '\(db)' is not a SQLite database\n"), "\(result.stderr)")
        #expect(folder.snapshot() == before)
    }

    // BAD-INPUT 37
    @Test func aCorruptDatabaseIsNotWrittenTo() throws {
        #expect(cli(["migrate", "up", "--to", "2"]).status == 0)
        let connection = try Connection(path: db)
        try connection.execute("PRAGMA journal_mode = DELETE")
        for i in 0..<500 {
            try connection.execute("INSERT INTO skills (skill_name) VALUES (?)", [String(repeating: "s\(i)", count: 20)])
        }
        let rootPage = try connection.scalarInt("SELECT rootpage FROM sqlite_master WHERE name = 'skills'")
        let pageSize = try connection.scalarInt("PRAGMA page_size")
        // Scribble over an interior page of the skills table.
        var bytes = [UInt8](FileManager.default.contents(atPath: db)!)
        let offset = Int((rootPage - 1) * pageSize)
        for i in 0..<Int(pageSize) where offset + i < bytes.count { bytes[offset + i] = 0x55 }
        FileManager.default.createFile(atPath: db, contents: Data(bytes))
        let before = folder.snapshot()
        let result = cli(["migrate", "up", "--no-backup"])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("the database is corrupt; nothing was written"))
        #expect(result.stderr.contains("sqlite3 DB .recover"))
        #expect(folder.snapshot() == before)
    }

    @Test func schemaPrintsEachFormat() {
        #expect(cli(["migrate", "up"]).status == 0)
        #expect(cli(["migrate", "schema"]).stdout.hasPrefix("-- socializer schema"))
        #expect(cli(["migrate", "schema", "--format", "dbml"]).stdout.contains("Table users "))
        #expect(cli(["migrate", "schema", "--format", "mermaid"]).stdout.hasPrefix("erDiagram"))
        #expect(cli(["migrate", "schema", "--format", "dot"]).stdout.hasPrefix("digraph socializer {"))
        let bad = cli(["migrate", "schema", "--format", "json"])
        #expect(bad.status == 64 && bad.stderr.contains("expected one of sql, dbml, mermaid, dot"))
    }

    @Test func backupWritesAConsistentCopy() throws {
        #expect(cli(["migrate", "up"]).status == 0)
        let result = cli(["--json", "backup", folder.file("copy.db")])
        #expect(result.status == 0)
        #expect(try JSONParser.parse(result.stdout)["backup"] == .string(folder.file("copy.db")))
        #expect(folder.mode("copy.db") == 0o600)
        let again = cli(["backup", folder.file("copy.db")])
        #expect(again.status == 73 && again.stderr.contains("already exists"))
    }
}
