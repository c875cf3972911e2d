import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

@Suite struct UsersImportTests {
    let f = UsersFixture()

    func importFile(_ name: String, _ text: String, _ extra: [String] = []) -> CLIResult {
        let path = f.folder.write(name, text)
        return f.cli(["users", "import", path] + extra)
    }

    @Test func jsonJSONLinesAndCSVAllLoad() throws {
        let json = importFile("a.json", """
            [
              {"username": "alice", "password": "pw-alice", "email": "alice@example.com", "role": "admin",
               "preferences": {"tone": "warm"}, "memory": {"messages": [{"role": "user", "content": "likes chess"}]},
               "member_since": "2025-11-30"},
              {"username": "bob", "password_hash": "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", "is_active": false}
            ]
            """)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("created: 2"))
        let jsonl = importFile("b.jsonl", "{\"username\": \"carol\", \"password\": \"pw-carol\", \"temperature\": 1.1}\n\n{\"username\": \"dave\", \"password\": \"pw\"}\n")
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let csv = importFile("c.csv", "username,password,is_active,temperature,preferences,llm_model\r\nerin,pw-erin,false,0.2,\"{\"\"a\"\":1}\",\r\n\"frank, jr\",pw,1,,,gpt\r\n")
        #expect(csv.status == 0, "\(csv.stderr)")
        let db = try f.connection()
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 6)
        let alice = try #require(try db.firstRow("SELECT * FROM users WHERE username = 'alice'"))
        #expect(alice["role"] == .text("admin") && alice["preferences"] == .text("{\"tone\":\"warm\"}"))
        #expect(alice["member_since"] == .text("2025-11-30"))
        #expect(try Bcrypt.verify(Array("pw-alice".utf8), against: try alice.string("hashed_password")))
        let memory = try JSONParser.parse(f.cli(["users", "memory", "show", "alice"]).stdout)
        #expect(memory["messages"]?.arrayItems.first?["content"] == .string("likes chess"))
        #expect(memory["metadata"]?["user_id"] == .integer(try alice.int("id")) && memory["general_chat"] == .array([]))
        #expect(f.cli(["users", "find", "--email", "alice@example.com", "--fields", "username"]).stdout == "username: alice\n")
        let erin = try #require(try db.firstRow("SELECT is_active, temperature, preferences, llm_model FROM users WHERE username = 'erin'"))
        #expect(erin.values == [.integer(0), .real(0.2), .text("{\"a\":1}"), .null])
        #expect(try db.scalarInt("SELECT count(*) FROM users WHERE username = 'frank, jr' AND llm_model = 'gpt'") == 1)
        #expect(try db.scalar("SELECT member_since FROM users WHERE username = 'carol'") == .text("2026-06-15"))
    }

    // BAD-INPUT 9, 11
    @Test func everyBadRecordIsListedWithItsLocationAndNothingIsImported() throws {
        let before = f.folder.snapshot()
        let result = importFile("bad.json", """
            [
              {"username": "ok", "password": "pw"},
              {"password": "pw"},
              {"username": "x", "password": "pw", "temperature": "hot"},
              {"username": "y", "password": "pw", "nickname": "Y"},
              {"username": "z", "password": ""},
              {"username": "ok", "password": "pw"},
              {"username": "w", "role": "root"}
            ]
            """)
        #expect(result.status == 65)
        let path = f.folder.file("bad.json")
        #expect(result.stderr == """
            socializer: error: 7 problem(s) in '\(path)'; nothing was imported
              \(path):3:3: missing field 'username'
              \(path):4:3: field 'temperature' must be a number
              \(path):5:3: unknown field 'nickname'
              \(path):6:3: the password is empty
              \(path):7:3: user 'ok' appears twice in the file (first at \(path):2:3)
              \(path):8:3: role 'root' is not one of admin, user
              \(path):8:3: missing field 'password' (or 'password_hash')

            """)
        #expect(f.folder.snapshot().filter { $0.key != "bad.json" } == before)
        let capped = f.cli(["users", "import", path, "--max-errors", "2"])
        #expect(capped.stderr.contains("… and 5 more (raise --max-errors to see them)"))
    }

    // BAD-INPUT 8, 10, 12, 13, 14, 15
    @Test func brokenFilesSayWhere() throws {
        let cases: [(String, String, String)] = [
            ("empty.json", "", ":1:1: empty document"),
            ("trunc.json", "[{\"username\": \"a\"", ":1:18: unexpected end of input"),
            ("comma.json", "[{\"username\": \"a\", \"password\": \"p\"},\n]", ":2:1: trailing comma"),
            ("dup.json", "[{\"username\": \"a\", \"username\": \"b\"}]", ":1:20: duplicate member name"),
            ("shape.json", "{\"users\": []}", ":1:1: expected a JSON array of records"),
            ("scalar.json", "[1]", ":1:2: a record must be a JSON object, not a number"),
            ("deep.json", String(repeating: "[", count: 10_000), "nested deeper than 64 levels"),
            ("nan.json", "[{\"username\": \"a\", \"password\": \"p\", \"temperature\": NaN}]", "NaN and Infinity"),
            ("big.json", "[{\"username\": \"a\", \"password\": \"p\", \"messages\": 99999999999999999999}]", "outside the 64-bit range"),
            ("bom.json", "\u{FEFF}[]", "byte-order mark"),
            ("line.jsonl", "{\"username\": \"a\", \"password\": \"p\"}\n{oops}\n", "line.jsonl:2:2:"),
            ("ragged.csv", "username,password\na,p\nb\n", "ragged.csv:row 3: the row has 1 fields; the header has 2"),
            ("quote.csv", "username,password\n\"a,p\n", "quote.csv:row 2: a quoted field is not closed"),
            ("stray.csv", "username,password\na\"b,p\n", "a quote inside an unquoted field"),
        ]
        for (name, text, message) in cases {
            let result = importFile(name, text)
            #expect(result.status == 65, "\(name)")
            #expect(result.stderr.contains(message), "\(name): \(result.stderr)")
        }
        let utf16 = f.cli(["users", "import", f.folder.write("u16.json", bytes: [0xFF, 0xFE, 0x5B, 0x00, 0x5D, 0x00])])
        #expect(utf16.status == 65 && utf16.stderr.contains("not UTF-8"))
        #expect(try f.connection().scalarInt("SELECT count(*) FROM users") == 0)
    }

    // BAD-INPUT 7
    @Test func inputFileProblemsAreNamed() {
        let missing = f.cli(["users", "import", f.folder.file("nope.json")])
        #expect(missing.status == 66 && missing.stderr.contains("file '\(f.folder.file("nope.json"))' does not exist"))
        try? FileManager.default.createDirectory(atPath: f.folder.file("dir.json"), withIntermediateDirectories: true)
        let directory = f.cli(["users", "import", f.folder.file("dir.json")])
        #expect(directory.status == 66 && directory.stderr.contains("is a directory"))
        let unknown = f.cli(["users", "import", f.folder.write("data.txt", "x")])
        #expect(unknown.status == 64 && unknown.stderr.contains("cannot tell the format"))
        // The file's format is its own option; the global --format is the report's.
        let forced = f.cli(["users", "import", f.folder.file("data.txt"), "--input-format", "jsonl"])
        #expect(forced.status == 65)
        let piped = f.cli(["--format", "json", "users", "import", "-", "--input-format", "jsonl"],
                          stdin: "{\"username\": \"piped\", \"password\": \"pw-piped\"}\n")
        #expect(piped.status == 0 && (try? JSONParser.parse(piped.stdout))?["file"] == .string("<stdin>"), "\(piped.stderr)")
        let unnamed = f.cli(["users", "import", "-"])
        #expect(unnamed.status == 64 && unnamed.stderr.contains("pass --input-format json|jsonl|csv"))
    }

    @Test func conflictsFailSkipOrUpdate() throws {
        f.create("alice", email: "alice@example.com")
        let text = "[{\"username\": \"alice\", \"password\": \"new-pw\", \"role\": \"admin\"}, {\"username\": \"zoe\", \"password\": \"pw\"}]"
        let before = f.folder.snapshot()
        let fail = importFile("c.json", text)
        #expect(fail.status == 65 && fail.stderr.contains("c.json:1:2: user 'alice' already exists"))
        #expect(f.folder.snapshot().filter { $0.key != "c.json" } == before)
        let skip = f.cli(["users", "import", f.folder.file("c.json"), "--on-conflict", "skip"])
        #expect(skip.status == 0 && skip.stdout.contains("created: 1") && skip.stdout.contains("skipped: 1"))
        #expect(try f.connection().scalar("SELECT role FROM users WHERE username = 'alice'") == .text("user"))
        let update = importFile("u.json", "[{\"username\": \"alice\", \"password\": \"new-pw\", \"role\": \"admin\"}]", ["--on-conflict", "update"])
        #expect(update.status == 0 && update.stdout.contains("updated: 1"))
        #expect(try f.connection().scalar("SELECT role FROM users WHERE username = 'alice'") == .text("admin"))
        #expect(f.cli(["users", "check-password", "alice", "--password-stdin"], stdin: "new-pw\n").status == 0)
        #expect(f.cli(["users", "find", "--email", "alice@example.com", "-q"]).status == 0, "email kept on update")
        let email = importFile("e.json", "[{\"username\": \"eve\", \"password\": \"pw\", \"email\": \"ALICE@example.com\"}]")
        #expect(email.status == 65 && email.stderr.contains("a user with that email already exists"))
    }

    @Test func exportWithSecretsRoundTripsThroughImport() throws {
        f.create("alice", email: "alice@example.com", password: "pw-a", extra: ["--llm-provider", "ollama"])
        f.create("bob", password: "pw-b")
        #expect(f.cli(["users", "memory", "set", "alice", "--stdin"], stdin: UsersMemoryTests.document("remember me")).status == 0)
        #expect(f.cli(["users", "prefs", "set", "alice", "t", "k", "1"]).status == 0)
        let plain = f.cli(["users", "export"])
        #expect(!plain.stdout.contains("password_hash") && !plain.stdout.contains("encryption_key"))
        #expect(try JSONParser.parse(plain.stdout).arrayItems.count == 2)
        for format in ["json", "jsonl", "csv"] {
            let exported = f.cli(["--format", format, "users", "export", "--include-secrets"])
            #expect(exported.status == 0)
            let other = UsersFixture()
            other.environment = f.environment
            let path = other.folder.write("users.\(format)", exported.stdout)
            let loaded = other.cli(["users", "import", path])
            #expect(loaded.status == 0, "\(format): \(loaded.stderr)")
            let columns = "username, role, is_active, temperature, preferences, hashed_name, hashed_password, hashed_email, member_since, messages, encryption_key, conversation_memory, llm_provider, llm_endpoint, llm_model"
            let original = try f.connection().rows("SELECT \(columns) FROM users WHERE hashed_email NOT LIKE 'no-email:%' ORDER BY id").map(\.values)
            let copy = try other.connection().rows("SELECT \(columns) FROM users WHERE hashed_email NOT LIKE 'no-email:%' ORDER BY id").map(\.values)
            #expect(copy == original, "\(format)")
            #expect(other.cli(["users", "memory", "show", "alice"]).stdout == UsersMemoryTests.document("remember me") + "\n")
            #expect(other.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "pw-b\n").status == 0)
        }
    }

    @Test func dryRunImportsNothing() {
        let before = f.folder.snapshot()
        let path = f.folder.write("d.jsonl", "{\"username\": \"ghost\", \"password\": \"pw\"}\n")
        let result = f.cli(["-n", "users", "import", path])
        #expect(result.status == 0 && result.stdout.contains("created: 1") && result.stderr.contains("dry run"))
        #expect(f.folder.snapshot().filter { $0.key != "d.jsonl" } == before)
    }
}
