#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The fixtures the project ships (`fixtures/demo.json`, `fixtures/ci.json`);
/// the tests' own files are under `fixturesFolder()` (Tests/Fixtures).
func shippedFixtures() -> String { repositoryRoot() + "/fixtures" }

/// A folder for `seed` runs: the database does not exist until a test makes it.
final class SeedFixture {
    let f = UsersFixture(migrate: false)
    var db: String { f.db }
    var folder: TemporaryDirectory { f.folder }

    func cli(_ arguments: [String], stdin: String = "") -> CLIResult { f.cli(arguments, stdin: stdin) }

    /// Seeds and expects success.
    @discardableResult
    func seed(_ arguments: [String], stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let result = cli(["seed"] + arguments, stdin: stdin)
        #expect(result.status == 0, "seed \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func dump(_ arguments: [String] = ["--include-secrets"]) -> String {
        let result = cli(["dump"] + arguments)
        #expect(result.status == 0, "dump: \(result.stderr)")
        return result.stdout
    }

    func connection() throws -> Connection { try Connection(path: db) }

    func count(_ table: String) throws -> Int64 { try connection().scalarInt("SELECT count(*) FROM \(table)") }

    /// Runs and checks status and message, and that no file of the folder changed.
    @discardableResult
    func refused(_ arguments: [String], stdin: String = "", _ status: Int32, _ message: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let before = folder.snapshot()
        let result = cli(arguments, stdin: stdin)
        #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)", sourceLocation: sourceLocation)
        #expect(folder.snapshot() == before, "\(arguments) changed the folder", sourceLocation: sourceLocation)
        return result
    }
}

@Suite struct SeedTests {
    let s = SeedFixture()

    static let demoCounts = "table,created,updated,skipped\r\nusers,6,0,0\r\nskills,6,0,0\r\nuser_skills,7,0,0\r\ntraining,5,0,0\r\n"
        + "user_preferences,3,0,0\r\nchat_rooms,4,0,0\r\nroom_members,11,0,0\r\nroom_messages,13,0,0\r\nroom_invites,4,0,0\r\n"
        + "general_chat_messages,3,0,0\r\ntoken_blacklist,3,0,0\r\nerror_logs,4,0,0\r\n"

    @Test func aMissingDatabaseIsCreatedMigratedAndSeeded() throws {
        let result = s.cli(["--format", "csv", "seed", "--demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Self.demoCounts)
        #expect(result.stderr == "socializer: created '\(s.db)' from demo.json (built in)\n")
        #expect(s.folder.listing() == ["app.db"], "no temporary file, journal or WAL is left")
        #expect(s.folder.mode("app.db") == 0o600)
        let db = try s.connection()
        #expect(try db.scalar("PRAGMA journal_mode") == .text("wal"))
        #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
        #expect(s.cli(["migrate", "validate"]).status == 0)
        #expect(try db.scalarInt("SELECT max(version) FROM schema_migrations") == Int64(Migrations.latestVersion))
        // The indexes deferred for the load are all back, as the migrations made them.
        let migrated = SeedFixture()
        #expect(migrated.cli(["migrate", "up"]).status == 0)
        let schema = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        #expect(try db.rows(schema).map(\.values) == migrated.connection().rows(schema).map(\.values))
        #expect(try queryPlan(db, "SELECT id FROM room_messages WHERE room_id = ? ORDER BY created_at DESC").contains("ix_room_messages_room_id_created_at"))
    }

    @Test func theDemoFixtureFileLoadsTheSameAsTheCompiledIn() throws {
        s.seed(["--demo"])
        let compiled = s.dump()
        let other = SeedFixture()
        other.seed([shippedFixtures() + "/demo.json"])
        // Memory, keys and hashes are made at load time; everything else is the same.
        #expect(s.dump([]) == other.dump([]))
        #expect(compiled.contains("\"password_hash\":\"$2b$12$F94QLLeCp8XlQiR0CoyYRO5kZG7miRASXV.oBFmw7pPfXJrWjH.Qe\""))
    }

    @Test func fixtureLinesLoadFromAFileAndFromStandardInput() throws {
        s.seed(["--demo"])
        let lines = s.cli(["--format", "jsonl", "dump", "--include-secrets"]).stdout
        #expect(lines.split(separator: "\n").count == 69)
        #expect(lines.hasPrefix(#"{"table":"users","record":{"username":"ada","#))
        let fromFile = SeedFixture()
        fromFile.seed([fromFile.folder.write("all.jsonl", lines)])
        let fromStdin = SeedFixture()
        fromStdin.seed(["-", "--input-format", "jsonl"], stdin: lines)
        #expect(fromFile.cli(["--format", "jsonl", "dump", "--include-secrets"]).stdout == lines)
        #expect(fromStdin.cli(["--format", "jsonl", "dump", "--include-secrets"]).stdout == lines)
    }

    @Test func severalFilesLoadInOneTransactionInTheirOrder() throws {
        let people = s.folder.write("people.json", #"{"socializer_fixture": 1, "users": [{"username": "amy", "password": "pw-amy-1234"}]}"#)
        let rooms = s.folder.write("rooms.jsonl", """
            {"table": "chat_rooms", "record": {"key": "r", "creator": "amy", "name": "Amy's"}}
            {"table": "room_members", "record": {"room": "r", "user": "amy", "role": "creator"}}

            """)
        let result = s.seed([people, rooms])
        #expect(result.stderr.contains("from \(people), \(rooms)"))
        #expect(try s.count("room_members") == 1)
        // Later files may refer to users already stored (by username), not to rooms of an earlier run.
        let more = s.folder.write("more.jsonl", #"{"table": "general_chat_messages", "record": {"sender": "amy", "content": "hi"}}"# + "\n")
        s.seed([more])
        let stray = s.folder.write("stray.jsonl", #"{"table": "room_messages", "record": {"room": "r", "sender": "amy", "content": "x"}}"# + "\n")
        s.refused(["seed", stray], 65, "stray.jsonl:1:1: unknown room key 'r' (no earlier record of the fixture has that key)")
    }

    /// Every column of every table can be given, in the forms the app writes (SPEC §2).
    @Test func everyColumnOfEveryTableIsStoredAsGiven() throws {
        s.seed(["--demo"])
        let db = try s.connection()
        let ada = try #require(try db.firstRow("SELECT * FROM users WHERE username = 'ada'"))
        #expect(ada["role"] == .text("admin") && ada["temperature"] == .real(0.5) && ada["preferences"] == .text(#"{"tone":"direct"}"#))
        #expect(ada["hashed_email"] == .text("ada@example.com") && ada["member_since"] == .text("2025-11-30"))
        let tim = try #require(try db.firstRow("SELECT * FROM users WHERE username = 'tim'"))
        #expect(tim["hashed_password"] == .text("$2b$12$F94QLLeCp8XlQiR0CoyYRO5kZG7miRASXV.oBFmw7pPfXJrWjH.Qe"))
        #expect(tim["hashed_email"] == .text(Hex.encode(Digest.sha256(Array("tim@example.com".utf8)))))
        let margaret = try db.scalar("SELECT messages FROM users WHERE username = 'margaret'")
        guard case .text(let list) = margaret else { Issue.record("messages: \(margaret)"); return }
        #expect(try JSONParser.parse(list).arrayItems.count == 2)
        #expect(try db.scalar("SELECT hashed_email FROM users WHERE username = 'hedy'").isNoEmailPlaceholder)
        let completed = try #require(try db.firstRow("SELECT * FROM training WHERE status = 'completed'"))
        #expect(completed["progress"] == .real(1.0) && completed["completed_at"] == .text("2026-03-20") && completed["started_at"] == .text("2026-01-05"))
        #expect(try db.scalar("SELECT preference_value FROM user_preferences WHERE preference_key = 'interests'") == .text(#"["chess","hiking"]"#))
        let hall = try #require(try db.firstRow("SELECT * FROM chat_rooms WHERE name = 'Practice hall'"))
        #expect(hall["created_at"] == .text("2026-02-01 09:00:00.000000") && hall["is_public"] == .integer(1) && hall["password"] == .text("tuesday"))
        #expect(try db.scalar("SELECT name FROM chat_rooms WHERE room_type = 'direct'") == .null)
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE user_id IS NULL AND role = 'ai'") == 3)
        let ai = try #require(try db.firstRow("SELECT * FROM room_messages WHERE sender_type = 'ai' ORDER BY id"))
        #expect(ai["sender_id"] == .null && ai["message_metadata"] == .text(#"{"model":"llama3","tokens":14}"#))
        #expect(try db.scalar("SELECT message_metadata FROM room_messages WHERE sender_type = 'user' ORDER BY id") == .text("{}"))
        #expect(try db.scalar("SELECT edited_at FROM room_messages WHERE edited_at IS NOT NULL") == .text("2026-06-12 18:06:10.000000"))
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE is_deleted = 1") == 1)
        let invite = try #require(try db.firstRow("""
            SELECT i.status, m.message_type, m.content FROM room_invites i JOIN room_messages m ON m.id = i.message_id
            WHERE i.status = 'accepted'
            """))
        #expect(invite.values == [.text("accepted"), .text("invite"), .text("ada invited linus to Practice hall")])
        #expect(try db.scalarInt("SELECT count(*) FROM room_invites WHERE status = 'pending' AND responded_at IS NULL") == 1)
        #expect(try db.scalar("SELECT timestamp FROM error_logs WHERE error_type = 'TimeoutError'") == .text("2026-06-13 22:10:05.250000"))
        #expect(try db.scalar("SELECT context FROM error_logs WHERE error_type = 'TimeoutError'") == .text(#"{"path":"/api/chat","provider":"ollama"}"#))
        #expect(try db.scalar("SELECT context FROM error_logs WHERE error_type = 'KeyError'") == .null)
        #expect(try db.scalar("SELECT expires_at FROM token_blacklist WHERE reason = 'compromised'") == .text("2100-01-01 00:00:00.000000"))
    }

    @Test func defaultsAreTheAppsWhereARecordLeavesAFieldOut() throws {
        let path = s.folder.write("min.json", """
            {"socializer_fixture": 1,
             "users": [{"username": "u", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"}],
             "skills": [{"skill_name": "s"}, {}],
             "user_skills": [{"user": "u", "skill": "s"}],
             "training": [{"user": "u", "skill": "s"}],
             "user_preferences": [{"user": "u", "preference_type": "t", "preference_key": "k", "preference_value": null}],
             "chat_rooms": [{"key": "r", "creator": "u"}],
             "room_members": [{"room": "r", "user": "u"}],
             "room_messages": [{"room": "r", "content": "hi"}],
             "room_invites": [{"room": "r", "inviter": "u", "invitee": "u"}],
             "general_chat_messages": [{"sender": "u", "content": "yo"}],
             "token_blacklist": [{"token": "t.t.t", "expires_at": "2026-07-01"}],
             "error_logs": [{"error_type": "E", "error_message": ""}]}
            """)
        s.seed([path])
        let db = try s.connection()
        let now = "2026-06-15 12:00:00.000000", today = "2026-06-15"
        #expect(try db.firstRow("SELECT role, is_active, temperature, preferences, hashed_name, member_since, messages FROM users")?.values
                == [.text("user"), .integer(1), .real(0.7), .text("{}"), .text(""), .text(today), .integer(0)])
        #expect(try db.scalar("SELECT skill_name FROM skills WHERE id = 2") == .null)
        #expect(try db.scalar("SELECT level FROM user_skills") == .integer(0))
        #expect(try db.firstRow("SELECT status, progress, started_at, completed_at, notes FROM training")?.values
                == [.text("pending"), .real(0), .text(today), .null, .null])
        #expect(try db.firstRow("SELECT preference_value, confidence, last_updated FROM user_preferences")?.values
                == [.text("null"), .real(1), .text(today)])
        #expect(try db.firstRow("SELECT name, created_at, is_active, room_type, ai_enabled, password, is_public FROM chat_rooms")?.values
                == [.null, .text(now), .integer(1), .text("group"), .integer(1), .null, .integer(0)])
        #expect(try db.firstRow("SELECT joined_at, role, is_active, last_read_at FROM room_members")?.values
                == [.text(now), .text("member"), .integer(1), .null])
        #expect(try db.firstRow("SELECT sender_id, sender_type, message_type, message_metadata, created_at, edited_at, is_deleted FROM room_messages")?.values
                == [.null, .text("user"), .text("text"), .text("{}"), .text(now), .null, .integer(0)])
        #expect(try db.firstRow("SELECT status, message_id, created_at, responded_at FROM room_invites")?.values
                == [.text("pending"), .null, .text(now), .null])
        #expect(try db.scalar("SELECT created_at FROM general_chat_messages") == .text(now))
        #expect(try db.firstRow("SELECT expires_at, created_at, user_id, reason FROM token_blacklist")?.values
                == [.text("2026-07-01 00:00:00.000000"), .text(now), .null, .null])
        #expect(try db.firstRow("SELECT timestamp, user_id, stack_trace, context FROM error_logs")?.values == [.text(now), .null, .null, .null])
    }

    // BAD-INPUT 9, 11
    @Test func everyBadRecordIsListedWithItsLocationAndNothingIsWritten() throws {
        s.seed([shippedFixtures() + "/ci.json"])
        let before = try contents(try s.connection())
        let path = s.folder.write("bad.json", """
            {"socializer_fixture": 1,
             "users": [{"username": "ada", "password": "pw-ada-123"}, {"username": "ada", "password": "pw-ada-456"}, {"username": "alice", "password": "pw-1"}],
             "skills": [{"skill_name": "yoga"}, {"skill_name": "yoga"}, {"skil_name": "x"}, {"skill_name": "bad\\u0007name"}],
             "user_skills": [{"user": "ada", "skill": "yoga", "level": 11}, {"user": "bob", "skill": "nope"}, {"user": "ada", "skill": "yoga", "level": "3"}],
             "training": [{"user": "ada", "skill": "yoga", "status": "done", "progress": 1.5}, {"user": "ada", "skill": "yoga", "progress": "half"}],
             "user_preferences": [{"user": "ada", "preference_type": "t", "preference_key": "k", "preference_value": 1, "confidence": -1}],
             "chat_rooms": [{"key": "r", "creator": "ada"}, {"key": "r", "creator": "ada"}, {"key": "q", "creator": "ada", "room_type": "public", "is_public": "yes"}],
             "room_members": [{"room": "r", "user": null, "role": "member"}, {"room": "r", "user": null, "role": "ai"}, {"room": "r", "user": null, "role": "ai"},
                              {"room": "r", "role": "member"}, {"room": "r", "user": "ada", "role": "ai"}, {"room": "zz", "user": "ada"}],
             "room_messages": [{"room": "r", "content": null, "created_at": "yesterday"}, {"key": 7, "room": "r", "content": "x", "sender_type": "bot"}],
             "room_invites": [{"room": "r", "inviter": "ada", "invitee": "bob", "message": "m1"}],
             "general_chat_messages": [{"sender": "ada"}],
             "token_blacklist": [{"token": "a.b.c"}],
             "error_logs": [{"error_type": "\(String(repeating: "E", count: 101))", "error_message": "m", "context": {"a": 1}, "extra": 1}],
             "bogus": [],
             "users": []}
            """)
        let result = s.cli(["seed", path, "--max-errors", "100"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            socializer: error: 31 problem(s) in '\(path)'; nothing was loaded
              \(path):2:59: user 'ada' appears twice in the file (first at \(path):2:12)
              \(path):2:106: user 'alice' already exists
              \(path):3:37: skill 'yoga' appears twice in the input
              \(path):3:61: unknown field 'skil_name' (did you mean 'skill_name'?)
              \(path):3:81: the skill name contains a control character (U+0007)
              \(path):4:18: level 11 is outside 0 to 10
              \(path):4:65: unknown skill 'nope'
              \(path):4:99: field 'level' must be a whole number from 0 to 10
              \(path):5:15: status 'done' is not one of pending, active, paused, completed
              \(path):5:15: progress 1.5 is outside 0.0 to 1.0
              \(path):5:84: field 'progress' must be a number
              \(path):6:23: confidence -1.0 is outside 0.0 to 1.0
              \(path):7:49: room key 'r' appears twice in the input (first at \(path):7:17)
              \(path):7:81: room_type 'public' is not one of direct, group, private
              \(path):7:81: field 'is_public' must be true or false
              \(path):8:19: a member with user null is the room's AI; its role must be ai, not member
              \(path):8:109: the room already has its AI member (at \(path):8:66); a room has one
              \(path):9:19: missing field 'user'
              \(path):9:52: role ai is the room's AI, which has user null; a person's role is creator or member
              \(path):9:96: unknown room key 'zz' (no earlier record of the fixture has that key)
              \(path):10:20: field 'content' cannot be null
              \(path):10:20: field 'created_at' must be a date and time in ISO 8601 (2026-01-31T12:00:00Z)
              \(path):10:79: field 'key' must be a message's key, not a number
              \(path):10:79: sender_type 'bot' is not one of user, ai, system
              \(path):11:19: unknown message key 'm1' (no earlier record of the fixture has that key)
              \(path):12:28: missing field 'content'
              \(path):13:22: missing field 'expires_at'
              \(path):14:17: the error type is 101 characters long; at most 100 are allowed
              \(path):14:17: unknown field 'extra'
              \(path):15:2: 'bogus' is not a table group; the groups are users, skills, user_skills, training, user_preferences, chat_rooms, room_members, room_messages, room_invites, general_chat_messages, token_blacklist, error_logs
              \(path):16:2: duplicate member name "users"
            hint: to keep the stored rows pass --on-conflict skip, to overwrite them --on-conflict update (or, with seed, --fresh to start from a new database)

            """)
        #expect(try contents(try s.connection()) == before)
        let capped = s.cli(["seed", path, "--max-errors", "2"])
        #expect(capped.status == 65 && capped.stderr.contains("  … and 29 more (raise --max-errors to see them)\nhint: to keep the stored rows"), "\(capped.stderr)")
        #expect(try contents(try s.connection()) == before)
    }

    /// A bad record leaves a missing database missing: nothing half-made remains.
    @Test func aFailedSeedOfAMissingDatabaseLeavesNoFile() throws {
        let path = s.folder.write("bad.jsonl", #"{"table": "users", "record": {"username": "x"}}"# + "\n")
        let result = s.cli(["seed", path])
        #expect(result.status == 65 && result.stderr.contains("bad.jsonl:1:1: missing field 'password' (or 'password_hash')"))
        #expect(s.folder.listing() == ["bad.jsonl"])
    }

    @Test func onConflictFailsSkipsOrUpdates() throws {
        let ci = shippedFixtures() + "/ci.json"
        s.seed([ci])
        let before = try contents(try s.connection())
        let failed = s.cli(["seed", ci])
        #expect(failed.status == 65)
        for line in ["ci.json:4:5: user 'alice' already exists", "ci.json:5:5: user 'bob' already exists",
                     "ci.json:8:5: skill 'empathy' already exists",
                     "ci.json:12:5: the user_skills record of user 'alice', skill 'empathy' already exists",
                     "ci.json:16:5: the training record of user 'bob', skill 'small_talk' already exists",
                     "ci.json:19:5: the user_preferences record of user 'alice', preference_type 'communication', preference_key 'tone' already exists",
                     "ci.json:41:5: the token_blacklist record of token 'eyJhbGciOiJI…ignature' already exists"] {
            #expect(failed.stderr.contains(line), "\(line) in \(failed.stderr)")
        }
        #expect(try contents(try s.connection()) == before)

        let skipped = s.cli(["--format", "csv", "seed", ci, "--on-conflict", "skip"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(skipped.stdout.hasPrefix("table,created,updated,skipped\r\nusers,0,0,2\r\nskills,0,0,2\r\nuser_skills,0,0,2\r\ntraining,0,0,1\r\n"))
        // Rooms, messages, logs and general chat have no natural key: a record of theirs is always added.
        #expect(skipped.stdout.contains("chat_rooms,1,0,0\r\n") && skipped.stdout.contains("token_blacklist,0,0,1\r\n"))

        let changed = s.folder.write("changed.jsonl", """
            {"table": "users", "record": {"username": "bob", "password": "new-password-bob", "role": "admin"}}
            {"table": "user_skills", "record": {"user": "bob", "skill": "small_talk", "level": 9}}

            """)
        let updated = s.cli(["--format", "csv", "seed", changed, "--on-conflict", "update"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(updated.stdout.contains("users,0,1,0\r\n") && updated.stdout.contains("user_skills,0,1,0\r\n"))
        let db = try s.connection()
        #expect(try db.scalar("SELECT role FROM users WHERE username = 'bob'") == .text("admin"))
        #expect(try db.scalar("SELECT hashed_email FROM users WHERE username = 'bob'") == .text("bob@example.com"), "kept when not given")
        #expect(try db.scalar("SELECT level FROM user_skills us JOIN users u ON u.id = us.user_id WHERE u.username = 'bob'") == .integer(9))
        #expect(s.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "new-password-bob\n").status == 0)
        // A record given twice is a problem whatever --on-conflict says.
        let twice = s.folder.write("twice.jsonl", String(repeating: #"{"table": "skills", "record": {"skill_name": "yoga"}}"# + "\n", count: 2))
        for policy in ["fail", "skip", "update"] {
            s.refused(["seed", twice, "--on-conflict", policy], 65, "twice.jsonl:2:1: skill 'yoga' appears twice in the input")
        }
    }

    /// The issue's CI guarantee: a bad record never touches the database being replaced.
    @Test func freshReplacesTheDatabaseOnlyWhenComplete() throws {
        s.seed([shippedFixtures() + "/ci.json"])
        _ = s.cli(["users", "create", "keeper", "--no-email", "--password-stdin"], stdin: "keeper-pw-1\n")
        let bad = s.folder.write("bad.jsonl", #"{"table": "users", "record": {"username": "x", "password": "pw-x-1234", "role": "root"}}"# + "\n")
        let before = s.folder.snapshot()
        let refused = s.cli(["seed", "--fresh", bad])
        #expect(refused.status == 65 && refused.stderr.contains("bad.jsonl:1:1: role 'root' is not one of admin, user"))
        #expect(s.folder.snapshot() == before, "the old database is untouched and no temporary file is left")

        let fresh = s.cli(["--format", "csv", "seed", "--fresh", "--demo"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout == Self.demoCounts)
        #expect(fresh.stderr == "socializer: rebuilt '\(s.db)' from demo.json (built in)\n")
        #expect(s.folder.listing() == ["app.db", "bad.jsonl"])
        #expect(s.folder.mode("app.db") == 0o600)
        #expect(try s.count("users") == 6)
        #expect(s.cli(["users", "show", "keeper"]).status == 66, "the old rows went with the old file")
        #expect(try s.connection().scalar("PRAGMA journal_mode") == .text("wal"))
    }

    /// The replaced file's mode stays (the app's user keeps its access), a
    /// symbolic link stays a link to the new file, and a database another
    /// connection is writing to is refused (75), unchanged.
    @Test func freshKeepsTheModeAndTheLinkAndRefusesADatabaseInUse() throws {
        s.seed(["--demo"])
        chmod(s.db, 0o664)
        s.seed(["--fresh", "--demo"])
        #expect(s.folder.mode("app.db") == 0o664)

        let link = s.folder.file("current.db")
        #expect(symlink(s.db, link) == 0)
        let linked = runCLI(["--db", link, "-q", "seed", "--fresh", "--demo"], environment: s.f.environment)
        #expect(linked.status == 0, "\(linked.stderr)")
        var info = stat()
        #expect(lstat(link, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK, "the link is still a link")
        #expect(try s.count("users") == 6)

        let holder = try s.connection()
        try holder.execute("BEGIN IMMEDIATE")
        try holder.execute("INSERT INTO skills (skill_name) VALUES ('held')")
        let before = s.folder.listing()
        let busy = s.cli(["--busy-timeout", "50", "seed", "--fresh", "--demo"])
        #expect(busy.status == 75)
        #expect(busy.stderr.hasPrefix("socializer: error: '\(s.db)' is in use: another connection holds a transaction on it, "
                                      + "and --fresh would replace the file under it; nothing was changed\n"), "\(busy.stderr)")
        #expect(s.folder.listing() == before && s.folder.partialFiles.isEmpty)
        try holder.execute("COMMIT")
        #expect(try s.connection().scalarInt("SELECT count(*) FROM skills WHERE skill_name = 'held'") == 1, "the writer's row is in the file")
    }

    /// The indexes of tables still empty are built after the load, in its
    /// transaction, also in a database that holds rows: every index is
    /// there afterwards, with its own definition.
    @Test func indexesDeferredInAnExistingDatabaseAreAllBuiltAgain() throws {
        #expect(s.cli(["migrate", "up"]).status == 0)
        let indexes = { try self.s.connection().rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").map(\.values) }
        let before = try indexes()
        _ = s.cli(["users", "create", "keeper", "--no-email", "--password-stdin"], stdin: "keeper-pw-1\n")
        s.seed([shippedFixtures() + "/ci.json"])
        #expect(try indexes() == before)
        #expect(try s.connection().rows("PRAGMA integrity_check").map(\.values) == [[.text("ok")]])
    }

    /// A load that meets stored records says how to keep or overwrite them.
    @Test func conflictsHintTheConflictPolicies() throws {
        s.seed(["--demo"])
        let again = s.cli(["seed", "--demo"])
        #expect(again.status == 65)
        #expect(again.stderr.contains("\nhint: to keep the stored rows pass --on-conflict skip, to overwrite them --on-conflict update "
                                      + "(or, with seed, --fresh to start from a new database)\n"), "\(again.stderr)")
    }

    /// Python's json.dumps(sort_keys=True) writes "record" before "table".
    @Test func aFixtureLineMayGiveRecordBeforeTable() throws {
        let lines = s.folder.write("sorted.jsonl", #"{"record": {"skill_name": "yoga"}, "table": "skills"}"# + "\n")
        s.seed([lines])
        #expect(try s.count("skills") == 1)
    }

    @Test func freshReplacesOnlyADatabaseFile() throws {
        let notes = s.folder.write("app.db", "my notes, not a database")
        _ = notes
        s.refused(["seed", "--fresh", "--demo"], 65, "'\(s.db)' is not a SQLite database; refusing to replace it")
        unlink(s.db)
        try FileManager.default.createDirectory(atPath: s.db, withIntermediateDirectories: false)
        let folderResult = s.cli(["seed", "--fresh", "--demo"])
        #expect(folderResult.status != 0 && folderResult.status != 65, "\(folderResult.stderr)")
        rmdir(s.db)
        // An empty file (touch) is a database with nothing in it yet.
        _ = s.folder.write("app.db", "")
        s.seed(["--fresh", "--demo"])
    }

    @Test func aDryRunReportsAndChangesNothing() throws {
        let missing = s.cli(["-n", "--format", "csv", "seed", "--demo"])
        #expect(missing.status == 0 && missing.stdout == Self.demoCounts, "\(missing.stderr)")
        #expect(missing.stderr == "socializer: dry run: nothing was changed ('\(s.db)' would be created from demo.json (built in))\n")
        #expect(s.folder.listing().isEmpty)
        #expect(s.cli(["migrate", "up"]).status == 0)
        _ = s.cli(["users", "create", "keeper", "--no-email", "--password-stdin"], stdin: "keeper-pw-1\n")
        let before = try contents(try s.connection())
        let dry = s.cli(["--dry-run", "--format", "csv", "seed", "--demo"])
        #expect(dry.status == 0 && dry.stdout == Self.demoCounts)
        #expect(try contents(try s.connection()) == before)
        let fresh = s.cli(["--dry-run", "seed", "--fresh", "--demo"])
        #expect(fresh.status == 0)
        #expect(try contents(try s.connection()) == before)
        #expect(s.folder.partialFiles.isEmpty)
    }

    @Test func quietPrintsNothing() {
        let result = s.cli(["-q", "seed", "--demo"])
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func passwordsAreHashedAtTheGivenCostAndCheckLikeTheApps() throws {
        s.seed(["--demo", "--bcrypt-cost", "5"])
        let db = try s.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM users WHERE hashed_password LIKE '$2b$05$%'") == 5)
        #expect(s.cli(["users", "check-password", "ada", "--password-stdin"], stdin: "demo-password-ada\n").status == 0)
        #expect(s.cli(["users", "check-password", "tim", "--password-stdin"], stdin: "demo-password-tim\n").status == 0)
        #expect(s.cli(["users", "check-password", "tim", "--password-stdin"], stdin: "wrong\n").status == 1)
        let memory = s.cli(["--json", "users", "memory", "show", "ada"])
        #expect(memory.status == 0, "\(memory.stderr)")
        let document = try JSONParser.parse(try #require(JSONParser.parse(memory.stdout)["memory"]?.stringValue))
        #expect(document["general_chat"]?.arrayItems.count == 1)
        #expect(document["metadata"]?["user_id"] == .integer(1) && document["metadata"]?["version"] == .string("1.0"))
    }

    @Test func aDatabaseNotReadyForCommandsIsRefused() throws {
        _ = try LegacyDatabase.create(at: s.db, withRows: false)
        s.refused(["seed", "--demo"], 78, "hint: adopt it with: socializer --db \(s.db) migrate baseline")
        #expect(s.cli(["migrate", "baseline"]).status == 0)
        // A baselined app database (no SQL defaults) takes every column as written.
        s.seed(["--demo"])
        #expect(try s.count("room_messages") == 13)
    }
}

extension DatabaseValue {
    var isNoEmailPlaceholder: Bool {
        if case .text(let text) = self { return text.hasPrefix(EmailFormat.noEmailPrefix) }
        return false
    }
}

/// socializer-seed(1) lists every field of every table group: the list is
/// prose, so it is checked against the record engine here.
@Suite struct SeedManPageTests {
    @Test func everyGroupAndFieldIsInThePage() throws {
        let page = try ManPageTests.page("socializer-seed.1")
        guard let start = page.range(of: ".SS Table groups and their fields"), let end = page.range(of: ".SS Conflicts") else {
            Issue.record("socializer-seed.1 has no section 'Table groups and their fields' before 'Conflicts'")
            return
        }
        let section = String(page[start.upperBound..<end.lowerBound])
        for group in FixtureGroup.allCases {
            let fields = group == .users ? UserRecord.fields : group.schema.fields.map(\.name)
            guard let heading = section.range(of: ".B \(group.rawValue)\n") else {
                Issue.record("no entry for \(group.rawValue)")
                continue
            }
            // The entry runs to the next one (or to the section's end).
            let entry = String(section[heading.upperBound...]).components(separatedBy: ".TP\n").first ?? ""
            for field in fields {
                #expect(entry.contains(field), "\(group.rawValue).\(field) is not in socializer-seed(1)")
            }
        }
    }
}

/// Fixture lines take a fast path (values read straight from the line)
/// for the common record, the common path for the rest: both must load the
/// same rows and report the same problems.
@Suite struct SeedFastPathTests {
    static let records: [(String, String)] = [
        ("users", #"{"username": "amy", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"}"#),
        ("skills", #"{"skill_name": "tact"}"#),
        ("user_skills", #"{"user": "amy", "skill": "tact", "level": 4}"#),
        ("chat_rooms", #"{"key": "r", "creator": "amy", "name": "R", "created_at": "2026-01-01T10:00:00Z", "is_public": true}"#),
        ("room_members", #"{"room": "r", "user": "amy", "role": "creator"}"#),
        ("room_members", #"{"room": "r", "user": null, "role": "ai", "is_active": 1}"#),
        ("room_messages", #"{"room": "r", "sender": "amy", "content": "plain", "created_at": "2026-01-01 10:01:00.000001"}"#),
        ("room_messages", #"{"room": "r", "sender": "amy", "content": "with \"quotes\" and \\ and \n", "message_metadata": {}}"#),
        ("room_messages", #"{"room": "r", "sender": null, "sender_type": "ai", "content": "é ✓ 😀", "message_metadata": {"model": "x", "n": [1, 2.5]}}"#),
        ("room_messages", #"{"key": "m", "room": "r", "sender": "amy", "message_type": "invite", "content": "invite", "edited_at": null, "is_deleted": false}"#),
        ("room_invites", #"{"room": "r", "inviter": "amy", "invitee": "amy", "message": "m", "status": "pending"}"#),
        ("general_chat_messages", #"{  "sender" : "amy" , "content" : "spaced"  }"#),
        ("token_blacklist", #"{"token": "a.b.c", "expires_at": "2026-07-01", "user": "amy", "reason": "logout"}"#),
        ("error_logs", #"{"error_type": "E", "error_message": "m", "context": null, "user": "amy"}"#),
        ("user_preferences", #"{"user": "amy", "preference_type": "t", "preference_key": "k", "preference_value": [1], "confidence": 0.5}"#),
    ]

    @Test func bothPathsLoadTheSameRows() throws {
        let lines = Self.records.map { #"{"table": "\#($0.0)", "record": \#($0.1)}"# }.joined(separator: "\n") + "\n"
        var groups: [(String, [String])] = []
        for (table, record) in Self.records {
            if let i = groups.firstIndex(where: { $0.0 == table }), i == groups.count - 1 { groups[i].1.append(record) } else { groups.append((table, [record])) }
        }
        let document = #"{"socializer_fixture": 1, "# + groups.map { #""\#($0.0)": [\#($0.1.joined(separator: ", "))]"# }.joined(separator: ", ") + "}"
        let fast = SeedFixture(), common = SeedFixture()
        fast.seed([fast.folder.write("f.jsonl", lines)])
        common.seed([common.folder.write("f.json", document)])
        #expect(fast.dump([]) == common.dump([]))
        let db = try fast.connection()
        #expect(try db.scalar("SELECT content FROM room_messages WHERE id = 2") == .text("with \"quotes\" and \\ and \n"))
        #expect(try db.scalar("SELECT created_at FROM room_messages WHERE id = 1") == .text("2026-01-01 10:01:00.000001"))
        #expect(try db.scalar("SELECT message_metadata FROM room_messages WHERE id = 3") == .text(#"{"model":"x","n":[1,2.5]}"#))
    }

    @Test func everyProblemOfFixtureLinesIsReportedByTheCommonPath() throws {
        let bad: [(String, String)] = [
            ("skills", #"{"skill_name": "tact"}"#),
            ("chat_rooms", #"{"key": "r", "creator": "nobody"}"#),
            ("chat_rooms", #"{"key": "q", "creator": "amy", "room_type": "public"}"#),
            ("room_messages", #"{"room": "zz", "content": "x"}"#),
            ("room_messages", #"{"room": "q", "content": "x", "colour": "red"}"#),
            ("room_members", #"{"room": "q", "user": null, "role": "member"}"#),
            ("user_skills", #"{"user": "amy", "skill": "tact", "level": 11}"#),
            ("user_skills", #"{"user": "amy", "skill": "tact", "level": 99999999999999999999}"#),
            ("general_chat_messages", #"{"sender": "amy", "content": "a", "content": "b"}"#),
            ("skills", #"{"skill_name": "tact"}"#),
        ]
        let s = SeedFixture()
        s.seed([s.folder.write("u.jsonl", #"{"table": "users", "record": {"username": "amy", "password": "pw-amy-1234"}}"# + "\n")])
        let lines = bad.map { #"{"table": "\#($0.0)", "record": \#($0.1)}"# }.joined(separator: "\n") + "\n"
        // Records of the refused room q are skipped without a second complaint, on either path.
        let result = s.refused(["seed", s.folder.write("bad.jsonl", lines), "--max-errors", "100"], 65, "problem(s)")
        let path = s.folder.file("bad.jsonl")
        #expect(result.stderr == """
            socializer: error: 8 problem(s) in '\(path)'; nothing was loaded
              \(path):2:1: unknown user 'nobody'
              \(path):3:1: room_type 'public' is not one of direct, group, private
              \(path):4:1: unknown room key 'zz' (no earlier record of the fixture has that key)
              \(path):5:1: unknown field 'colour'
              \(path):7:1: level 11 is outside 0 to 10
              \(path):8:78: integer 99999999999999999999 is outside the 64-bit range
              \(path):9:80: duplicate member name "content"
              \(path):10:1: skill 'tact' appears twice in the input

            """)
    }
}
