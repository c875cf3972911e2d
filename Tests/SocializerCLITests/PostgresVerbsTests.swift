import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// The verbs ported to PostgreSQL, run the same way on a SQLite file and
/// on a schema of the test server: same output, same exit codes, same
/// errors, same rows written.
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresVerbsTests {
    let sqlite = UsersFixture(migrate: false)
    let scratch: PostgresScratch

    init() throws { scratch = try PostgresScratch() }

    var locations: [String] { [sqlite.db, scratch.url] }

    /// Runs `arguments` on both engines; the two results, SQLite's first.
    func both(_ arguments: [String], stdin: String = "") -> (CLIResult, CLIResult) {
        let results = locations.map { runCLI(["--db", $0] + arguments, environment: sqlite.environment, stdin: stdin) }
        return (results[0], results[1])
    }

    /// Runs on both and expects the same status, output and errors.
    @discardableResult
    func same(_ arguments: [String], stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let (lite, postgres) = both(arguments, stdin: stdin)
        #expect(postgres.status == lite.status, "\(arguments): \(postgres.stderr)", sourceLocation: sourceLocation)
        #expect(postgres.stdout == lite.stdout, "\(arguments)", sourceLocation: sourceLocation)
        #expect(postgres.stderr == lite.stderr, "\(arguments)", sourceLocation: sourceLocation)
        return lite
    }

    func connections() throws -> [any Database] { [try sqlite.connection(), try scratch.connection()] }

    @Test func usersCreateListAndShowGiveTheSameOutputOnBothEngines() throws {
        #expect(same(["-q", "migrate", "up"]).stdout == Migrations.all.map { "\($0.version)\n" }.joined())
        same(["migrate", "validate"])
        #expect(same(["--json", "users", "create", "alice", "--email", "Alice@Example.com", "--password-stdin", "--role", "admin"],
                     stdin: "pw-alice-1\n").status == 0)
        same(["-q", "users", "create", "Bob", "--no-email", "--password-stdin", "--temperature", "1.5"], stdin: "pw-bob-1\n")
        same(["-q", "users", "create", "b_x", "--no-email", "--password-stdin", "--inactive", "--llm-provider", "ollama"], stdin: "pw\n")
        // Refusals: the same words and exit codes.
        #expect(same(["users", "create", "alice", "--no-email", "--password-stdin"], stdin: "pw\n").status == 65)
        #expect(same(["users", "create", "carol", "--email", "alice@example.com", "--password-stdin"], stdin: "pw\n").status == 65)
        #expect(same(["users", "show", "nobody"]).status == 66)
        #expect(same(["users", "show", "id:99"]).status == 66)
        #expect(same(["--dry-run", "users", "create", "dora", "--no-email", "--password-stdin"], stdin: "pw\n").status == 0)
        for arguments in [["users", "list"], ["users", "list", "--sort", "-username"], ["users", "list", "--search", "B"],
                          ["users", "list", "--search", "_"], ["users", "list", "--inactive"], ["users", "list", "--role", "admin"],
                          ["--json", "users", "list", "--limit", "1", "--offset", "1"], ["--format", "csv", "users", "list", "--sort", "temperature"],
                          ["users", "show", "alice"], ["--json", "users", "show", "2"], ["--format", "tsv", "users", "show", "name:b_x"]] {
            #expect(same(arguments).status == 0, "\(arguments)")
        }
        // The rows behind the output, and the audit trail, as the app would read them.
        let columns = "id, username, role, is_active, temperature, preferences, hashed_name, member_since, messages, llm_provider"
        let rows = try connections().map { db in try db.rows("SELECT \(columns) FROM users ORDER BY id").map(\.values) }
        #expect(rows[0] == rows[1] && rows[0].count == 3)
        let audit = try connections().map { db in
            try db.rows("SELECT id, at, actor, command, target, rows, details FROM admin_audit ORDER BY id").map(\.values)
        }
        #expect(audit[0].count == 3)
        #expect(audit[0].map { $0[2...] } == audit[1].map { $0[2...] })
        let times = try connections().map { db in try db.rows("SELECT at FROM admin_audit ORDER BY id").map { try $0.timestamp("at") } }
        #expect(times[0] == [testNow, testNow, testNow] && times[1] == times[0])
    }

    @Test func tokensPurgeDeletesTheSameRowsAndReportsTheSame() throws {
        same(["-q", "migrate", "up"])
        for db in try connections() {
            let tokens = TokenRepository(db)
            for i in 0..<300 {
                _ = try tokens.insert(token: "token-\(i)", expiresAt: testNow.adding(seconds: Int64(i - 200) * 60), createdAt: testNow,
                                      userID: nil, reason: nil)
            }
        }
        #expect(same(["--dry-run", "tokens", "purge"]).stdout == "would purge 200 row(s) from token_blacklist (dry run: nothing was deleted)\n")
        #expect(same(["-q", "tokens", "purge", "--batch-size", "50"]).stdout == "200\n")
        #expect(same(["-q", "tokens", "purge"]).stdout == "0\n")
        let left = try connections().map { try $0.rows("SELECT token FROM token_blacklist ORDER BY id").map(\.values) }
        #expect(left[0] == left[1] && left[0].count == 100)
        #expect(same(["tokens", "purge", "--before", "2026-06-16"], stdin: "").status == 64)
    }

    @Test func aPurgeHeldUpByTheAppIsExit75WithWhatItPurgedCommitted() throws {
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"]).status == 0)
        let db = scratch.admin
        try db.transaction(.immediate) {
            for i in 0..<500 {
                try db.execute("INSERT INTO token_blacklist (token, expires_at) VALUES (?, ?)",
                               ["t\(i)", testNow.adding(seconds: Int64(i - 1000)).databaseText])
            }
        }
        // The app holds the last expired revocation (an UPDATE in a transaction it has not committed).
        let app = try scratch.connection()
        try app.execute("BEGIN")
        try app.execute("UPDATE token_blacklist SET reason = 'held' WHERE token = 't499'")
        let held = runCLI(["--db", scratch.url, "--busy-timeout", "100", "tokens", "purge", "--batch-size", "100"])
        #expect(held.status == 75, "\(held.stderr)")
        #expect(held.stderr.contains("the database is locked by another connection; the 400 row(s) already purged stay purged"), "\(held.stderr)")
        #expect(held.stderr.contains("raise --busy-timeout"))
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 100)
        try app.execute("ROLLBACK")
        let rest = runCLI(["--db", scratch.url, "-q", "tokens", "purge"])
        #expect(rest.status == 0 && rest.stdout == "100\n")
        // Both runs are in the trail, the interrupted one as incomplete.
        let reports = try db.rows("SELECT details FROM admin_audit WHERE command = 'tokens purge' ORDER BY id").map { try $0.string("details") }
        #expect(reports.count == 2 && reports[0].contains("\"rows_deleted\":400") && reports[0].contains("\"complete\":false"))
    }

    @Test func aReadVerbCannotWriteAndAnUnmigratedDatabaseIsRefusedAsOnSQLite() throws {
        FileManager.default.createFile(atPath: sqlite.db, contents: nil)
        let (lite, postgres) = both(["users", "list"])
        #expect(lite.status == 78 && postgres.status == 78)
        // The same words; the hint aims at each --db given.
        let unaimed = { (text: String) in text.replacingOccurrences(of: #"--db \S+ "#, with: "", options: .regularExpression) }
        #expect(unaimed(postgres.stderr) == unaimed(lite.stderr), "\(postgres.stderr)")
        #expect(try scratch.admin.tableNames().isEmpty)
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"]).status == 0)
        let connection = try PostgresConnection(url: try TestPostgres.location(scratch.url), environment: [:])
        try connection.execute("SET default_transaction_read_only = on")
        #expect(throws: PostgresError.self) { try connection.execute("DELETE FROM users") }
    }

    @Test func migrateBaselineAdoptsTheAppsPostgreSQLDatabase() throws {
        try scratch.run(script: AppPostgresSchema.sql)
        let status = runCLI(["--db", scratch.url, "migrate", "status"])
        #expect(status.status == 0 && status.stderr.contains("adopt it with: socializer --db "), "\(status.stderr)")
        #expect(status.stderr.contains(" migrate baseline"))
        #expect(runCLI(["--db", scratch.url, "users", "list"]).status == 78)
        let baseline = runCLI(["--db", scratch.url, "migrate", "baseline"])
        #expect(baseline.status == 0 && baseline.stdout.hasPrefix("recorded 0001_initial as applied\n"), "\(baseline.stderr)")
        let up = runCLI(["--db", scratch.url, "migrate", "up"])
        #expect(up.status == 0 && up.stderr.contains("no backup taken on PostgreSQL"), "\(up.stderr)")
        #expect(runCLI(["--db", scratch.url, "migrate", "validate"]).stdout == "ok: \(Migrations.all.count) applied migration(s) match\n")
        let plan = runCLI(["--db", scratch.url, "migrate", "plan"])
        #expect(plan.status == 0 && plan.stderr == "socializer: nothing to apply\n")
        let down = runCLI(["--db", scratch.url, "-q", "migrate", "down", "--to", "1"])
        #expect(down.stdout == Migrations.all.dropFirst().reversed().map { "\($0.version)\n" }.joined())
        #expect(runCLI(["--db", scratch.url, "migrate", "plan"]).stdout.hasPrefix("-- 0002_defaults_and_cascades\nBEGIN;\nALTER TABLE users\n"))
    }
}

/// The app's PostgreSQL schema (see Tests/Fixtures/README.md).
enum AppPostgresSchema {
    static let sql = PostgresVerbsTests.appSchema
}

extension PostgresVerbsTests {
    static let appSchema: String = (try? String(contentsOfFile: fixturesFolder() + "/postgres/app-schema.sql", encoding: .utf8)) ?? ""
}

extension PostgresVerbsTests {
    /// `migrate schema` on PostgreSQL: every rendering, and SQL that builds
    /// the same schema again in another one.
    @Test func migrateSchemaRendersTheLiveSchemaAndItsSQLRunsAgain() throws {
        #expect(runCLI(["--db", scratch.url, "-q", "migrate", "up"]).status == 0)
        let sql = runCLI(["--db", scratch.url, "migrate", "schema"])
        #expect(sql.status == 0, "\(sql.stderr)")
        #expect(sql.stdout.contains("CREATE TABLE users (\n\tid SERIAL NOT NULL,\n\tusername character varying NOT NULL,"))
        #expect(sql.stdout.contains("CREATE INDEX ix_users_email_lookup ON users USING btree (lower(TRIM(BOTH FROM hashed_email)))"))
        let copy = try PostgresScratch()
        try copy.run(script: sql.stdout)
        let catalog = { (scratch: PostgresScratch) in
            try scratch.admin.rows("""
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
                       || coalesce(replace(column_default, $1 || '.', ''), '-') AS line
                FROM information_schema.columns WHERE table_schema = $1
                UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = $1
                UNION ALL SELECT conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
                          JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1
                ORDER BY 1
                """, [scratch.schema]).map { try $0.string("line").replacingAll(scratch.schema + ".", with: "") }
        }
        #expect(try catalog(copy) == catalog(scratch))
        let dbml = runCLI(["--db", scratch.url, "migrate", "schema", "--format", "dbml"])
        #expect(dbml.stdout.contains("Table users [headercolor: #1E69FD] {\n  id integer [pk, increment]\n"), "\(dbml.stdout.prefix(600))")
        #expect(dbml.stdout.contains("Ref: room_invites.message_id > room_messages.id [delete: set null]"))
        let mermaid = runCLI(["--db", scratch.url, "migrate", "schema", "--format", "mermaid"])
        #expect(mermaid.stdout.contains("        timestamp_without_time_zone expires_at\n"))
        let dot = runCLI(["--db", scratch.url, "migrate", "schema", "--format", "dot"])
        #expect(dot.status == 0 && dot.stdout.contains("\"token_blacklist\":\"user_id\" -> \"users\":\"id\" [label=\"cascade\"];"))
    }
}
