import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `seed` on PostgreSQL beyond the common path (issue 16): the demo, the
/// COPY that appends rows nothing refers back to, and `--fresh`.
extension PostgresVerbsTests {
    @Test func theDemoSeedsOnPostgreSQLWithItsUsersMessageListsAsZero() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let (lite, postgres) = both(["seed", "--demo"])
        #expect(lite.status == 0 && postgres.status == 0, "\(postgres.stderr)")
        #expect(postgres.stdout == lite.stdout)
        let db = try scratch.connection()
        #expect(try db.rows("SELECT DISTINCT messages FROM users").map(\.values) == [[.integer(0)]])
        // The rest is the demo, as on SQLite (whose lists PostgreSQL's INTEGER cannot hold).
        try sqlite.connection().execute("UPDATE users SET messages = 0")
        try tablesMatch(leaving: ["hashed_password", "encryption_key", "conversation_memory", "hashed_email"])
        // Its records are where they are on SQLite: the same conflicts at the same lines.
        let again = sameSeed(["seed", "--demo"])
        #expect(again.status == 65 && again.stderr.contains("demo.json (built in):14:5: user 'margaret' already exists"), "\(again.stderr)")
    }

    @Test func theDemoWithoutItsMessageListsKeepsEveryOtherValueAndLine() throws {
        let demo = DemoFixture.json, postgres = DemoFixture.postgresJSON
        #expect(demo.split(separator: "\n", omittingEmptySubsequences: false).count
                == postgres.split(separator: "\n", omittingEmptySubsequences: false).count)
        guard case .object(var members) = try JSONParser.parse(demo), let users = members.firstIndex(where: { $0.0 == "users" }),
              case .array(let records) = members[users].1 else {
            Issue.record("the demo is not a fixture document")
            return
        }
        var lists = 0
        members[users].1 = .array(records.map { record in
            guard case .object(let fields) = record else { return record }
            return .object(fields.map { field in
                guard field.0 == "messages", case .array = field.1 else { return field }
                lists += 1
                return (field.0, .integer(0))
            })
        })
        #expect(lists == 2)
        #expect(try JSONParser.parse(postgres).compactText == JSONValue.object(members).compactText)
        // A memory's own "messages" list is not a user's: it stays.
        #expect(postgres.contains(#""memory": {"messages": [{"role": "user""#))
    }

    /// Rows nothing refers back to go through one COPY: their text comes
    /// back as written (tabs, newlines, backslashes, a literal \N), on both
    /// engines alike, and a row the server refuses is named by its line.
    @Test func rowsAppendedThroughCopyKeepTheirTextAndAFailedOneIsNamedByItsLine() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let texts = ["tab\there", "two\nlines", "back\\slash", "\\N", "carriage\r\nreturn", "ünïcode \"quoted\"", "", "\\.",
                     "end\\"]
        var lines = [#"{"table": "users", "record": {"username": "ada", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"}}"#,
                     #"{"table": "chat_rooms", "record": {"key": "r", "name": "lobby", "creator": "ada", "created_at": "2026-01-01T00:00:00Z"}}"#]
        for (n, text) in texts.enumerated() {
            let content = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
            lines.append(#"{"table": "room_messages", "record": {"room": "r", "sender": "ada", "sender_type": "user", "content": \#(content), "#
                         + #""created_at": "2026-01-02T00:00:0\#(n)Z", "message_metadata": {"n": \#(n)}}}"#)
            lines.append(#"{"table": "general_chat_messages", "record": {"sender": "ada", "content": \#(content), "created_at": "2026-01-02T00:00:0\#(n)Z"}}"#)
            lines.append(#"{"table": "error_logs", "record": {"error_type": "E", "error_message": \#(content), "timestamp": "2026-01-02T00:00:0\#(n)Z"}}"#)
        }
        let file = sqlite.folder.write("copied.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(sameSeed(["-q", "seed", file]).status == 0)
        let stored = try scratch.connection().rows("SELECT content FROM room_messages ORDER BY id").map { try $0.string("content") }
        #expect(stored == texts)
        try tablesMatch()
        #expect(same(["dump"]).status == 0)
        // A row the server refuses (a CHECK the app does not have) fails the load, named by where the input gave it.
        let db = try scratch.connection()
        try db.execute("ALTER TABLE room_messages ADD CONSTRAINT no_bad CHECK (content <> 'bad')")
        let before = try db.scalarInt("SELECT count(*) FROM room_messages")
        let records = [lines[1]] + (1...3).map { n in
            #"{"table": "room_messages", "record": {"room": "r", "sender": "ada", "sender_type": "user", "content": "\#(n == 3 ? "bad" : "fine")"}}"#
        }
        let bad = sqlite.folder.write("bad.jsonl", records.joined(separator: "\n") + "\n")
        let refused = runCLI(["--db", scratch.url, "seed", bad], environment: sqlite.environment)
        #expect(refused.status == 65 && refused.stderr.contains("bad.jsonl:4:1: a value is outside what the database accepts"), "\(refused.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == before)
        #expect(try db.scalarInt("SELECT count(*) FROM chat_rooms") == 1)
    }

    @Test func freshOnPostgreSQLRebuildsTheTablesAsSQLiteRebuildsTheFile() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let demo = demoForBothEngines()
        same(["-q", "users", "create", "alice", "--no-email", "--password-stdin"], stdin: "pw-alice-1\n")
        // The same report, "rebuilt", and the same rows: alice is gone, the demo is there, with one audit entry.
        #expect(sameSeed(["--yes", "seed", demo, "--fresh"]).status == 0)
        try tablesMatch()
        let db = try scratch.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM users WHERE username = 'alice'") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM admin_audit") == 1)
        #expect(try db.scalarInt("SELECT max(version) FROM schema_migrations") == Int64(Migrations.latestVersion))
        // The app's next INSERT gets the next id (the sequences were made anew with the tables).
        let next = try db.insert("INSERT INTO skills (skill_name) VALUES (?)", ["juggling"], returning: "id")
        #expect(next == (try db.scalarInt("SELECT max(id) FROM skills")))
        // --generate into the rebuilt tables, on both.
        let generated = both(["-q", "--yes", "seed", "--fresh", "--generate", "users=4,rooms=2,messages=20"])
        #expect(generated.0.status == 0 && generated.1.status == 0, "\(generated.1.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == 20)
    }

    @Test func freshOnPostgreSQLChangesNothingWhenRefusedOrDryRun() throws {
        let run = { (arguments: [String]) in runCLI(["--db", self.scratch.url] + arguments, environment: self.sqlite.environment) }
        // An empty database (no tables at all) is made and seeded, with nothing to confirm.
        let created = run(["seed", "--demo", "--fresh"])
        #expect(created.status == 0 && created.stderr.contains("socializer: created '"), "\(created.stderr)")
        let db = try scratch.connection()
        // Tables without rows (the ledger's do not count) are rebuilt with nothing to confirm either.
        try db.execute("TRUNCATE " + (SchemaModel.tableNames + ["admin_audit"]).joined(separator: ", "))
        let emptied = run(["seed", "--demo", "--fresh"])
        #expect(emptied.status == 0 && emptied.stderr.contains("socializer: rebuilt '"), "\(emptied.stderr)")
        let users = try db.rows("SELECT id, username FROM users ORDER BY id").map(\.values)
        let audit = try db.scalarInt("SELECT count(*) FROM admin_audit")
        func unchanged(_ sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try db.rows("SELECT id, username FROM users ORDER BY id").map(\.values) == users, sourceLocation: sourceLocation)
            #expect(try db.scalarInt("SELECT count(*) FROM admin_audit") == audit, sourceLocation: sourceLocation)
        }
        // Tables that hold rows are dropped only when confirmed.
        let unconfirmed = run(["seed", "--demo", "--fresh"])
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("refusing to drop and make anew the tables of")
                && unconfirmed.stderr.contains("losing the rows of users,") && !unconfirmed.stderr.contains("schema_migrations")
                && unconfirmed.stderr.contains("hint: add --yes to confirm"), "\(unconfirmed.stderr)")
        try unchanged()
        // A dry run says what it would do and rolls the whole rebuild back.
        let dry = run(["--dry-run", "-q", "seed", "--generate", "users=3", "--fresh"])
        #expect(dry.status == 0 && dry.stderr.contains("would be rebuilt from generated data"), "\(dry.stderr)")
        try unchanged()
        // The app's own table that refers to the twelve and holds rows (the app's data): refused, named.
        try db.executeScript("CREATE TABLE training_schedules (id SERIAL PRIMARY KEY, user_id INTEGER REFERENCES users (id)); "
                             + "INSERT INTO training_schedules (user_id) VALUES (1)")
        let appData = run(["--yes", "seed", "--demo", "--fresh"])
        #expect(appData.status == 78 && appData.stderr.contains("the app's own training_schedules refer to, and they hold rows"),
                "\(appData.stderr)")
        try unchanged()
        #expect(try db.scalarInt("SELECT count(*) FROM training_schedules") == 1)
        try db.execute("DELETE FROM training_schedules")
        // What else depends on a table --fresh drops is named, and the DROP is never cascaded to it:
        // a view, a table of another schema.
        let elsewhere = "\(scratch.schema)_elsewhere"
        defer { try? db.execute("DROP SCHEMA IF EXISTS \(SQL.quote(elsewhere)) CASCADE") }
        for (create, named, drop) in [
            ("CREATE VIEW user_names AS SELECT username FROM users", "view user_names depends on table users", "DROP VIEW user_names"),
            ("CREATE SCHEMA \(SQL.quote(elsewhere)); CREATE TABLE \(SQL.quote(elsewhere)).notes "
                + "(author INTEGER REFERENCES \(SQL.quote(scratch.schema)).users (id))",
             "table \(elsewhere).notes depends on table users", "DROP SCHEMA \(SQL.quote(elsewhere)) CASCADE"),
        ] {
            try db.executeScript(create)
            // Said before the question (a DROP tried and rolled back), and by the run itself when confirmed.
            for confirmation in [[], ["--yes"]] {
                let refused = run(confirmation + ["seed", "--demo", "--fresh"])
                #expect(refused.status == 78 && refused.stderr.contains("other objects depend on them; nothing was changed")
                        && refused.stderr.contains(named) && refused.stderr.contains("hint: drop those objects"), "\(refused.stderr)")
                try unchanged()
            }
            try db.executeScript(drop)
        }
        // Another connection reading users holds it past --busy-timeout: 75, nothing changed.
        let reader = try scratch.connection()
        try reader.execute("BEGIN")
        try reader.execute("LOCK TABLE users IN ACCESS SHARE MODE")
        let locked = run(["--yes", "--busy-timeout", "200", "seed", "--demo", "--fresh"])
        #expect(locked.status == 75 && locked.stderr.contains("locked"), "\(locked.stderr)")
        try reader.execute("ROLLBACK")
        try unchanged()
        // A table --fresh does not know, and that depends on nothing it drops, is left with its rows;
        // the app's empty training_schedules is dropped with the tables it refers to (the app makes it again).
        try db.executeScript("CREATE TABLE notes (id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'kept')")
        #expect(run(["-q", "--yes", "seed", "--generate", "users=3", "--fresh"]).status == 0)
        #expect(try db.scalar("SELECT body FROM notes") == .text("kept"))
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 3)
        #expect(try !db.tableExists("training_schedules"))
    }

    /// PostgreSQL cannot store what SQLite can: a NUL in text, a list in
    /// users.messages. Each such record is a bad record there, named by
    /// its line and field, and reported with the load's other problems.
    @Test func whatPostgreSQLCannotStoreIsABadRecordNamedWithTheOthers() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let lines = [
            #"{"table": "users", "record": {"username": "ada", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "hashed_name": "A\u0000da"}}"#,
            #"{"table": "users", "record": {"username": "da\u0000ve", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"}}"#,
            #"{"table": "general_chat_messages", "record": {"sender": "da\u0000ve", "content": "hi"}}"#,
            #"{"table": "users", "record": {"username": "bob", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "messages": [{"content": "hi", "role": "user"}]}}"#,
            #"{"table": "chat_rooms", "record": {"key": "r", "name": "lobby", "creator": "bob"}}"#,
            #"{"table": "room_messages", "record": {"room": "r", "sender": "bob", "sender_type": "user", "content": "nul\u0000", "message_metadata": {"ok": "\u0000"}}}"#,
            #"{"table": "room_messages", "record": {"room": "r", "sender": "bob", "sender_type": "robot", "content": "x"}}"#,
        ]
        let file = sqlite.folder.write("cannot.jsonl", lines.joined(separator: "\n") + "\n")
        let (lite, postgres) = both(["seed", file])
        #expect(lite.status == 65 && postgres.status == 65)
        for problem in ["cannot.jsonl:1:1: hashed_name holds a NUL character (\\u0000), which PostgreSQL cannot store in text",
                        "cannot.jsonl:2:1: username holds a NUL character", "cannot.jsonl:3:1: sender holds a NUL character",
                        "cannot.jsonl:4:1: user 'bob' has messages, a list of 1 message(s); users.messages is an INTEGER on PostgreSQL",
                        "cannot.jsonl:6:1: content holds a NUL character", "cannot.jsonl:7:1:"] {
            #expect(postgres.stderr.contains(problem), "\(problem): \(postgres.stderr)")
        }
        // SQLite stores both: only the bad sender type is a problem there.
        #expect(lite.stderr.contains("cannot.jsonl:7:1:") && !lite.stderr.contains("NUL") && !lite.stderr.contains("INTEGER"), "\(lite.stderr)")
    }

    /// A row PostgreSQL itself refuses on the INSERT path (a constraint the
    /// app's schema does not have) is named by its record, as on the COPY path.
    @Test func aRowTheServerRefusesOnTheInsertPathIsNamedByItsRecord() throws {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        let db = try scratch.connection()
        try db.execute("ALTER TABLE users ADD CONSTRAINT no_x CHECK (username <> 'x')")
        try db.execute("ALTER TABLE room_messages ADD CONSTRAINT no_bad CHECK (content <> 'bad')")
        let hash = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"
        let users = sqlite.folder.write("x.jsonl", [
            #"{"table": "users", "record": {"username": "ada", "password_hash": "\#(hash)"}}"#,
            #"{"table": "users", "record": {"username": "x", "password_hash": "\#(hash)"}}"#,
        ].joined(separator: "\n") + "\n")
        let refusedUser = runCLI(["--db", scratch.url, "seed", users], environment: sqlite.environment)
        #expect(refusedUser.status == 65
                && refusedUser.stderr.contains("x.jsonl:2:1: a value is outside what the database accepts (check constraint no_x on users)"),
                "\(refusedUser.stderr)")
        let keyed = sqlite.folder.write("keyed.jsonl", [
            #"{"table": "users", "record": {"username": "ada", "password_hash": "\#(hash)"}}"#,
            #"{"table": "chat_rooms", "record": {"key": "r", "name": "lobby", "creator": "ada"}}"#,
            #"{"table": "room_messages", "record": {"key": "m", "room": "r", "sender": "ada", "sender_type": "user", "content": "bad"}}"#,
        ].joined(separator: "\n") + "\n")
        let refusedMessage = runCLI(["--db", scratch.url, "seed", keyed], environment: sqlite.environment)
        #expect(refusedMessage.status == 65
                && refusedMessage.stderr.contains("keyed.jsonl:3:1: a value is outside what the database accepts (check constraint no_bad on room_messages)"),
                "\(refusedMessage.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 0)
        #expect(try scratch.connection().scalarInt("SELECT count(*) FROM users") == 0)
    }
}
