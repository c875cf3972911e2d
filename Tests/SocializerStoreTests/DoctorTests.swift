import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// A database for the doctor: migrated and in WAL mode (as `migrate up`
/// makes it), or the app's own with its rows, baselined or not; the folder
/// closed to others, so only what a test injects is found.
struct DoctorFixture {
    let folder = TemporaryDirectory()
    let db: Connection
    var path: String { folder.file("app.db") }

    enum Kind { case migrated, legacy, legacyBaselined, legacyEmpty }

    init(_ kind: Kind = .migrated) throws {
        chmod(folder.path, 0o700)
        switch kind {
        case .migrated:
            db = try Connection(path: folder.file("app.db"), mode: .createIfMissing)
            try db.enableWAL()
            _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        case .legacy, .legacyBaselined, .legacyEmpty:
            db = try LegacyDatabase.create(at: folder.file("app.db"), withRows: kind != .legacyEmpty)
            if kind != .legacy { _ = try Migrator(connection: db, clock: FixedClock(testNow)).baseline() }
        }
    }

    func options(_ change: (inout Doctor.Options) -> Void = { _ in }) -> Doctor.Options {
        var options = Doctor.Options(now: testNow, path: path)
        change(&options)
        return options
    }

    func run(_ change: (inout Doctor.Options) -> Void = { _ in }) throws -> [DoctorFinding] {
        try Doctor(db, options: options(change)).run()
    }

    /// "code table.column count [rowids]" per finding, in the order found.
    func summary(_ change: (inout Doctor.Options) -> Void = { _ in }) throws -> [String] {
        try run(change).map(DoctorFixture.line)
    }

    static func line(_ f: DoctorFinding) -> String {
        let place = [f.table, f.column].compactMap { $0 }.joined(separator: ".")
        return "\(f.code.rawValue) \(place.isEmpty ? "-" : place) \(f.count)" + (f.rowids.isEmpty ? "" : " \(f.rowids)")
    }

    /// An app-style user with a bcrypt hash, a keyed email and a Fernet key.
    @discardableResult
    func user(_ name: String, email: String? = nil, hash: String? = nil, key: String? = nil) throws -> Int64 {
        try db.execute("""
            INSERT INTO users (username, role, is_active, temperature, preferences, hashed_name, hashed_password,
              hashed_email, member_since, messages, encryption_key)
            VALUES (?, 'user', 1, 0.7, '{}', '', ?, ?, '2026-06-14', 0, ?)
            """, [name, hash ?? "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                  email ?? "hmac-sha256:\(name)", key ?? FernetKey.generate().encoded])
        return db.lastInsertedRowID
    }
}

@Suite struct DoctorCheckTests {
    @Test func aHealthyDatabaseHasNoFinding() throws {
        let f = try DoctorFixture()
        try f.user("alice")
        #expect(try f.summary({ $0.deep = true }) == [])
        #expect(try f.summary({ $0.quick = true }) == [])
    }

    @Test func valuesOutsideTheirDomainsAreCountedPerColumn() throws {
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy'), (2, 'listening')")
        try f.db.execute("UPDATE users SET role = 'boss', temperature = 2.5, is_active = 2, preferences = '{bad', member_since = '2026-02-30' WHERE id = ?", [alice])
        try f.db.execute("INSERT INTO user_skills (user_id, skill_id, level) VALUES (?, 1, 11), (?, 2, -1)", [alice, alice])
        try f.db.execute("INSERT INTO training (user_id, skill_id, status, progress, started_at) VALUES (?, 1, 'stalled', 1.5, 'soon')", [alice])
        try f.db.execute("INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value, confidence) VALUES (?, 't', 'k', 'nope', 7)", [alice])
        try f.db.execute("INSERT INTO chat_rooms (id, name, creator_id, room_type, is_public) VALUES (1, 'r', ?, 'huge', 'yes')", [alice])
        try f.db.execute("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, ?, 'owner', '2026-13-01 00:00:00')", [alice])
        try f.db.execute("""
            INSERT INTO room_messages (id, room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at)
            VALUES (1, 1, ?, 'bot', 'x', 'gif', '{}', '2026-06-01 10:00:00.000000', 'later'),
                   (2, 1, ?, 'user', 'y', 'text', '[1,', '2026-06-01T10:00:00Z', NULL)
            """, [alice, alice])
        try f.db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id, status) VALUES (1, ?, ?, 'maybe')", [alice, alice])
        try f.db.execute("INSERT INTO error_logs (timestamp, error_type, error_message, context) VALUES ('2026-06-10 00:00:00', 'E', 'm', 'x')")
        #expect(try f.summary() == [
            "out-of-domain users.role 1 [1]", "out-of-domain users.temperature 1 [1]", "bad-boolean users.is_active 1 [1]",
            "bad-json users.preferences 1 [1]", "bad-date users.member_since 1 [1]",
            "noncanonical-datetime error_logs.timestamp 1 [1]", "bad-json error_logs.context 1 [1]",
            "out-of-domain user_skills.level 2 [1, 2]",
            "out-of-domain training.status 1 [1]", "out-of-domain training.progress 1 [1]", "bad-date training.started_at 1 [1]",
            "out-of-domain user_preferences.confidence 1 [1]", "bad-json user_preferences.preference_value 1 [1]",
            "out-of-domain chat_rooms.room_type 1 [1]", "bad-boolean chat_rooms.is_public 1 [1]",
            "out-of-domain room_members.role 1 [1]", "bad-datetime room_members.joined_at 1 [1]",
            "out-of-domain room_messages.sender_type 1 [1]", "out-of-domain room_messages.message_type 1 [1]",
            "bad-json room_messages.message_metadata 1 [2]", "noncanonical-datetime room_messages.created_at 1 [2]",
            "bad-datetime room_messages.edited_at 1 [1]",
            "out-of-domain room_invites.status 1 [1]",
        ])
        // Bad metadata is corrected to what the app writes when there is none, {}, not to NULL.
        let findings = try f.run()
        #expect(findings.first { $0.code == .badJSON && $0.column == "message_metadata" }?.remedy == .statement(
            "UPDATE room_messages SET message_metadata = '{}' WHERE message_metadata IS NOT NULL AND NOT json_valid(message_metadata)"))
        #expect(findings.first { $0.code == .badJSON && $0.column == "context" }?.remedy == .statement(
            "UPDATE error_logs SET context = NULL WHERE context IS NOT NULL AND NOT json_valid(context)"))
        // Sentences read aloud: "an is_public", "an edited_at", "a role".
        let messages = findings.map(\.message)
        #expect(messages.contains("1 row(s) hold an is_public that is not 0 or 1 (rowid 1)"))
        #expect(messages.contains("1 row(s) hold an edited_at that is not a date and time (rowid 1)"))
        #expect(messages.contains("1 row(s) hold a role outside admin, user (rowid 1)"))
    }

    @Test func theCountedFormOfEveryRuleAgreesWithItsStatement() throws {
        // Every domain rule over good, bad, NULL and wrongly typed values: the aggregate's
        // fast form and the statement shown to operators count the same rows.
        let f = try DoctorFixture()
        _ = try Doctor(f.db, options: f.options())
        try f.db.execute("CREATE TABLE probe (v)")
        try f.db.execute("""
            INSERT INTO probe VALUES (NULL), (0), (1), (2), (-1), (0.5), (1.5), (10), (11), ('1'), ('user'), ('boss'),
              ('pending'), ('{}'), ('[1]'), ('{bad'), (''), ('2026-06-15'), ('2026-06-15 12:00:00.000000'), ('2026-02-30'),
              ('yesterday'), (x'00'), ('admin'), (2.5), ('0.7')
            """)
        var counts: [Int64] = []
        for domain in ColumnDomain.all {
            let expected = try f.db.scalarInt("SELECT count(*) FROM probe WHERE \(Doctor.violation(domain.rule, "v", .sqlite))")
            #expect(try f.db.scalarInt("SELECT sum(\(Doctor.countedViolation(domain.rule, "v", .sqlite))) FROM probe") == expected,
                    "\(domain.table).\(domain.column)")
            counts.append(expected)
        }
        // The probe holds values outside every rule, and NULL counts for none.
        #expect(counts.allSatisfy { $0 > 0 && $0 < 25 })
        let nonCanonical = Doctor.nonCanonicalRule("probe", "v")
        #expect(try f.db.scalarInt("SELECT count(*) FROM probe WHERE \(nonCanonical.condition)") == 1)
        #expect(try f.db.scalarInt("SELECT sum(\(nonCanonical.counted)) FROM probe") == 1)
    }

    @Test func membershipsAndMessagesThatContradictHowTheAppReadsThemAreFound() throws {
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("INSERT INTO chat_rooms (id, name, creator_id, ai_enabled) VALUES (1, 'on', ?, 1), (2, 'off', ?, 0), (3, 'off, AI left', ?, 0)",
                         [alice, alice, alice])
        try f.db.execute("""
            INSERT INTO room_members (id, room_id, user_id, role, is_active) VALUES
              (1, 1, ?, 'ai', 1), (2, 1, NULL, 'member', 1), (3, 2, NULL, 'ai', 1), (4, 3, NULL, 'ai', 0), (5, 2, ?, 'creator', 1)
            """, [alice, alice])
        try f.db.execute("""
            INSERT INTO room_messages (id, room_id, sender_id, sender_type, content, message_type, is_deleted) VALUES
              (1, 1, NULL, 'user', 'who?', 'text', 0), (2, 1, NULL, 'user', 'hidden', 'text', 1),
              (3, 1, ?, 'ai', 'me?', 'text', 0), (4, 1, ?, 'system', 'joined', 'system', 0),
              (5, 1, ?, 'system', 'alice invited bob', 'invite', 0), (6, 1, NULL, 'ai', 'fine', 'text', 0)
            """, [alice, alice, alice])
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == [
            "ai-off-with-ai-member chat_rooms.ai_enabled 1 [2]", "user-member-ai-role room_members.role 1 [1]",
            "ai-member-wrong-role room_members.role 1 [2]", "user-message-without-sender room_messages.sender_id 1 [1]",
            "ai-message-with-sender room_messages.sender_id 2 [3, 4]",
        ])
        #expect(findings.allSatisfy { $0.severity == .warning && !$0.isRepairable })
        #expect(findings.map(\.remedy).prefix(2) == [.setRoomAI, .setMemberRole])
        #expect(findings[3].remedy == .hideMessages)
        // The statements given for the others fix exactly those rows.
        for finding in [findings[2], findings[4]] {
            guard case .statement(let sql) = finding.remedy else { Issue.record("\(finding.code)"); continue }
            try f.db.execute(sql)
        }
        #expect(try f.db.scalar("SELECT role FROM room_members WHERE id = 2") == .text("ai"))
        #expect(try f.db.rows("SELECT sender_id FROM room_messages ORDER BY id").map { $0[0] }
                == [.null, .null, .null, .null, .integer(alice), .null])
        #expect(try f.summary() == [
            "ai-off-with-ai-member chat_rooms.ai_enabled 1 [2]", "user-member-ai-role room_members.role 1 [1]",
            "user-message-without-sender room_messages.sender_id 1 [1]",
        ])
    }

    @Test func timesInAnotherFormThanTheStoredOneAreFoundAndRewrittenAsTheSameInstants() throws {
        // Text order: ' ' < 'T', and a value without its fraction sorts before the same second with one.
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("INSERT INTO chat_rooms (id, name, creator_id, created_at) VALUES (1, 'r', ?, '2026-06-01 10:00:00.000000')", [alice])
        try f.db.execute("""
            INSERT INTO room_messages (id, room_id, sender_id, content, created_at, edited_at) VALUES
              (1, 1, ?, 'a', '2026-11-29T07:44:48', NULL),
              (2, 1, ?, 'b', '2026-11-29 07:44:48.500000', '2026-11-29T09:44:48.25+02:00'),
              (3, 1, ?, 'c', '2026-11-29 07:44:49', NULL),
              (4, 1, ?, 'd', 'yesterday', '2026-11-30')
            """, [alice, alice, alice, alice])
        let doctor = try Doctor(f.db, options: f.options())
        let findings = try doctor.run()
        #expect(findings.map(DoctorFixture.line) == [
            "bad-datetime room_messages.created_at 1 [4]", "noncanonical-datetime room_messages.created_at 2 [1, 3]",
            "noncanonical-datetime room_messages.edited_at 2 [2, 4]",
        ])
        let finding = try #require(findings.first { $0.code == .noncanonicalDatetime })
        #expect(finding.severity == .warning && finding.isRepairable && finding.remedy == .repair)
        #expect(finding.message == "2 row(s) hold a created_at in another form than YYYY-MM-DD HH:MM:SS.ffffff (UTC) (rowid 1, 3): "
                + "compared as text, they sort out of time order (time filters, unread counts, purges, last activity)")
        let repairs = try f.db.transaction { try doctor.repairRows(findings, dryRun: false) }
        #expect(repairs.map { "\($0.table ?? "-").\($0.column ?? "-") \($0.count): \($0.message)" } == [
            "room_messages.created_at 2: rewrote 2 created_at value(s) as YYYY-MM-DD HH:MM:SS.ffffff UTC, the same instant(s)",
            "room_messages.edited_at 2: rewrote 2 edited_at value(s) as YYYY-MM-DD HH:MM:SS.ffffff UTC, the same instant(s)",
        ])
        #expect(try f.db.rows("SELECT created_at, edited_at FROM room_messages ORDER BY id").map(\.values) == [
            [.text("2026-11-29 07:44:48.000000"), .null],
            [.text("2026-11-29 07:44:48.500000"), .text("2026-11-29 07:44:48.250000")],
            [.text("2026-11-29 07:44:49.000000"), .null],
            [.text("yesterday"), .text("2026-11-30 00:00:00.000000")],
        ])
        // Text order is time order again; what cannot be read is left for an operator.
        #expect(try f.db.rows("SELECT id FROM room_messages WHERE created_at < 'z' ORDER BY created_at").map { $0[0] }
                == [.integer(1), .integer(2), .integer(3), .integer(4)])
        #expect(try doctor.run().map(DoctorFixture.line) == ["bad-datetime room_messages.created_at 1 [4]"])
    }

    @Test func orphanRowsAreCountedPerReferenceWithWhatFixesThem() throws {
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("PRAGMA foreign_keys = OFF")
        try f.db.execute("INSERT INTO skills (id, skill_name) VALUES (1, 'empathy')")
        try f.db.execute("INSERT INTO chat_rooms (id, name, creator_id) VALUES (1, 'lobby', ?), (2, 'ghost town', 99)", [alice])
        try f.db.execute("INSERT INTO user_skills (user_id, skill_id, level) VALUES (?, 1, 3), (98, 1, 4), (?, 7, 5)", [alice, alice])
        try f.db.execute("INSERT INTO room_members (room_id, user_id, role) VALUES (1, ?, 'creator'), (1, NULL, 'ai'), (9, ?, 'member'), (1, 97, 'member')", [alice, alice])
        try f.db.execute("INSERT INTO room_messages (id, room_id, sender_id, content) VALUES (1, 1, ?, 'hi'), (2, 9, ?, 'gone'), (3, 1, 96, 'who')", [alice, alice])
        try f.db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id, message_id) VALUES (1, ?, 95, 2), (1, 95, ?, 44)", [alice, alice])
        try f.db.execute("INSERT INTO token_blacklist (token, expires_at, user_id) VALUES ('t', '2099-01-01 00:00:00.000000', 94)")
        try f.db.execute("INSERT INTO general_chat_messages (sender_id, content) VALUES (93, 'x')")
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == [
            "orphan-rows token_blacklist.user_id 1 [1]", "orphan-rows user_skills.user_id 1 [2]", "orphan-rows user_skills.skill_id 1 [3]",
            "orphan-rows chat_rooms.creator_id 1 [2]", "orphan-rows room_members.room_id 1 [3]", "orphan-rows room_members.user_id 1 [4]",
            "orphan-rows room_messages.room_id 1 [2]", "orphan-rows room_messages.sender_id 1 [3]",
            "orphan-rows general_chat_messages.sender_id 1 [1]",
            "orphan-rows room_invites.invitee_id 1 [1]", "orphan-rows room_invites.inviter_id 1 [2]", "orphan-rows room_invites.message_id 1 [2]",
        ].sorted { findings.map(DoctorFixture.line).firstIndex(of: $0)! < findings.map(DoctorFixture.line).firstIndex(of: $1)! })
        #expect(Set(findings.map(DoctorFixture.line)).count == 12)
        let repairable = Set(findings.filter(\.isRepairable).map { "\($0.table!).\($0.column!)" })
        #expect(repairable == ["token_blacklist.user_id", "user_skills.user_id", "user_skills.skill_id", "room_members.room_id",
                               "room_members.user_id", "room_messages.room_id", "room_messages.sender_id", "room_invites.message_id"])
        let creator = try #require(findings.first { $0.column == "creator_id" })
        #expect(creator.remedy == .statement("SELECT rowid, * FROM chat_rooms WHERE creator_id IS NOT NULL AND creator_id NOT IN (SELECT id FROM users)"))
        #expect(creator.message == "1 row(s) refer through creator_id to a users row that does not exist (rowid 2)")
    }

    @Test func theAppsOwnTablesAreCheckedThroughTheirDeclaredReferences() throws {
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("CREATE TABLE life_events (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title VARCHAR)")
        try f.db.execute("PRAGMA foreign_keys = OFF")
        try f.db.execute("INSERT INTO life_events (user_id, title) VALUES (?, 'moved'), (77, 'lost'), (78, 'gone')", [alice])
        let finding = try #require(try f.run().first)
        #expect(DoctorFixture.line(finding) == "orphan-rows life_events.user_id 2 [2, 3]")
        #expect(!finding.isRepairable)
        #expect(finding.remedy == .statement("""
            SELECT rowid, * FROM "life_events" WHERE "user_id" IS NOT NULL AND "user_id" NOT IN (SELECT "id" FROM "users" WHERE "id" IS NOT NULL)
            """))
    }

    @Test func aDeclarationSQLiteCannotCheckIsSaidSo() throws {
        let f = try DoctorFixture()
        try f.db.execute("CREATE TABLE tags (name VARCHAR)")
        try f.db.execute("CREATE TABLE tagged (id INTEGER PRIMARY KEY, tag VARCHAR REFERENCES tags (name))")
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == ["check-failed tagged 1", "unknown-tables - 2"])
        #expect(findings[0].message == "the references tagged declares cannot be checked: foreign key mismatch - \"tagged\" referencing \"tags\"")
        #expect(findings[0].remedy == nil)
    }

    @Test func moreThanOneAIMemberInARoomIsFoundThroughTheIndex() throws {
        let f = try DoctorFixture()
        let alice = try f.user("alice")
        try f.db.execute("INSERT INTO chat_rooms (id, name, creator_id) VALUES (1, 'a', ?), (2, 'b', ?), (3, 'c', ?)", [alice, alice, alice])
        try f.db.execute("""
            INSERT INTO room_members (id, room_id, user_id, role, joined_at) VALUES
              (1, 1, NULL, 'ai', '2026-06-02 00:00:00.000000'), (2, 1, NULL, 'ai', '2026-06-01 00:00:00.000000'),
              (3, 1, NULL, 'ai', '2026-06-03 00:00:00.000000'), (4, 2, NULL, 'ai', '2026-06-01 00:00:00.000000'),
              (5, 2, NULL, 'ai', '2026-06-01 00:00:00.000000'), (6, 3, NULL, 'ai', '2026-06-01 00:00:00.000000')
            """)
        #expect(try f.summary() == ["duplicate-ai-members room_members.user_id 3 [1, 3, 5]"])
        let plan = try queryPlan(f.db, "SELECT count(*) AS n FROM room_members WHERE user_id IS NULL GROUP BY room_id HAVING count(*) > 1")
        #expect(plan.contains("SEARCH room_members USING INDEX ix_room_members_user_id (user_id=?)"), "\(plan)")
    }

    @Test func storedSecretsTheToolCannotUseAreFound() throws {
        let f = try DoctorFixture()
        try f.user("keyed")
        try f.user("typed", email: "Typed@Example.com")
        try f.user("digest", email: Hex.encode(Digest.sha256(Array("d@example.com".utf8))))
        try f.user("salted", email: "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")
        try f.user("odd", email: "nothing-like-an-address")
        try f.user("nomail", email: "no-email:abc")
        try f.user("sha", hash: Hex.encode(Digest.sha256(Array("password123".utf8))))
        try f.user("variant", hash: "$2x$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")
        try f.user("badkey", key: "not-a-key")
        let lost = try f.user("lost", key: "placeholder")
        try f.db.execute("UPDATE users SET encryption_key = NULL, conversation_memory = 'gAAAAA' WHERE id = ?", [lost])
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == [
            "plain-emails users.hashed_email 1 [2]", "unknown-email-format users.hashed_email 1 [5]",
            "unverifiable-password-hashes users.hashed_password 2 [7, 8]", "invalid-encryption-keys users.encryption_key 2 [9, 10]",
            "legacy-email-format users.hashed_email 2 [3, 4]",
        ])
        #expect(findings[2].message == "2 user(s) have a password hash socializer cannot verify (1 SHA-256 digest, 1 bcrypt variant $2x$): they cannot log in (rowid 7, 8)")
        #expect(findings[3].message.contains("(1 not a Fernet key, 1 memory without a key)"))
        #expect(findings[4].message.contains("(1 unsalted SHA-256 digests, 1 salted bcrypt hashes, which every lookup tries one by one)"))
        // No secret reaches a message.
        for finding in findings { #expect(!finding.message.contains("not-a-key") && !finding.message.contains("$2x$04$cVW")) }
    }

    @Test func deepDecryptsEveryMemory() throws {
        let f = try DoctorFixture()
        let key = try FernetKey.generate()
        func memory(_ text: String, with key: FernetKey) throws -> String {
            try Fernet.encrypt(Array(text.utf8), key: key, now: testNow.secondsSinceEpoch - 60)
        }
        let document = #"{"messages": [], "general_chat": [], "ai_conversation": [], "metadata": {}}"#
        for (name, token) in [("fine", try memory(document, with: key)), ("other", try memory(document, with: FernetKey.generate())),
                              ("partial", try memory(#"{"messages": []}"#, with: key)), ("garbage", "gAAAAAnotatoken"),
                              ("list", try memory("[1, 2]", with: key))] {
            let id = try f.user(name, key: key.encoded)
            try f.db.execute("UPDATE users SET conversation_memory = ? WHERE id = ?", [token, id])
        }
        #expect(try f.summary() == [])
        let findings = try f.run { $0.deep = true }
        #expect(findings.map(DoctorFixture.line) == ["undecryptable-memory users.conversation_memory 2 [2, 4]",
                                                     "memory-not-app-document users.conversation_memory 2 [3, 5]"])
        #expect(findings[1].message.contains("member \"general_chat\" is missing") && findings[1].message.contains("not an object"))
    }

    @Test func whatWaitsForAPurgeIsCountedThroughThePurgesOwnConditions() throws {
        let f = try DoctorFixture()
        try f.db.execute("""
            INSERT INTO token_blacklist (token, expires_at) VALUES ('a', '2026-01-01 00:00:00.000000'),
              ('b', '2026-06-15 11:59:59.999999'), ('c', '2026-06-15 12:00:00.000000')
            """)
        try f.db.execute("""
            INSERT INTO error_logs (timestamp, error_type, error_message) VALUES ('2026-03-01 00:00:00.000000', 'E', 'm'),
              ('2026-03-18 00:00:00.000000', 'E', 'm'), ('2026-06-01 00:00:00.000000', 'E', 'm')
            """)
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == ["expired-tokens token_blacklist.expires_at 2", "old-logs error_logs.timestamp 1"])
        #expect(findings[0].message == "2 revoked token(s) have expired and wait for the purge (the oldest expired 2026-01-01T00:00:00Z)")
        #expect(findings[1].message == "1 error log(s) are older than 90d (the oldest from 2026-03-01T00:00:00Z)")
        #expect(findings[1].remedy == .purgeLogs(olderThan: TimeSpan(seconds: 90 * 86_400)))
        #expect(try f.summary { $0.retention = TimeSpan(seconds: 7 * 86_400) }.last == "old-logs error_logs.timestamp 3")
        for sql in ["SELECT count(*), min(expires_at) FROM token_blacklist WHERE expires_at < ?",
                    "SELECT count(*), min(timestamp) FROM error_logs WHERE timestamp < ?"] {
            #expect(try queryPlan(f.db, sql).contains("USING COVERING INDEX"), "\(sql)")
        }
    }

    @Test func filesAndAFolderOthersCanReach() throws {
        let f = try DoctorFixture()
        chmod(f.path, 0o644)
        chmod(f.folder.path, 0o755)
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == ["file-permissions - 1", "folder-readable - 1"])
        #expect(findings[0].message == "\(f.path) is 0644, open to group and others: other accounts can read the users' hashes and keys")
        #expect(findings[0].isRepairable)
        chmod(f.folder.path, 0o777)
        #expect(try f.summary() == ["file-permissions - 1", "folder-writable - 1"])
        chmod(f.folder.path, 0o1777)
        #expect(try f.summary() == ["file-permissions - 1", "folder-readable - 1"])
        chmod(f.folder.path, 0o700)
    }

    @Test func theJournalModeIsASuggestion() throws {
        let f = try DoctorFixture()
        _ = try f.db.scalar("PRAGMA journal_mode = DELETE")
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == ["journal-mode - 1"])
        #expect(findings[0].severity == .info && findings[0].remedy == .walMode)
    }

    @Test func oneAggregateQueryPerTableAndNonePerRow() throws {
        let f = try DoctorFixture()
        try f.user("alice")
        let doctor = try Doctor(f.db, options: f.options())
        let one = try statementsRun(on: f.db) { _ = try doctor.run() }
        for table in SchemaModel.tableNames where table != "skills" {
            #expect(one.filter { $0.hasPrefix("SELECT coalesce(sum(") && $0.hasSuffix("FROM \"\(table)\"") }.count == 1, "\(table)")
        }
        for n in 0..<20 { try f.user("user\(n)") }
        try f.db.execute("INSERT INTO error_logs (timestamp, error_type, error_message) SELECT timestamp, error_type, error_message FROM (SELECT '2026-06-01 00:00:00.000000' AS timestamp, 'E' AS error_type, 'm' AS error_message) , (SELECT 1 UNION SELECT 2 UNION SELECT 3)")
        let many = try statementsRun(on: f.db) { _ = try doctor.run() }
        #expect(many == one)
    }
}

@Suite struct DoctorSchemaTests {
    @Test func theAppsOwnDatabaseBaselinedIsReadAsItIs() throws {
        let f = try DoctorFixture(.legacyBaselined)
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == [
            "unverifiable-password-hashes users.hashed_password 3 [1, 2, 5]", "invalid-encryption-keys users.encryption_key 1 [1]",
            "pending-migrations schema_migrations \(Migrations.all.count - 1)", "plaintext-room-passwords chat_rooms.password 1 [2]",
            "expired-tokens token_blacklist.expires_at 1", "old-logs error_logs.timestamp 2", "journal-mode - 1",
        ])
        #expect(findings[2].message == "\(Migrations.all.count - 1) migration(s) not applied yet: "
                + Migrations.all.dropFirst().map(\.identifier).joined(separator: ", "))
    }

    @Test func theAppsOwnDatabaseBeforeBaselineIsCheckedAndSaysSo() throws {
        let f = try DoctorFixture(.legacy)
        let findings = try f.summary()
        #expect(findings.first == "not-baselined - 1")
        #expect(findings.contains("unverifiable-password-hashes users.hashed_password 3 [1, 2, 5]"))
        #expect(!findings.contains { $0.hasPrefix("pending-migrations") })
    }

    @Test func anEmptyFileAndAForeignOne() throws {
        let folder = TemporaryDirectory()
        chmod(folder.path, 0o700)
        let empty = try Connection(path: folder.file("empty.db"), mode: .createIfMissing)
        let findings = try Doctor(empty, options: Doctor.Options(now: testNow, path: folder.file("empty.db"))).run()
        #expect(findings.map(DoctorFixture.line) == ["not-migrated - 1", "journal-mode - 1"])
        #expect(findings[0].remedy == .migrateUp)
        try empty.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        let foreign = try Doctor(empty, options: Doctor.Options(now: testNow, path: folder.file("empty.db"))).run()
        #expect(foreign[0].message == "the file holds none of Socializer's tables, only invoices: is it the app's database?")
        #expect(foreign[0].remedy == nil)
    }

    /// Entries deleted other than by the purge (which takes only the oldest
    /// and then records itself) leave holes in the trail's ids.
    @Test func entriesMissingFromTheAuditTrail() throws {
        let f = try DoctorFixture()
        let audit = AuditRepository(f.db)
        for _ in 1...8 {
            _ = try audit.insert(at: testNow, actor: "ann", command: "users create", target: nil, changes: ChangeSet(),
                                 details: .object([]))
        }
        // Purging the oldest leaves no finding.
        try f.db.execute("DELETE FROM admin_audit WHERE id <= 2")
        #expect(try f.run().filter { $0.code == .auditGaps }.isEmpty)
        try f.db.execute("DELETE FROM admin_audit WHERE id IN (4, 6, 7)")
        var gaps = try f.run().filter { $0.code == .auditGaps }
        #expect(gaps.map(DoctorFixture.line) == ["audit-gaps admin_audit.id 3"])
        #expect(gaps.first?.severity == .warning)
        #expect(gaps.first?.message == "3 audit entries are missing (id 4, ids 6-7): deleted other than by the audit purge, which removes only the oldest")
        // The newest entry deleted too.
        try f.db.execute("DELETE FROM admin_audit WHERE id = 8")
        gaps = try f.run().filter { $0.code == .auditGaps }
        #expect(gaps.first?.message == "4 audit entries are missing (id 4, the newest 3 (ids 6-8)): deleted other than by the audit purge, which removes only the oldest")
        // Every entry gone, the sequence remembers them.
        try f.db.execute("DELETE FROM admin_audit")
        gaps = try f.run().filter { $0.code == .auditGaps }
        #expect(gaps.first?.message == "8 audit entries are missing (the newest 8 (ids 1-8)): deleted other than by the audit purge, which removes only the oldest")
    }

    @Test func aNewerSchemaIsNamedAndItsDataLeftUnread() throws {
        let f = try DoctorFixture()
        try f.db.execute("INSERT INTO schema_migrations VALUES (9, 'future', 'x', '2026-06-01 00:00:00.000000', 1)")
        try f.db.execute("UPDATE users SET role = 'boss'")
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == ["schema-newer schema_migrations 1"])
        #expect(findings[0].message == "the database is at schema version 9, newer than this socializer knows (\(Migrations.latestVersion)); its data was not checked")
    }

    @Test func driftAgainstTheCompiledMigrations() throws {
        let f = try DoctorFixture()
        try f.db.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 3")
        try f.db.execute("DROP INDEX ix_room_messages_room_id_created_at")
        try f.db.execute("ALTER TABLE chat_rooms DROP COLUMN password")
        try f.db.execute("CREATE TABLE scratch (x)")
        let findings = try f.run()
        #expect(findings.map(DoctorFixture.line) == [
            "migration-modified schema_migrations 1", "schema-drift - 1",
            "missing-index room_messages 1", "unknown-tables - 1",
        ])
        #expect(findings[0].message.hasPrefix("1 applied migration(s) differ from the ones compiled into this socializer: 0003_indexes: recorded checksum tampered differs"))
        #expect(findings[1].message == "the tables differ from what the migrations create in 1 way(s): chat_rooms: column password is missing")
        #expect(findings[2].remedy == .statement("CREATE INDEX ix_room_messages_room_id_created_at ON room_messages (room_id, created_at)"))
        #expect(findings[3].message == "1 table(s) neither socializer nor the app creates: scratch; left alone")
    }

    @Test func theMigrationsSayWhichObjectsTheyLeave() {
        let first = Migrations.schemaObjects(upTo: 1)
        #expect(first.tables == Set(SchemaModel.tableNames))
        #expect(first.indexes["ix_token_blacklist_token"]?.table == "token_blacklist")
        let latest = Migrations.schemaObjects(upTo: Migrations.latestVersion)
        #expect(latest.tables == Set(SchemaModel.tableNames).union([SchemaModel.adminAudit.name]))
        #expect(Set(latest.indexes.keys) == Set(first.indexes.keys).union(SchemaModel.adminIndexes.map(\.index.name))
            .union([SchemaModel.emailLookupIndex]).union(SchemaModel.adminAudit.indexes.map(\.name))
            .union(SchemaModel.purgeIndexes.map(\.index.name)).union(SchemaModel.senderIndexes.map(\.index.name)))
        #expect(latest.indexes["ix_users_email_lookup"]?.statement == "CREATE INDEX ix_users_email_lookup ON users (lower(trim(hashed_email)))")
    }

    @Test func aCorruptFileIsReportedAndTheOtherChecksGoOn() throws {
        let f = try DoctorFixture()
        _ = try f.db.scalar("PRAGMA journal_mode = DELETE")
        for i in 0..<300 {
            try f.db.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES ('2026-06-01 00:00:00.000000', 'E', ?)",
                             [String(repeating: "s\(i)", count: 20)])
        }
        let rootPage = try f.db.scalarInt("SELECT rootpage FROM sqlite_master WHERE name = 'error_logs'")
        let pageSize = try f.db.scalarInt("PRAGMA page_size")
        var bytes = [UInt8](FileManager.default.contents(atPath: f.path)!)
        let offset = Int((rootPage - 1) * pageSize)
        for i in 0..<Int(pageSize) where offset + i < bytes.count { bytes[offset + i] = 0x55 }
        FileManager.default.createFile(atPath: f.path, contents: Data(bytes))
        chmod(f.path, 0o600)
        let db = try Connection(path: f.path)
        let findings = try Doctor(db, options: f.options()).run()
        #expect(findings.map(DoctorFixture.line) == ["integrity - 1", "check-failed - 1", "journal-mode - 1"])
        #expect(findings[0].message == "integrity_check found 1 problem(s): it could not finish: database disk image is malformed; nothing should write to this file")
        #expect(findings[0].remedy == .recover)
        #expect(findings[1].message == "the table error_logs check could not read the database: database disk image is malformed")
        #expect(try Doctor(db, options: f.options { $0.quick = true }).run().first?.message.hasPrefix("quick_check found ") == true)
    }
}

@Suite struct DoctorRepairTests {
    /// The app's own database, baselined, with the problems the repairs fix injected.
    static func damaged() throws -> DoctorFixture {
        let f = try DoctorFixture(.legacyBaselined)
        try f.db.execute("PRAGMA foreign_keys = OFF")
        try f.db.execute("""
            INSERT INTO user_skills (id, user_id, skill_id, level) VALUES (50, 99, 1, 1), (51, 1, 99, 1);
            """)
        try f.db.execute("INSERT INTO training VALUES (99, 1, 'active', 0.5, '2025-12-01', NULL, NULL)")
        try f.db.execute("INSERT INTO user_preferences (id, user_id, preference_type, preference_key, preference_value, confidence, last_updated) VALUES (9, 99, 't', 'k', '1', 1.0, '2025-12-01')")
        try f.db.execute("""
            INSERT INTO room_members VALUES (9, 7, 1, '2025-12-01 09:00:00.000000', 'member', 1, NULL),
              (10, 1, NULL, '2025-12-03 09:00:00.000000', 'ai', 1, NULL), (11, 1, 98, '2025-12-03 09:00:00.000000', 'member', 1, NULL)
            """)
        try f.db.execute("""
            INSERT INTO room_messages VALUES (9, 7, 1, 'user', 'in a deleted room', 'text', NULL, '2025-12-01 09:01:00.000000', NULL, 0),
              (10, 1, 97, 'user', 'from a deleted user', 'text', NULL, '2025-12-01 09:01:00.000000', NULL, 0)
            """)
        try f.db.execute("INSERT INTO room_invites VALUES (3, 2, 1, 5, 'pending', 9, '2025-12-01 09:05:00.000000', NULL)")
        try f.db.execute("INSERT INTO error_logs VALUES (3, '2026-06-01 08:00:00.000000', 96, 'E', 'm', NULL, NULL)")
        try f.db.execute("UPDATE token_blacklist SET user_id = 95 WHERE id = 3")
        try f.db.execute("PRAGMA foreign_keys = ON")
        chmod(f.path, 0o644)
        return f
    }

    @Test func theRepairsFixExactlyWhatIsSafeAndSayWhatTheyDid() throws {
        let f = try Self.damaged()
        let doctor = try Doctor(f.db, options: f.options { $0.deep = true })
        var rows: [String: [String]] = [:]
        for table in LegacyDatabase.dataTables { rows[table] = try LegacyDatabase.dump(f.db, table) }
        let findings = try doctor.run()
        // Checking changes nothing.
        for table in LegacyDatabase.dataTables { #expect(try LegacyDatabase.dump(f.db, table) == rows[table], "\(table)") }
        #expect(findings.map(DoctorFixture.line) == [
            "orphan-rows token_blacklist.user_id 1 [3]", "orphan-rows error_logs.user_id 1 [3]",
            "orphan-rows user_skills.user_id 1 [50]", "orphan-rows user_skills.skill_id 1 [51]", "orphan-rows training.user_id 1 [3]",
            "orphan-rows user_preferences.user_id 1 [9]", "orphan-rows room_members.room_id 1 [9]", "orphan-rows room_members.user_id 1 [11]",
            "orphan-rows room_messages.room_id 1 [9]", "orphan-rows room_messages.sender_id 1 [10]",
            "duplicate-ai-members room_members.user_id 1 [10]", "unverifiable-password-hashes users.hashed_password 3 [1, 2, 5]",
            "invalid-encryption-keys users.encryption_key 1 [1]", "file-permissions - 1",
            "pending-migrations schema_migrations \(Migrations.all.count - 1)", "plaintext-room-passwords chat_rooms.password 1 [2]",
            "expired-tokens token_blacklist.expires_at 1", "old-logs error_logs.timestamp 2", "journal-mode - 1",
        ])
        let before = try f.db.rows("SELECT * FROM room_invites ORDER BY id").map(\.values)
        let repairs = try f.db.transaction { try doctor.repairRows(findings, dryRun: false) }
        #expect(repairs.map { "\($0.table ?? "-").\($0.column ?? "-") \($0.count): \($0.message)" } == [
            "user_skills.user_id 1: deleted 1 row(s) whose users row does not exist (user_id)",
            "user_skills.skill_id 1: deleted 1 row(s) whose skills row does not exist (skill_id)",
            "training.user_id 1: deleted 1 row(s) whose users row does not exist (user_id)",
            "user_preferences.user_id 1: deleted 1 row(s) whose users row does not exist (user_id)",
            "room_members.room_id 1: deleted 1 row(s) whose chat_rooms row does not exist (room_id)",
            "room_members.user_id 1: deleted 1 row(s) whose users row does not exist (user_id)",
            "room_invites.- 1: set NULL 1 reference(s) to them (rows of room_messages whose chat_rooms row does not exist)",
            "room_messages.room_id 1: deleted 1 row(s) whose chat_rooms row does not exist (room_id)",
            "token_blacklist.user_id 1: set user_id NULL in 1 row(s) whose users row does not exist",
            "error_logs.user_id 1: set user_id NULL in 1 row(s) whose users row does not exist",
            "room_messages.sender_id 1: set sender_id NULL in 1 row(s) whose users row does not exist",
            "room_members.user_id 1: removed 1 extra AI membership(s), keeping each room's oldest",
        ])
        #expect(try f.db.scalar("SELECT message_id FROM room_invites WHERE id = 3") == .null)
        #expect(try f.db.rows("SELECT * FROM room_invites WHERE id != 3 ORDER BY id").map(\.values) == before.filter { $0[0] != .integer(3) })
        #expect(try f.db.scalar("SELECT sender_id FROM room_messages WHERE id = 10") == .null)
        #expect(try f.db.scalarInt("SELECT count(*) FROM room_members WHERE user_id IS NULL AND room_id = 1") == 1)
        #expect(try f.db.scalarInt("SELECT id FROM room_members WHERE user_id IS NULL AND room_id = 1") == 2)
        #expect(try f.db.rows("PRAGMA foreign_key_check").isEmpty)
        let files = try doctor.repairFileModes(dryRun: false)
        #expect(files.map(\.message) == ["changed the mode to 0600 of \(f.path) from 0644"])
        #expect(f.folder.mode("app.db") == 0o600)
        // What is left is what no repair may touch; message 10, its sender detached, now shows no sender.
        #expect(try doctor.run().map(DoctorFixture.line) == [
            "user-message-without-sender room_messages.sender_id 1 [10]",
            "unverifiable-password-hashes users.hashed_password 3 [1, 2, 5]", "invalid-encryption-keys users.encryption_key 1 [1]",
            "pending-migrations schema_migrations \(Migrations.all.count - 1)", "plaintext-room-passwords chat_rooms.password 1 [2]",
            "expired-tokens token_blacklist.expires_at 1", "old-logs error_logs.timestamp 2", "journal-mode - 1",
        ])
    }

    @Test func aDryRunIsTheSameWorkRolledBack() throws {
        let f = try Self.damaged()
        let doctor = try Doctor(f.db, options: f.options())
        let findings = try doctor.run()
        var before: [String: [String]] = [:]
        for table in LegacyDatabase.dataTables { before[table] = try LegacyDatabase.dump(f.db, table) }
        let dry = try f.db.transaction(commit: false) { try doctor.repairRows(findings, dryRun: true) }
        #expect(dry.count == 12 && dry.allSatisfy { $0.message.hasPrefix("would ") })
        #expect(try doctor.repairFileModes(dryRun: true).first?.message == "would change the mode to 0600 of \(f.path) from 0644")
        for table in LegacyDatabase.dataTables { #expect(try LegacyDatabase.dump(f.db, table) == before[table], "\(table)") }
        #expect(f.folder.mode("app.db") == 0o644)
        let real = try f.db.transaction { try doctor.repairRows(findings, dryRun: false) }
        #expect(real.map(\.count) == dry.map(\.count))
    }

    @Test func nothingButTheRepairableIsRepaired() throws {
        // Domain values, hashes, keys: reported, never changed by a repair.
        let f = try DoctorFixture()
        let alice = try f.user("alice", hash: "plain-text")
        try f.db.execute("UPDATE users SET role = 'boss' WHERE id = ?", [alice])
        let doctor = try Doctor(f.db, options: f.options())
        let findings = try doctor.run()
        #expect(findings.count == 2 && findings.allSatisfy { !$0.isRepairable })
        let before = try f.db.rows("SELECT * FROM users").map(\.values)
        #expect(try f.db.transaction { try doctor.repairRows(findings, dryRun: false) } == [])
        #expect(try f.db.rows("SELECT * FROM users").map(\.values) == before)
    }

    @Test func theTokenRepairIsTheCronPurge() throws {
        let f = try DoctorFixture()
        try f.db.execute("INSERT INTO token_blacklist (token, expires_at) VALUES ('a', '2026-01-01 00:00:00.000000'), ('b', '2099-01-01 00:00:00.000000')")
        let doctor = try Doctor(f.db, options: f.options())
        #expect(doctor.expiredTokens.condition == TokenRepository.purgeTarget(expiredBefore: testNow).condition)
        let report = try PurgeEngine(db: f.db).run(doctor.expiredTokens, dryRun: false)
        #expect(Doctor.repair(report)?.message == "purged 1 expired token(s) in 1 batch(es)")
        #expect(try f.db.scalarInt("SELECT count(*) FROM token_blacklist") == 1)
        #expect(try doctor.run().isEmpty)
    }
}
