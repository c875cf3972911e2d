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

/// Bad input to `seed` (BAD-INPUT rows 1-15 as they apply to fixtures):
/// each refused with a message naming it, the documented status, and the
/// folder byte for byte as it was (a missing database stays missing).
@Suite struct SeedInputTests {
    let s = SeedFixture()

    @Test func theCommandLineIsCheckedFirst() {
        s.refused(["seed"], 64, "one of FILE or --demo or --generate is required")
        s.refused(["seed", "a.json", "--demo"], 64, "cannot be used together")
        s.refused(["seed", "--demo", "--generate", "users=1"], 64, "cannot be used together")
        s.refused(["seed", "--demo", "--random-seed", "3"], 64, "--random-seed goes with --generate")
        let ci = shippedFixtures() + "/ci.json"
        s.refused(["seed", ci, ci], 64, "'\(ci)' is given twice; name each fixture file once")
        // Options that would be ignored are refused.
        s.refused(["seed", "--demo", "--input-format", "jsonl"], 64, "--input-format goes with FILE arguments (--demo reads no file)")
        s.refused(["seed", "--generate", "users=2", "--input-format", "json"], 64,
                  "--input-format goes with FILE arguments (--generate reads no file)")
        s.refused(["seed", "--generate", "users=2", "--on-conflict", "skip"], 64,
                  "--on-conflict does not go with --generate, which writes into a database of its own")
        s.refused(["seed", "--demo", "--on-conflict", "merge"], 64, "--on-conflict")
        s.refused(["seed", "--demo", "--max-errors", "0"], 64, "--max-errors")
        s.refused(["seed", "--demo", "--bcrypt-cost", "3"], 64, "--bcrypt-cost")
        s.refused(["seed", "--demo", "--input-format", "csv"], 64, "--input-format")
        s.refused(["--format", "xml", "seed", "--demo"], 64, "--format")
        s.refused(["--fields", "bogus", "seed", "--demo"], 64, "unknown field 'bogus' for --fields")
    }

    // BAD-INPUT 7
    @Test func missingDirectoryAndUnreadableFiles() throws {
        s.refused(["seed", s.folder.file("nope.json")], 66, "fixture '\(s.folder.file("nope.json"))' does not exist")
        try FileManager.default.createDirectory(atPath: s.folder.file("dir.json"), withIntermediateDirectories: true)
        s.refused(["seed", s.folder.file("dir.json")], 66, "is a directory, not a file")
        // Every file is opened before anything is written: a missing second file leaves the database alone.
        let good = s.folder.write("good.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": "a"}]}"#)
        s.refused(["seed", good, s.folder.file("nope.jsonl")], 66, "does not exist")
        if getuid() != 0 { // root reads every file
            let locked = s.folder.write("locked.json", "{}")
            chmod(locked, 0)
            s.refused(["seed", locked], 77, "permission denied")
        }
    }

    @Test func theFormatComesFromTheNameOrTheOption() {
        let csv = s.folder.write("people.csv", "username,password\nx,pw-x-1234\n")
        s.refused(["seed", csv], 64, "is csv, which holds one table; a fixture holds several")
        let other = s.folder.write("people.txt", "{}")
        s.refused(["seed", other], 64, "cannot tell the format of '\(other)' from its name")
        s.refused(["seed", "-"], 64, "standard input has no name to tell its format by")
        s.refused(["seed", "-", "-", "--input-format", "json"], 64, "standard input (-) can be read once")
        // --input-format names the format of a file whose name does not.
        let lines = s.folder.write("fixture.txt", #"{"table": "skills", "record": {"skill_name": "a"}}"# + "\n")
        s.seed([lines, "--input-format", "jsonl"])
    }

    // BAD-INPUT 8, 10, 12, 13, 15
    @Test func brokenDocumentsSayWhere() {
        let cases: [(String, String, String)] = [
            ("empty.json", "", ":1:1: empty document; expected a JSON object"),
            ("trunc.json", #"{"socializer_fixture": 1, "users": [{"username": "a""#, ":1:53: unexpected end of input inside an object"),
            ("comma.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": "a"},]}"#, ":1:58: trailing comma before ']'"),
            ("array.json", #"[{"username": "a"}]"#, ":1:1: expected a JSON object, found '['"),
            ("noversion.json", #"{"skills": [{"skill_name": "a"}]}"#, ": not a socializer fixture: the document has no \"socializer_fixture\": 1 member"),
            ("newer.json", #"{"socializer_fixture": 2, "skills": []}"#, ":1:2: fixture format 2 is newer than this socializer reads (1)"),
            ("wrongversion.json", #"{"socializer_fixture": "1"}"#, ":1:2: \"socializer_fixture\" must be 1, not \"1\""),
            ("duplicate.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": "a", "skill_name": "b"}]}"#, ":1:58: duplicate member name \"skill_name\""),
            ("notobject.json", #"{"socializer_fixture": 1, "skills": ["a"]}"#, ":1:38: a record must be a JSON object, not a string"),
            ("notarray.json", #"{"socializer_fixture": 1, "skills": {"skill_name": "a"}}"#, ":1:27: member \"skills\" must be an array of records, not an object"),
            ("bom.json", "\u{FEFF}{\"socializer_fixture\": 1}", ":1:1: the text starts with a UTF-8 byte-order mark; remove it"),
            ("huge.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": 1e400}]}"#, ":1:53: number 1e400 is outside the range of a double"),
            ("big.json", #"{"socializer_fixture": 1, "user_skills": [{"level": 99999999999999999999}]}"#, ":1:53: integer 99999999999999999999 is outside the 64-bit range"),
            ("nan.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": NaN}]}"#, ":1:53: NaN and Infinity are not JSON numbers"),
            ("deep.json", #"{"socializer_fixture": 1, "user_preferences": [{"preference_value": "# + String(repeating: "[", count: 100)
                + String(repeating: "]", count: 100) + "}]}", ":1:131: nested deeper than 64 levels"),
        ]
        for (name, text, message) in cases {
            let path = s.folder.write(name, text)
            let result = s.refused(["seed", path], 65, path + message)
            // A document that broke off says why once, not also that it lacked its version member.
            if !name.hasPrefix("noversion") && !name.hasPrefix("duplicate") && !name.hasPrefix("notobject") && !name.hasPrefix("notarray") {
                #expect(!result.stderr.contains("not a socializer fixture"), "\(name): \(result.stderr)")
            }
        }
        let utf16 = s.folder.write("utf16.json", bytes: [0xFF, 0xFE] + Array("{}".utf8).flatMap { [$0, 0] })
        s.refused(["seed", utf16], 65, "not UTF-8")
        let latin1 = s.folder.write("latin1.json", bytes: Array(#"{"socializer_fixture": 1, "skills": [{"skill_name": "caf"#.utf8) + [0xE9] + Array(#""}]}"#.utf8))
        s.refused(["seed", latin1], 65, "invalid UTF-8 in a string")
    }

    @Test func brokenLinesSayWhere() {
        let cases: [(String, String, String)] = [
            ("empty.jsonl", "", ": the file holds no records"),
            ("blank.jsonl", "\n  \n", ": the file holds no records"),
            ("bare.jsonl", #"{"username": "a", "password": "pw-a-1234"}"# + "\n", ":1:1: expected {\"table\": NAME, \"record\": {…}} (a fixture line)"),
            ("table.jsonl", #"{"table": "skils", "record": {}}"# + "\n", ":1:1: 'skils' is not a table group (did you mean 'skills'?); the groups are users,"),
            ("record.jsonl", #"{"table": "skills", "record": [1]}"# + "\n", ":1:1: \"record\" must be a JSON object, not an array"),
            ("name.jsonl", #"{"table": 3, "record": {}}"# + "\n", ":1:1: \"table\" must name a table group, not a number"),
            ("trunc.jsonl", #"{"table": "skills", "record": {"skill_name": "a"}"# + "\n", ":1:50: unexpected end of input"),
            ("version.jsonl", #"{"socializer_fixture": 3}"# + "\n", ":1:1: fixture format 3 is newer than this socializer reads (1)"),
        ]
        for (name, text, message) in cases {
            let path = s.folder.write(name, text)
            let result = s.refused(["seed", path], 65, path + message)
            // A document that broke off says why once, not also that it lacked its version member.
            if !name.hasPrefix("noversion") && !name.hasPrefix("duplicate") && !name.hasPrefix("notobject") && !name.hasPrefix("notarray") {
                #expect(!result.stderr.contains("not a socializer fixture"), "\(name): \(result.stderr)")
            }
        }
        // A version line is welcome; CRLF line ends are read.
        let ok = s.folder.write("ok.jsonl", "{\"socializer_fixture\": 1}\r\n{\"table\": \"skills\", \"record\": {\"skill_name\": \"a\"}}\r\n")
        s.seed([ok])
    }

    @Test func standardInputIsCappedAndStreamed() throws {
        s.refused(["seed", "-", "--input-format", "json"], stdin: "", 65, "<stdin>:1:1: empty document")
        let lines = (1...3_000).map { #"{"table": "skills", "record": {"skill_name": "s\#($0)"}}"# }.joined(separator: "\n")
        s.seed(["-", "--input-format", "jsonl"], stdin: lines)
        #expect(try s.count("skills") == 3_000)
    }

    // BAD-INPUT 32 (names) and 31 (stored literally)
    @Test func namesAreCheckedAndStoredLiterally() throws {
        let path = s.folder.write("names.json", """
            {"socializer_fixture": 1, "users": [{"username": "Robert'); DROP TABLE users;--", "password": "pw-bobby-1"}],
             "skills": [{"skill_name": "100%_sure"}, {"skill_name": "\(String(repeating: "x", count: 256))"}, {"skill_name": "evil\\u202Etxt"}]}
            """)
        let result = s.cli(["seed", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("names.json:2:42: the skill name is 256 characters long; at most 255 are allowed"), "\(result.stderr)")
        #expect(result.stderr.contains("names.json:2:318: the skill name contains a bidirectional control (U+202E), which can disguise it"), "\(result.stderr)")
        let fixed = s.folder.write("fixed.json", """
            {"socializer_fixture": 1, "users": [{"username": "Robert'); DROP TABLE users;--", "password": "pw-bobby-1"}],
             "skills": [{"skill_name": "100%_sure"}]}
            """)
        s.seed([fixed])
        #expect(try s.connection().scalar("SELECT username FROM users") == .text("Robert'); DROP TABLE users;--"))
        #expect(try s.connection().scalar("SELECT skill_name FROM skills") == .text("100%_sure"))
    }

    // BAD-INPUT 26-28: passwords as users import refuses them.
    @Test func passwordsAreCheckedAsEverywhere() {
        let path = s.folder.write("pw.jsonl", """
            {"table": "users", "record": {"username": "a", "password": ""}}
            {"table": "users", "record": {"username": "b", "password": "\(String(repeating: "p", count: 73))"}}
            {"table": "users", "record": {"username": "c", "password_hash": "x"}}
            {"table": "users", "record": {"username": "d", "password": "pw-d-1234", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"}}

            """)
        let result = s.refused(["seed", path], 65, "4 problem(s)")
        #expect(result.stderr.contains("pw.jsonl:1:1: the password is empty"))
        #expect(result.stderr.contains("pw.jsonl:2:1: the password is 73 bytes long"))
        #expect(result.stderr.contains("pw.jsonl:3:1: password_hash is not a bcrypt $2a$/$2b$/$2y$ hash (nor the app's SHA-256 digest)"))
        #expect(result.stderr.contains("pw.jsonl:4:1: give password or password_hash, not both"))
    }

    // BAD-INPUT 33-35, 39
    @Test func theDatabaseMustBeUsable() throws {
        _ = s.folder.write("app.db", "not a database at all, really not")
        s.refused(["seed", "--demo"], 65, "not a SQLite database")
        unlink(s.db)
        #expect(s.cli(["migrate", "up"]).status == 0)
        try s.connection().execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '2030-01-01 00:00:00.000000', 1)")
        s.refused(["seed", "--demo"], 78, "newer than this socializer knows")
        try s.connection().execute("DELETE FROM schema_migrations WHERE version = 99")
        if getuid() != 0 {
            chmod(s.db, 0o444)
            s.refused(["seed", "--demo"], 77, "is read-only; nothing was changed")
            chmod(s.db, 0o600)
        }
        if getuid() != 0 { // root creates files anywhere
            let locked = s.folder.path + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o555)
            let result = runCLI(["--db", locked + "/new.db", "seed", "--demo"], environment: s.f.environment)
            #expect(result.status == 77 && result.stderr.contains("permission denied"), "\(result.stderr)")
            chmod(locked, 0o755)
        }
    }

    /// Every email form a fixture may give is checked like users import
    /// checks it, keyed addresses included (SPEC §6).
    @Test func emailsAreStoredAsTheSchemeSaysAndCheckedInEveryForm() throws {
        let path = s.folder.write("emails.jsonl", """
            {"table": "users", "record": {"username": "a", "password": "pw-a-1234", "email": "A@Example.com"}}
            {"table": "users", "record": {"username": "b", "password": "pw-b-1234", "hashed_email": "b@example.com"}}

            """)
        s.seed([path])
        let db = try s.connection()
        #expect(try db.scalar("SELECT hashed_email FROM users WHERE username = 'a'")
                == .text(try EmailHasher(key: Array(emailKey.utf8)).hash("a@example.com")))
        let taken = s.folder.write("taken.jsonl", #"{"table": "users", "record": {"username": "c", "password": "pw-c-1234", "email": "B@example.com"}}"# + "\n")
        s.refused(["seed", taken], 65, "taken.jsonl:1:1: a user with that email already exists")
        var environment = s.f.environment
        environment["SOCIALIZER_EMAIL_KEY"] = nil
        let before = s.folder.snapshot()
        let other = s.folder.write("other.jsonl", #"{"table": "users", "record": {"username": "d", "password": "pw-d-1234", "email": "d@example.com"}}"# + "\n")
        let noKey = runCLI(["--db", s.db, "seed", other], environment: environment)
        #expect(noKey.status == 78 && noKey.stderr.contains("SOCIALIZER_EMAIL_KEY"), "\(noKey.stderr)")
        #expect(s.folder.snapshot().filter { $0.key != "other.jsonl" } == before)
    }
}
