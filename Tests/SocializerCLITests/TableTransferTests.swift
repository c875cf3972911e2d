import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// The per-table `import` and `export` verbs (SPEC §7; issue 11 items 2 and
/// 3, issue 12 item 7): `skills` (skills and levels), `training` and `rooms`
/// (rooms, members, messages), built on the fixture record engine
/// (`FixtureTransfer`). Round trips go from the demo into a database that
/// holds the rest of the demo, and must give the same rows.
@Suite struct TableTransferTests {
    /// Every row of `tables`, every column, in rowid order.
    static func rows(_ s: SeedFixture, _ tables: [String]) throws -> [String: [[DatabaseValue]]] {
        let db = try s.connection()
        var all: [String: [[DatabaseValue]]] = [:]
        for table in tables { all[table] = try db.rows("SELECT * FROM \(table) ORDER BY rowid").map(\.values) }
        return all
    }

    /// A database holding the demo without `groups` (nor what refers to
    /// them), seeded from the demo's dump with secrets.
    static func demo(without groups: [String]) throws -> SeedFixture {
        let source = SeedFixture()
        source.seed(["--demo"])
        let document = try JSONParser.parse(source.dump())
        let kept = (document.objectMembers ?? []).filter { !groups.contains($0.0) }
        let target = SeedFixture()
        target.seed([target.folder.write("rest.json", JSONValue.object(kept).compactText)])
        #expect(try groups.allSatisfy { try target.count($0) == 0 })
        return target
    }

    static func demo() -> SeedFixture {
        let s = SeedFixture()
        s.seed(["--demo"])
        return s
    }

    static let counts = "table,created,updated,skipped\r\n"

    // MARK: Round trips

    @Test func skillsAndLevelsGoOutAsAFixtureAndComeBackAsTheSameRows() throws {
        let source = Self.demo()
        let json = source.cli(["skills", "export"])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        #expect(try JSONParser.parse(json.stdout).objectMembers?.map(\.0) == ["socializer_fixture", "skills", "user_skills"])
        #expect(json.stdout.contains(#"{"user":"ada","skill":"public_speaking","level":8}"#))
        let jsonl = source.cli(["--format", "jsonl", "skills", "export"])
        #expect(jsonl.stdout.hasPrefix(#"{"table":"skills","record":{"skill_name":"empathy"}}"# + "\n"))
        for (name, text) in [("skills.json", json.stdout), ("skills.jsonl", jsonl.stdout)] {
            let target = try Self.demo(without: ["skills", "user_skills", "training"])
            let loaded = target.cli(["--format", "csv", "skills", "import", target.folder.write(name, text)])
            #expect(loaded.status == 0 && loaded.stdout == Self.counts + "skills,6,0,0\r\nuser_skills,7,0,0\r\n", "\(name): \(loaded.stderr)")
            #expect(try Self.rows(target, ["skills", "user_skills"]) == Self.rows(source, ["skills", "user_skills"]), "\(name)")
            #expect(target.cli(["skills", "export"]).stdout == json.stdout, "\(name)")
            // The same file again: every record exists; skip keeps them, update writes them over, fail refuses.
            let skipped = target.cli(["--format", "csv", "skills", "import", target.folder.file(name), "--on-conflict", "skip"])
            #expect(skipped.stdout == Self.counts + "skills,0,0,6\r\nuser_skills,0,0,7\r\n", "\(skipped.stderr)")
            let updated = target.cli(["--format", "csv", "skills", "import", target.folder.file(name), "--on-conflict", "update"])
            #expect(updated.stdout == Self.counts + "skills,0,6,0\r\nuser_skills,0,7,0\r\n", "\(updated.stderr)")
            #expect(try Self.rows(target, ["skills", "user_skills"]) == Self.rows(source, ["skills", "user_skills"]), "\(name)")
        }
        // Several tables do not fit in csv.
        let csv = source.cli(["--format", "csv", "skills", "export"])
        #expect(csv.status == 64 && csv.stderr.contains("'skills export' writes json or jsonl; --format csv does not apply"))
    }

    @Test(arguments: ["json", "jsonl", "csv"])
    func trainingGoesOutAndComesBackAsTheSameRows(format: String) throws {
        let source = Self.demo()
        let exported = source.cli(["--format", format, "training", "export"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let first = ["json": "[\n{\"user\":\"margaret\",\"skill\":\"small_talk\",", "jsonl": "{\"user\":\"margaret\",\"skill\":\"small_talk\",",
                     "csv": "user,skill,status,progress,started_at,completed_at,notes\r\nmargaret,small_talk,active,0.35,2026-05-02,,Two meetups a month\r\n"]
        #expect(exported.stdout.hasPrefix(first[format]!), "\(exported.stdout)")
        let target = try Self.demo(without: ["training"])
        let loaded = target.cli(["--format", "csv", "training", "import", target.folder.write("training.\(format)", exported.stdout)])
        #expect(loaded.status == 0 && loaded.stdout == Self.counts + "training,5,0,0\r\n", "\(loaded.stderr)")
        #expect(try Self.rows(target, ["training"]) == Self.rows(source, ["training"]))
        #expect(target.cli(["--format", format, "training", "export"]).stdout == exported.stdout)
        // Standard input, with its format named.
        let again = try Self.demo(without: ["training"])
        #expect(again.cli(["training", "import", "-", "--input-format", format], stdin: exported.stdout).status == 0)
        #expect(try Self.rows(again, ["training"]) == Self.rows(source, ["training"]))
    }

    @Test(arguments: ["json", "jsonl"])
    func roomsGoOutWithTheirMembersAndMessagesAndComeBackAsTheSameRows(format: String) throws {
        let source = Self.demo()
        let plain = source.cli(["--format", format, "rooms", "export"])
        #expect(plain.status == 0 && !plain.stdout.contains("tuesday") && !plain.stdout.contains("\"password\""), "\(plain.stderr)")
        let full = source.cli(["--format", format, "rooms", "export", "--include-secrets"])
        #expect(full.stdout.contains(#""password":"tuesday""#))
        #expect(!full.stdout.contains("room_invites") && !full.stdout.contains("\"users\""))
        let tables = ["chat_rooms", "room_members", "room_messages"]
        let target = try Self.demo(without: tables + ["room_invites"])
        let loaded = target.cli(["--format", "csv", "rooms", "import", target.folder.write("rooms.\(format)", full.stdout)])
        #expect(loaded.status == 0 && loaded.stdout == Self.counts + "chat_rooms,4,0,0\r\nroom_members,11,0,0\r\nroom_messages,13,0,0\r\n",
                "\(loaded.stderr)")
        #expect(try Self.rows(target, tables) == Self.rows(source, tables))
        #expect(target.cli(["--format", format, "rooms", "export", "--include-secrets"]).stdout == full.stdout)
        // Rooms have no natural key: the same file again adds every room again.
        let twice = target.cli(["--format", "csv", "rooms", "import", target.folder.file("rooms.\(format)"), "--on-conflict", "skip"])
        #expect(twice.stdout == loaded.stdout, "\(twice.stderr)")
        #expect(try target.count("chat_rooms") == 8)
    }

    // MARK: Refusals

    /// Bad records: exit 65, every problem with its place in the file, unknown users named, nothing written.
    @Test func badRecordsAreReportedWithTheirPlaceAndChangeNothing() throws {
        let s = Self.demo()
        let db = try s.connection()
        let before = try contents(db)
        let skills = s.folder.write("bad.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": "tact"}],"# + "\n"
            + #" "user_skills": [{"user": "ghost", "skill": "tact", "level": 11}]}"# + "\n")
        let training = s.folder.write("bad.csv", "user,skill,status,progress,started_at,notes\r\n"
            + "linus,empathy,active,0.25,2026-06-01,weekly\r\nnobody,listening,stuck,2.5,2026-06-01,x\r\n")
        let trainingLines = s.folder.write("bad.jsonl", #"{"user": "ada", "skill": "juggling", "status": "active"}"# + "\n")
        let rooms = s.folder.write("rooms.jsonl", """
            {"table": "chat_rooms", "record": {"key": "x", "name": "x", "creator": "ghost"}}
            {"table": "room_messages", "record": {"room": "y", "sender": "ada", "content": "hi", "message_type": "shout"}}
            {"table": "skills", "record": {"skill_name": "tact"}}

            """)
        for (arguments, lines) in [
            (["skills", "import", skills], ["\(skills):2:18: level 11 is outside 0 to 10", "\(skills):2:18: unknown user 'ghost'"]),
            (["training", "import", training], ["\(training):row 3: unknown user 'nobody'",
                                                "\(training):row 3: progress 2.5 is outside 0.0 to 1.0"]),
            (["training", "import", trainingLines], ["\(trainingLines):1:1: unknown skill 'juggling'"]),
            (["rooms", "import", rooms], ["\(rooms):1:1: unknown user 'ghost'",
                                          "\(rooms):2:1: message_type 'shout' is not one of text, invite, system",
                                          "\(rooms):2:1: unknown room key 'y'",
                                          "\(rooms):3:1: a skills record cannot be loaded here (this load takes chat_rooms, room_members, room_messages)"]),
        ] as [([String], [String])] {
            let result = s.cli(arguments)
            #expect(result.status == 65, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("nothing was loaded"), "\(result.stderr)")
            for line in lines { #expect(result.stderr.contains(line), "\(arguments): \(result.stderr)") }
            #expect(result.stdout.isEmpty)
            #expect(try contents(db) == before, "\(arguments) changed the database")
        }
        // A training that exists is a conflict unless --on-conflict says otherwise.
        let existing = s.folder.write("existing.csv", "user,skill,status,progress\r\nmargaret,small_talk,paused,0.5\r\n")
        let conflict = s.cli(["training", "import", existing])
        #expect(conflict.status == 65 && conflict.stderr.contains("\(existing):row 2: the training record of user 'margaret', skill 'small_talk' already exists"),
                "\(conflict.stderr)")
        #expect(try contents(db) == before)
    }

    /// Usage errors (64) and a missing file (66), before anything is written.
    @Test func misuseIsRefusedBeforeAnythingIsRead() throws {
        let s = SeedFixture()
        #expect(s.cli(["-q", "migrate", "up"]).status == 0)
        let before = try contents(s.connection())
        let csv = s.folder.write("levels.csv", "skill_name\r\nx\r\n")
        for (arguments, message) in [
            (["skills", "import", csv], "is csv, which holds one table; this import takes several"),
            (["rooms", "import", "-"], "--input-format"),
            (["training", "import", s.folder.write("t.txt", "")], "cannot tell the format"),
            (["training", "import", s.folder.file("none.csv")], "none.csv"),
            (["--format", "tsv", "training", "export"], "'training export' writes json, jsonl or csv; --format tsv does not apply"),
            (["--fields", "user", "rooms", "export"], "'rooms export' writes whole records; --fields does not apply"),
            (["training", "export", "--include-secrets"], "--include-secrets"),
        ] as [([String], String)] {
            let result = s.cli(arguments)
            #expect(result.status == 64 || result.status == 66, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try contents(s.connection()) == before)
    }
}
