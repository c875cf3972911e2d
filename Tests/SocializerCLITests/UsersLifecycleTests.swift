import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

@Suite struct UsersDeleteTests {
    /// Rows of every table for user 1 (alice) of the legacy fixture.
    static let expectedLegacyCounts = """
        TABLE                  DELETED  DETACHED
        room_invites           2        0
        general_chat_messages  1        0
        room_messages          3        0
        room_members           3        0
        chat_rooms             1        0
        user_preferences       1        0
        training               1        0
        user_skills            1        0
        error_logs             0        0
        token_blacklist        1        0
        life_events            1        0
        users                  1        0

        """

    func legacy(migrateUp: Bool) throws -> UsersFixture {
        let f = UsersFixture(migrate: false)
        try LegacyDatabase.create(at: f.db)
        #expect(f.cli(["migrate", "baseline"]).status == 0)
        if migrateUp { #expect(f.cli(["migrate", "up", "--no-backup"]).status == 0) }
        return f
    }

    @Test(arguments: [false, true])
    func deleteRemovesEverythingOnLegacyAndMigratedSchemas(migrateUp: Bool) throws {
        let f = try legacy(migrateUp: migrateUp)
        let result = f.cli(["-y", "users", "delete", "alice"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Self.expectedLegacyCounts)
        // A baselined database (version 1) has no audit trail yet: the delete goes ahead and says it was not recorded.
        let unaudited = migrateUp ? "" : "socializer: warning: this change is not audited: the database has no audit trail before "
            + "migration 0005_admin_audit; add it with: socializer --db \(f.db) migrate up\n"
        #expect(result.stderr == unaudited + "socializer: user 'alice' deleted\n")
        let db = try f.connection()
        for (table, column) in [("chat_rooms", "creator_id"), ("room_members", "user_id"), ("room_messages", "sender_id"),
                                ("room_invites", "inviter_id"), ("general_chat_messages", "sender_id"), ("user_skills", "user_id"),
                                ("training", "user_id"), ("user_preferences", "user_id"), ("token_blacklist", "user_id")] {
            #expect(try db.scalarInt("SELECT count(*) FROM \(table) WHERE \(column) = 1") == 0, "\(table)")
        }
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE room_id = 1") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 2)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
        // life_events (an app table the tool does not know) refers to users: alice's row went with her.
        #expect(try db.scalarInt("SELECT count(*) FROM life_events") == 0)
    }

    @Test func keepLogsNullsTheReferenceInstead() throws {
        let f = try legacy(migrateUp: true)
        let result = f.cli(["-y", "--format", "csv", "--no-header", "users", "delete", "bob", "--keep-logs"])
        #expect(result.stdout.contains("error_logs,0,1\r\n") && result.stdout.contains("users,1,0\r\n"))
        let db = try f.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM error_logs WHERE id = 1 AND user_id IS NULL") == 1)
    }

    @Test func withoutYesOrATerminalNothingIsDeleted() throws {
        let f = try legacy(migrateUp: true)
        let before = f.folder.snapshot()
        let result = f.cli(["users", "delete", "alice"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: refusing to delete user 'alice' and everything that refers to them without confirmation\nhint: add --yes"))
        #expect(f.folder.snapshot() == before)
        #expect(f.cli(["-y", "users", "delete", "nobody"]).status == 66)
        #expect(f.folder.snapshot() == before)
    }

    @Test func aDryRunReportsTheSameCountsAndChangesNothing() throws {
        let f = try legacy(migrateUp: false)
        let before = f.folder.snapshot()
        let dry = f.cli(["--dry-run", "users", "delete", "alice"])
        #expect(dry.status == 0 && dry.stdout == Self.expectedLegacyCounts)
        #expect(dry.stderr.contains("dry run: user 'alice' would be deleted; nothing was changed"))
        #expect(f.folder.snapshot() == before)
    }
}

@Suite struct UsersMemoryTests {
    let f = UsersFixture()
    init() { f.create("alice"); f.create("bob"); f.create("carol") }

    /// The app's memory document (SPEC §2), with `text` as its one message.
    static func document(_ text: String, user: Int = 1) -> String {
        #"{"messages":[{"role":"user","content":"\#(text)"}],"general_chat":[],"ai_conversation":[],"#
            + #""metadata":{"created_at":"2026-06-01T10:00:00","last_updated":"2026-06-01T10:00:00","user_id":\#(user),"version":"1.0"}}"#
    }

    @Test func setShowClear() throws {
        let chess = Self.document("Likes chess ♟")
        #expect(f.cli(["users", "memory", "set", "alice", "--stdin", "-q"], stdin: chess).status == 0)
        let token = try f.connection().scalar("SELECT conversation_memory FROM users WHERE id = 1")
        guard case .text(let text) = token else { Issue.record("no memory stored"); return }
        #expect(text.hasPrefix("gAAAAA"))
        #expect(f.cli(["users", "memory", "show", "alice"]).stdout == chess + "\n")
        let json = f.cli(["--json", "users", "memory", "show", "alice"])
        #expect(try JSONParser.parse(json.stdout)["memory"] == .string(chess))
        let file = f.folder.write("memory.json", Self.document("from a file"))
        #expect(f.cli(["users", "memory", "set", "alice", "--file", file, "-q"]).status == 0)
        #expect(f.cli(["users", "memory", "show", "alice"]).stdout == Self.document("from a file") + "\n")
        // clear writes the app's empty document, which the app reads as "no memory yet".
        #expect(f.cli(["users", "memory", "clear", "alice", "-q"]).status == 0)
        let empty = f.cli(["users", "memory", "show", "alice"])
        #expect(empty.status == 0 && empty.stderr.isEmpty)
        #expect(try JSONParser.parse(empty.stdout) == ConversationMemory.empty(userID: 1, now: testNow))
        #expect(empty.stdout.contains(#""metadata":{"created_at":"2026-06-15T12:00:00.000000","last_updated":"2026-06-15T12:00:00.000000","user_id":1,"version":"1.0"}"#))
        #expect(f.cli(["users", "memory", "clear", "alice", "--null", "-q"]).status == 0)
        let none = f.cli(["users", "memory", "show", "alice"])
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("has no memory"))
        #expect(try f.connection().scalar("SELECT conversation_memory FROM users WHERE id = 1") == .null)
        let neither = f.cli(["users", "memory", "set", "alice"])
        #expect(neither.status == 64 && neither.stderr.contains("one of --file or --stdin is required"))
        let missing = f.cli(["users", "memory", "set", "alice", "--file", f.folder.file("nope")])
        #expect(missing.status == 66 && missing.stderr.contains("does not exist"))
    }

    @Test func setCompletesTheAppsDocumentAndRefusesOtherShapes() throws {
        let partial = f.cli(["users", "memory", "set", "alice", "--stdin"], stdin: #"{"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(partial.status == 0, "\(partial.stderr)")
        #expect(partial.stderr.contains(#"added the app's empty "general_chat", "ai_conversation", "metadata" to the memory"#))
        let stored = try JSONParser.parse(f.cli(["users", "memory", "show", "alice"]).stdout)
        #expect(stored["messages"] == .array([.object([("role", .string("user")), ("content", .string("hi"))])]))
        #expect(stored["general_chat"] == .array([]) && stored["ai_conversation"] == .array([]))
        #expect(stored["metadata"]?["user_id"] == .integer(1) && stored["metadata"]?["version"] == .string("1.0"))
        let db = try f.connection()
        let before = try db.rows("SELECT * FROM users ORDER BY id").map(\.values)
        let refusals: [(String, String)] = [
            ("plain text", "the memory is not JSON"),
            ("[1, 2]", "the memory must be a JSON object (the app's document), not an array"),
            (#"{"messages": {}}"#, #"member "messages" must be a JSON array, not an object"#),
            (#"{"metadata": []}"#, #"member "metadata" must be a JSON object, not an array"#),
        ]
        for (input, message) in refusals {
            let result = f.cli(["users", "memory", "set", "bob", "--stdin"], stdin: input)
            #expect(result.status == 65, "\(input)")
            #expect(result.stderr.contains("socializer: error: \(message)"), "\(input): \(result.stderr)")
        }
        #expect(try db.rows("SELECT * FROM users ORDER BY id").map(\.values) == before)
    }

    @Test func showWarnsWhenTheMemoryIsNotTheAppsDocument() throws {
        // What an older tool, or a script, may have stored: text the app would discard.
        let db = try f.connection()
        let key = try FernetKey(encoded: try #require(try db.firstRow("SELECT encryption_key FROM users WHERE id = 1")).string("encryption_key"))
        let token = try Fernet.encrypt(Array("free text".utf8), key: key, now: testNow.secondsSinceEpoch)
        try db.execute("UPDATE users SET conversation_memory = ? WHERE id = 1", [token])
        let shown = f.cli(["users", "memory", "show", "alice"])
        #expect(shown.status == 0 && shown.stdout == "free text\n")
        #expect(shown.stderr == "socializer: warning: the memory of user 'alice' is not the app's document (it is not JSON); the app will discard it\n")
    }

    @Test func tamperedMemoryOrAWrongKeyIsOneGenericError() throws {
        #expect(f.cli(["users", "memory", "set", "bob", "--stdin"], stdin: Self.document("secret memory", user: 2)).status == 0)
        let db = try f.connection()
        let token = try db.scalar("SELECT conversation_memory FROM users WHERE id = 2")
        guard case .text(var text) = token else { return }
        text = String(text.dropLast(4)) + "AAA="
        try db.execute("UPDATE users SET conversation_memory = ? WHERE id = 2", [text])
        let tampered = f.cli(["users", "memory", "show", "bob"])
        #expect(tampered.status == 65 && tampered.stdout.isEmpty)
        #expect(tampered.stderr.contains("invalid token: the memory of user 'bob' cannot be decrypted"))
        try db.execute("UPDATE users SET encryption_key = 'not-a-key' WHERE id = 2")
        let badKey = f.cli(["users", "memory", "show", "bob"])
        #expect(badKey.status == 65 && badKey.stderr.contains("invalid Fernet key for user 'bob'"))
        #expect(!badKey.stderr.contains("not-a-key"))
    }

    @Test func rotateKeyReencryptsAndAllReportsTheBrokenOnes() throws {
        for name in ["alice", "bob", "carol"] {
            #expect(f.cli(["users", "memory", "set", name, "--stdin"], stdin: Self.document("memory of \(name)")).status == 0)
        }
        let db = try f.connection()
        let keyBefore = try db.scalar("SELECT encryption_key FROM users WHERE id = 1")
        #expect(f.cli(["users", "rotate-key", "alice", "-q"]).stdout == "1\n")
        #expect(try db.scalar("SELECT encryption_key FROM users WHERE id = 1") != keyBefore)
        #expect(f.cli(["users", "memory", "show", "alice"]).stdout == Self.document("memory of alice") + "\n")
        try db.execute("UPDATE users SET conversation_memory = 'gAAAAAbroken==' WHERE id = 2")
        let brokenRow = try db.firstRow("SELECT encryption_key, conversation_memory FROM users WHERE id = 2")?.values
        let keys = try db.rows("SELECT encryption_key FROM users ORDER BY id").map { $0.values }
        let all = f.cli(["-y", "users", "rotate-key", "--all"])
        #expect(all.status == 65)
        #expect(all.stdout == "rotated 2 of 3 user(s)\n")
        #expect(all.stderr.contains("1 user(s) were left untouched"))
        #expect(all.stderr.contains("  invalid token: the memory of user 'bob' cannot be decrypted with their key"))
        #expect(try db.firstRow("SELECT encryption_key, conversation_memory FROM users WHERE id = 2")?.values == brokenRow)
        let after = try db.rows("SELECT encryption_key FROM users ORDER BY id").map { $0.values }
        #expect(after[0] != keys[0] && after[2] != keys[2])
        #expect(f.cli(["users", "memory", "show", "carol"]).stdout == Self.document("memory of carol") + "\n")
        // Re-running is harmless.
        #expect(f.cli(["-y", "users", "rotate-key", "--all"]).status == 65)
        #expect(f.cli(["users", "memory", "show", "carol"]).stdout == Self.document("memory of carol") + "\n")
        let usage = f.cli(["users", "rotate-key"])
        #expect(usage.status == 64 && usage.stderr.contains("give either USER or --all"))
    }
}

@Suite struct UsersPreferencesTests {
    let f = UsersFixture()
    init() { f.create("alice") }

    @Test func setListUnset() throws {
        #expect(f.cli(["users", "prefs", "set", "alice", "communication", "tone", "\"warm\"", "--confidence", "0.8"]).stdout == "set communication.tone\n")
        #expect(f.cli(["users", "prefs", "set", "alice", "topics", "likes", "[\"chess\", \"go\"]"]).status == 0)
        #expect(f.cli(["users", "prefs", "set", "alice", "communication", "tone", "\"dry\""]).status == 0)
        let list = f.cli(["--format", "csv", "users", "prefs", "list", "alice"])
        #expect(list.stdout == "id,type,key,value,confidence,last_updated\r\n1,communication,tone,\"\"\"dry\"\"\",1.0,2026-06-15\r\n2,topics,likes,\"[\"\"chess\"\",\"\"go\"\"]\",1.0,2026-06-15\r\n")
        #expect(try f.connection().scalar("SELECT preference_value FROM user_preferences WHERE id = 2") == .text("[\"chess\",\"go\"]"))
        let filtered = f.cli(["--format", "csv", "--no-header", "--fields", "key", "users", "prefs", "list", "alice", "--type", "topics"])
        #expect(filtered.stdout == "likes\r\n")
        #expect(f.cli(["users", "prefs", "unset", "alice", "topics", "likes"]).stdout == "removed topics.likes\n")
        let missing = f.cli(["users", "prefs", "unset", "alice", "topics", "likes"])
        #expect(missing.status == 66 && missing.stderr.contains("user 'alice' has no preference topics.likes"))
    }

    @Test func badValuesAreRefusedBeforeWriting() {
        let before = f.folder.snapshot()
        let json = f.cli(["users", "prefs", "set", "alice", "t", "k", "{bad"])
        #expect(json.status == 65 && json.stderr.contains("error: argument JSON is not valid JSON"))
        let confidence = f.cli(["users", "prefs", "set", "alice", "t", "k", "1", "--confidence", "1.5"])
        #expect(confidence.status == 64 && confidence.stderr.contains("from 0.0 to 1.0"))
        #expect(f.folder.snapshot() == before)
    }

    @Test func skillsShowsLevelsAndTraining() throws {
        let legacy = UsersFixture(migrate: false)
        try LegacyDatabase.create(at: legacy.db)
        #expect(legacy.cli(["migrate", "baseline"]).status == 0)
        let result = legacy.cli(["--format", "csv", "users", "skills", "bob"])
        #expect(result.stdout == "skill,level,training,progress,started_at,completed_at\r\nactive_listening,10,completed,1.0,2025-11-01,2025-12-01\r\n")
    }
}
