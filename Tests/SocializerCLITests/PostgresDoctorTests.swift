import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `doctor` on both engines (issue 16): for the same rows, the same
/// findings (codes, wording, counts, rowids, JSON fields), exit statuses
/// and errors; `--fix` the same repairs in one transaction and the same
/// audit entry. The fix column names each engine's own client (`sqlite3
/// PATH`, `psql URL -c`) and SQL (`rowid, *`, `IS DISTINCT FROM`), so it
/// is compared once both are put in the same words (`commonWords`).
extension PostgresVerbsTests {
    /// Runs doctor on both: the same status, and the same stdout and stderr in common words.
    @discardableResult
    func sameDoctor(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> (CLIResult, CLIResult) {
        let (lite, postgres) = both(arguments)
        #expect(postgres.status == lite.status, "\(arguments): \(postgres.stderr)", sourceLocation: sourceLocation)
        #expect(Self.commonWords(postgres.stdout) == Self.commonWords(lite.stdout),
                "\(arguments)\n\(lite.stdout)\n\(postgres.stdout)", sourceLocation: sourceLocation)
        #expect(Self.commonWords(postgres.stderr) == Self.commonWords(lite.stderr),
                "\(arguments)\n\(lite.stderr)\n\(postgres.stderr)", sourceLocation: sourceLocation)
        return (lite, postgres)
    }

    /// Doctor's output with what names the engine put the same way: the
    /// `--db` the fix aims at left out, each engine's SQL client as `SQL`,
    /// SQLite's `rowid, *` as `*`, `IS DISTINCT FROM` as SQLite's `IS NOT`,
    /// an orphan's `NOT EXISTS` as SQLite's `NOT IN` (`Doctor.orphan`).
    static func commonWords(_ text: String) -> String {
        text.replacingOccurrences(of: #"NOT EXISTS \(SELECT 1 FROM (\\?"\w+\\?") AS parent_row_? WHERE parent_row_?\.(\\?"\w+\\?") = \\?"\w+\\?"\.(\\?"\w+\\?")\)"#,
                                  with: "$3 NOT IN (SELECT $2 FROM $1 WHERE $2 IS NOT NULL)", options: .regularExpression)
            .replacingOccurrences(of: #"NOT EXISTS \(SELECT 1 FROM (\w+) AS parent_row_? WHERE parent_row_?\.(\w+) = \w+\.(\w+)\)"#,
                                  with: "$3 NOT IN (SELECT $2 FROM $1)", options: .regularExpression)
            .replacingOccurrences(of: #"--db ('[^']*'|\S+) "#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"sqlite3 ('[^']*'|\S+) "#, with: "SQL ", options: .regularExpression)
            .replacingOccurrences(of: #"psql ('[^']*'|\S+) -c "#, with: "SQL ", options: .regularExpression)
            .replacingOccurrences(of: "rowid, *", with: "*")
            .replacingOccurrences(of: "IS DISTINCT FROM", with: "IS NOT")
    }

    /// Every row of every table, per engine, in key order.
    func everyTable() throws -> [[String: [[DatabaseValue]]]] {
        try connections().map { db in
            var tables: [String: [[DatabaseValue]]] = [:]
            for table in try db.tableNames() {
                tables[table] = try db.rows("SELECT * FROM \(SQL.quote(table)) ORDER BY 1, 2").map(\.values)
            }
            return tables
        }
    }

    /// The same damage on both engines: written past the references the
    /// server enforces (its replica role; SQLite with foreign keys off), as
    /// a restore without triggers or the app's own SQLite connection does.
    func damageBoth() throws {
        createRooms()
        let old = testNow.adding(seconds: -86_400 * 200).databaseText
        for db in try connections() {
            try db.execute(db.dialect.isPostgres ? "SET session_replication_role = replica" : "PRAGMA foreign_keys = OFF")
            for (sql, arguments) in [
                ("UPDATE users SET role = 'boss' WHERE username = 'carol'", []),
                ("UPDATE users SET hashed_password = 'not-a-hash' WHERE username = 'Bob'", []),
                // A second AI member of the lobby, and a membership of a room that is gone.
                ("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, NULL, 'ai', ?)", [testNow.databaseText]),
                ("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (99, 3, 'member', ?)", [testNow.databaseText]),
                ("UPDATE room_members SET role = 'ai' WHERE room_id = 1 AND user_id = 2", []),
                ("UPDATE room_messages SET sender_id = 1 WHERE sender_type = 'ai'", []),
                ("UPDATE room_messages SET sender_id = NULL WHERE content = 'hello everyone'", []),
                // The den has its AI off, and an AI member all the same.
                ("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (2, NULL, 'ai', ?)", [testNow.databaseText]),
                ("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy')", []),
                ("INSERT INTO user_skills (user_id, skill_id, level) VALUES (1, 1, 11)", []),
                ("INSERT INTO token_blacklist (token, expires_at, created_at) VALUES ('expired', ?, ?)", [old, old]),
                ("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES (?, 'E', 'old')", [old]),
                // A log of a user who is gone: its user_id can be NULL.
                ("INSERT INTO error_logs (timestamp, error_type, error_message, user_id) VALUES (?, 'E', 'new', 77)", [testNow.databaseText]),
                // A table the app's own code made, with a reference the compiled schema does not know.
                ("CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id))", []),
                ("INSERT INTO notes (id, user_id) VALUES (1, 1), (2, 42), (3, 43)", []),
            ] as [(String, [DatabaseValueConvertible?])] {
                try db.execute(sql, arguments)
            }
        }
    }

    @Test func aHealthyDatabaseIsHealthyOnBothEngines() throws {
        chmod(sqlite.folder.path, 0o700)
        createPeople()
        let (lite, _) = sameDoctor(["doctor"])
        #expect(lite.status == 0 && lite.stdout == "ok: no problems found\n", "\(lite.stdout)\(lite.stderr)")
        // --quick means the same on PostgreSQL, which has no integrity_check; --deep decrypts every memory there too.
        #expect(sameDoctor(["--json", "doctor", "--quick", "--deep"]).0.stdout == "[]\n")
        #expect(sameDoctor(["-q", "doctor", "--strict"]).0.stdout.isEmpty)
        #expect(sameDoctor(["--dry-run", "doctor"]).0.status == 64)
    }

    @Test func findingsAreTheSameOnBothEnginesAndReadOnly() throws {
        chmod(sqlite.folder.path, 0o700)
        try damageBoth()
        let before = try everyTable()
        let (lite, postgres) = sameDoctor(["doctor"])
        #expect(lite.status == 65)
        for code in ["orphan-rows", "out-of-domain", "duplicate-ai-members", "unverifiable-password-hashes", "user-member-ai-role",
                     "ai-message-with-sender", "user-message-without-sender", "ai-off-with-ai-member", "expired-tokens", "old-logs",
                     "unknown-tables"] {
            #expect(postgres.stdout.contains(code), "\(code): \(postgres.stdout)")
        }
        // The reference the compiled schema does not know, with the statement that lists its rows in psql.
        #expect(postgres.stdout.contains("2 row(s) refer through user_id to a users row that does not exist (rowid 2, 3)"))
        #expect(postgres.stdout.contains(#"psql '"#) && postgres.stdout.contains(#"-c 'SELECT * FROM "notes" WHERE "user_id" IS NOT NULL"#),
                "\(postgres.stdout)")
        // The URL without its password (not even as ***): psql then finds it in $PGPASSWORD or ~/.pgpass.
        let url = try PostgresURL(scratch.url, source: "--db")
        #expect(postgres.stdout.contains("psql '\(url.withoutPassword)' -c") && !postgres.stdout.contains(scratch.url)
                && !postgres.stdout.contains("***") && !postgres.stdout.contains(TestPostgres.credentials.password), "\(postgres.stdout)")
        let json = sameDoctor(["--json", "doctor"])
        #expect(json.0.status == 65 && json.1.stderr.hasPrefix(#"{"error":"found 3 error(s), 8 warning(s), 4 info(s)""#), "\(json.1.stderr)")
        let rows = try JSONParser.parse(json.1.stdout).arrayItems
        #expect(rows.first?.objectMembers?.map(\.0) == DoctorCommand.columns)
        #expect(json.1.stdout.contains(#""table":"notes","column":"user_id","count":2,"#) && json.1.stdout.contains(#""rowids":[2,3]}"#))
        sameDoctor(["--format", "csv", "--fields", "code,table,column,count,rowids", "doctor", "--strict"])
        sameDoctor(["-q", "doctor"])
        // Nothing changed: doctor only reads (a read-only session on PostgreSQL).
        #expect(try everyTable() == before)
    }

    @Test func fixRepairsTheSameRowsOnBothEnginesInOneTransaction() throws {
        chmod(sqlite.folder.path, 0o700)
        try damageBoth()
        let before = try everyTable()
        let (dry, _) = sameDoctor(["doctor", "--fix", "--dry-run"])
        #expect(dry.stdout.contains("would-fix  orphan-rows") && dry.stderr.contains("dry run: nothing was changed"), "\(dry.stdout)\(dry.stderr)")
        #expect(try everyTable() == before)
        let (unconfirmed, refused) = both(["doctor", "--fix"])
        #expect(unconfirmed.status == 64 && refused.status == 64 && refused.stderr.contains("refusing to repair 4 finding(s) in 'postgresql://"),
                "\(refused.stderr)")
        let (fixed, _) = sameDoctor(["doctor", "--fix", "--yes"])
        for line in ["fixed     orphan-rows", "deleted 1 row(s) whose chat_rooms row does not exist (room_id)",
                     "set user_id NULL in 1 row(s) whose users row does not exist", "removed 1 extra AI membership(s)",
                     "purged 1 expired token(s) in 1 batch(es)"] {
            #expect(fixed.stdout.contains(line), "\(line): \(fixed.stdout)")
        }
        // The same rows left, and the same audit entry (what was repaired, per table).
        try tablesMatch()
        for db in try connections() {
            #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE room_id = 99 OR (room_id = 1 AND user_id IS NULL)") == 1)
            #expect(try db.scalarInt("SELECT count(*) FROM error_logs WHERE user_id IS NOT NULL") == 0)
            let entry = try #require(try db.firstRow("SELECT command, details FROM admin_audit ORDER BY id DESC LIMIT 1"))
            #expect(try entry.string("command") == "doctor")
            #expect(try entry.string("details").contains(#"{"code":"duplicate-ai-members","table":"room_members","count":1}"#))
        }
        // What is left is the operator's to decide, the same on both.
        let (after, _) = sameDoctor(["doctor", "--fix", "--yes"])
        #expect(after.status == 65 && after.stderr.contains("nothing to repair"), "\(after.stderr)")
    }

    @Test func anAppDatabaseNotBaselinedIsReportedTheSameOnBothEngines() throws {
        chmod(sqlite.folder.path, 0o700)
        try scratch.run(script: AppPostgresSchema.sql)
        // The app's SQLite file as the app runs it: in WAL mode.
        _ = try LegacyDatabase.create(at: sqlite.db, withRows: false).execute("PRAGMA journal_mode = WAL")
        let (lite, _) = sameDoctor(["doctor"])
        #expect(lite.status == 65 && lite.stdout.contains("not-baselined"), "\(lite.stdout)\(lite.stderr)")
        #expect(sameDoctor(["-q", "migrate", "baseline"]).0.status == 0)
        let (pending, _) = sameDoctor(["doctor", "--strict"])
        #expect(pending.status == 65 && pending.stdout.contains("pending-migrations"), "\(pending.stdout)")
        #expect(sameDoctor(["-q", "migrate", "up"]).0.status == 0)
        #expect(sameDoctor(["doctor", "--strict"]).0.status == 0)
        // A missing index, with the statement that makes it again (it runs in psql as in sqlite3).
        for db in try connections() { try db.execute("DROP INDEX ix_room_messages_sender_id") }
        let (missing, postgres) = sameDoctor(["doctor"])
        #expect(missing.stdout.contains("missing-index"), "\(missing.stdout)")
        #expect(postgres.stdout.contains("psql '"), "\(postgres.stdout)")
    }

    /// Where the engines differ, decided (man/socializer-doctor.1, POSTGRESQL):
    /// a PostgreSQL sequence never goes back, so a hole in the audit ids is
    /// no sign of a deleted entry there; the file checks are SQLite's.
    @Test func theAuditTrailAndFileChecksAreSQLitesOnly() throws {
        chmod(sqlite.folder.path, 0o755)
        createPeople()
        for db in try connections() { try db.execute("DELETE FROM admin_audit WHERE id = 2") }
        let (lite, postgres) = both(["doctor", "--strict"])
        #expect(lite.status == 65 && lite.stdout.contains("audit-gaps") && lite.stdout.contains("folder-readable"), "\(lite.stdout)")
        #expect(postgres.status == 0 && postgres.stdout == "ok: no problems found\n", "\(postgres.stdout)\(postgres.stderr)")
    }

    /// Training has no id: its findings name its rowids on SQLite, no rows on PostgreSQL.
    @Test func trainingFindingsNameNoRowsOnPostgreSQL() throws {
        chmod(sqlite.folder.path, 0o700)
        createPeople()
        for db in try connections() {
            try db.execute("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy')")
            try db.execute("INSERT INTO training (user_id, skill_id, status, progress, started_at) VALUES (1, 1, 'stalled', 1.5, '2026-06-01')")
        }
        let (lite, postgres) = both(["--format", "tsv", "--fields", "code,column,count,message", "doctor"])
        #expect(lite.status == 65 && postgres.status == 65)
        #expect(lite.stdout.contains("out-of-domain\tstatus\t1\t1 row(s) hold a status outside pending, active, paused, completed (rowid 1)\n"), "\(lite.stdout)")
        #expect(postgres.stdout.contains("out-of-domain\tstatus\t1\t1 row(s) hold a status outside pending, active, paused, completed\n"), "\(postgres.stdout)")
        #expect(postgres.stdout.contains("out-of-domain\tprogress\t1\t1 row(s) hold a progress outside 0.0 to 1.0\n"), "\(postgres.stdout)")
    }
}

extension PostgresVerbsTests {
    /// A foreign key added NOT VALID checks new writes only: the rows it
    /// never validated are counted like every other reference.
    @Test func rowsUnderANotValidForeignKeyAreCountedOnPostgreSQL() throws {
        createPeople()
        let db = try scratch.connection()
        try db.execute("CREATE TABLE notes (id SERIAL PRIMARY KEY, user_id INTEGER)")
        try db.execute("INSERT INTO notes (user_id) VALUES (1), (42)")
        try db.execute("ALTER TABLE notes ADD CONSTRAINT notes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")
        #expect(try db.scalarInt("SELECT count(*) FROM pg_constraint WHERE conname = 'notes_user_fk' AND NOT convalidated") == 1)
        let result = runCLI(["--db", scratch.url, "--format", "tsv", "--fields", "severity,code,table,column,count,message", "doctor"])
        #expect(result.status == 65)
        #expect(result.stdout.contains("error\torphan-rows\tnotes\tuser_id\t1\t1 row(s) refer through user_id to a users row that does not exist (rowid 2)\n"),
                "\(result.stdout)")
    }
}

extension PostgresVerbsTests {
    /// A node of an `EXPLAIN (FORMAT JSON)` plan: its type, the table it
    /// reads, its join type (`Anti` for an anti-join), and whether it runs
    /// inside a subplan (once per outer row, unless the subplan is hashed).
    struct PlanNode: CustomStringConvertible {
        var type: String
        var relation: String?
        var join: String?
        var inSubPlan: Bool
        var description: String { "\(type)\(join.map { " \($0)" } ?? "")\(relation.map { " on \($0)" } ?? "")\(inSubPlan ? " (subplan)" : "")" }
    }

    static func planNodes(_ explain: String) throws -> [PlanNode] {
        var nodes: [PlanNode] = []
        func walk(_ plan: JSONValue, _ inSubPlan: Bool) {
            let sub = inSubPlan || plan["Parent Relationship"]?.stringValue == "SubPlan"
            nodes.append(PlanNode(type: plan["Node Type"]?.stringValue ?? "?", relation: plan["Relation Name"]?.stringValue,
                                  join: plan["Join Type"]?.stringValue, inSubPlan: sub))
            if case .array(let children) = plan["Plans"] ?? .null { children.forEach { walk($0, sub) } }
        }
        guard case .array(let top) = try JSONParser.parse(explain), let plan = top.first?["Plan"] else { return [] }
        walk(plan, false)
        return nodes
    }

    func explain(_ db: any Database, _ sql: String) throws -> [PlanNode] {
        guard case .text(let text) = try #require(try db.firstRow("EXPLAIN (FORMAT JSON) \(sql)"))[0] else { return [] }
        return try Self.planNodes(text)
    }

    /// An orphan test over a parent too large for work_mem: never a subplan
    /// that reads the parent again for every row (`NOT IN` does that), nor
    /// one that looks it up once a row (as a FILTER would), but anti-joins:
    /// every statement that counts a table's rules, the sample of the rows,
    /// a declared reference's count.
    @Test func orphanChecksAreAntiJoinsOnPostgreSQL() throws {
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"]).status == 0)
        let db = try scratch.connection()
        try db.execute("""
            INSERT INTO users (username, hashed_password, hashed_email, encryption_key)
            SELECT 'user' || i, 'x', 'hmac-sha256:' || md5(i::text), NULL FROM generate_series(1, 20000) AS i
            """)
        try db.execute("CREATE TABLE notes (id SERIAL PRIMARY KEY, user_id INTEGER REFERENCES users (id))")
        try db.execute("ANALYZE")
        try db.execute("SET work_mem = '64kB'")
        let doctor = try Doctor(db, options: .init(now: testNow, path: ""))
        let facts = try SchemaFacts.read(db, now: testNow)
        let rules = doctor.rules(for: "room_members", facts)
        let references = rules.indices.filter { rules[$0].code == .orphanRows }
        #expect(references.count == 2)
        let statements = doctor.counting("room_members", rules)
        // Every rule counted once; each reference by a statement of its own.
        #expect(statements.flatMap(\.rules).sorted() == Array(rules.indices))
        for statement in statements {
            let plan = try explain(db, statement.sql)
            #expect(!plan.contains { $0.inSubPlan }, "\(statement.sql)\n\(plan)")
            if statement.rules.contains(where: references.contains) {
                #expect(statement.rules.count == 1 && plan.contains { $0.join == "Anti" }, "\(statement.sql)\n\(plan)")
            }
        }
        let userID = rules[try #require(references.first { rules[$0].column == "user_id" })]
        let sample = try explain(db, "SELECT id FROM room_members WHERE \(userID.condition) ORDER BY id LIMIT 10")
        #expect(sample.contains { $0.join == "Anti" } && !sample.contains { $0.inSubPlan || $0.type == "Materialize" }, "\(sample)")
        let declared = Doctor.orphan(SQL.quote("user_id"), of: SQL.quote("notes"), parent: SQL.quote("users"),
                                     parentColumn: SQL.quote("id"), db.dialect)
        let count = try explain(db, "SELECT count(*) FROM \"notes\" WHERE \(declared)")
        #expect(count.contains { $0.join == "Anti" } && !count.contains { $0.inSubPlan || $0.type == "Materialize" }, "\(count)")
        // And they count the same rows as SQLite's form does.
        try db.execute("INSERT INTO notes (user_id) VALUES (1), (NULL)")
        try db.execute("SET session_replication_role = replica")
        try db.execute("INSERT INTO notes (user_id) VALUES (20001), (20002)")
        #expect(try db.scalarInt("SELECT count(*) FROM notes WHERE \(declared)") == 2)
        #expect(try db.scalarInt("SELECT count(*) FROM notes WHERE \(Doctor.orphan("user_id", of: "notes", parent: "users", .sqlite))") == 2)
    }

    /// A declared reference doctor cannot count by one column of a table of
    /// this schema is left to the server: a composite key (its first column
    /// alone would call a row with a NULL second column an orphan), a parent
    /// in another schema (its name would read as this schema's table, or
    /// as none).
    @Test func compositeAndOtherSchemaReferencesAreNotMisreadOnPostgreSQL() throws {
        createPeople()
        let db = try scratch.connection()
        let other = TestPostgres.uniqueName("socializer_other")
        try db.execute("CREATE SCHEMA \(other)")
        defer { try? db.execute("DROP SCHEMA \(other) CASCADE") }
        func doctor(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let result = runCLI(["--db", scratch.url, "--format", "tsv", "--fields", "severity,code,table,column,count", "doctor"])
            // The tables doctor does not know are reported (info), nothing else.
            #expect(result.status == 0 && result.stderr.isEmpty, "\(what): \(result.stderr)", sourceLocation: sourceLocation)
            #expect(!result.stdout.contains("orphan-rows") && !result.stdout.contains("check-failed"), "\(what): \(result.stdout)",
                    sourceLocation: sourceLocation)
        }
        for sql in [
            "CREATE TABLE pairs (a INTEGER, b INTEGER, PRIMARY KEY (a, b))",
            "INSERT INTO pairs VALUES (1, 1)",
            "CREATE TABLE pair_notes (id SERIAL PRIMARY KEY, a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES pairs (a, b))",
            // MATCH SIMPLE: a key with a NULL column refers to nothing, and is not checked.
            "INSERT INTO pair_notes (a, b) VALUES (1, 1), (5, NULL)",
        ] {
            try db.execute(sql)
        }
        doctor("a composite key")
        // users names another table there: this schema's users have no id 100.
        try db.execute("CREATE TABLE \(other).users (id INTEGER PRIMARY KEY)")
        try db.execute("INSERT INTO \(other).users VALUES (100)")
        try db.execute("CREATE TABLE notes (id SERIAL PRIMARY KEY, owner_id INTEGER REFERENCES \(other).users (id))")
        try db.execute("INSERT INTO notes (owner_id) VALUES (100)")
        doctor("a parent named as a table of this schema")
        // people is no table of this schema.
        try db.execute("CREATE TABLE \(other).people (id INTEGER PRIMARY KEY)")
        try db.execute("INSERT INTO \(other).people VALUES (7)")
        try db.execute("ALTER TABLE notes ADD COLUMN person_id INTEGER REFERENCES \(other).people (id)")
        try db.execute("UPDATE notes SET person_id = 7")
        doctor("a parent of no table of this schema")
        let live = try LiveSchema.read(from: db)
        for table in ["pair_notes", "notes"] {
            #expect(live.tables.first { $0.name == table }?.references.isEmpty == true, "\(table)")
        }
    }
}
