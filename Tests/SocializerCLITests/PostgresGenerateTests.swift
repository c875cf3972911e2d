import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `seed --generate` on both engines (issue 16): the same spec, seed and
/// clock give the same rows and ids, the same report and the same
/// refusals; on PostgreSQL the tables' sequences go on after the ids written.
extension PostgresVerbsTests {
    @Test func generateWritesTheSameRowsAndSaysTheSameOnBothEngines() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        // A dry run first: nothing kept on either, PostgreSQL's sequences included (never called yet).
        let dry = sameSeed(["--format", "csv", "--dry-run", "seed", "--generate", "users=3,rooms=1,messages=5", "--random-seed", "9"])
        #expect(dry.status == 0 && dry.stderr.contains("dry run: nothing was changed"), "\(dry.stderr)")
        #expect(try scratch.connection().scalarInt("SELECT count(*) FROM users") == 0)
        for table in ["users", "chat_rooms", "room_messages"] {
            #expect(try scratch.connection().scalar("SELECT pg_sequence_last_value(pg_get_serial_sequence(?, 'id'))", [table]) == .null,
                    "\(table)")
        }
        let seeded = sameSeed(["--format", "csv", "seed", "--generate", GenerateTests.spec, "--random-seed", "42"])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(seeded.stdout.contains("room_messages,3025,0,0") && seeded.stdout.contains("users,120,0,0"), "\(seeded.stdout)")
        // users.messages is an INTEGER on PostgreSQL: the users SQLite gives the app's list of messages get 0 there.
        let lite = try sqlite.connection()
        let lists = try lite.scalarInt("SELECT count(*) FROM users WHERE messages LIKE '[%'")
        #expect(lists > 10 && lists < 60, "\(lists)")
        #expect(try scratch.connection().scalarInt("SELECT count(*) FROM users WHERE messages <> 0") == 0)
        try lite.execute("UPDATE users SET messages = 0")
        // Then every row is the same, ids included (secrets aside: random keys and password hash), and the audit entry.
        try tablesMatch()
        for arguments in [["dump"], ["--format", "jsonl", "dump"]] {
            let dumped = same(arguments)
            #expect(dumped.status == 0 && dumped.stdout.count > 100_000, "\(arguments)")
        }
    }

    @Test func generateRefusesADatabaseWithRowsAndOneNotMigratedChangingNothing() throws {
        let run = { (arguments: [String]) in runCLI(["--db", self.scratch.url] + arguments, environment: self.sqlite.environment) }
        let unmigrated = run(["seed", "--generate", "users=3"])
        #expect(unmigrated.status == 78 && unmigrated.stderr.contains("migrate up"), "\(unmigrated.stderr)")
        #expect(try scratch.connection().tableNames().isEmpty)
        #expect(same(["-q", "migrate", "up"]).status == 0)
        #expect(same(["-q", "logs", "add", "--type", "E", "--message", "one row is enough"]).status == 0)
        let before = try postgresContents()
        let (lite, postgres) = both(["seed", "--generate", "users=3"])
        let message = "already holds data (error_logs has rows); generated data goes into a database of its own"
        #expect(lite.status == 65 && lite.stderr.contains(message), "\(lite.stderr)")
        #expect(postgres.status == 65 && postgres.stderr.contains(message), "\(postgres.stderr)")
        #expect(postgres.stderr.contains("hint: add --fresh to replace it, or give another --db"))
        #expect(!postgres.stderr.contains(TestPostgres.credentials.password))
        #expect(postgres.stdout.isEmpty)
        #expect(try postgresContents() == before)
    }

    /// The app inserts without an id and takes the sequence's next: after
    /// the ids the generator wrote, on every table that has one.
    @Test func afterGenerateTheAppsNextInsertGetsTheNextIdOnEveryTable() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        // A rolled-back run took ids from the sequences first: the generated ids still start at 1.
        #expect(runCLI(["--db", scratch.url, "-q", "--dry-run", "seed", "--generate", GenerateTests.spec], environment: sqlite.environment).status == 0)
        let seeded = runCLI(["--db", scratch.url, "-q", "seed", "--generate", GenerateTests.spec], environment: sqlite.environment)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let db = try scratch.connection()
        // In order, each row referring to the ones before; as the app's models write them (SPEC §2).
        let inserts: [(table: String, sql: String)] = [
            ("users", "INSERT INTO users (username, hashed_password, hashed_email) VALUES ('app.user', 'x', 'app.user@example.com')"),
            ("skills", "INSERT INTO skills (skill_name) VALUES ('app_skill')"),
            ("user_skills", "INSERT INTO user_skills (user_id, skill_id, level) VALUES ((SELECT max(id) FROM users), (SELECT max(id) FROM skills), 3)"),
            ("user_preferences", "INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value) "
                + "VALUES ((SELECT max(id) FROM users), 'ai', 'verbosity', '\"short\"')"),
            ("chat_rooms", "INSERT INTO chat_rooms (name, creator_id) VALUES ('App room', (SELECT max(id) FROM users))"),
            ("room_members", "INSERT INTO room_members (room_id, user_id, role) VALUES ((SELECT max(id) FROM chat_rooms), (SELECT max(id) FROM users), 'creator')"),
            ("room_messages", "INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata) "
                + "VALUES ((SELECT max(id) FROM chat_rooms), (SELECT max(id) FROM users), 'user', 'hello', 'text', '{}')"),
            ("room_invites", "INSERT INTO room_invites (room_id, inviter_id, invitee_id, message_id) "
                + "VALUES ((SELECT max(id) FROM chat_rooms), (SELECT max(id) FROM users), 1, (SELECT max(id) FROM room_messages))"),
            ("general_chat_messages", "INSERT INTO general_chat_messages (sender_id, content) VALUES ((SELECT max(id) FROM users), 'hi all')"),
            ("token_blacklist", "INSERT INTO token_blacklist (token, expires_at, user_id) VALUES ('app-token', now() AT TIME ZONE 'utc', 1)"),
            ("error_logs", "INSERT INTO error_logs (error_type, error_message) VALUES ('ValueError', 'from the app')"),
        ]
        let withIDs = SchemaModel.tables.filter { $0.columns.contains { $0.name == "id" } }.map(\.name)
        #expect(Set(inserts.map(\.table)) == Set(withIDs), "every table with an id is tried")
        for (table, sql) in inserts {
            let highest = try db.scalarInt("SELECT max(id) FROM \(table)")
            #expect(highest > 0, "\(table) was generated")
            #expect(try db.scalarInt(sql + " RETURNING id") == highest + 1, "\(table)")
        }
    }

    /// Every row of every table of the PostgreSQL schema, the audit trail included, in a stable order.
    func postgresContents() throws -> [String: [[DatabaseValue]]] {
        let db = try scratch.connection()
        var contents: [String: [[DatabaseValue]]] = [:]
        for table in try db.tableNames() where table != "schema_migrations" {
            contents[table] = try db.rows("SELECT * FROM \(table) ORDER BY 1, 2").map(\.values)
        }
        return contents
    }
}
