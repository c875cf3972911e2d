import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

extension UsersFixture {
    /// Runs each line, which must succeed (test set-up).
    func setUp(_ lines: [[String]], sourceLocation: SourceLocation = #_sourceLocation) {
        for line in lines {
            let result = cli(["-q"] + line)
            #expect(result.status == 0, "set-up \(line): \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// `line` must fail with `status` and exactly `stderr`, print nothing
    /// and leave every row of every table as it was.
    func refuses(_ line: [String], _ status: Int32, _ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let db = try connection()
        let before = try contents(db)
        let result = cli(line)
        #expect(result.status == status, "\(line): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == stderr, "\(line)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(line): \(result.stdout)", sourceLocation: sourceLocation)
        #expect(try contents(db) == before, "\(line) changed the database", sourceLocation: sourceLocation)
    }

    func csv(_ line: [String]) -> String {
        let result = cli(["--format", "csv"] + line)
        #expect(result.status == 0, "\(line): \(result.stderr)")
        return result.stdout
    }
}

@Suite struct SkillsCommandTests {
    let f = UsersFixture()

    init() {
        f.create("alice")
        f.create("bob")
    }

    @Test func addPrintsEveryNameAndRefusesExistingOnesUnlessIfMissing() throws {
        #expect(f.csv(["skills", "add", "empathy", "  small talk "]) == "id,skill,result\r\n1,empathy,added\r\n2,small talk,added\r\n")
        try f.refuses(["skills", "add", "tact", "empathy"], 65, """
            socializer: error: skill 'empathy' already exists
            hint: to add only the missing ones and report the others, pass --if-missing

            """)
        try f.refuses(["skills", "add", "tact", "empathy", "small talk"], 65, """
            socializer: error: skills 'empathy', 'small talk' already exist
            hint: to add only the missing ones and report the others, pass --if-missing

            """)
        try f.refuses(["skills", "add", "tact", "tact"], 65, "socializer: error: skill 'tact' is named more than once\n")
        let both = f.csv(["skills", "add", "tact", "empathy", "--if-missing"])
        #expect(both == "id,skill,result\r\n3,tact,added\r\n1,empathy,exists\r\n")
        // -q: the id of every name, added or not, for scripts.
        #expect(f.cli(["-q", "skills", "add", "empathy", "kindness", "--if-missing"]).stdout == "1\n4\n")
    }

    // BAD-INPUT 31, 32
    @Test func namesAreStoredLiterallyButEmptyOrDangerousOnesRefused() throws {
        #expect(f.cli(["skills", "add", "Robert'); DROP TABLE skills;--", "100%_sure"]).status == 0)
        let stored = try f.connection().rows("SELECT skill_name FROM skills ORDER BY id").map { try $0.string("skill_name") }
        #expect(stored == ["Robert'); DROP TABLE skills;--", "100%_sure"])
        try f.refuses(["skills", "add", "fine", "  "], 65, "socializer: error: the skill name '  ' is empty\n")
        try f.refuses(["skills", "add", "bell\u{7}"], 65, "socializer: error: the skill name 'bell\\x07' contains a control character (U+0007)\n")
        try f.refuses(["skills", "add", "a\u{202E}b"], 65,
                      "socializer: error: the skill name 'a\\u{202E}b' contains a bidirectional control (U+202E), which can disguise it\n")
        try f.refuses(["skills", "add", String(repeating: "x", count: 256)], 65, "socializer: error: the skill name '"
                      + String(repeating: "x", count: 79) + "…' is 256 characters long; at most 255 are allowed\n")
        // Invisible characters make two names that print alike: refused, named by their code point.
        for (name, code) in [("zero\u{200B}width", "200B"), ("soft\u{AD}hyphen", "00AD"), ("\u{FEFF}bom", "FEFF"), ("join\u{2060}er", "2060")] {
            try f.refuses(["skills", "add", name], 65,
                          "socializer: error: the skill name '\(name)' contains an invisible format character (U+\(code)), which can disguise it\n")
        }
        try f.refuses(["skills", "add", "line\u{2028}break"], 65,
                      "socializer: error: the skill name 'line\\u{2028}break' contains a line or paragraph separator (U+2028)\n")
        try f.refuses(["skills", "rename", "1", "zero\u{200B}width"], 65,
                      "socializer: error: the skill name contains an invisible format character (U+200B), which can disguise it\n")
        let none = f.cli(["skills", "add"])
        #expect(none.status == 64 && none.stderr.hasPrefix("socializer: error: missing NAME\n"), "\(none.stderr)")
    }

    /// Every problem is reported at once, each bad name quoted and escaped.
    @Test func addReportsEveryProblemWithTheNamesGiven() throws {
        f.setUp([["skills", "add", "empathy", "active_listening"]])
        try f.refuses(["skills", "add", "empathy", "active_listening", "dupe", "dupe"], 65, """
            socializer: error: 2 problems with the names given; nothing was added
              skills 'empathy', 'active_listening' already exist
              skill 'dupe' is named more than once
            hint: to add only the missing ones and report the others, pass --if-missing

            """)
        try f.refuses(["skills", "add", "ok1", "bad\tname", ""], 65, """
            socializer: error: 2 problems with the names given; nothing was added
              the skill name 'bad\\tname' contains a control character (U+0009)
              the skill name '' is empty

            """)
        let json = f.cli(["--json", "skills", "add", "ok1", "bad\tname", "empathy"])
        #expect(json.status == 65)
        #expect(try JSONParser.parse(json.stderr)["details"] == .array([.string("the skill name 'bad\\tname' contains a control character (U+0009)"),
                                                                      .string("skill 'empathy' already exists")]), "\(json.stderr)")
    }

    /// `id:` and `name:` say how a reference names a skill: a new name
    /// starting with them could never be referred to as itself. A number
    /// can, as name:42, and the warning says so.
    @Test func referenceLikeNames() throws {
        for name in ["id:3", "name:tact", " id:x"] {
            let prefix = name.trimmingCharacters(in: .whitespaces).hasPrefix("id:") ? "id:" : "name:"
            try f.refuses(["skills", "add", name], 65, """
                socializer: error: the skill name '\(name)' starts with '\(prefix)', which names a skill by its \(prefix.dropLast()) when referring to one
                hint: choose a name that does not start with id: or name:

                """)
        }
        f.setUp([["skills", "add", "tact"]])
        try f.refuses(["skills", "rename", "tact", "name:x"], 65, """
            socializer: error: the skill name starts with 'name:', which names a skill by its name when referring to one
            hint: choose a name that does not start with id: or name:

            """)
        try f.refuses(["skills", "set-level", "alice", "name:id:3", "5", "--create"], 65, """
            socializer: error: the skill name starts with 'id:', which names a skill by its id when referring to one
            hint: choose a name that does not start with id: or name:

            """)
        let numeric = f.cli(["skills", "add", "42", "0", "x42"])
        #expect(numeric.status == 0)
        #expect(numeric.stderr == "socializer: warning: skill '42' reads as an id where a skill is named: refer to it as name:42\n")
        #expect(f.csv(["--fields", "level", "skills", "set-level", "alice", "name:42", "3"]) == "level\r\n3\r\n")
        let renamed = f.cli(["skills", "rename", "tact", "007"])
        #expect(renamed.status == 0 && renamed.stderr.contains("skill '007' reads as an id where a skill is named: refer to it as name:007"))
    }

    /// The database and the app compare names byte for byte: é composed and
    /// decomposed are two skills, added with a warning that says how they differ.
    @Test func differentlyComposedNamesAreTwoSkillsWithAWarning() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        let both = f.cli(["--format", "csv", "skills", "add", composed, decomposed])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout == "id,skill,result\r\n1,\(composed),added\r\n2,\(decomposed),added\r\n")
        #expect(both.stderr == "socializer: warning: skill '\(decomposed)' looks the same as '\(composed)' (differently composed Unicode); "
                + "the app looks skills up by exact name, so they are separate skills\n")
        let upper = f.cli(["skills", "add", "CAF\u{C9}"])
        #expect(upper.stderr == "socializer: warning: skill 'CAF\u{C9}' differs only in case from '\(composed)', '\(decomposed)'; "
                + "the app looks skills up by exact name, so they are separate skills\n", "\(upper.stderr)")
        #expect(f.cli(["-q", "skills", "add", "--if-missing", decomposed]).stdout == "2\n")
        // Given twice with the same bytes, a name is named twice; composed differently, it is not.
        try f.refuses(["skills", "add", "nai\u{308}ve", "nai\u{308}ve"], 65, "socializer: error: skill 'nai\u{308}ve' is named more than once\n")
        #expect(f.cli(["-q", "skills", "add", "nai\u{308}ve", "na\u{EF}ve"]).stdout == "4\n5\n")
    }

    @Test func aCaseOnlyTwinIsAddedWithAWarning() throws {
        f.setUp([["skills", "add", "empathy"]])
        let result = f.cli(["skills", "add", "Empathy"])
        #expect(result.status == 0)
        #expect(result.stderr == "socializer: warning: skill 'Empathy' differs only in case from 'empathy'; "
                + "the app looks skills up by exact name, so they are separate skills\n")
        // Shown under -q too: it is a warning.
        let quiet = f.cli(["-q", "skills", "add", "EMPATHY"])
        #expect(quiet.stdout == "3\n" && quiet.stderr.contains("differs only in case from 'Empathy', 'empathy'"), "\(quiet.stderr)")
    }

    @Test func aDryRunReportsAndKeepsNothing() throws {
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["-n", "--format", "csv", "skills", "add", "empathy"])
        #expect(dry.status == 0 && dry.stdout == "id,skill,result\r\n1,empathy,added\r\n")
        #expect(dry.stderr == "socializer: dry run: nothing was changed\n")
        #expect(try contents(db) == before)
    }

    @Test func listByNameWithAndWithoutCounts() throws {
        f.create("carol")
        f.setUp([["skills", "add", "tact", "empathy", "listening"],
                 ["skills", "set-level", "alice", "empathy", "7"], ["skills", "set-level", "bob", "empathy", "4"],
                 ["skills", "set-level", "carol", "empathy", "4"], ["skills", "set-level", "alice", "tact", "2"],
                 ["training", "start", "alice", "empathy"], ["training", "start", "bob", "empathy"],
                 ["training", "pause", "bob", "empathy"], ["training", "start", "carol", "empathy"],
                 ["training", "complete", "carol", "empathy"]])
        try f.connection().execute("INSERT INTO skills (id, skill_name) VALUES (9, NULL)")
        #expect(f.csv(["skills", "list"]) == "id,skill\r\n9,\r\n2,empathy\r\n3,listening\r\n1,tact\r\n")
        #expect(f.csv(["skills", "list", "--with-counts"]) == """
            id,skill,users,average_level,trainings,pending,active,paused,completed\r
            9,,0,,0,0,0,0,0\r
            2,empathy,3,5.00,3,0,1,1,1\r
            3,listening,0,,0,0,0,0,0\r
            1,tact,1,2.00,0,0,0,0,0\r

            """)
        // Two decimals in every text format, whatever the average; a number in JSON.
        f.setUp([["skills", "set-level", "bob", "tact", "3"], ["skills", "set-level", "carol", "tact", "3"]])
        #expect(f.csv(["--fields", "skill,average_level", "skills", "list", "--with-counts"])
                == "skill,average_level\r\n,\r\nempathy,5.00\r\nlistening,\r\ntact,2.67\r\n")
        #expect(f.cli(["--format", "tsv", "--no-header", "--fields", "average_level", "skills", "list", "--with-counts"]).stdout
                == "\n5.00\n\n2.67\n")
        #expect(f.cli(["--fields", "skill,average_level", "skills", "list", "--with-counts"]).stdout.contains("\nempathy    5.00\nlistening\ntact       2.67\n"))
        let json = try JSONParser.parse(f.cli(["--json", "--fields", "average_level", "skills", "list", "--with-counts"]).stdout)
        #expect(json == .array([.object([("average_level", .null)]), .object([("average_level", .number(5))]),
                                .object([("average_level", .null)]), .object([("average_level", .number(2.67))])]))
        // A status the app wrote outside the domain counts only as a training.
        try f.connection().execute("UPDATE training SET status = 'in_review' WHERE user_id = 1")
        #expect(f.csv(["--fields", "skill,trainings,active", "skills", "list", "--with-counts"]).contains("empathy,3,0\r\n"))
        let fields = f.cli(["--fields", "users", "skills", "list"])
        #expect(fields.status == 64 && fields.stderr.contains("the field 'users' is printed only with --with-counts"))
    }

    @Test func renameKeepsLevelsAndRefusesATakenName() throws {
        f.setUp([["skills", "add", "listening", "empathy"], ["skills", "set-level", "alice", "listening", "3"]])
        #expect(f.csv(["skills", "rename", "listening", " active listening "]) == "id,skill,previous\r\n1,active listening,listening\r\n")
        #expect(f.csv(["skills", "levels", "active listening"]) == "user_id,user,level\r\n1,alice,3\r\n")
        try f.refuses(["skills", "rename", "empathy", "active listening"], 65,
                      "socializer: error: skill 'active listening' already exists (id 1)\n")
        try f.refuses(["skills", "rename", "nope", "x"], 66, "socializer: error: skill 'nope' not found\n")
        try f.refuses(["skills", "rename", "empathy", ""], 65, "socializer: error: the skill name is empty\n")
        // Renaming to its own name changes nothing and succeeds.
        #expect(f.cli(["skills", "rename", "empathy", "empathy"]).status == 0)
        let twin = f.cli(["skills", "rename", "empathy", "Active Listening"])
        #expect(twin.status == 0 && twin.stderr.contains("warning: skill 'Active Listening' differs only in case from 'active listening'"))
    }

    @Test func removeNeedsYesAndCountsPerTable() throws {
        f.setUp([["skills", "add", "empathy", "tact"], ["skills", "set-level", "alice", "empathy", "5"],
                 ["skills", "set-level", "bob", "empathy", "6"], ["skills", "set-level", "bob", "tact", "1"],
                 ["training", "start", "alice", "empathy"], ["training", "start", "bob", "tact"]])
        // The question says what would go, counted as --dry-run counts it.
        try f.refuses(["skills", "remove", "empathy"], 64, """
            socializer: error: refusing to remove skill 'empathy' and what refers to it (training: 1 deleted; user_skills: 2 deleted) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """)
        let db0 = try f.connection()
        let unchanged = try contents(db0)
        let terminal = TerminalInfo(stdinIsTerminal: true, stderrIsTerminal: true)
        let declined = runCLI(["--db", f.db, "skills", "remove", "tact"], environment: f.environment, stdin: "n\n", terminal: terminal)
        #expect(declined.status == 64 && declined.stderr == """
            Remove skill 'tact' and what refers to it (training: 1 deleted; user_skills: 1 deleted)? [y/N] socializer: error: not confirmed; nothing was changed

            """, "\(declined.stderr)")
        #expect(try contents(db0) == unchanged)
        f.setUp([["skills", "add", "lonely"]])
        try f.refuses(["skills", "remove", "lonely"], 64, """
            socializer: error: refusing to remove skill 'lonely' (nothing refers to it) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """)
        try f.refuses(["skills", "remove", "nope", "--yes"], 66, "socializer: error: skill 'nope' not found\n")
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["-n", "--format", "csv", "skills", "remove", "empathy"])
        #expect(dry.status == 0 && dry.stderr == "socializer: dry run: skill 'empathy' would be removed; nothing was changed\n")
        #expect(try contents(db) == before)
        let removed = f.cli(["--yes", "--format", "csv", "skills", "remove", "empathy"])
        #expect(removed.status == 0 && removed.stdout == dry.stdout)
        #expect(removed.stdout == "table,deleted,detached\r\ntraining,1,0\r\nuser_skills,2,0\r\nskills,1,0\r\n", "\(removed.stdout)")
        #expect(removed.stderr == "socializer: skill 'empathy' removed\n")
        #expect(try db.scalarInt("SELECT count(*) FROM user_skills") == 1 && db.scalarInt("SELECT count(*) FROM training") == 1)
        #expect(f.cli(["-q", "--yes", "skills", "remove", "tact"]).stdout == "2\n")
    }

    @Test func setLevelUpsertsAndSaysWhatItWas() throws {
        f.setUp([["skills", "add", "empathy"]])
        #expect(f.csv(["skills", "set-level", "alice", "empathy", "3"])
                == "user_id,user,skill_id,skill,level,previous_level\r\n1,alice,1,empathy,3,\r\n")
        #expect(f.csv(["skills", "set-level", "id:1", "1", "8"])
                == "user_id,user,skill_id,skill,level,previous_level\r\n1,alice,1,empathy,8,3\r\n")
        let row = try #require(try f.connection().firstRow("SELECT * FROM user_skills"))
        #expect(row["level"] == .integer(8) && row["user_id"] == .integer(1) && row["skill_id"] == .integer(1))
        #expect(f.cli(["-q", "skills", "set-level", "bob", "empathy", "0"]).stdout == "2\n", "-q prints the user_skills row id")
    }

    @Test func setLevelRefusals() throws {
        f.setUp([["skills", "add", "empathy"], ["skills", "set-level", "alice", "empathy", "3"]])
        for level in ["11", "-1", "3.5", "ten"] {
            try f.refuses(["skills", "set-level", "alice", "empathy", level], 64, """
                socializer: error: invalid value '\(level)' for LEVEL
                hint: expected a whole number from 0 to 10
                usage: socializer skills set-level USER SKILL LEVEL [options]

                """)
        }
        try f.refuses(["skills", "set-level", "nobody", "empathy", "5"], 66, "socializer: error: user 'nobody' not found\n")
        try f.refuses(["skills", "set-level", "alice", "tact", "5"], 66, """
            socializer: error: skill 'tact' not found
            hint: to create it on the way, pass --create

            """)
        // The user is looked up first.
        try f.refuses(["skills", "set-level", "nobody", "tact", "5"], 66, "socializer: error: user 'nobody' not found\n")
        // --create makes a skill from a name, never from an id.
        try f.refuses(["skills", "set-level", "alice", "42", "5", "--create"], 66, """
            socializer: error: skill with id 42 not found
            hint: to look up a skill named 42, write name:42

            """)
        try f.refuses(["skills", "set-level", "alice", "name: ", "5", "--create"], 65, "socializer: error: the skill name is empty\n")
        #expect(f.csv(["skills", "set-level", "alice", "name:42", "5", "--create"])
                == "user_id,user,skill_id,skill,level,previous_level\r\n1,alice,2,42,5,\r\n")
    }

    @Test func levelsHighestFirstWithAMinimum() throws {
        f.create("carol")
        f.setUp([["skills", "add", "empathy", "tact"], ["skills", "set-level", "alice", "empathy", "4"],
                 ["skills", "set-level", "bob", "empathy", "9"], ["skills", "set-level", "carol", "empathy", "4"],
                 ["skills", "set-level", "bob", "tact", "10"]])
        #expect(f.csv(["skills", "levels", "empathy"]) == "user_id,user,level\r\n2,bob,9\r\n1,alice,4\r\n3,carol,4\r\n")
        #expect(f.csv(["skills", "levels", "empathy", "--min", "5"]) == "user_id,user,level\r\n2,bob,9\r\n")
        #expect(f.csv(["skills", "levels", "tact", "--min", "10"]) == "user_id,user,level\r\n2,bob,10\r\n")
        let high = f.cli(["skills", "levels", "empathy", "--min", "11"])
        #expect(high.status == 64 && high.stderr.contains("hint: expected a whole number from 0 to 10"))
        let missing = f.cli(["skills", "levels", "nope"])
        #expect(missing.status == 66 && missing.stderr == "socializer: error: skill 'nope' not found\n")
    }
}
