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
        #expect(sameSeed(["seed", demo, "--fresh"]).status == 0)
        try tablesMatch()
        let db = try scratch.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM users WHERE username = 'alice'") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM admin_audit") == 1)
        #expect(try db.scalarInt("SELECT max(version) FROM schema_migrations") == Int64(Migrations.latestVersion))
        // The app's next INSERT gets the next id (the sequences were made anew with the tables).
        let next = try db.insert("INSERT INTO skills (skill_name) VALUES (?)", ["juggling"], returning: "id")
        #expect(next == (try db.scalarInt("SELECT max(id) FROM skills")))
        // --generate into the rebuilt tables, on both.
        let generated = both(["-q", "seed", "--fresh", "--generate", "users=4,rooms=2,messages=20"])
        #expect(generated.0.status == 0 && generated.1.status == 0, "\(generated.1.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == 20)
    }

    @Test func freshOnPostgreSQLChangesNothingWhenRefusedOrDryRun() throws {
        let run = { (arguments: [String]) in runCLI(["--db", self.scratch.url] + arguments, environment: self.sqlite.environment) }
        // An empty database (no tables at all) is made and seeded.
        #expect(run(["-q", "seed", "--demo", "--fresh"]).status == 0)
        let db = try scratch.connection()
        let users = try db.rows("SELECT id, username FROM users ORDER BY id").map(\.values)
        let audit = try db.scalarInt("SELECT count(*) FROM admin_audit")
        func unchanged(_ sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try db.rows("SELECT id, username FROM users ORDER BY id").map(\.values) == users, sourceLocation: sourceLocation)
            #expect(try db.scalarInt("SELECT count(*) FROM admin_audit") == audit, sourceLocation: sourceLocation)
        }
        // A dry run says what it would do and rolls the whole rebuild back.
        let dry = run(["--dry-run", "-q", "seed", "--generate", "users=3", "--fresh"])
        #expect(dry.status == 0 && dry.stderr.contains("would be rebuilt from generated data"), "\(dry.stderr)")
        try unchanged()
        // Another table refers to one --fresh would drop: refused before anything changes.
        try db.execute("CREATE TABLE other_app_notes (id INTEGER, author INTEGER REFERENCES users (id))")
        let referred = run(["seed", "--demo", "--fresh"])
        #expect(referred.status == 78 && referred.stderr.contains("other tables refer to them; nothing was changed")
                && referred.stderr.contains("table other_app_notes refers to users"), "\(referred.stderr)")
        try unchanged()
        try db.execute("DROP TABLE other_app_notes")
        // Another connection reading users holds it past --busy-timeout: 75, nothing changed.
        let reader = try scratch.connection()
        try reader.execute("BEGIN")
        try reader.execute("LOCK TABLE users IN ACCESS SHARE MODE")
        let locked = run(["--busy-timeout", "200", "seed", "--demo", "--fresh"])
        #expect(locked.status == 75 && locked.stderr.contains("locked"), "\(locked.stderr)")
        try reader.execute("ROLLBACK")
        try unchanged()
    }
}
