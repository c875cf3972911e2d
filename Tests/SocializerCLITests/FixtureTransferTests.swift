import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The per-table import and export verbs as the commands will add them
/// (`FixtureTransfer`), run from a command tree of their own.
@Suite struct FixtureTransferTests {
    static let root = CommandNode("socializer", summary: "Test tree.", children: [
        CommandNode("tags", summary: "One group.", children: [
            FixtureTransfer.importNode([.skills], noun: "skills"), FixtureTransfer.exportNode([.skills], noun: "skills"),
        ]),
        CommandNode("levels", summary: "Two groups.", children: [
            FixtureTransfer.importNode([.skills, .userSkills], noun: "skills and levels"),
            FixtureTransfer.exportNode([.skills, .userSkills], noun: "skills and levels"),
        ]),
        CommandNode("rooms", summary: "Rooms and what is in them.", children: [
            FixtureTransfer.importNode([.chatRooms, .roomMembers, .roomMessages, .roomInvites], noun: "rooms"),
            FixtureTransfer.exportNode([.chatRooms, .roomMembers, .roomMessages, .roomInvites], noun: "rooms"),
        ]),
    ])

    func run(_ db: String, _ arguments: [String], stdin: String = "") -> CLIResult {
        let out = TextBuffer(), err = TextBuffer()
        let status = CommandLineTool.run(rawArguments: (["--db", db] + arguments).map { Array($0.utf8) },
                                         environment: ["SOCIALIZER_BCRYPT_COST": "4"], stdin: BytesInput(stdin), stdout: out,
                                         stderr: err, terminal: TerminalInfo(), clock: FixedClock(testNow), prompt: nil, root: Self.root)
        return CLIResult(status: status, stdout: out.text, stderr: err.text)
    }

    @Test func oneGroupGoesOutAndComesBackInEveryFormat() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let json = run(s.db, ["tags", "export"])
        #expect(json.status == 0 && json.stdout.hasPrefix("[\n{\"skill_name\":\"empathy\"},\n"), "\(json.stderr)")
        let csv = run(s.db, ["--format", "csv", "tags", "export"])
        #expect(csv.stdout.hasPrefix("skill_name\r\nempathy\r\nactive_listening\r\n"))
        let jsonl = run(s.db, ["--format", "jsonl", "tags", "export"])
        #expect(jsonl.stdout.hasPrefix("{\"skill_name\":\"empathy\"}\n"))
        for (name, text) in [("t.json", json.stdout), ("t.csv", csv.stdout), ("t.jsonl", jsonl.stdout)] {
            let copy = SeedFixture()
            #expect(copy.cli(["migrate", "up"]).status == 0)
            let loaded = run(copy.db, ["--format", "csv", "tags", "import", copy.folder.write(name, text)])
            #expect(loaded.status == 0 && loaded.stdout == "table,created,updated,skipped\r\nskills,6,0,0\r\n", "\(name): \(loaded.stderr)")
            #expect(run(copy.db, ["tags", "export"]).stdout == json.stdout, "\(name)")
        }
        // Standard input with its format; a record of another group is refused by name.
        let copy = SeedFixture()
        #expect(copy.cli(["migrate", "up"]).status == 0)
        #expect(run(copy.db, ["tags", "import", "-", "--input-format", "jsonl"], stdin: jsonl.stdout).status == 0)
        let wrong = copy.folder.write("w.jsonl", #"{"table": "users", "record": {"username": "x"}}"# + "\n")
        let refused = run(copy.db, ["tags", "import", wrong])
        #expect(refused.status == 65 && refused.stderr.contains("w.jsonl:1:1: a users record cannot be loaded here (this load takes skills)"))
    }

    @Test func severalGroupsTravelAsAFixture() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let exported = run(s.db, ["levels", "export"])
        #expect(exported.status == 0)
        #expect(try JSONParser.parse(exported.stdout).objectMembers?.map(\.0) == ["socializer_fixture", "skills", "user_skills"])
        let refused = run(s.db, ["--format", "csv", "levels", "export"])
        #expect(refused.status == 64 && refused.stderr.contains("'levels export' writes json or jsonl; --format csv does not apply"))
        // Levels name users by username: the users must be there, as they are in the source.
        let copy = SeedFixture()
        copy.seed([fixturesFolder() + "/demo.json"])
        try copy.connection().execute("DELETE FROM user_skills")
        try copy.connection().execute("DELETE FROM skills")
        let loaded = run(copy.db, ["--format", "csv", "levels", "import", copy.folder.write("l.json", exported.stdout)])
        #expect(loaded.status == 0 && loaded.stdout == "table,created,updated,skipped\r\nskills,6,0,0\r\nuser_skills,7,0,0\r\n", "\(loaded.stderr)")
        #expect(run(copy.db, ["levels", "export"]).stdout == exported.stdout)
        let skipped = run(copy.db, ["--format", "csv", "levels", "import", copy.folder.file("l.json"), "--on-conflict", "skip"])
        #expect(skipped.stdout == "table,created,updated,skipped\r\nskills,0,0,6\r\nuser_skills,0,0,7\r\n")
        let csv = run(copy.db, ["levels", "import", copy.folder.write("l.csv", "skill_name\r\nx\r\n")])
        #expect(csv.status == 64 && csv.stderr.contains("is csv, which holds one table; this import takes several"))
    }

    @Test func roomsKeepTheirSecretsOnlyWhenAsked() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let plain = run(s.db, ["rooms", "export"])
        #expect(plain.status == 0 && !plain.stdout.contains("tuesday") && !plain.stdout.contains("\"password\""))
        let full = run(s.db, ["--format", "jsonl", "rooms", "export", "--include-secrets"])
        #expect(full.stdout.contains(#""password":"tuesday""#))
        let copy = SeedFixture()
        copy.seed([fixturesFolder() + "/ci.json"])
        try copy.connection().execute("DELETE FROM users WHERE username IN ('ada', 'grace')")
        // The demo's rooms name demo users: into a database without them, each is named.
        let missing = run(copy.db, ["rooms", "import", copy.folder.write("r.jsonl", full.stdout)])
        #expect(missing.status == 65 && missing.stderr.contains("r.jsonl:1:1: unknown user 'ada'"), "\(missing.stderr)")
        let demo = SeedFixture()
        demo.seed(["--demo"])
        try demo.connection().execute("DELETE FROM chat_rooms")
        let loaded = run(demo.db, ["rooms", "import", demo.folder.write("r.jsonl", full.stdout)])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(run(demo.db, ["--format", "jsonl", "rooms", "export", "--include-secrets"]).stdout == full.stdout)
    }
}
