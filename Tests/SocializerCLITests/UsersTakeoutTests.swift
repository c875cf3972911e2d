import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Databases for `users takeout` (issue 17, items 1 and 5): alice touching
/// every table, built with the CLI's verbs and, where the tool has no verb
/// yet (invites) or the app has tables of its own, rows as the app writes
/// them; and users the app wrote itself, in its legacy format.
enum TakeoutRows {
    static let memory = #"{"messages":[{"role":"user","content":"I get nervous at parties"}],"general_chat":[],"#
        + #""ai_conversation":[{"role":"assistant","content":"Let's practise an opening line."}],"#
        + #""metadata":{"created_at":"2026-06-01T09:00:00","last_updated":"2026-06-14T18:30:00","user_id":1,"version":"1.0"}}"#
    static let roomPassword = "sesame-secret-42"

    /// A table of the app's beyond the twelve with two references to users:
    /// a row about alice names the other person by username only.
    static let friendshipsDDL = """
        CREATE TABLE friendships (id INTEGER NOT NULL, user_id INTEGER NOT NULL, friend_id INTEGER NOT NULL, since DATE,
          note BLOB, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id), FOREIGN KEY(friend_id) REFERENCES users (id))
        """
    static let lifeEventsDDL = "CREATE TABLE life_events (id INTEGER NOT NULL, user_id INTEGER, title VARCHAR, "
        + "PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id))"

    /// alice (1) in every table, bob (2) and carol (3) beside her.
    static func everyTable() throws -> UsersFixture {
        let f = UsersFixture()
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        #expect(f.create("alice", email: "alice@example.com", password: "pw-alice-secret").status == 0)
        #expect(f.create("bob").status == 0)
        #expect(f.create("carol").status == 0)
        func run(_ arguments: [String], stdin: String = "") {
            let result = f.cli(["-q"] + arguments, stdin: stdin)
            #expect(result.status == 0, "setup \(arguments): \(result.stderr)")
        }
        run(["users", "update", "alice", "--temperature", "0.9", "--llm-provider", "ollama", "--llm-model", "llama3"])
        run(["users", "memory", "set", "alice", "--stdin"], stdin: memory)
        run(["users", "prefs", "set", "alice", "style", "tone", "\"warm\"", "--confidence", "0.8"])
        run(["users", "prefs", "set", "alice", "topics", "likes", "[\"chess\",\"jazz\"]"])
        run(["users", "prefs", "set", "bob", "topics", "likes", "[\"golf\"]"])
        run(["skills", "add", "empathy", "listening", "patience"])
        run(["skills", "set-level", "alice", "empathy", "5"])
        run(["skills", "set-level", "alice", "listening", "2"])
        run(["skills", "set-level", "bob", "empathy", "9"])
        run(["training", "start", "alice", "empathy", "--notes", "weekly"])
        run(["training", "progress", "alice", "empathy", "0.4"])
        run(["training", "start", "alice", "patience"])
        run(["training", "complete", "alice", "patience"])
        run(["training", "start", "bob", "listening"])
        run(["rooms", "create", "--creator", "alice", "--name", "lobby", "--public"])              // room 1
        run(["rooms", "set-password", "lobby", "--password-stdin"], stdin: roomPassword + "\n")
        run(["rooms", "create", "--creator", "alice", "--name", "attic", "--no-ai"])              // room 2
        run(["rooms", "archive", "attic"])
        run(["rooms", "create", "--creator", "bob", "--name", "den"])                             // room 3
        run(["rooms", "members", "add", "den", "alice"])
        run(["rooms", "create", "--creator", "carol", "--name", "cafe"])                          // room 4
        run(["rooms", "members", "add", "cafe", "alice"])
        run(["rooms", "members", "add", "lobby", "bob"])
        run(["rooms", "messages", "post", "lobby", "--from", "alice", "hello everyone"])          // message 1
        run(["rooms", "messages", "post", "lobby", "--ai", "hi alice"])                           // 2
        run(["rooms", "messages", "post", "lobby", "--from", "bob", "hey, bob here"])             // 3
        run(["rooms", "messages", "post", "den", "--from", "alice", "nice den"])                  // 4
        run(["rooms", "messages", "post", "den", "--from", "alice", "oops"])                      // 5
        run(["rooms", "messages", "edit", "4", "nice den!"])
        run(["rooms", "messages", "delete", "5"])
        run(["rooms", "members", "remove", "den", "alice"])
        run(["rooms", "general", "post", "--from", "alice", "morning all"])
        run(["rooms", "general", "post", "--from", "bob", "morning"])
        run(["rooms", "general", "post", "--from", "alice", "bye"])
        run(["tokens", "revoke", RefuseBeforeChangingTests.token("alice"), "--reason", "logout"])
        run(["tokens", "revoke", RefuseBeforeChangingTests.token("bob")])
        run(["logs", "add", "--type", "ValueError", "--message", "bad input", "--user", "alice", "--context", "{\"path\": \"/chat\"}"])
        run(["logs", "add", "--type", "KeyError", "--message", "missing key", "--user", "bob"])
        run(["logs", "add", "--type", "Timeout", "--message", "nobody's"])
        let db = try f.connection()
        // Invites as the app writes them (pending with a message, or answered), until the tool has the verbs.
        try AppChat.postMessage(db, roomID: 1, senderID: 1, senderType: "user", content: "alice invited carol",
                                createdAt: "2026-06-15 12:30:00.000000", type: "invite")                // message 6
        try db.execute("""
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at) VALUES
              (1, 1, 3, 'pending', 6, '2026-06-15 12:30:00.000000', NULL),
              (3, 2, 1, 'accepted', NULL, '2026-06-15 11:00:00.000000', '2026-06-15 11:05:00.000000'),
              (4, 3, 2, 'declined', NULL, '2026-06-15 11:00:00.000000', '2026-06-15 11:10:00.000000')
            """)
        // The app's own tables beside the twelve.
        try db.execute(AppRows.trainingSchedulesDDL)
        try db.execute(lifeEventsDDL)
        try db.execute(friendshipsDDL)
        try db.execute("INSERT INTO training_schedules VALUES (1, 1, 1, '2026-06-20 09:00:00.000000', 'weekly', 1), (2, 2, 1, '2026-06-21 09:00:00.000000', NULL, 1)")
        try db.execute("INSERT INTO life_events VALUES (1, 2, 'new job'), (2, 1, 'moved to Lyon')")
        try db.execute("INSERT INTO friendships VALUES (1, 1, 2, '2026-01-02', NULL), (2, 3, 1, NULL, x'00ff'), (3, 2, 3, NULL, NULL)")
        return f
    }
}

extension TakeoutRows {
    /// What the app's json.dumps writes (", " and ": " separators).
    static let appMemory = #"{"messages": [{"role": "user", "content": "hello", "timestamp": "2026-06-14T10:00:00"}], "general_chat": [], "#
        + #""ai_conversation": [], "metadata": {"created_at": "2026-06-14T10:00:00", "last_updated": "2026-06-14T10:00:00", "user_id": 1, "version": "1.0"}}"#

    /// The app's own database, baselined: chatty as the app's registration
    /// and chat leave a user (the email as typed, an app-made bcrypt hash,
    /// the messages column holding the app's JSON list, memory encrypted
    /// with their key), and lost, whose memory was encrypted with another key.
    static func legacy() throws -> UsersFixture {
        let f = try appDatabase(legacy: true)
        let db = try f.connection()
        try AppRows.insertUser(db, "chatty", email: "Chatty@Example.com", messages: AppRows.chatMessages)
        try AppRows.insertUser(db, "lost", email: Hex.encode(Digest.sha256(Array("lost@example.com".utf8))))
        let key = try FernetKey(encoded: try db.scalar("SELECT encryption_key FROM users WHERE id = 1").textValue!)
        try db.execute("UPDATE users SET conversation_memory = ? WHERE id = 1",
                       [try Fernet.encrypt(Array(appMemory.utf8), key: key, now: testNow.secondsSinceEpoch - 86400)])
        try db.execute("UPDATE users SET conversation_memory = ? WHERE id = 2",
                       [try Fernet.encrypt(Array(appMemory.utf8), key: try FernetKey.generate(), now: testNow.secondsSinceEpoch)])
        try AppChat.createRoom(db, id: 1, name: nil, creatorID: 1, createdAt: "2026-06-14 10:00:00.000000")
        try AppChat.postMessage(db, roomID: 1, senderID: 1, senderType: "user", content: "hello", createdAt: "2026-06-14 10:00:00.000000")
        try AppChat.postMessage(db, roomID: 1, senderID: nil, senderType: "ai", content: "Hi! How can I help?",
                                createdAt: "2026-06-14 10:00:01.000000")
        try db.execute("INSERT INTO general_chat_messages (id, sender_id, content, created_at) VALUES (1, 1, 'anyone here?', '2026-06-14 09:00:00.123456')")
        try db.execute("""
            INSERT INTO error_logs (id, timestamp, user_id, error_type, error_message, stack_trace, context)
            VALUES (1, '2026-06-14 10:00:02.000000', 1, 'LLMError', 'provider timed out', 'Traceback (most recent call last): …', '{"provider": "ollama"}')
            """)
        try db.execute("INSERT INTO life_events (id, user_id, title) VALUES (1, 1, 'started therapy'), (2, NULL, 'orphan')")
        return f
    }
}

extension DatabaseValue {
    var textValue: String? { if case .text(let s) = self { return s } else { return nil } }
}


@Suite struct UsersTakeoutTests {
    /// The whole document of a user touching every table, byte for byte:
    /// what each section holds, in which order, and what it leaves out
    /// (bob's and carol's rows, the AI's message, every secret).
    static let everyTableDocument = #"""
            {
            "socializer_takeout":1,
            "generated_at":"2026-06-15T12:00:00Z",
            "user":{"id":1,"username":"alice"},
            "account":{"id":1,"username":"alice","role":"user","active":true,"temperature":0.9,"preferences":{},"member_since":"2026-06-15","messages":0,"has_email":true,"email_format":"hmac","email":null,"has_memory":true,"llm_provider":"ollama","llm_endpoint":null,"llm_model":"llama3","has_encryption_key":true},
            "conversation_memory":{"messages":[{"role":"user","content":"I get nervous at parties"}],"general_chat":[],"ai_conversation":[{"role":"assistant","content":"Let's practise an opening line."}],"metadata":{"created_at":"2026-06-01T09:00:00","last_updated":"2026-06-14T18:30:00","user_id":1,"version":"1.0"}},
            "stored_messages":[],
            "preferences":[
            {"id":1,"type":"style","key":"tone","value":"warm","confidence":0.8,"last_updated":"2026-06-15"},
            {"id":2,"type":"topics","key":"likes","value":["chess","jazz"],"confidence":1.0,"last_updated":"2026-06-15"}
            ],
            "skill_levels":[
            {"skill":"empathy","level":5},
            {"skill":"listening","level":2}
            ],
            "training":[
            {"skill":"empathy","status":"active","progress":0.4,"started_at":"2026-06-15","completed_at":null,"notes":"weekly"},
            {"skill":"patience","status":"completed","progress":1.0,"started_at":"2026-06-15","completed_at":"2026-06-15","notes":null}
            ],
            "rooms_created":[
            {"id":2,"name":"attic","type":"group","created_at":"2026-06-15T12:00:00Z","active":false,"public":false,"ai":false,"has_password":false},
            {"id":1,"name":"lobby","type":"group","created_at":"2026-06-15T12:00:00Z","active":true,"public":true,"ai":true,"has_password":true}
            ],
            "memberships":[
            {"room_id":1,"room":"lobby","role":"creator","active":true,"joined_at":"2026-06-15T12:00:00Z","last_read_at":null,"room_active":true},
            {"room_id":2,"room":"attic","role":"creator","active":true,"joined_at":"2026-06-15T12:00:00Z","last_read_at":null,"room_active":false},
            {"room_id":3,"room":"den","role":"member","active":false,"joined_at":"2026-06-15T12:00:00Z","last_read_at":null,"room_active":true},
            {"room_id":4,"room":"cafe","role":"member","active":true,"joined_at":"2026-06-15T12:00:00Z","last_read_at":null,"room_active":true}
            ],
            "room_messages":[
            {"id":1,"room_id":1,"room":"lobby","created_at":"2026-06-15T12:00:00Z","sender_type":"user","message_type":"text","content":"hello everyone","edited_at":null,"deleted":false,"metadata":{}},
            {"id":4,"room_id":3,"room":"den","created_at":"2026-06-15T12:00:00Z","sender_type":"user","message_type":"text","content":"nice den!","edited_at":"2026-06-15T12:00:00Z","deleted":false,"metadata":{}},
            {"id":5,"room_id":3,"room":"den","created_at":"2026-06-15T12:00:00Z","sender_type":"user","message_type":"text","content":"oops","edited_at":null,"deleted":true,"metadata":{}},
            {"id":6,"room_id":1,"room":"lobby","created_at":"2026-06-15T12:30:00Z","sender_type":"user","message_type":"invite","content":"alice invited carol","edited_at":null,"deleted":false,"metadata":{}}
            ],
            "general_chat_messages":[
            {"id":1,"created_at":"2026-06-15T12:00:00Z","content":"morning all"},
            {"id":3,"created_at":"2026-06-15T12:00:00Z","content":"bye"}
            ],
            "invites_sent":[
            {"id":1,"room_id":1,"room":"lobby","to":"carol","status":"pending","message_id":6,"created_at":"2026-06-15T12:30:00Z","responded_at":null}
            ],
            "invites_received":[
            {"id":2,"room_id":3,"room":"den","from":"bob","status":"accepted","message_id":null,"created_at":"2026-06-15T11:00:00Z","responded_at":"2026-06-15T11:05:00Z"}
            ],
            "revoked_tokens":[
            {"id":1,"token":"eyJhbGciOiJI…MaY4LYmg","created_at":"2026-06-15T12:00:00Z","expires_at":"2100-01-01T00:00:00Z","reason":"logout"}
            ],
            "error_logs":[
            {"id":1,"timestamp":"2026-06-15T12:00:00Z","type":"ValueError","message":"bad input","stack_trace":null,"context":{"path":"/chat"}}
            ],
            "other_tables":{
            "friendships":[
            {"id":1,"user":"alice","friend":"bob","since":"2026-01-02","note":null},
            {"id":2,"user":"carol","friend":"alice","since":null,"note":{"base64":"AP8="}}
            ],
            "life_events":[
            {"id":2,"user":"alice","title":"moved to Lyon"}
            ],
            "training_schedules":[
            {"id":1,"user":"alice","skill_id":1,"scheduled_for":"2026-06-20 09:00:00.000000","frequency":"weekly","is_active":1}
            ]
            },
            "notes":[]
            }

            """#

    static let chattyDocument = #"""
            {
            "socializer_takeout":1,
            "generated_at":"2026-06-15T12:00:00Z",
            "user":{"id":1,"username":"chatty"},
            "account":{"id":1,"username":"chatty","role":"user","active":true,"temperature":0.7,"preferences":{},"member_since":"2026-06-14","messages":2,"has_email":true,"email_format":"plain","email":"Chatty@Example.com","has_memory":true,"llm_provider":null,"llm_endpoint":null,"llm_model":null,"has_encryption_key":true},
            "conversation_memory":{"messages":[{"role":"user","content":"hello","timestamp":"2026-06-14T10:00:00"}],"general_chat":[],"ai_conversation":[],"metadata":{"created_at":"2026-06-14T10:00:00","last_updated":"2026-06-14T10:00:00","user_id":1,"version":"1.0"}},
            "stored_messages":[
            {"content":"hello","role":"user","type":"text","room_id":3,"timestamp":"2026-06-14T10:00:00"},
            {"content":"Hi! How can I help?","role":"assistant","tools_used":["search"]}
            ],
            "preferences":[],
            "skill_levels":[],
            "training":[],
            "rooms_created":[
            {"id":1,"name":null,"type":"group","created_at":"2026-06-14T10:00:00Z","active":true,"public":false,"ai":true,"has_password":false}
            ],
            "memberships":[
            {"room_id":1,"room":null,"role":"creator","active":true,"joined_at":"2026-06-14T10:00:00Z","last_read_at":null,"room_active":true}
            ],
            "room_messages":[
            {"id":1,"room_id":1,"room":null,"created_at":"2026-06-14T10:00:00Z","sender_type":"user","message_type":"text","content":"hello","edited_at":null,"deleted":false,"metadata":{}}
            ],
            "general_chat_messages":[
            {"id":1,"created_at":"2026-06-14T09:00:00.123456Z","content":"anyone here?"}
            ],
            "invites_sent":[],
            "invites_received":[],
            "revoked_tokens":[],
            "error_logs":[
            {"id":1,"timestamp":"2026-06-14T10:00:02Z","type":"LLMError","message":"provider timed out","stack_trace":"Traceback (most recent call last): …","context":{"provider":"ollama"}}
            ],
            "other_tables":{
            "life_events":[
            {"id":1,"user":"chatty","title":"started therapy"}
            ]
            },
            "notes":[]
            }

            """#

    static let lostDocument = #"""
            {
            "socializer_takeout":1,
            "generated_at":"2026-06-15T12:00:00Z",
            "user":{"id":2,"username":"lost"},
            "account":{"id":2,"username":"lost","role":"user","active":true,"temperature":0.7,"preferences":{},"member_since":"2026-06-14","messages":0,"has_email":true,"email_format":"sha256","email":null,"has_memory":true,"llm_provider":null,"llm_endpoint":null,"llm_model":null,"has_encryption_key":true},
            "conversation_memory":null,
            "stored_messages":[],
            "preferences":[],
            "skill_levels":[],
            "training":[],
            "rooms_created":[],
            "memberships":[],
            "room_messages":[],
            "general_chat_messages":[],
            "invites_sent":[],
            "invites_received":[],
            "revoked_tokens":[],
            "error_logs":[],
            "other_tables":{
            "life_events":[]
            },
            "notes":[
            {"section":"conversation_memory","note":"invalid token: the memory of user 'lost' cannot be decrypted with their key; it is left out"}
            ]
            }

            """#

    static func notAudited(_ f: UsersFixture) -> String {
        "socializer: warning: this change is not audited: the database has no audit trail before migration "
            + "0005_admin_audit; add it with: socializer --db \(f.db) migrate up\n"
    }

    /// The JSON Lines form of a JSON document: the header line, then each
    /// record of each section on its own line, in the same order.
    static func lines(of document: String) throws -> String {
        let members = try #require(try JSONParser.parse(document).objectMembers)
        let header = ["socializer_takeout", "generated_at", "user"]
        var text = JSONValue.object(members.filter { header.contains($0.0) }).compactText + "\n"
        func line(_ section: String, _ table: String?, _ record: JSONValue) {
            var fields: [(String, JSONValue)] = [("section", .string(section))]
            if let table { fields.append(("table", .string(table))) }
            text += JSONValue.object(fields + [("record", record)]).compactText + "\n"
        }
        for (section, value) in members where !header.contains(section) {
            switch value {
            case .array(let records): for record in records { line(section, nil, record) }
            case .object(let tables) where section == "other_tables":
                for (table, records) in tables { for record in records.arrayItems { line(section, table, record) } }
            default: line(section, nil, value)
            }
        }
        return text
    }

    /// Entries of the audit trail, oldest first.
    static func trail(_ f: UsersFixture) throws -> [Row] {
        try f.connection().rows("SELECT * FROM admin_audit ORDER BY id")
    }

    // MARK: The document

    @Test func aUserTouchingEveryTableGetsEverythingAboutThemAndNothingElse() throws {
        let f = try TakeoutRows.everyTable()
        f.environment["SOCIALIZER_ACTOR"] = "dpo@example.org"
        let before = try Self.trail(f).count
        let json = f.cli(["users", "takeout", "alice"])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        #expect(json.stdout == Self.everyTableDocument)
        // --json and table format mean the same document; JSON Lines carries the same records.
        #expect(f.cli(["--json", "users", "takeout", "id:1"]).stdout == Self.everyTableDocument)
        let jsonl = f.cli(["--format", "jsonl", "users", "takeout", "alice"])
        #expect(jsonl.status == 0)
        #expect(jsonl.stdout == (try Self.lines(of: Self.everyTableDocument)))
        // One entry per takeout: who took whose data, in which form, how much of each section; no row changed.
        let trail = try Self.trail(f)
        try #require(trail.count == before + 3)
        let entry = trail[before + 2]
        #expect(try entry.string("command") == "users takeout" && entry.string("actor") == "dpo@example.org")
        #expect(try entry.optionalString("target") == "users:1 (alice)" && entry.string("rows") == "{}")
        #expect(try entry.string("details") == #"{"arguments":{"USER":"alice"},"report":{"format":"jsonl","records":28,"sections":{"#
            + #""account":1,"conversation_memory":1,"stored_messages":0,"preferences":2,"skill_levels":2,"training":2,"rooms_created":2,"#
            + #""memberships":4,"room_messages":4,"general_chat_messages":2,"invites_sent":1,"invites_received":1,"revoked_tokens":1,"#
            + #""error_logs":1,"other_tables.friendships":2,"other_tables.life_events":1,"other_tables.training_schedules":1,"notes":0}}}"#)
    }

    @Test func aUserTheAppWroteIsReadInTheAppsFormats() throws {
        let f = try TakeoutRows.legacy()
        let db = try f.connection()
        let before = try contents(db)
        let chatty = f.cli(["users", "takeout", "chatty"])
        #expect(chatty.status == 0)
        #expect(chatty.stdout == Self.chattyDocument)
        // The app's database is at version 1: no trail to record in, said once, as for every change.
        #expect(chatty.stderr == Self.notAudited(f))
        // Memory that does not decrypt with the user's key is a note, not a failure.
        let lost = f.cli(["users", "takeout", "lost"])
        #expect(lost.status == 0 && lost.stdout == Self.lostDocument && lost.stderr == Self.notAudited(f))
        #expect(try contents(db) == before)
    }

    @Test func memoryThatIsNotTheAppsDocumentIsIncludedWithANote() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        #expect(f.create("bob").status == 0)
        let db = try f.connection()
        for (id, plain) in [(1, #"["not", "an object"]"#), (2, "plain words")] {
            let key = try FernetKey(encoded: try db.scalar("SELECT encryption_key FROM users WHERE id = ?", [id]).textValue!)
            try db.execute("UPDATE users SET conversation_memory = ? WHERE id = ?",
                           [try Fernet.encrypt(Array(plain.utf8), key: key, now: testNow.secondsSinceEpoch), id])
        }
        try db.execute("UPDATE users SET messages = 'lots' WHERE id = 2")
        let alice = try JSONParser.parse(f.cli(["users", "takeout", "alice"]).stdout)
        #expect(alice["conversation_memory"] == .array([.string("not"), .string("an object")]))
        #expect(alice["notes"] == .array([.object([("section", .string("conversation_memory")),
            ("note", .string("the memory is not the app's document (it is JSON but an array, not an object); it is included as it decrypts"))])]))
        let bob = try JSONParser.parse(f.cli(["users", "takeout", "bob"]).stdout)
        #expect(bob["conversation_memory"] == .string("plain words"))
        #expect(bob["stored_messages"] == .array([.string("lots")]))
        #expect(bob["notes"]?.arrayItems.map { $0["section"] } == [.string("conversation_memory"), .string("stored_messages")])
        #expect(bob["notes"]?.arrayItems.last?["note"]
                == .string("users.messages holds text that is not JSON, neither a count nor the app's list of messages; it is included as stored"))
    }

    // MARK: Coverage

    /// Every reference to users in the compiled schema is read by a section
    /// of its own: a table added to the model (or a reference added to a
    /// table) fails here until the takeout says what to do with it.
    @Test func everyCompiledReferenceToUsersHasASection() {
        let compiled = Set(SchemaModel.tables.flatMap { table in
            table.foreignKeys.filter { $0.table == "users" }.map { ReferenceCascade.Column(table.name, $0.column) }
        })
        #expect(compiled == UsersTakeout.covered, "\(compiled.symmetricDifference(UsersTakeout.covered))")
        #expect(compiled.count == 11)
        // And the document's members are the sections, in their order, between the header and the notes.
        let names = UsersTakeout.sections.map(\.name)
        #expect(Set(names).count == names.count)
        let members = (try? JSONParser.parse(Self.everyTableDocument).objectMembers?.map(\.0)) ?? []
        #expect(members == ["socializer_takeout", "generated_at", "user"] + names + ["notes"])
    }

    /// On the live schema, every table with a reference to users (the app's
    /// own extra tables, one with two references, a WITHOUT ROWID one, and a
    /// known table that gained a reference) is read: by its section, or in
    /// `other_tables` with exactly the rows that refer to the user.
    @Test(arguments: [false, true])
    func everyTableOfTheLiveSchemaThatRefersToUsersIsRead(legacy: Bool) throws {
        let f = legacy ? try TakeoutRows.legacy() : try TakeoutRows.everyTable()
        let db = try f.connection()
        if legacy { try db.execute(TakeoutRows.friendshipsDDL) }
        try db.execute("CREATE TABLE kudos (giver_id INTEGER NOT NULL REFERENCES users (id), taker_id INTEGER NOT NULL REFERENCES users (id), "
                       + "points INTEGER, PRIMARY KEY (giver_id, taker_id)) WITHOUT ROWID")
        try db.execute("INSERT INTO kudos VALUES (2, 1, 5), (1, 2, 3), (2, 2, 1)")
        try db.execute("ALTER TABLE room_messages ADD COLUMN mentioned_user_id INTEGER REFERENCES users (id)")
        try db.execute("INSERT INTO friendships VALUES (9, 1, 1, NULL, NULL)")
        let references = try ReferencesToUsers(db)
        let document = try JSONParser.parse(f.cli(["users", "takeout", "id:1"]).stdout)
        let other = try #require(document["other_tables"]?.objectMembers)
        for table in references.tables {
            let uncovered = references.columns(of: table).filter { !UsersTakeout.covered.contains(.init(table, $0)) }
            if uncovered.isEmpty { continue }
            let condition = uncovered.map { "\(SQL.quote($0)) = 1" }.joined(separator: " OR ")
            let expected = try db.scalarInt("SELECT count(*) FROM \(SQL.quote(table)) WHERE \(condition)")
            let rows = other.first { $0.0 == table }?.1.arrayItems
            #expect(rows?.count == Int(expected), "\(table): \(String(describing: rows))")
        }
        #expect(Set(references.tables).isSuperset(of: ["kudos", "friendships", "life_events", "room_messages", "room_invites", "token_blacklist"]))
        #expect(other.map(\.0) == (legacy ? ["friendships", "kudos", "life_events", "room_messages"]
                                           : ["friendships", "kudos", "life_events", "room_messages", "training_schedules"]))
        // A WITHOUT ROWID table in its primary key's order; both references name a user, the other one by username.
        let (me, them) = legacy ? ("chatty", "lost") : ("alice", "bob")
        #expect(other.first { $0.0 == "kudos" }?.1 == .array([
            .object([("giver", .string(me)), ("taker", .string(them)), ("points", .integer(3))]),
            .object([("giver", .string(them)), ("taker", .string(me)), ("points", .integer(5))])]))
        #expect(other.first { $0.0 == "room_messages" }?.1 == .array([]))
    }

    // MARK: Secrets

    /// No password hash, encryption key, email hash, memory ciphertext,
    /// room password or whole token, in either form, for any user: the
    /// values are read from the database and searched for in the output.
    @Test func noSecretIsEverWritten() throws {
        let f = try TakeoutRows.everyTable()
        let db = try f.connection()
        // Emails in the app's other stored forms too: a bcrypt hash and a SHA-256 digest.
        try db.execute("UPDATE users SET hashed_email = ? WHERE id = 2", [try Bcrypt.hash(Array("bob@example.com".utf8), cost: 4)])
        try db.execute("UPDATE users SET hashed_email = ? WHERE id = 3", [Hex.encode(Digest.sha256(Array("carol@example.com".utf8)))])
        var secrets: [String] = [TakeoutRows.roomPassword, "pw-alice-secret"]
        for row in try db.rows("SELECT hashed_password, hashed_email, encryption_key, conversation_memory FROM users") {
            secrets += row.values.compactMap(\.textValue)
        }
        for row in try db.rows("SELECT token FROM token_blacklist") {
            let token = try row.string("token")
            secrets += [token, String(token.split(separator: ".")[1]), String(token.split(separator: ".")[2])]
        }
        #expect(secrets.count == 2 + 4 + 3 + 3 + 2 * 3) // bob and carol have no memory
        for name in ["alice", "bob", "carol"] {
            for format in ["json", "jsonl"] {
                let result = f.cli(["--format", format, "users", "takeout", name])
                #expect(result.status == 0)
                for secret in secrets where result.stdout.contains(secret) {
                    Issue.record("\(name) (\(format)): a secret is in the document: \(secret.prefix(12))…")
                }
            }
        }
        // The memory is there, decrypted; the address only when stored as typed.
        #expect(f.cli(["users", "takeout", "alice"]).stdout.contains("I get nervous at parties"))
        try db.execute("UPDATE users SET hashed_email = ' Bob@Example.com' WHERE id = 2")
        #expect(try JSONParser.parse(f.cli(["users", "takeout", "bob"]).stdout)["account"]?["email"] == .string(" Bob@Example.com"))
    }

    // MARK: The output file

    @Test func outputIsAPrivateFileThatNeverReplacesAnother() throws {
        let f = try TakeoutRows.everyTable()
        let path = f.folder.file("alice.json")
        let written = f.cli(["users", "takeout", "alice", "--output", path])
        #expect(written.status == 0 && written.stdout.isEmpty)
        #expect(written.stderr == "socializer: wrote the takeout of user 'alice' to '\(path)': 28 record(s)\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.everyTableDocument)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(f.cli(["-q", "users", "takeout", "alice", "--output", f.folder.file("quiet.json")]).stderr.isEmpty)
        // An existing file is refused before the database is read, and left as it was.
        let db = try f.connection()
        let before = try contents(db)
        let kept = f.folder.write("kept.json", "mine\n")
        let refused = f.cli(["users", "takeout", "alice", "--output", kept])
        #expect(refused.status == 73 && refused.stdout.isEmpty)
        #expect(refused.stderr == "socializer: error: '\(kept)' already exists\n"
                + "hint: choose another path or remove it first; a takeout never overwrites\n")
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mine\n")
        #expect(symlink("nowhere", f.folder.file("dangling")) == 0)
        #expect(f.cli(["users", "takeout", "alice", "--output", f.folder.file("dangling")]).status == 73)
        let noFolder = f.cli(["users", "takeout", "alice", "--output", f.folder.file("missing/alice.json")])
        #expect(noFolder.status == 73)
        #expect(noFolder.stderr.hasPrefix("socializer: error: cannot create '\(f.folder.file("missing/alice.json"))': No such file or directory\n"),
                "\(noFolder.stderr)")
        #expect(try contents(db) == before)
        // - is standard output.
        #expect(f.cli(["users", "takeout", "alice", "--output", "-"]).stdout == Self.everyTableDocument)
        #expect(!f.folder.listing().contains { $0.contains("partial") })
    }

    // MARK: Refusals and failures

    /// A refusal or a failure writes no document, prints nothing on
    /// standard output, leaves no file and records nothing.
    @Test func aTakeoutThatCannotBeCompletedLeavesNothingBehind() throws {
        let f = try TakeoutRows.everyTable()
        let db = try f.connection()
        let before = try contents(db)
        let listing = f.folder.listing()
        let output = f.folder.file("out.json")
        for (arguments, status, message) in [
            (["users", "takeout", "nobody", "--output", output], Int32(66), "user 'nobody' not found"),
            (["users", "takeout", "id:99"], 66, "user with id 99 not found"),
            (["--format", "csv", "users", "takeout", "alice"], 64,
             "'users takeout' writes json or jsonl; --format csv does not apply\nhint: use --format json|jsonl"),
            (["--format", "tsv", "users", "takeout", "alice", "--output", output], 64, "--format tsv does not apply"),
            (["--fields", "account", "users", "takeout", "alice"], 64,
             "'users takeout' writes whole records; --fields does not apply\nhint: leave out --fields"),
            (["users", "takeout"], 64, "USER"),
            (["users", "takeout", "alice", "--output"], 64, "--output needs a value"),
        ] as [([String], Int32, String)] {
            let result = f.cli(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        // Checked before the database is opened: a missing database file is not what is reported.
        let missing = runCLI(["--db", f.folder.file("none.db"), "--format", "csv", "users", "takeout", "alice"])
        #expect(missing.status == 64)
        // A temporary folder that cannot be written: nothing to print, nothing recorded.
        f.environment["TMPDIR"] = f.folder.file("no-such-folder")
        let spool = f.cli(["users", "takeout", "alice"])
        #expect(spool.status == 73 && spool.stdout.isEmpty)
        #expect(spool.stderr.hasPrefix("socializer: error: cannot create a temporary file in '\(f.folder.file("no-such-folder"))' for the document: "
                                       + "No such file or directory\nhint: set TMPDIR to a folder with room, or write it with --output FILE\n"),
                "\(spool.stderr)")
        f.environment["TMPDIR"] = nil
        #expect(try contents(db) == before)
        #expect(f.folder.listing() == listing)
    }

    /// The entry is written before the document is published: when it
    /// cannot be, no file appears and nothing is printed.
    @Test(arguments: [false, true])
    func noDocumentIsHandedOutUnrecorded(toFile: Bool) throws {
        let f = try TakeoutRows.everyTable()
        let db = try f.connection()
        try db.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'no entries today'); END")
        let before = try contents(db)
        let listing = f.folder.listing()
        let result = f.cli(["users", "takeout", "alice"] + (toFile ? ["--output", f.folder.file("alice.json")] : []))
        #expect(result.status == 65 && result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("socializer: error: the takeout of user 'alice' was not written: its audit entry could not be written: "
                                        + "the change breaks a database constraint"), "\(result.stderr)")
        #expect(try contents(db) == before)
        #expect(f.folder.listing() == listing)
    }

    @Test func aDryRunCountsAndWritesNothing() throws {
        let f = try TakeoutRows.everyTable()
        let db = try f.connection()
        let before = try contents(db)
        let output = f.folder.file("alice.json")
        let dry = f.cli(["--dry-run", "users", "takeout", "alice", "--output", output])
        #expect(dry.status == 0 && dry.stdout.isEmpty)
        #expect(dry.stderr == "socializer: dry run: the takeout of user 'alice' would hold 28 record(s) (account 1, conversation_memory 1, "
                + "preferences 2, skill_levels 2, training 2, rooms_created 2, memberships 4, room_messages 4, general_chat_messages 2, "
                + "invites_sent 1, invites_received 1, revoked_tokens 1, error_logs 1, other_tables.friendships 2, other_tables.life_events 1, "
                + "other_tables.training_schedules 1); nothing was written or recorded\n", "\(dry.stderr)")
        #expect(!f.folder.exists("alice.json"))
        #expect(try contents(db) == before)
    }

    /// Recording the entry needs a writable database: a read-only one is
    /// refused, unless the entry is skipped with both switches.
    @Test func aReadOnlyDatabaseNeedsTheTrailSkippedOnPurpose() throws {
        let f = try TakeoutRows.everyTable()
        let db = try f.connection()
        let before = try contents(db)
        chmod(f.db, 0o444)
        defer { chmod(f.db, 0o644) }
        let refused = f.cli(["users", "takeout", "alice"])
        #expect(refused.status == 77 && refused.stdout.isEmpty)
        #expect(refused.stderr == "socializer: error: a takeout is recorded in the audit trail, and database '\(f.db)' is read-only; nothing was changed\n"
                + "hint: make it writable, or skip the entry with --no-audit and SOCIALIZER_AUDIT=off\n", "\(refused.stderr)")
        #expect(f.cli(["--no-audit", "users", "takeout", "alice"]).status == 78)
        f.environment["SOCIALIZER_AUDIT"] = "off"
        let skipped = f.cli(["--no-audit", "users", "takeout", "alice"])
        #expect(skipped.status == 0 && skipped.stdout == Self.everyTableDocument, "\(skipped.stderr)")
        #expect(try contents(db) == before)
    }

    // MARK: Streaming

    /// Many records stream through the same document shape (the writer's
    /// buffer is flushed many times over), in both forms.
    @Test func aLargeTakeoutIsOneValidDocument() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["-q", "rooms", "create", "--creator", "alice", "--name", "lobby"]).status == 0)
        let db = try f.connection()
        let text = String(repeating: "a long message ", count: 20)
        try db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
            INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, is_deleted)
            SELECT 1, 1, 'user', ? || i, 'text', '{}', '2026-06-15 10:00:00.000000', 0 FROM n
            """, [text])
        let json = f.cli(["users", "takeout", "alice"])
        #expect(json.stdout.utf8.count > 3000 * 300)
        let messages = try JSONParser.parse(json.stdout)["room_messages"]?.arrayItems ?? []
        #expect(messages.count == 3000 && messages.last?["content"] == .string(text + "3000"))
        let jsonl = f.cli(["--format", "jsonl", "users", "takeout", "alice"]).stdout
        #expect(jsonl == (try Self.lines(of: json.stdout)))
    }
}
