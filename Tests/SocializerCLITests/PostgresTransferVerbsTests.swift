import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `dump`, the per-table exports and `logs export` on both engines (issue
/// 16, phase 3): the same rows give the same bytes, in every format, and
/// the same errors.
extension PostgresVerbsTests {
    /// Rooms, messages, invites, skills, levels, trainings and logs, made through the CLI on both engines.
    func createEverything() {
        createRooms()
        for arguments in [
            ["skills", "add", "empathy", "Listening"], ["skills", "set-level", "alice", "empathy", "7"],
            ["skills", "set-level", "Bob", "Listening", "2"],
            ["training", "start", "alice", "empathy", "--notes", "weekly \"focus\""], ["training", "progress", "alice", "empathy", "0.25"],
            ["training", "start", "Bob", "Listening"], ["training", "complete", "Bob", "Listening"],
            ["logs", "add", "--type", "ValueError", "--message", "bad\nthing", "--user", "alice", "--context", #"{"b": [1, 2.5, true], "a": null}"#],
            ["logs", "add", "--type", "KeyError", "--message", "missing"],
            ["users", "prefs", "set", "alice", "communication", "tone", #""warm""#],
        ] {
            #expect(same(["-q"] + arguments).status == 0, "\(arguments)")
        }
    }

    @Test func dumpAndTheExportsWriteTheSameBytesOnBothEngines() throws {
        createEverything()
        try tablesMatch()
        for arguments in [
            ["dump"], ["--format", "jsonl", "dump"],
            ["skills", "export"], ["--format", "jsonl", "skills", "export"],
            ["training", "export"], ["--format", "jsonl", "training", "export"], ["--format", "csv", "training", "export"],
            ["rooms", "export"], ["--format", "jsonl", "rooms", "export"],
            ["users", "export"],
            ["logs", "export"], ["--format", "csv", "logs", "export"], ["--format", "jsonl", "logs", "export", "--type", "KeyError"],
        ] {
            let result = same(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.count > 20, "\(arguments)")
        }
        // The dump has every group, and its timestamps, booleans and JSON in the fixture forms.
        let dump = same(["dump"]).stdout
        for needle in [#""is_public":true"#, #""context":{"b":[1,2.5,true],"a":null}"#, #""progress":0.25"#, "Z\"", "\"room\":\"room-1\""] {
            #expect(dump.contains(needle), "\(needle)")
        }
        // Refusals as on SQLite: csv of several tables, an unknown format.
        #expect(same(["--format", "csv", "rooms", "export"]).status == 64)
        #expect(same(["--format", "csv", "dump"]).status == 64)
    }

    @Test func aDumpMeetingAnOrphanFailsTheSameOnBothEngines() throws {
        createEverything()
        // A dump names an orphan the same way on both engines (the app's own databases do not enforce references).
        let (lite, postgres) = (try sqlite.connection(), try scratch.connection())
        try lite.execute("PRAGMA foreign_keys = OFF")
        try postgres.execute("SET session_replication_role = replica")
        for db in [lite, postgres] as [any Database] { try db.execute("UPDATE user_skills SET skill_id = 99 WHERE user_id = 1") }
        let orphan = same(["dump"])
        #expect(orphan.status == 65 && orphan.stderr.contains("user_skills row"), "\(orphan.stderr)")
    }
}

/// `seed` and the per-table imports on both engines (issue 16, phase 3),
/// and the migration path between them (item 7): a dump of either engine
/// seeded into the other dumps again to the same bytes.
extension PostgresVerbsTests {
    /// Runs on both; the same status and output, and the same errors once each names its own database.
    @discardableResult
    func sameSeed(_ arguments: [String], stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let (lite, postgres) = both(arguments, stdin: stdin)
        #expect(postgres.status == lite.status, "\(arguments): \(postgres.stderr)", sourceLocation: sourceLocation)
        #expect(postgres.stdout == lite.stdout, "\(arguments)", sourceLocation: sourceLocation)
        let unaimed = { (text: String, location: String) in
            text.replacingOccurrences(of: location, with: "DB").replacingOccurrences(of: Echo.cut(location), with: "DB")
                .replacingOccurrences(of: #"--db \S+ "#, with: "", options: .regularExpression)
        }
        let redacted = (try? PostgresURL(scratch.url, source: "--db"))?.redacted ?? scratch.url
        #expect(unaimed(postgres.stderr, redacted) == unaimed(lite.stderr, sqlite.db), "\(arguments)", sourceLocation: sourceLocation)
        return lite
    }

    /// The demo as PostgreSQL can hold it, as a fixture file with its
    /// secrets: users.messages is an INTEGER there, so the users' message
    /// lists become 0 (the demo itself is refused there, see below).
    func demoForBothEngines() -> String {
        let folder = sqlite.folder
        let db = folder.file("demo-\(UUID().uuidString).db")
        #expect(runCLI(["--db", db, "-q", "seed", "--demo"], environment: sqlite.environment).status == 0)
        #expect((try? Connection(path: db, mode: .existing).execute("UPDATE users SET messages = 0")) != nil)
        let dumped = runCLI(["--db", db, "dump", "--include-secrets"], environment: sqlite.environment)
        #expect(dumped.status == 0)
        return folder.write("demo-\(UUID().uuidString).json", dumped.stdout)
    }

    @Test func seedLoadsTheSameRowsAndSaysTheSameOnBothEngines() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let demo = demoForBothEngines()
        #expect(sameSeed(["seed", demo]).status == 0)
        try tablesMatch()
        #expect(same(["dump"]).status == 0)
        // Again: every record exists (65, nothing changed), skipped, updated; a dry run.
        let again = sameSeed(["seed", demo])
        #expect(again.status == 65 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(sameSeed(["--format", "csv", "seed", demo, "--on-conflict", "skip"]).status == 0)
        #expect(sameSeed(["--format", "csv", "--dry-run", "seed", demo, "--on-conflict", "update"]).status == 0)
        #expect(sameSeed(["--format", "csv", "seed", demo, "--on-conflict", "update"]).status == 0)
        // The same rows, named by their keys: a load rolled back (the 65, the dry run) took ids from
        // PostgreSQL's sequences, which never go back, so the rooms written since have other ids there.
        #expect(same(["dump"]).status == 0)
        // Standard input, and bad records: every one listed, nothing written.
        let extra = #"{"socializer_fixture": 1, "skills": [{"skill_name": "juggling"}], "training": [{"user": "margaret", "skill": "juggling", "status": "active", "progress": 0.5, "started_at": "2026-05-02"}]}"#
        #expect(sameSeed(["seed", "-", "--input-format", "json"], stdin: extra).status == 0)
        let bad = #"{"socializer_fixture": 1, "skills": [{"skill_name": "juggling"}, {"skill_name": "x", "colour": 1}], "training": [{"user": "nobody", "skill": "juggling", "status": "active", "progress": 0.5, "started_at": "2026-05-02"}]}"#
        let refused = sameSeed(["seed", "-", "--input-format", "json"], stdin: bad)
        #expect(refused.status == 65 && refused.stderr.contains("unknown user 'nobody'"), "\(refused.stderr)")
        #expect(same(["dump"]).stdout.contains(#"{"skill_name":"juggling"}"#))
    }

    @Test func theImportsLoadTheSameRowsOnBothEngines() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        #expect(sameSeed(["seed", demoForBothEngines()]).status == 0)
        let skills = same(["skills", "export"]).stdout
        let training = same(["--format", "csv", "training", "export"]).stdout
        let rooms = same(["rooms", "export", "--include-secrets"]).stdout
        for db in try connections() {
            for table in ["room_invites", "room_messages", "room_members", "chat_rooms", "training", "user_skills"] {
                try db.execute("DELETE FROM \(table)")
            }
            try db.execute("DELETE FROM skills WHERE skill_name <> 'small_talk'")
        }
        let folder = sqlite.folder
        let (skillsFile, trainingFile, roomsFile) = (folder.write("s.json", skills), folder.write("t.csv", training), folder.write("r.json", rooms))
        #expect(same(["--format", "csv", "skills", "import", skillsFile]).status == 65)
        #expect(same(["--format", "csv", "skills", "import", skillsFile, "--on-conflict", "skip"]).status == 0)
        #expect(same(["--format", "csv", "training", "import", trainingFile]).status == 0)
        #expect(same(["--format", "csv", "training", "import", trainingFile, "--on-conflict", "update"]).status == 0)
        #expect(same(["--format", "csv", "training", "import", trainingFile]).status == 65)
        #expect(same(["--format", "csv", "--dry-run", "rooms", "import", roomsFile]).status == 0)
        #expect(same(["--format", "csv", "rooms", "import", roomsFile]).status == 0)
        // By keys (ids differ after the refused loads, see above).
        #expect(same(["dump"]).status == 0)
        #expect(same(["--format", "csv", "training", "export"]).stdout == training)
        #expect(same(["rooms", "export", "--include-secrets"]).stdout == rooms)
    }

    @Test func seedOnPostgreSQLRefusesWhatReplacesAFileAndAnUnmigratedDatabase() throws {
        let run = { (arguments: [String]) in runCLI(["--db", self.scratch.url] + arguments, environment: self.sqlite.environment) }
        let unmigrated = run(["seed", "--demo"])
        #expect(unmigrated.status == 78, "\(unmigrated.stderr)")
        #expect(try scratch.connection().tableNames().isEmpty)
        #expect(run(["-q", "migrate", "up"]).status == 0)
        // The demo's users have message lists, which PostgreSQL's INTEGER column cannot hold: each is named.
        let demo = run(["seed", "--demo"])
        #expect(demo.status == 65 && demo.stderr.contains("user 'ada' has messages, a list of 1 message(s); users.messages is an INTEGER on PostgreSQL"),
                "\(demo.stderr)")
        #expect(demo.stderr.contains("user 'margaret' has messages"))
        let fresh = run(["seed", "--demo", "--fresh"])
        #expect(fresh.status == 64 && fresh.stderr.contains("--fresh replaces a SQLite database file"), "\(fresh.stderr)")
        let db = try scratch.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM admin_audit") == 0)
    }

    /// Issue 16 item 7: SQLite → PostgreSQL and PostgreSQL → SQLite, secrets included, byte for byte.
    @Test func aDumpSeededIntoTheOtherEngineDumpsAgainToTheSameBytes() throws {
        let env = sqlite.environment
        let source = sqlite.folder.file("source.db")
        #expect(runCLI(["--db", source, "-q", "seed", "--demo"], environment: env).status == 0)
        // users.messages is an INTEGER on PostgreSQL: the app's message lists stay on SQLite.
        try Connection(path: source, mode: .existing).execute("UPDATE users SET messages = 0")
        for arguments in [["rooms", "messages", "post", "1", "--from", "margaret", "ünïcode \"quoted\"\ttab"], ["logs", "add", "--type", "E", "--message", "m"]] {
            #expect(runCLI(["--db", source, "-q"] + arguments, environment: env).status == 0, "\(arguments)")
        }
        for format in ["json", "jsonl"] {
            let dumped = runCLI(["--db", source, "--format", format, "dump", "--include-secrets"], environment: env)
            #expect(dumped.status == 0 && dumped.stdout.count > 1000)
            // SQLite → PostgreSQL.
            try scratch.run(script: "DROP SCHEMA \(scratch.schema) CASCADE; CREATE SCHEMA \(scratch.schema)")
            #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"], environment: env).status == 0)
            let loaded = runCLI(["--db", scratch.url, "-q", "seed", "-", "--input-format", format], environment: env, stdin: dumped.stdout)
            #expect(loaded.status == 0, "\(loaded.stderr)")
            let again = runCLI(["--db", scratch.url, "--format", format, "dump", "--include-secrets"], environment: env)
            #expect(again.status == 0 && again.stdout == dumped.stdout, "\(format): SQLite → PostgreSQL")
            // PostgreSQL → SQLite.
            let copy = sqlite.folder.file("copy-\(format).db")
            let back = runCLI(["--db", copy, "-q", "seed", "-", "--input-format", format], environment: env, stdin: again.stdout)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(runCLI(["--db", copy, "--format", format, "dump", "--include-secrets"], environment: env).stdout == again.stdout,
                    "\(format): PostgreSQL → SQLite")
        }
        // PostgreSQL written to first (the demo and a message posted there), then to SQLite.
        try scratch.run(script: "DROP SCHEMA \(scratch.schema) CASCADE; CREATE SCHEMA \(scratch.schema)")
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"], environment: env).status == 0)
        #expect(runCLI(["--db", scratch.url, "-q", "seed", demoForBothEngines()], environment: env).status == 0)
        #expect(runCLI(["--db", scratch.url, "-q", "rooms", "messages", "post", "2", "--ai", "from PostgreSQL"], environment: env).status == 0)
        let first = runCLI(["--db", scratch.url, "dump", "--include-secrets"], environment: env)
        let lite = sqlite.folder.file("from-postgres.db")
        #expect(runCLI(["--db", lite, "-q", "seed", "-", "--input-format", "json"], environment: env, stdin: first.stdout).status == 0)
        #expect(first.status == 0 && first.stdout.contains("\"training\": ["))
        #expect(runCLI(["--db", lite, "dump", "--include-secrets"], environment: env).stdout == first.stdout)
    }
}

/// `backup` on PostgreSQL: pg_dump in custom format, its password in its environment only.
extension PostgresVerbsTests {
    @Test func backupRunsPgDumpWhosePgRestoreListsTheTables() throws {
        createEverything()
        let program = try PostgresBackup.pgDump(ProcessInfo.processInfo.environment)
        let destination = sqlite.folder.file("app.pgdump")
        let result = runCLI(["--db", scratch.url, "-v", "backup", destination], environment: sqlite.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(destination))
        #expect(!result.stdout.contains(TestPostgres.credentials.password) && !result.stderr.contains(TestPostgres.credentials.password))
        var info = stat()
        #expect(stat(destination, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_size > 1000)
        // pg_restore reads it: every table of the schema, with its data.
        let restore = (program as NSString).deletingLastPathComponent + "/pg_restore"
        let listed = try runProgram([restore, "--list", destination])
        for table in ["users", "room_messages", "training", "admin_audit"] {
            #expect(listed.contains("TABLE DATA \(scratch.schema) \(table) "), "\(table)")
        }
        // Never over an existing file; nothing left beside it.
        let again = runCLI(["--db", scratch.url, "backup", destination], environment: sqlite.environment)
        #expect(again.status == 73 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sqlite.folder.path).filter { $0.contains("pgdump") } == ["app.pgdump"])
    }

    @Test func backupGivesPgDumpThePasswordInItsEnvironmentOnlyAndSaysWhenItIsMissing() throws {
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"]).status == 0)
        // A stand-in pg_dump that writes down its arguments and whether PGPASSWORD is set.
        let record = sqlite.folder.file("record.txt")
        let fake = sqlite.folder.write("pg_dump", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(record)'\necho \"PGPASSWORD=${PGPASSWORD:+set}\" >> '\(record)'\n")
        chmod(fake, 0o755)
        var environment = sqlite.environment
        environment["SOCIALIZER_PG_DUMP"] = fake
        let result = runCLI(["--db", scratch.url, "backup", sqlite.folder.file("b.pgdump")], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let recorded = try String(contentsOfFile: record, encoding: .utf8)
        #expect(recorded.contains("--format=custom") && recorded.contains("--schema=\"\(scratch.schema)\"") && recorded.contains("PGPASSWORD=set"))
        #expect(!recorded.replacingOccurrences(of: "PGPASSWORD=set", with: "").contains(TestPostgres.credentials.password), "\(recorded)")
        // pg_dump failing: its words, exit 69, no file.
        let failing = sqlite.folder.write("pg_dump_fails", "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\nexit 1\n")
        chmod(failing, 0o755)
        environment["SOCIALIZER_PG_DUMP"] = failing
        let failed = runCLI(["--db", scratch.url, "backup", sqlite.folder.file("c.pgdump")], environment: environment)
        #expect(failed.status == 69 && failed.stderr.contains("server version mismatch"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sqlite.folder.file("c.pgdump")))
        // Not installed: 69 naming the package.
        environment["SOCIALIZER_PG_DUMP"] = sqlite.folder.file("no-such-pg_dump")
        let missing = runCLI(["--db", scratch.url, "backup", sqlite.folder.file("d.pgdump")], environment: environment)
        #expect(missing.status == 69 && missing.stderr.contains("postgresql-client"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sqlite.folder.file("d.pgdump")))
    }

    /// Runs a program and returns its standard output.
    func runProgram(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
