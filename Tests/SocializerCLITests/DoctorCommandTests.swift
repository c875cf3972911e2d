import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// `socializer doctor` end to end in process: output in each format, exit
/// statuses, and a database left exactly as it was unless --fix repairs it.
@Suite struct DoctorCommandTests {
    let f: UsersFixture

    init() {
        f = UsersFixture()
        chmod(f.folder.path, 0o700)
    }

    /// alice, with a room of two AI members and a membership in a room that is gone.
    func damage() throws -> Connection {
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.execute("INSERT INTO chat_rooms (id, name, creator_id, password) VALUES (1, 'lobby', 1, 'open sesame')")
        try db.execute("""
            INSERT INTO room_members (id, room_id, user_id, role, joined_at) VALUES (1, 1, 1, 'creator', '2026-06-01 00:00:00.000000'),
              (2, 1, NULL, 'ai', '2026-06-01 00:00:00.000000'), (3, 1, NULL, 'ai', '2026-06-02 00:00:00.000000'),
              (4, 9, 1, 'member', '2026-06-02 00:00:00.000000')
            """)
        return db
    }

    @Test func aHealthyDatabaseSaysSoAndExitsZero() {
        #expect(f.create("alice").status == 0)
        let result = f.cli(["doctor"])
        #expect(result.status == 0 && result.stdout == "ok: no problems found\n" && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
        let json = f.cli(["--json", "doctor", "--deep", "--quick"])
        #expect(json.status == 0 && json.stdout == "[]\n")
        #expect(f.cli(["-q", "doctor"]).stdout.isEmpty)
    }

    @Test func oneFindingPerLineWithItsFixAndExit65() throws {
        let db = try damage()
        let before = try contents(db)
        let result = f.cli(["doctor"])
        #expect(result.status == 65)
        #expect(result.stdout == """
            SEVERITY  CODE                      TABLE         COLUMN    COUNT  MESSAGE                                                                                              FIX
            error     orphan-rows               room_members  room_id   1      1 row(s) refer through room_id to a chat_rooms row that does not exist (rowid 4); they belong to it  socializer --db \(f.db) doctor --fix
            warning   duplicate-ai-members      room_members  user_id   1      1 room(s) have more than one AI member: 1 extra membership(s) beside each room's oldest (rowid 3)    socializer --db \(f.db) doctor --fix
            info      plaintext-room-passwords  chat_rooms    password  1      1 room(s) have a password, stored in plain text: the app compares room passwords as typed (rowid 1)

            """, "\(result.stdout)")
        #expect(result.stderr == "socializer: error: found 1 error(s), 1 warning(s), 1 info(s)\nhint: make the safe repairs with: socializer --db \(f.db) doctor --fix\n")
        #expect(!result.stdout.contains("open sesame"))
        #expect(try contents(db) == before)
    }

    @Test func jsonAndJSONLinesGiveTheSameFindingsAsObjects() throws {
        _ = try damage()
        let json = f.cli(["--json", "doctor"])
        #expect(json.status == 65)
        #expect(json.stderr == #"{"error":"found 1 error(s), 1 warning(s), 1 info(s)","code":65,"hint":"make the safe repairs with: socializer --db \#(f.db) doctor --fix"}"# + "\n")
        let array = try JSONParser.parse(json.stdout).arrayItems
        #expect(array.count == 3)
        #expect(array[0].compactText == #"{"severity":"error","code":"orphan-rows","table":"room_members","column":"room_id","count":1,"#
            + #""message":"1 row(s) refer through room_id to a chat_rooms row that does not exist (rowid 4); they belong to it","#
            + #""fix":"socializer --db \#(f.db) doctor --fix","rowids":[4]}"#)
        #expect(array[2]["fix"] == .null)
        let lines = f.cli(["--format", "jsonl", "doctor"]).stdout.split(separator: "\n")
        #expect(try lines.map { try JSONParser.parse(String($0)) } == array)
        let picked = f.cli(["--format", "csv", "--fields", "code,count", "doctor"])
        #expect(picked.stdout == "code,count\r\norphan-rows,1\r\nduplicate-ai-members,1\r\nplaintext-room-passwords,1\r\n")
        #expect(f.cli(["--fields", "rowids", "doctor"]).status == 64)
    }

    @Test func timesInAnotherFormMisleadTheChatUntilTheFixRewritesThem() throws {
        #expect(f.create("alice").status == 0)
        try ChatRows.seed(f)
        let db = try f.connection()
        // bob read lobby at 13:00; alice's message, stamped 12:30 by another tool in a form the tool reads,
        // sorts after 13:00 as text ('T' > ' '): bob is told it is unread.
        try db.execute("UPDATE room_members SET last_read_at = '2026-06-15 13:00:00.000000' WHERE room_id = 1 AND user_id = 2")
        try db.execute("UPDATE room_messages SET created_at = '2026-06-15T12:30:00' WHERE id = 1")
        #expect(f.cli(["--format", "csv", "rooms", "unread", "bob"]).stdout.contains("1,lobby,1,"))
        let before = try contents(db)
        let found = f.cli(["--format", "csv", "--fields", "severity,code,table,column,count,fix", "doctor"])
        #expect(found.status == 65)
        #expect(found.stdout == "severity,code,table,column,count,fix\r\n"
                + "warning,noncanonical-datetime,room_messages,created_at,1,socializer --db \(f.db) doctor --fix\r\n", "\(found.stdout)")
        #expect(try contents(db) == before)
        let fixed = f.cli(["--format", "csv", "--fields", "severity,code,count,message", "doctor", "--fix", "--yes"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout == "severity,code,count,message\r\n"
                + "fixed,noncanonical-datetime,1,\"rewrote 1 created_at value(s) as YYYY-MM-DD HH:MM:SS.ffffff UTC, the same instant(s)\"\r\n")
        #expect(try db.scalar("SELECT created_at FROM room_messages WHERE id = 1") == .text("2026-06-15 12:30:00.000000"))
        #expect(f.cli(["--format", "csv", "rooms", "unread", "bob"]).stdout.contains("1,lobby,0,"))
    }

    @Test func contradictionsInTheChatAreFixedWithTheirVerbs() throws {
        #expect(f.create("alice").status == 0)
        try ChatRows.seed(f)
        let db = try f.connection()
        try db.execute("UPDATE room_members SET role = 'ai' WHERE room_id = 1 AND user_id = 2")
        try db.execute("INSERT INTO room_members (room_id, user_id, role, is_active, joined_at) VALUES (2, NULL, 'ai', 1, '2026-06-15 12:00:00.000000')")
        try db.execute("UPDATE room_messages SET sender_id = NULL WHERE id = 1")
        let found = f.cli(["--format", "csv", "--no-header", "--fields", "code,table,count,fix", "doctor"])
        #expect(found.status == 65)
        #expect(found.stdout == """
            ai-off-with-ai-member,chat_rooms,1,socializer --db \(f.db) rooms update ROOM --no-ai (or --ai to keep the AI)\r
            user-member-ai-role,room_members,1,socializer --db \(f.db) rooms members role ROOM USER member\r
            user-message-without-sender,room_messages,1,socializer --db \(f.db) rooms messages delete ID\r

            """, "\(found.stdout)")
        for line in [["rooms", "update", "quiet", "--no-ai"], ["rooms", "members", "role", "lobby", "bob", "member"],
                     ["rooms", "messages", "delete", "1"]] {
            #expect(f.cli(["-q"] + line).status == 0, "\(line)")
        }
        #expect(f.cli(["doctor"]).stdout == "ok: no problems found\n")
    }

    @Test func infoFailsOnlyWithStrict() throws {
        #expect(f.create("alice").status == 0)
        try f.connection().execute("INSERT INTO chat_rooms (name, creator_id, password) VALUES ('lobby', 1, 'pw')")
        let info = f.cli(["doctor"])
        #expect(info.status == 0 && info.stderr == "socializer: found 0 error(s), 0 warning(s), 1 info(s)\n")
        let strict = f.cli(["doctor", "--strict"])
        #expect(strict.status == 65 && strict.stderr == "socializer: error: found 0 error(s), 0 warning(s), 1 info(s)\n")
        // -q prints nothing, in any format: the status says it all.
        for format in ["table", "json"] {
            let quiet = f.cli(["-q", "--format", format, "doctor", "--strict"])
            #expect(quiet.status == 65 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(format): \(quiet.stderr)")
        }
    }

    @Test func aReadOnlyDatabaseOpenToOthersIsFixedByHand() throws {
        // --fix refuses a read-only file (77): the fix column says what to do instead, and no hint offers --fix.
        #expect(f.create("alice").status == 0)
        chmod(f.db, 0o444)
        defer { chmod(f.db, 0o600) }
        let result = f.cli(["--format", "tsv", "--no-header", "--fields", "code,fix", "doctor"])
        #expect(result.status == 65)
        #expect(result.stdout.hasPrefix("file-permissions\tchmod 600 \(f.db)"), "\(result.stdout)")
        #expect(!result.stdout.contains("doctor --fix") && result.stderr == "socializer: error: found 0 error(s), 1 warning(s), 0 info(s)\n",
                "\(result.stderr)")
        chmod(f.db, 0o644)
        #expect(f.cli(["--format", "tsv", "--no-header", "--fields", "code,fix", "doctor"]).stdout
                == "file-permissions\tsocializer --db \(f.db) doctor --fix\n")
    }

    @Test func aReadOnlyDatabaseIsCheckedAndNeverWritten() throws {
        let db = try damage()
        let before = try contents(db)
        chmod(f.db, 0o400)
        defer { chmod(f.db, 0o600) }
        let result = f.cli(["doctor"])
        #expect(result.status == 65 && result.stdout.contains("orphan-rows"), "\(result.stderr)")
        let fix = f.cli(["doctor", "--fix", "--yes"])
        #expect(fix.status == 77 && fix.stderr.contains("is read-only; nothing was changed"), "\(fix.stderr)")
        #expect(fix.stdout.isEmpty)
        #expect(try contents(db) == before && f.folder.mode("app.db") == 0o400)
    }

    @Test func fixAsksThenRepairsOnlyWhatIsSafe() throws {
        let db = try damage()
        try db.execute("UPDATE users SET role = 'boss'")
        chmod(f.db, 0o644)
        let before = try contents(db)
        let refused = f.cli(["doctor", "--fix"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("refusing to repair 3 finding(s) in '\(f.db)' (duplicate-ai-members, file-permissions, orphan-rows) without confirmation"),
                "\(refused.stderr)")
        #expect(try contents(db) == before && f.folder.mode("app.db") == 0o644)

        let dry = f.cli(["doctor", "--fix", "--dry-run"])
        #expect(dry.status == 65)
        #expect(dry.stdout.contains("would-fix  orphan-rows") && dry.stdout.contains("would delete 1 row(s) whose chat_rooms row does not exist (room_id)"))
        #expect(dry.stdout.contains("would-fix  file-permissions") && dry.stdout.contains("warning    out-of-domain"))
        #expect(dry.stderr.contains("socializer: dry run: nothing was changed\n"))
        #expect(try contents(db) == before && f.folder.mode("app.db") == 0o644)

        let fixed = f.cli(["--format", "csv", "--fields", "severity,code,table,count,message", "doctor", "--fix", "--yes"])
        #expect(fixed.status == 65, "\(fixed.stderr)")
        #expect(fixed.stdout == """
            severity,code,table,count,message\r
            fixed,file-permissions,,1,changed the mode to 0600 of \(f.db) from 0644\r
            fixed,orphan-rows,room_members,1,deleted 1 row(s) whose chat_rooms row does not exist (room_id)\r
            fixed,duplicate-ai-members,room_members,1,"removed 1 extra AI membership(s), keeping each room's oldest"\r
            warning,out-of-domain,users,1,"1 row(s) hold a role outside admin, user (rowid 1)"\r
            info,plaintext-room-passwords,chat_rooms,1,"1 room(s) have a password, stored in plain text: the app compares room passwords as typed (rowid 1)"\r

            """, "\(fixed.stdout)")
        #expect(f.folder.mode("app.db") == 0o600)
        #expect(try db.rows("SELECT id FROM room_members ORDER BY id").map { $0[0] } == [.integer(1), .integer(2)])
        #expect(try db.scalar("SELECT role FROM users") == .text("boss"))
        #expect(fixed.stderr == "socializer: error: 3 repair(s); found 0 error(s), 1 warning(s), 1 info(s)\n")
        let again = f.cli(["doctor", "--fix", "--yes"])
        #expect(again.status == 65 && again.stderr.hasPrefix("socializer: nothing to repair\nsocializer: error: found 0 error(s), 1 warning(s)"))
    }

    @Test func aTerminalIsAskedBeforeAnyRepair() throws {
        let db = try damage()
        let before = try contents(db)
        let terminal = TerminalInfo(stdinIsTerminal: true, stderrIsTerminal: true)
        let no = runCLI(["--db", f.db, "doctor", "--fix"], environment: f.environment, stdin: "n\n", terminal: terminal)
        #expect(no.status == 64 && no.stderr.contains("Repair 2 finding(s) in '\(f.db)' (duplicate-ai-members, orphan-rows)? [y/N] "))
        #expect(no.stderr.contains("not confirmed; nothing was changed"))
        #expect(try contents(db) == before)
        let yes = runCLI(["--db", f.db, "doctor", "--fix"], environment: f.environment, stdin: "y\n", terminal: terminal)
        #expect(yes.status == 0 && yes.stdout.contains("fixed     duplicate-ai-members"), "\(yes.stdout)\(yes.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM room_members") == 2)
    }

    @Test func expiredTokensArePurgedThroughThePurgeEngine() throws {
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        try db.execute("INSERT INTO token_blacklist (token, expires_at) VALUES ('a', '2026-01-01 00:00:00.000000'), ('b', '2099-01-01 00:00:00.000000')")
        let check = f.cli(["doctor"])
        #expect(check.status == 0 && check.stdout.contains("info      expired-tokens  token_blacklist  expires_at  1"), "\(check.stdout)")
        #expect(check.stdout.contains("socializer --db \(f.db) tokens purge"))
        let fixed = f.cli(["-v", "doctor", "--fix", "--yes"])
        #expect(fixed.status == 0 && fixed.stdout.contains("purged 1 expired token(s) in 1 batch(es)"), "\(fixed.stdout)")
        #expect(fixed.stderr.contains("batch 1: 1 row(s) purged so far"))
        #expect(try db.rows("SELECT token FROM token_blacklist").map { $0[0] } == [.text("b")])
    }

    @Test func retentionSaysWhichLogsAreOld() throws {
        #expect(f.cli(["logs", "add", "--type", "E", "--message", "m"]).status == 0)
        try f.connection().execute("UPDATE error_logs SET timestamp = '2026-06-01 00:00:00.000000'")
        #expect(f.cli(["doctor"]).stdout == "ok: no problems found\n")
        let old = f.cli(["--format", "tsv", "--no-header", "--fields", "code,count,fix", "doctor", "--retention", "10d"])
        #expect(old.status == 0 && old.stdout == "old-logs\t1\tsocializer --db \(f.db) logs purge --older-than 10d\n", "\(old.stdout)")
        let bad = f.cli(["doctor", "--retention", "soon"])
        #expect(bad.status == 64 && bad.stderr.contains("--retention"))
    }

    @Test func dryRunGoesWithFix() {
        let result = f.cli(["doctor", "--dry-run"])
        #expect(result.status == 64 && result.stdout.isEmpty)
        #expect(result.stderr == """
            socializer: error: --dry-run goes with --fix: without it doctor changes nothing
            hint: to see what the repairs would do: socializer --db \(f.db) doctor --fix --dry-run

            """)
    }

    @Test func aLockedDatabaseIsWaitedForThenExits75() throws {
        let legacy = UsersFixture(migrate: false)
        let db = try LegacyDatabase.create(at: legacy.db)
        try db.execute("BEGIN EXCLUSIVE")
        defer { try? db.execute("ROLLBACK") }
        let result = legacy.cli(["--busy-timeout", "0", "doctor"])
        #expect(result.status == 75 && result.stdout.isEmpty, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the database is locked by another connection"), "\(result.stderr)")
    }

    @Test func aMissingDatabaseIsNotCreated() {
        let result = runCLI(["--db", f.folder.file("none.db"), "doctor"])
        #expect(result.status == 66 && result.stderr.contains("does not exist"))
        #expect(!f.folder.exists("none.db"))
    }

    @Test func aCorruptDatabaseIsReportedAndNeverRepaired() throws {
        let db = try damage()
        try db.execute("PRAGMA journal_mode = DELETE")
        for i in 0..<300 {
            try db.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES ('2026-06-10 00:00:00.000000', 'E', ?)",
                           [String(repeating: "s\(i)", count: 20)])
        }
        let rootPage = try db.scalarInt("SELECT rootpage FROM sqlite_master WHERE name = 'error_logs'")
        let pageSize = try db.scalarInt("PRAGMA page_size")
        var bytes = [UInt8](FileManager.default.contents(atPath: f.db)!)
        let offset = Int((rootPage - 1) * pageSize)
        for i in 0..<Int(pageSize) where offset + i < bytes.count { bytes[offset + i] = 0x55 }
        FileManager.default.createFile(atPath: f.db, contents: Data(bytes))
        chmod(f.db, 0o600)
        let before = f.folder.snapshot()
        let check = f.cli(["doctor"])
        #expect(check.status == 65 && check.stdout.contains("error     integrity") && check.stdout.contains("sqlite3 \(f.db) .recover"))
        let fix = f.cli(["doctor", "--fix", "--yes"])
        #expect(fix.status == 74, "\(fix.stderr)")
        #expect(fix.stderr.contains("socializer: error: the database is damaged; doctor repairs nothing in it\nhint: recover what is left with: sqlite3 DB .recover | sqlite3 NEW.db"))
        #expect(fix.stdout.contains("orphan-rows"))
        #expect(f.folder.snapshot() == before)
    }

    @Test func theAppsOwnDatabaseIsCheckedBeforeAndAfterBaseline() throws {
        let legacy = UsersFixture(migrate: false)
        chmod(legacy.folder.path, 0o700)
        let db = try LegacyDatabase.create(at: legacy.db)
        let before = try contents(db)
        let result = legacy.cli(["--format", "csv", "--fields", "severity,code,table,count,fix", "doctor"])
        #expect(result.status == 65)
        #expect(result.stdout == """
            severity,code,table,count,fix\r
            warning,not-baselined,,1,socializer --db \(legacy.db) migrate baseline\r
            warning,unverifiable-password-hashes,users,3,socializer --db \(legacy.db) users set-password USER\r
            warning,invalid-encryption-keys,users,1,"socializer --db \(legacy.db) users memory clear USER --null, then socializer --db \(legacy.db) users rotate-key USER"\r
            info,plaintext-room-passwords,chat_rooms,1,\r
            info,expired-tokens,token_blacklist,1,socializer --db \(legacy.db) tokens purge\r
            info,old-logs,error_logs,2,socializer --db \(legacy.db) logs purge --older-than 90d\r
            info,journal-mode,,1,sqlite3 \(legacy.db) 'PRAGMA journal_mode=WAL' (with the app stopped)\r

            """, "\(result.stdout)")
        #expect(try contents(db) == before)
        #expect(legacy.cli(["migrate", "baseline"]).status == 0)
        let baselined = legacy.cli(["--format", "csv", "--no-header", "--fields", "code,count", "doctor"])
        #expect(baselined.stdout.hasPrefix("unverifiable-password-hashes,3\r\ninvalid-encryption-keys,1\r\npending-migrations,\(Migrations.all.count - 1)\r\n"), "\(baselined.stdout)")
    }

    @Test func theCommandsInTheFixColumnFixWhatTheySay() throws {
        #expect(f.create("alice").status == 0)
        #expect(f.create("bob").status == 0)
        let db = try f.connection()
        try db.execute("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy')")
        try db.execute("INSERT INTO user_skills (user_id, skill_id, level) VALUES (1, 1, 12)")
        try db.execute("UPDATE users SET role = 'boss', hashed_password = 'plain' WHERE username = 'alice'")
        try db.execute("UPDATE users SET encryption_key = 'key-b', conversation_memory = 'gAAAA' WHERE username = 'bob'")
        let findings = try JSONParser.parse(f.cli(["--json", "doctor"]).stdout).arrayItems
        let fixes = findings.map { "\($0["code"]!.stringValue ?? ""): \($0["fix"]!.stringValue ?? "")" }
        #expect(fixes == [
            "out-of-domain: socializer --db \(f.db) users update USER --role user",
            "out-of-domain: socializer --db \(f.db) skills set-level USER SKILL LEVEL",
            "unverifiable-password-hashes: socializer --db \(f.db) users set-password USER",
            "invalid-encryption-keys: socializer --db \(f.db) users memory clear USER --null, then socializer --db \(f.db) users rotate-key USER",
        ], "\(fixes)")
        #expect(f.cli(["users", "update", "alice", "--role", "user"]).status == 0)
        #expect(f.cli(["skills", "set-level", "alice", "empathy", "4"]).status == 0)
        #expect(f.cli(["users", "set-password", "alice", "--password-stdin"], stdin: "new-pw-123\n").status == 0)
        #expect(f.cli(["users", "memory", "clear", "bob", "--null"]).status == 0)
        #expect(f.cli(["users", "rotate-key", "bob"]).status == 0)
        let after = f.cli(["doctor", "--deep"])
        #expect(after.status == 0 && after.stdout == "ok: no problems found\n", "\(after.stdout)")
    }

    @Test func aNewerSchemaIsReportedNotGuessedAt() throws {
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        try db.execute("INSERT INTO schema_migrations VALUES (9, 'future', 'x', '2026-06-01 00:00:00.000000', 1)")
        let before = try contents(db)
        let result = f.cli(["--format", "tsv", "--no-header", "--fields", "severity,code,fix", "doctor"])
        #expect(result.status == 65)
        #expect(result.stdout == "error\tschema-newer\tuse a newer socializer; this one does not know that version\n", "\(result.stdout)")
        #expect(f.cli(["users", "list"]).status == 78)
        #expect(try contents(db) == before)
    }

    @Test func textFromTheDatabaseIsEscaped() throws {
        try f.connection().execute("CREATE TABLE \"evil\u{1B}[2J\" (x)")
        let result = f.cli(["doctor"])
        #expect(result.status == 0 && result.stdout.contains("evil\\e[2J") && !result.stdout.contains("\u{1B}"), "\(result.stdout)")
    }

    /// Every remedy, in the CLI's words, names only commands and options the table declares.
    @Test func everyRemedyNamesOnlyWhatTheTableDeclares() {
        let samples: [DoctorFinding.Remedy] = [
            .repair, .recover, .baseline, .migrateUp, .compareMigrations, .newerTool, .purgeTokens,
            .purgeLogs(olderThan: TimeSpan(seconds: 86_400)), .walMode, .restrictFolder("/srv"), .setPasswords,
            .clearMemoryAndRotateKey, .clearMemory, .updateUsers(column: "role", value: "user"), .rehashEmails,
            .statement("SELECT 1"), .restrictFiles(["/srv/app.db", "/srv/app.db-wal"]), .setMemberRole, .setRoomAI, .hideMessages,
        ]
        // A new remedy does not compile here until it is given a sample above.
        func ordinal(_ remedy: DoctorFinding.Remedy) -> Int {
            switch remedy {
            case .repair: 0
            case .recover: 1
            case .baseline: 2
            case .migrateUp: 3
            case .compareMigrations: 4
            case .newerTool: 5
            case .purgeTokens: 6
            case .purgeLogs: 7
            case .walMode: 8
            case .restrictFolder: 9
            case .setPasswords: 10
            case .clearMemoryAndRotateKey: 11
            case .clearMemory: 12
            case .updateUsers: 13
            case .rehashEmails: 14
            case .statement: 15
            case .restrictFiles: 16
            case .setMemberRole: 17
            case .setRoomAI: 18
            case .hideMessages: 19
            }
        }
        #expect(Set(samples.map(ordinal)) == Set(0..<20))
        for remedy in samples {
            let text = DoctorRemedies.text(remedy, at: .sqlite(path: "/srv/app.db")) ?? ""
            #expect(!text.isEmpty)
            #expect(CommandMentions.problems(in: text).isEmpty, "\(text): \(CommandMentions.problems(in: text))")
        }
        for (column, text) in DoctorRemedies.domainVerbs {
            #expect(ColumnDomain.enumerated.contains { "\($0.table).\($0.column)" == column }, "\(column)")
            #expect(CommandMentions.problems(in: text).isEmpty, "\(text): \(CommandMentions.problems(in: text))")
        }
    }

    /// A value outside its domain in a column a verb sets is fixed with the verb.
    @Test func valuesOutsideTheirDomainsAreFixedWithTheirVerbs() throws {
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["-q", "skills", "add", "empathy"]).status == 0)
        #expect(f.cli(["-q", "skills", "set-level", "alice", "empathy", "3"]).status == 0)
        #expect(f.cli(["-q", "training", "start", "alice", "empathy"]).status == 0)
        let db = try f.connection()
        try db.execute("UPDATE user_skills SET level = 12")
        try db.execute("UPDATE training SET status = 'done', progress = 1.5")
        let result = f.cli(["--format", "csv", "--no-header", "--fields", "code,table,column,fix", "doctor"])
        #expect(result.status == 65)
        #expect(result.stdout.contains("out-of-domain,user_skills,level,socializer --db \(f.db) skills set-level USER SKILL LEVEL\r\n"), "\(result.stdout)")
        #expect(result.stdout.contains("out-of-domain,training,status,socializer --db \(f.db) training reset USER SKILL\r\n"), "\(result.stdout)")
        #expect(result.stdout.contains("out-of-domain,training,progress,socializer --db \(f.db) training progress USER SKILL VALUE\r\n"), "\(result.stdout)")
    }

    @Test func statementsAreOneShellWord() {
        #expect(DoctorRemedies.shellWord("SELECT 1") == "'SELECT 1'")
        #expect(DoctorRemedies.shellWord("SELECT 'a'") == "\"SELECT 'a'\"")
        #expect(DoctorRemedies.shellWord("SELECT \"x\" WHERE y = 'a'") == #"'SELECT "x" WHERE y = '\''a'\'''"#)
    }
}
