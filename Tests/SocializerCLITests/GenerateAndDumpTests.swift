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

@Suite struct GenerateTests {
    static let spec = "users=120,skills=8,levels=200,training=90,prefs=150,rooms=15,members=60,messages=3000,invites=25,general=400,tokens=500,logs=120"

    @Test func everyTableIsReachableAndTheCountsAreThoseAsked() throws {
        let s = SeedFixture()
        let result = s.cli(["--format", "csv", "seed", "--generate", Self.spec, "--random-seed", "42"])
        #expect(result.status == 0, "\(result.stderr)")
        let counts = Dictionary(uniqueKeysWithValues: result.stdout.split(separator: "\r\n").dropFirst().map {
            let cells = $0.split(separator: ",")
            return (String(cells[0]), Int64(cells[1])!)
        })
        for table in ["users", "skills", "user_skills", "training", "user_preferences", "chat_rooms", "room_members", "room_messages",
                      "room_invites", "general_chat_messages", "token_blacklist", "error_logs"] {
            #expect(try s.count(table) == counts[table], "\(table)")
            #expect(counts[table]! > 0, "\(table)")
        }
        #expect(counts["users"] == 120 && counts["room_invites"] == 25 && counts["token_blacklist"] == 500)
        // Messages asked for, plus one invite message per invite.
        #expect(counts["room_messages"] == 3025)
        // 60 people in the rooms, the AI members, and the invitees who accepted.
        let db = try s.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE user_id IS NOT NULL")
                == 60 + db.scalarInt("SELECT count(*) FROM room_invites WHERE status = 'accepted'"))
        #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    @Test func theShapesAreRealistic() throws {
        let s = SeedFixture()
        s.seed(["--generate", Self.spec + ",until=2026-06-01,days=60", "--random-seed", "7"])
        let db = try s.connection()
        // Every room has its creator; AI members have no user and are one per room at most.
        #expect(try db.scalarInt("SELECT count(*) FROM chat_rooms r WHERE NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = r.creator_id AND m.role = 'creator')") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM (SELECT room_id FROM room_members WHERE user_id IS NULL GROUP BY room_id HAVING count(*) > 1)") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE (user_id IS NULL) != (role = 'ai')") == 0)
        // Busy rooms and quiet ones.
        let perRoom = try db.rows("SELECT count(*) AS n FROM room_messages GROUP BY room_id ORDER BY n DESC").map { try $0.int("n") }
        #expect(perRoom.first! > 5 * perRoom.last!)
        // Senders are members of their room; AI and system messages have none.
        #expect(try db.scalarInt("""
            SELECT count(*) FROM room_messages m WHERE m.sender_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM room_members r WHERE r.room_id = m.room_id AND r.user_id = m.sender_id)
            """) == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE sender_type IN ('ai', 'system') AND sender_id IS NOT NULL") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE sender_type = 'ai'") > 100)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE edited_at IS NOT NULL") > 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE is_deleted = 1") > 0)
        // Timestamps spread over the period and in insertion order.
        #expect(try db.scalar("SELECT min(created_at) >= '2026-04-02' AND max(created_at) < '2026-06-01' FROM room_messages WHERE message_type = 'text'") == .integer(1))
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages a JOIN room_messages b ON b.id = a.id + 1 WHERE b.created_at < a.created_at AND a.message_type = 'text' AND b.message_type = 'text'") == 0)
        // A share of the revoked tokens has expired by the end of the period, the rest has not.
        let expired = try db.scalarInt("SELECT count(*) FROM token_blacklist WHERE expires_at < '2026-06-01'")
        #expect(expired > 250 && expired < 450, "\(expired)")
        // Invites in every status, each with its invite message.
        #expect(try db.scalarInt("SELECT count(DISTINCT status) FROM room_invites") == 3)
        #expect(try db.scalarInt("SELECT count(*) FROM room_invites i JOIN room_messages m ON m.id = i.message_id WHERE m.message_type = 'invite'") == 25)
        #expect(try db.scalarInt("SELECT count(DISTINCT status) FROM training") == 4)
        // Every value in its domain (SPEC §2), as doctor will check.
        for domain in ColumnDomain.enumerated {
            switch domain.rule {
            case .oneOf(let values):
                #expect(try db.scalarInt("SELECT count(*) FROM \(domain.table) WHERE \(domain.column) NOT IN (\(SQL.placeholders(values.count)))",
                                         values.map { $0 }) == 0, "\(domain.table).\(domain.column)")
            case .integers(let range):
                #expect(try db.scalarInt("SELECT count(*) FROM \(domain.table) WHERE \(domain.column) NOT BETWEEN ? AND ?",
                                         [range.lowerBound, range.upperBound]) == 0)
            case .reals(let range):
                #expect(try db.scalarInt("SELECT count(*) FROM \(domain.table) WHERE \(domain.column) NOT BETWEEN ? AND ?",
                                         [range.lowerBound, range.upperBound]) == 0)
            default: break
            }
        }
    }

    @Test func theSameSeedGivesTheSameDumpAndAnotherSeedAnother() throws {
        let a = SeedFixture(), b = SeedFixture(), c = SeedFixture()
        a.seed(["--generate", Self.spec, "--random-seed", "42"])
        b.seed(["--generate", Self.spec, "--random-seed", "42"])
        c.seed(["--generate", Self.spec, "--random-seed", "43"])
        let dumpA = a.dump([])
        #expect(dumpA == b.dump([]))
        #expect(dumpA != c.dump([]))
        #expect(a.cli(["--format", "jsonl", "dump"]).stdout == b.cli(["--format", "jsonl", "dump"]).stdout)
    }

    @Test func everyGeneratedUserHasTheDocumentedPassword() throws {
        let s = SeedFixture()
        s.seed(["--generate", "users=3", "--bcrypt-cost", "4"])
        let db = try s.connection()
        #expect(try db.scalarInt("SELECT count(DISTINCT hashed_password) FROM users") == 1, "hashed once")
        for name in try db.rows("SELECT username FROM users").map({ try $0.string("username") }) {
            let check = s.cli(["users", "check-password", name, "--password-stdin"], stdin: FixtureGenerator.password + "\n")
            #expect(check.status == 0, "\(name): \(check.stderr)")
            #expect(s.cli(["users", "find", "--email", "\(name)@example.com"]).status == 0)
        }
        let tokens = SeedFixture()
        tokens.seed(["--generate", "users=2,tokens=3"])
        let token = try tokens.connection().scalar("SELECT token FROM token_blacklist WHERE user_id IS NOT NULL")
        guard case .text(let jwt) = token else { Issue.record("no token"); return }
        let decoded = try JWT.decode(jwt, algorithm: .hs256, secret: Array(FixtureGenerator.tokenSecret.utf8))
        #expect(decoded.claims["jti"] != nil)
    }

    @Test func aBadSpecIsRefusedBeforeAnythingIsWritten() {
        let s = SeedFixture()
        let cases: [(String, String)] = [
            ("", "generation spec: the spec is empty"),
            ("users=5,,rooms=1", "generation spec: an empty item (two commas in a row?)"),
            ("users=99999999999999999999", "users=99999999999999999999 is more than 100000000"),
            ("users=", "users= is not a whole number"),
            ("users", "generation spec: 'users' is not KEY=N"),
            ("usres=5", "unknown key 'usres' (did you mean 'users'?)"),
            ("users=5,users=6", "'users' is given twice"),
            ("users=-1", "users=-1 is not a whole number"),
            ("users=1e3", "users=1e3 is not a whole number"),
            ("users=100000001", "users=100000001 is more than 100000000"),
            ("rooms=2", "rooms=2 needs users to belong to: add users=N"),
            ("users=2,levels=1", "levels=1 needs skills: add skills=N"),
            ("users=2,messages=9", "messages=9 needs rooms: add rooms=N"),
            ("users=2,skills=2,training=5", "training=5 is more than the 4 distinct (user, skill) pairs"),
            ("users=2,rooms=3,members=2", "members=2 is fewer than one creator per room (3)"),
            ("users=2,rooms=1,members=3", "members=3 is more than every user in every room (2)"),
            ("users=2,rooms=1,invites=2", "invites=2 is more than the 0 (room, user) pairs not yet members"),
            ("users=1,prefs=13", "prefs=13 is more than the 12 distinct (user, type, key) triples"),
            ("days=0", "days=0 is outside 1 to 36500"),
            ("until=soon", "until=soon is not a date"),
        ]
        for (spec, message) in cases {
            let result = s.refused(["seed", "--generate", spec], 64, message)
            #expect(result.stderr.contains("hint: write KEY=N pairs separated by commas"), "\(spec)")
        }
        // Table names work as keys too.
        s.seed(["--generate", "users=2,chat_rooms=1,room_messages=3,error_logs=1"])
        // Generated data goes into a database of its own.
        s.refused(["seed", "--generate", "users=2"], 65, "already holds data (users has rows); generated data goes into a database of its own")
        #expect(s.cli(["seed", "--fresh", "--generate", "users=2"]).status == 0)
    }
}

@Suite struct DumpTests {
    @Test func secretsAreLeftOutUnlessAskedFor() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let plain = s.dump([])
        for secret in ["password_hash", "encryption_key", "conversation_memory", "\"password\"", "$2b$", "tuesday"] {
            #expect(!plain.contains(secret), "\(secret)")
        }
        let full = s.dump()
        for secret in ["\"password_hash\":\"$2b$", "\"encryption_key\":", "\"conversation_memory\":\"gAAAAA", "\"password\":\"tuesday\""] {
            #expect(full.contains(secret), "\(secret)")
        }
        // A dump without secrets cannot be seeded: users need their passwords (as users import says).
        let copy = SeedFixture()
        let path = copy.folder.write("plain.json", plain)
        copy.refused(["seed", path], 65, "missing field 'password' (or 'password_hash')")
    }

    @Test func theDocumentListsEveryGroupInLoadOrder() throws {
        let s = SeedFixture()
        #expect(s.cli(["migrate", "up"]).status == 0)
        #expect(s.dump([]) == """
            {
            "socializer_fixture": 1,
            "users": [],
            "skills": [],
            "user_skills": [],
            "training": [],
            "user_preferences": [],
            "chat_rooms": [],
            "room_members": [],
            "room_messages": [],
            "room_invites": [],
            "general_chat_messages": [],
            "token_blacklist": [],
            "error_logs": []
            }

            """)
        #expect(s.cli(["--format", "jsonl", "dump"]).stdout.isEmpty)
        let value = try JSONParser.parse(s.dump([]))
        #expect(value.objectMembers?.map(\.0) == ["socializer_fixture"] + FixtureGroup.allCases.map(\.rawValue))
    }

    @Test func onlyJSONAndJSONLinesAndNoFields() {
        let s = SeedFixture()
        s.seed(["--demo"])
        for format in ["csv", "tsv"] {
            s.refused(["--format", format, "dump"], 64, "'dump' writes json or jsonl; --format \(format) does not apply")
        }
        s.refused(["--fields", "users", "dump"], 64, "'dump' writes whole records; --fields does not apply")
        #expect(s.cli(["--json", "dump"]).stdout == s.cli(["dump"]).stdout)
        let missing = runCLI(["--db", s.folder.file("none.db"), "dump"])
        #expect(missing.status == 66 && missing.stderr.contains("does not exist"))
    }

    /// References the app left dangling (it enforces none) cannot be named by natural keys.
    @Test func aReferenceToNothingIsNamed() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let db = try s.connection()
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.execute("UPDATE error_logs SET user_id = 999 WHERE error_type = 'KeyError'")
        let result = s.cli(["dump"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("error_logs row 2 refers to user id 999 in user_id, which does not exist; a fixture names users by their username and cannot say that"),
                "\(result.stderr)")
        #expect(result.stderr.contains("hint: the app does not enforce references: delete or repair that row first"))
        try db.execute("UPDATE error_logs SET user_id = NULL WHERE user_id = 999")
        try db.execute("UPDATE skills SET skill_name = NULL WHERE skill_name = 'empathy'")
        let nameless = s.cli(["dump"])
        #expect(nameless.status == 65 && nameless.stderr.contains("refers to skill id 1 in skill_id, which does not exist or has no name"))
    }

    /// Memory flat in the rows: the output goes out in pieces as it is made.
    @Test func theDumpStreams() throws {
        let s = SeedFixture()
        s.seed(["--generate", "users=50,rooms=5,messages=20000"])
        let db = try s.connection()
        var pieces = 0
        var largest = 0
        let dumper = FixtureDumper(db, includeSecrets: false, form: .document)
        try dumper.write { bytes in
            pieces += 1
            largest = max(largest, bytes.count)
        }
        #expect(pieces > 20)
        #expect(largest < FixtureDumper.bufferSize + 64 * 1024)
    }
}

/// Dump, seed into an empty database, dump again: the same bytes (issue 14 point 4).
@Suite struct RoundTripTests {
    func roundTrip(_ source: SeedFixture, format: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = source.cli(["--format", format, "dump", "--include-secrets"])
        #expect(first.status == 0, "\(first.stderr)", sourceLocation: sourceLocation)
        let copy = SeedFixture()
        copy.seed([copy.folder.write("dump." + format, first.stdout)], sourceLocation: sourceLocation)
        let second = copy.cli(["--format", format, "dump", "--include-secrets"])
        #expect(second.stdout == first.stdout, sourceLocation: sourceLocation)
        #expect(!first.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test(arguments: ["json", "jsonl"])
    func theDemoFixture(format: String) throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        try roundTrip(s, format: format)
    }

    @Test(arguments: ["json", "jsonl"])
    func aGeneratedDatabase(format: String) throws {
        let s = SeedFixture()
        s.seed(["--generate", GenerateTests.spec, "--random-seed", "11"])
        try roundTrip(s, format: format)
    }

    /// The app's own database, adopted with baseline: its rows as the app
    /// wrote them (gaps in ids, non-canonical JSON spacing, NULL metadata,
    /// a skill without a name), with the two values no app writes made real.
    @Test(arguments: ["json", "jsonl"])
    func aBaselinedLegacyDatabase(format: String) throws {
        let s = SeedFixture()
        let db = try LegacyDatabase.create(at: s.db)
        try db.execute("UPDATE users SET hashed_password = ?",
                       ["$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"])
        try db.execute("UPDATE users SET encryption_key = ? WHERE encryption_key = 'key-a'", [try FernetKey.generate().encoded])
        try db.execute("UPDATE error_logs SET context = '{\"path\": \"/chat\", \"n\": [1, 2]}' WHERE id = 1")
        #expect(s.cli(["migrate", "baseline"]).status == 0)
        let dumped = s.dump()
        #expect(dumped.contains(#"{"skill_name":null}"#))
        #expect(dumped.contains(#""context":{"path":"/chat","n":[1,2]}"#))
        try roundTrip(s, format: format)
    }
}

@Suite struct DemoFixtureTests {
    /// The demo compiled into the binary is fixtures/demo.json, byte for
    /// byte; with SOCIALIZER_REGENERATE_DEMO=1 the Swift file is rewritten.
    @Test func theCompiledInDemoIsTheFixtureFile() throws {
        let file = try String(contentsOfFile: shippedFixtures() + "/demo.json", encoding: .utf8)
        if ProcessInfo.processInfo.environment["SOCIALIZER_REGENERATE_DEMO"] == "1", file != DemoFixture.json {
            let path = repositoryRoot() + "/Sources/SocializerStore/Fixtures/DemoFixture.swift"
            let swift = try String(contentsOfFile: path, encoding: .utf8)
            guard let start = swift.range(of: "public static let json = #\"\"\"\n"), let end = swift.range(of: "\n\"\"\"#", options: .backwards) else {
                Issue.record("DemoFixture.swift has no json literal to rewrite")
                return
            }
            try (String(swift[..<start.upperBound]) + file + String(swift[end.lowerBound...])).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(file == DemoFixture.json, "Sources/SocializerStore/Fixtures/DemoFixture.swift differs from fixtures/demo.json: regenerate it with SOCIALIZER_REGENERATE_DEMO=1 swift test --filter DemoFixtureTests")
    }

    /// The demo touches every table, every status and every kind of message the issue lists.
    @Test func theDemoTouchesEverything() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let db = try s.connection()
        #expect(try db.scalarInt("SELECT count(DISTINCT status) FROM training") == 4)
        #expect(try db.scalarInt("SELECT count(DISTINCT status) FROM room_invites") == 3)
        #expect(try db.scalarInt("SELECT count(DISTINCT room_type) FROM chat_rooms") == 3)
        #expect(try db.scalarInt("SELECT count(DISTINCT message_type) FROM room_messages") == 3)
        #expect(try db.scalarInt("SELECT count(DISTINCT sender_type) FROM room_messages") == 3)
        #expect(try db.scalarInt("SELECT count(*) FROM chat_rooms WHERE is_public = 1") > 0)
        #expect(try db.scalarInt("SELECT count(*) FROM users WHERE conversation_memory IS NOT NULL") == 1)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist WHERE expires_at < '2026-06-15'") == 2)
        let ci = SeedFixture()
        ci.seed([shippedFixtures() + "/ci.json"])
        for table in FixtureGroup.allCases.map(\.table) {
            #expect(try db.scalarInt("SELECT count(*) FROM \(table)") > 0, "demo: \(table)")
            #expect(try ci.count(table) > 0, "ci: \(table)")
        }
        #expect(try ci.count("users") == 2 && ci.count("chat_rooms") == 1)
    }
}
