import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Rows built with plain SQL exactly as the running app writes them
/// (SPEC §2 "What the app really writes"), on a database the tool migrated
/// and on one the app created and the tool only baselined.
enum AppRows {
    /// What the app stores in users.messages once a user has chatted: a JSON
    /// list written by Python's json.dumps (with its ", " and ": " separators).
    static let chatMessages = #"[{"content": "hello", "role": "user", "type": "text", "room_id": 3, "timestamp": "2026-06-14T10:00:00"}, "#
        + #"{"content": "Hi! How can I help?", "role": "assistant", "tools_used": ["search"]}]"#

    /// A user row as the app's registration writes it: every column given
    /// (the app's own schema has no SQL defaults), the email as typed.
    static func insertUser(_ db: Connection, _ name: String, email: String, messages: DatabaseValueConvertible = 0,
                           password: String = "pw-app") throws {
        try db.execute("""
            INSERT INTO users (username, role, is_active, temperature, preferences, hashed_name, hashed_password,
              hashed_email, member_since, messages, encryption_key, conversation_memory, llm_provider, llm_endpoint, llm_model)
            VALUES (?, 'user', 1, 0.7, '{}', '', ?, ?, '2026-06-14', ?, ?, NULL, NULL, NULL, NULL)
            """, [name, try Bcrypt.hash(Array(password.utf8), cost: 4), email, messages, try FernetKey.generate().encoded])
    }

    static func id(_ db: Connection, _ name: String) throws -> Int64 {
        try db.scalarInt("SELECT id FROM users WHERE username = ?", [name])
    }

    /// The app's own tables beyond the twelve: `training_schedules` from its
    /// models (create_all adds it to any database) and `life_events`.
    static let trainingSchedulesDDL = """
        CREATE TABLE training_schedules (id INTEGER NOT NULL, user_id INTEGER NOT NULL, skill_id INTEGER NOT NULL,
          scheduled_for DATETIME NOT NULL, frequency VARCHAR, is_active BOOLEAN NOT NULL, PRIMARY KEY (id),
          FOREIGN KEY(user_id) REFERENCES users (id), FOREIGN KEY(skill_id) REFERENCES skills (id))
        """
}

/// Every row of every table, for "nothing was written" checks while a
/// connection stays open (WAL's shared-memory file changes on every read).
func contents(_ db: Connection) throws -> [String: [[DatabaseValue]]] {
    var all: [String: [[DatabaseValue]]] = [:]
    for table in try db.rows("SELECT name FROM sqlite_master WHERE type = 'table'").map({ try $0.string("name") }) {
        all[table] = try db.rows("SELECT * FROM \(SQL.quote(table)) ORDER BY rowid").map(\.values)
    }
    return all
}

/// A migrated database, or the app's own (legacy) one baselined.
func appDatabase(legacy: Bool) throws -> UsersFixture {
    guard legacy else { return UsersFixture() }
    let f = UsersFixture(migrate: false)
    try LegacyDatabase.create(at: f.db, withRows: false)
    #expect(f.cli(["migrate", "baseline"]).status == 0)
    return f
}

@Suite struct StoredMessagesTests {
    @Test(arguments: [false, true])
    func everyVerbWorksOnAUserWhoHasChatted(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        f.environment["SOCIALIZER_JWT_SECRET"] = "app-secret-key"
        let db = try f.connection()
        try AppRows.insertUser(db, "chatty", email: "Chatty@Example.com", messages: AppRows.chatMessages)
        try AppRows.insertUser(db, "quiet", email: "quiet@example.com", messages: 0)
        let stored = { try db.scalar("SELECT messages FROM users WHERE username = 'chatty'") }
        #expect(try stored() == .text(AppRows.chatMessages))

        let list = f.cli(["--format", "csv", "--fields", "username,messages", "users", "list", "--sort=-messages"])
        #expect(list.status == 0 && list.stdout == "username,messages\r\nchatty,2\r\nquiet,0\r\n", "\(list.stderr)")
        let show = f.cli(["--json", "users", "show", "chatty"])
        #expect(try show.status == 0 && JSONParser.parse(show.stdout)["messages"] == .integer(2))
        for verb in [["users", "update", "chatty", "--role", "admin"], ["users", "deactivate", "chatty"],
                     ["users", "activate", "chatty"], ["-y", "users", "rotate-key", "--all"], ["tokens", "issue", "chatty"]] {
            let result = f.cli(verb)
            #expect(result.status == 0, "\(verb): \(result.stderr)")
            // Byte for byte: a change that does not touch messages never rewrites it.
            #expect(try stored() == .text(AppRows.chatMessages), "\(verb)")
        }
        let password = f.cli(["users", "set-password", "chatty", "--password-stdin"], stdin: "new-password\n")
        #expect(password.status == 0, "\(password.stderr)")
        #expect(try stored() == .text(AppRows.chatMessages))
        let exported = try JSONParser.parse(f.cli(["users", "export"]).stdout)
        #expect(exported.arrayItems[0]["messages"]?.arrayItems.count == 2)
        #expect(exported.arrayItems[1]["messages"] == .integer(0))
        let deleted = f.cli(["-y", "users", "delete", "chatty"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }

    @Test(arguments: [false, true])
    func messagesPrintsTheStoredListAndClearWritesTheAppsEmptyForm(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "chatty", email: "c@example.com", messages: AppRows.chatMessages)
        try AppRows.insertUser(db, "quiet", email: "q@example.com", messages: 0)
        let table = f.cli(["users", "messages", "chatty"])
        #expect(table.status == 0)
        #expect(table.stdout == """
            N  ROLE       TYPE  CONTENT              ROOM_ID  TIMESTAMP            TOOLS_USED
            1  user       text  hello                3        2026-06-14T10:00:00
            2  assistant        Hi! How can I help?                                ["search"]

            """)
        let jsonl = f.cli(["--format", "jsonl", "users", "messages", "chatty"]).stdout.split(separator: "\n")
        #expect(jsonl.count == 2)
        #expect(try JSONParser.parse(String(jsonl[1]))["tools_used"] == .array([.string("search")]))
        let none = f.cli(["--json", "users", "messages", "quiet"])
        #expect(none.status == 0 && none.stdout == "[]\n")
        #expect(none.stderr == "socializer: user 'quiet' has a message count (0) and no stored messages\n")

        let before = try contents(db)
        let dry = f.cli(["-n", "users", "messages", "chatty", "--clear"])
        #expect(dry.status == 0 && dry.stdout == "would clear 2 stored message(s) of user 'chatty'\n")
        #expect(try contents(db) == before)
        let cleared = f.cli(["users", "messages", "chatty", "--clear"])
        #expect(cleared.status == 0 && cleared.stdout == "cleared 2 stored message(s) of user 'chatty'\n")
        #expect(try db.scalar("SELECT messages FROM users WHERE username = 'chatty'") == .text("[]"))
        #expect(f.cli(["--json", "users", "messages", "chatty"]).stdout == "[]\n")
        #expect(try JSONParser.parse(f.cli(["--json", "users", "show", "chatty"]).stdout)["messages"] == .integer(0))
    }

    @Test func aValueThatIsNeitherIsShownEmptyAndNamedByMessages() throws {
        let f = UsersFixture()
        let db = try f.connection()
        try AppRows.insertUser(db, "odd", email: "o@example.com", messages: "not json")
        let show = f.cli(["--json", "users", "show", "odd"])
        #expect(try show.status == 0 && JSONParser.parse(show.stdout)["messages"] == .null)
        let before = try contents(db)
        let refused = f.cli(["users", "messages", "odd"])
        #expect(refused.status == 65 && refused.stdout.isEmpty)
        #expect(refused.stderr == """
            socializer: error: the messages of user 'odd' are text that is not JSON, neither a count nor the app's JSON list
            hint: reset them with: socializer --db \(f.db) users messages odd --clear

            """)
        #expect(try contents(db) == before)
        #expect(f.cli(["users", "messages", "odd", "--clear"]).stdout == "cleared the unreadable stored messages of user 'odd'\n")
    }

    @Test func importAndExportKeepTheList() throws {
        let f = UsersFixture()
        let path = f.folder.write("u.jsonl", """
            {"username": "a", "password": "pw", "messages": [{"content": "hi", "role": "user"}]}
            {"username": "b", "password": "pw", "messages": 4}
            {"username": "c", "password": "pw", "messages": "lots"}
            {"username": "d", "password": "pw", "messages": [1, 2]}

            """)
        let bad = f.cli(["users", "import", path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("\(path):3:1: messages must be a count or a list of message objects, not a string"))
        #expect(bad.stderr.contains("\(path):4:1: messages must be a count or a list of message objects"))
        let good = f.folder.write("g.jsonl", String(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").prefix(2)
            .joined(separator: "\n")) + "\n")
        #expect(f.cli(["users", "import", good]).status == 0)
        let db = try f.connection()
        #expect(try db.scalar("SELECT messages FROM users WHERE username = 'a'") == .text(#"[{"content":"hi","role":"user"}]"#))
        #expect(try db.scalar("SELECT messages FROM users WHERE username = 'b'") == .integer(4))
        // An update that does not give messages keeps the app's list.
        let update = f.folder.write("up.jsonl", #"{"username": "a", "password": "pw2", "role": "admin"}"# + "\n")
        #expect(f.cli(["users", "import", update, "--on-conflict", "update"]).status == 0)
        #expect(try db.scalar("SELECT messages FROM users WHERE username = 'a'") == .text(#"[{"content":"hi","role":"user"}]"#))
        let csv = f.cli(["--format", "csv", "--fields", "username,messages", "users", "export"])
        #expect(csv.stdout == "username,messages\r\na,\"[{\"\"content\"\":\"\"hi\"\",\"\"role\"\":\"\"user\"\"}]\"\r\nb,4\r\n")
    }
}

@Suite struct EmailFormatsTests {
    let f = UsersFixture()

    /// One user per stored form: the tool's keyed hash, the app's
    /// registration (as typed), its test scripts (SHA-256), older versions (bcrypt).
    func seed() throws -> Connection {
        #expect(f.create("keyed", email: "keyed@example.com").status == 0)
        let db = try f.connection()
        try AppRows.insertUser(db, "typed", email: " Typed.User@Example.COM")
        try AppRows.insertUser(db, "digest", email: Hex.encode(Digest.sha256(Array("digest@example.com".utf8))))
        try AppRows.insertUser(db, "salted", email: try Bcrypt.hash(Array("salted@example.com".utf8), cost: 4))
        return db
    }

    @Test func findRecognisesEveryForm() throws {
        _ = try seed()
        for (address, user, format) in [("KEYED@example.com", "keyed", "hmac"), ("typed.user@example.com", "typed", "plain"),
                                        ("Digest@Example.com ", "digest", "sha256"), ("salted@example.com", "salted", "bcrypt")] {
            let found = f.cli(["--fields", "username,email_format", "users", "find", "--email", address])
            #expect(found.status == 0, "\(address): \(found.stderr)")
            #expect(found.stdout == "username:     \(user)\nemail_format: \(format)\n", "\(address)")
        }
        let missing = f.cli(["users", "find", "--email", "nobody@example.com"])
        #expect(missing.status == 66 && missing.stderr.contains("no user has that email address"))
    }

    @Test func everyFormIsTakenForCreateUpdateAndImport() throws {
        let db = try seed()
        #expect(f.create("newbie", email: "newbie@example.com").status == 0)
        let before = try db.rows("SELECT * FROM users ORDER BY id").map(\.values)
        for address in ["keyed@example.com", "TYPED.user@example.com", "digest@example.com", "Salted@Example.com"] {
            let create = f.create("x", email: address)
            #expect(create.status == 65 && create.stderr.contains("a user with that email already exists"), "\(address)")
            let update = f.cli(["users", "update", "newbie", "--email", address])
            #expect(update.status == 65 && update.stderr.contains("a user with that email already exists"), "\(address)")
            let path = f.folder.write("i.jsonl", #"{"username": "y", "password": "pw", "email": "\#(address)"}"# + "\n")
            let imported = f.cli(["users", "import", path])
            #expect(imported.status == 65 && imported.stderr.contains("i.jsonl:1:1: a user with that email already exists"), "\(address)")
        }
        // A record giving the stored form as the app's registration writes it is checked the same way.
        let raw = f.folder.write("r.jsonl", #"{"username": "z", "password": "pw", "hashed_email": "typed.user@example.com"}"# + "\n")
        #expect(f.cli(["users", "import", raw]).stderr.contains("a user with that email already exists"))
        #expect(try db.rows("SELECT * FROM users ORDER BY id").map(\.values) == before)
        // The user's own address is not a conflict.
        #expect(f.cli(["users", "update", "newbie", "--email", "NEWBIE@example.com"]).status == 0)
    }

    @Test func thePlainSchemeStoresTheAddressAndNeedsNoKey() throws {
        let db = try seed()
        var environment = f.environment
        environment["SOCIALIZER_EMAIL_SCHEME"] = "plain"
        environment["SOCIALIZER_EMAIL_KEY"] = nil
        f.environment = environment
        // With keyed rows present and no key, uniqueness cannot be checked: refused, nothing written.
        let before = try db.rows("SELECT * FROM users ORDER BY id").map(\.values)
        let blind = f.create("gina", email: "Gina@Example.com ")
        #expect(blind.status == 78)
        #expect(blind.stderr.contains("no email key is configured, and some users' emails are keyed hashes that only the key can match"))
        #expect(try db.rows("SELECT * FROM users ORDER BY id").map(\.values) == before)
        // Once no keyed hash is left, the plain scheme needs no key at all.
        try db.execute("DELETE FROM users WHERE username = 'keyed'")
        #expect(f.create("gina", email: "Gina@Example.com ").status == 0)
        #expect(try db.scalar("SELECT hashed_email FROM users WHERE username = 'gina'") == .text("gina@example.com"))
        #expect(f.cli(["-q", "--fields", "username", "users", "find", "--email", "GINA@example.com"]).stdout == "username: gina\n")
        #expect(f.create("gina2", email: "gina@example.com").status == 65)
        environment["SOCIALIZER_EMAIL_SCHEME"] = "rot13"
        f.environment = environment
        let bad = f.create("h", email: "h@example.com")
        #expect(bad.status == 78 && bad.stderr.contains("$SOCIALIZER_EMAIL_SCHEME must be hmac or plain"))
    }

    @Test func theSameAddressStoredTwiceIsListedWithAWarning() throws {
        let db = try seed()
        try AppRows.insertUser(db, "twin", email: "typed.user@EXAMPLE.com")
        let found = f.cli(["--format", "csv", "--fields", "id,username", "users", "find", "--email", "typed.user@example.com"])
        #expect(found.status == 0 && found.stdout == "id,username\r\n2,typed\r\n5,twin\r\n")
        #expect(found.stderr.contains("warning: 2 users have that email address, stored in different forms"))
    }
}

@Suite struct VerboseTests {
    @Test func verboseShowsEveryStatementAndNoValue() throws {
        let f = UsersFixture()
        f.create("alice")
        let result = f.cli(["-v", "users", "set-password", "alice", "--password-stdin"], stdin: "a-secret-pw\n")
        #expect(result.status == 0)
        #expect(result.stderr.contains("socializer: sql: BEGIN IMMEDIATE\n"))
        #expect(result.stderr.contains("socializer: sql: UPDATE users SET hashed_password = ? WHERE id = ?\n"), "\(result.stderr)")
        #expect(!result.stderr.contains("a-secret-pw") && !result.stderr.contains("$2b$"))
        let quiet = f.cli(["users", "show", "alice"])
        #expect(!quiet.stderr.contains("sql:"))
    }
}

@Suite struct LegacyEmailCheckTests {
    let f = UsersFixture()

    @Test func importChecksEveryRecordAgainstEveryOldBcryptHashUnlessTold() throws {
        let db = try f.connection()
        for n in 0..<3 {
            try AppRows.insertUser(db, "old\(n)", email: try Bcrypt.hash(Array("old\(n)@example.com".utf8), cost: 4))
        }
        let lines = (0..<6).map { #"{"username": "new\#($0)", "password": "pw", "email": "\#($0 == 4 ? "OLD2" : "new\($0)")@example.com"}"# }
        let path = f.folder.write("n.jsonl", lines.joined(separator: "\n") + "\n")
        let before = try contents(db)
        let refused = f.cli(["users", "import", path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("1 problem(s)") && refused.stderr.contains("n.jsonl:5:1: a user with that email already exists"))
        #expect(try contents(db) == before)
        // On a terminal, the pairs' progress is shown on standard error.
        let shown = runCLI(["--db", f.db, "users", "import", path], environment: f.environment,
                           terminal: TerminalInfo(stderrIsTerminal: true))
        #expect(shown.status == 65 && shown.stderr.hasPrefix("\rchecking emails against 3 old bcrypt email hash(es): 18/18\n"))
        #expect(try contents(db) == before)
        // --skip-legacy-email-check trusts the file (documented risk): the duplicate slips in.
        let skipped = f.cli(["users", "import", path, "--skip-legacy-email-check"])
        #expect(skipped.status == 0 && skipped.stdout.contains("created: 6"), "\(skipped.stderr)")
    }

    @Test func conversationMemoryMustDecryptWithTheRecordsKey() throws {
        let key = try FernetKey.generate()
        let other = try FernetKey.generate()
        let token = try Fernet.encrypt(Array(#"{"messages":[]}"#.utf8), key: other, now: testNow.secondsSinceEpoch)
        let path = f.folder.write("m.jsonl", #"{"username": "m", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "#
            + #""encryption_key": "\#(key.encoded)", "conversation_memory": "\#(token)"}"# + "\n")
        let before = f.folder.snapshot()
        let refused = f.cli(["users", "import", path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("m.jsonl:1:1: conversation_memory does not decrypt with the record's encryption_key"))
        #expect(!refused.stderr.contains(token) && !refused.stderr.contains(key.encoded))
        #expect(f.folder.snapshot() == before)
    }
}

@Suite struct LiveSchemaDeleteTests {
    @Test(arguments: [false, true])
    func deleteClearsTheAppsOwnTablesToo(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try db.execute(AppRows.trainingSchedulesDDL)
        if legacy {
            try db.execute("CREATE TABLE IF NOT EXISTS life_events (id INTEGER NOT NULL, user_id INTEGER, title VARCHAR, "
                           + "PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id))")
        } else {
            try db.execute("CREATE TABLE life_events (id INTEGER NOT NULL, user_id INTEGER NOT NULL, title VARCHAR, "
                           + "PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id))")
        }
        // An app table with a nullable reference to a room, not to a person: detached, not deleted.
        try db.execute("CREATE TABLE room_bookmarks (id INTEGER PRIMARY KEY, room_id INTEGER REFERENCES chat_rooms (id), note TEXT)")
        try AppRows.insertUser(db, "alice", email: "alice@example.com", messages: AppRows.chatMessages)
        try AppRows.insertUser(db, "bob", email: "bob@example.com")
        let alice = try AppRows.id(db, "alice"), bob = try AppRows.id(db, "bob")
        try db.execute("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy')")
        try db.execute("""
            INSERT INTO chat_rooms (id, name, creator_id, created_at, is_active, room_type, ai_enabled, password, is_public)
            VALUES (1, 'alice''s room', ?, '2026-06-14 10:00:00.000000', 1, 'group', 1, NULL, 0)
            """, [alice])
        try db.execute("INSERT INTO training_schedules VALUES (1, ?, 1, '2026-06-20 09:00:00.000000', 'weekly', 1), (2, ?, 1, '2026-06-20 09:00:00.000000', NULL, 1)", [alice, bob])
        try db.execute("INSERT INTO life_events VALUES (1, ?, 'moved'), (2, ?, 'new job')", [alice, bob])
        try db.execute("INSERT INTO room_bookmarks VALUES (1, 1, 'good chat')")
        let before = try contents(db)
        let dry = f.cli(["--dry-run", "--format", "csv", "users", "delete", "alice"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try contents(db) == before)
        let result = f.cli(["-y", "--format", "csv", "users", "delete", "alice"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == dry.stdout)
        #expect(result.stdout.contains("chat_rooms,1,0\r\n"))
        #expect(result.stdout.contains("life_events,1,0\r\n"))
        #expect(result.stdout.contains("room_bookmarks,0,1\r\n"))
        #expect(result.stdout.contains("training_schedules,1,0\r\n"))
        #expect(result.stdout.hasSuffix("users,1,0\r\n"))
        #expect(try db.scalarInt("SELECT count(*) FROM training_schedules WHERE user_id = ?", [bob]) == 1)
        #expect(try db.scalarInt("SELECT count(*) FROM life_events") == 1)
        #expect(try db.scalar("SELECT room_id FROM room_bookmarks WHERE id = 1") == .null)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    @Test func aTableTheAppAddsIsWelcomeEverywhere() throws {
        // The app's create_all adds training_schedules to a database the tool migrated …
        let f = UsersFixture()
        let db = try f.connection()
        try db.execute(AppRows.trainingSchedulesDDL)
        #expect(f.cli(["migrate", "validate"]).status == 0)
        #expect(f.cli(["migrate", "status"]).status == 0)
        for format in ["sql", "dbml", "mermaid", "dot"] {
            let schema = f.cli(["migrate", "schema", "--format", format])
            #expect(schema.status == 0 && schema.stdout.contains("training_schedules"), "\(format)")
        }
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["users", "list"]).status == 0)
        #expect(f.cli(["-y", "users", "delete", "alice"]).status == 0)
        // … and a database the app created with it is adopted, migrated and validated.
        let legacy = UsersFixture(migrate: false)
        let old = try LegacyDatabase.create(at: legacy.db)
        try old.execute(AppRows.trainingSchedulesDDL)
        try old.execute("INSERT INTO training_schedules VALUES (1, 2, 1, '2026-06-20 09:00:00.000000', 'weekly', 1)")
        let baseline = legacy.cli(["migrate", "baseline"])
        #expect(baseline.status == 0 && baseline.stdout.contains("left alone: alembic_version, life_events, training_schedules"))
        #expect(legacy.cli(["migrate", "up", "--no-backup"]).status == 0)
        #expect(legacy.cli(["migrate", "validate"]).status == 0)
        #expect(try old.scalarInt("SELECT count(*) FROM training_schedules") == 1)
        let deleted = legacy.cli(["-y", "--format", "csv", "users", "delete", "bob"])
        #expect(deleted.status == 0 && deleted.stdout.contains("training_schedules,1,0\r\n"), "\(deleted.stderr)")
    }
}

@Suite struct UnverifiableHashTests {
    @Test func aSHA256PasswordDigestIsNamedWithTheWayOut() throws {
        let f = UsersFixture()
        let db = try f.connection()
        try AppRows.insertUser(db, "tester", email: "t@example.com")
        try db.execute("UPDATE users SET hashed_password = ? WHERE username = 'tester'",
                       [Hex.encode(Digest.sha256(Array("password123".utf8)))])
        let before = try contents(db)
        let result = f.cli(["users", "check-password", "tester", "--password-stdin"], stdin: "password123\n")
        #expect(result.status == 65)
        #expect(result.stderr == "socializer: error: user 'tester' has an unsupported password hash (SHA-256 digest); set a new password with users set-password\n")
        #expect(try contents(db) == before)
        #expect(f.cli(["users", "set-password", "tester", "--password-stdin"], stdin: "better-pw\n").status == 0)
        #expect(f.cli(["users", "check-password", "tester", "--password-stdin"], stdin: "better-pw\n").status == 0)
    }
}
