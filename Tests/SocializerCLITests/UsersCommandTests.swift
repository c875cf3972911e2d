import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

let emailKey = "test-email-key-0123456789abcdef"

/// A migrated database in a temporary folder and a runner with the email
/// key and a fast bcrypt cost in the environment.
final class UsersFixture {
    let folder = TemporaryDirectory()
    var db: String { folder.file("app.db") }
    var environment = ["SOCIALIZER_EMAIL_KEY": emailKey, "SOCIALIZER_BCRYPT_COST": "4"]

    init(migrate: Bool = true) {
        if migrate { _ = runCLI(["--db", db, "migrate", "up"]) }
    }

    func cli(_ arguments: [String], stdin: String = "") -> CLIResult {
        runCLI(["--db", db] + arguments, environment: environment, stdin: stdin)
    }

    @discardableResult
    func create(_ name: String, email: String? = nil, password: String = "pw-\(UUID().uuidString.prefix(4))", extra: [String] = []) -> CLIResult {
        let emailArguments = email.map { ["--email", $0] } ?? ["--no-email"]
        return cli(["-q", "users", "create", name, "--password-stdin"] + emailArguments + extra, stdin: password + "\n")
    }

    func connection() throws -> Connection { try Connection(path: db) }
}

@Suite struct UsersCreateTests {
    let f = UsersFixture()

    @Test func createWritesEveryColumnInTheAppsStorageFormats() throws {
        let result = f.create("alice", email: " Alice@Example.com ", password: "hunter2",
                              extra: ["--role", "admin", "--temperature", "1.2", "--llm-provider", "ollama", "--llm-model", "llama3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "1\n")
        let row = try #require(try f.connection().firstRow("SELECT * FROM users WHERE id = 1"))
        #expect(row["username"] == .text("alice"))
        #expect(row["role"] == .text("admin"))
        #expect(row["is_active"] == .integer(1))
        #expect(row["temperature"] == .real(1.2))
        #expect(row["preferences"] == .text("{}"))
        #expect(row["hashed_name"] == .text(""))
        #expect(row["member_since"] == .text("2026-06-15"))
        #expect(row["messages"] == .integer(0))
        #expect(row["conversation_memory"] == .null)
        #expect(row["llm_provider"] == .text("ollama") && row["llm_endpoint"] == .null && row["llm_model"] == .text("llama3"))
        let hash = try row.string("hashed_password")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(try Bcrypt.verify(Array("hunter2".utf8), against: hash))
        let hasher = try EmailHasher(key: Array(emailKey.utf8))
        #expect(row["hashed_email"] == .text(hasher.hash("alice@example.com")))
        #expect((try? FernetKey(encoded: try row.string("encryption_key"))) != nil)
    }

    @Test func createPrintsTheRecordWithoutSecrets() {
        let result = f.cli(["users", "create", "bob", "--no-email", "--password-stdin"], stdin: "s3cret-pw\n")
        #expect(result.status == 0)
        #expect(result.stdout.contains("username:           bob"))
        #expect(result.stdout.contains("has_email:          false"))
        for secret in ["$2b$", "s3cret", "hmac-sha256", "gAAAA"] { #expect(!result.stdout.contains(secret)) }
    }

    @Test func duplicatesAreRefusedInWordsAndNothingIsWritten() throws {
        f.create("alice", email: "alice@example.com")
        let before = f.folder.snapshot()
        let name = f.create("alice", email: "other@example.com")
        #expect(name.status == 65)
        #expect(name.stderr == "socializer: error: user 'alice' already exists\n")
        let email = f.create("alice2", email: "ALICE@example.com ")
        #expect(email.status == 65)
        #expect(email.stderr == "socializer: error: a user with that email already exists\n")
        #expect(f.folder.snapshot() == before)
    }

    @Test func theAppsOlderBcryptEmailHashesCountForUniquenessAndFind() throws {
        let legacy = try Bcrypt.hash(Array("old@example.com".utf8), cost: 4)
        f.create("old")
        try f.connection().execute("UPDATE users SET hashed_email = ? WHERE username = 'old'", [legacy])
        #expect(f.create("new", email: "Old@Example.com").stderr.contains("a user with that email already exists"))
        let found = f.cli(["users", "find", "--email", "old@example.com", "--fields", "username", "--format", "csv", "--no-header"])
        #expect(found.status == 0 && found.stdout == "old\r\n")
    }

    @Test func anEmailNeedsAConfiguredKey() {
        f.environment["SOCIALIZER_EMAIL_KEY"] = nil
        let before = f.folder.snapshot()
        let result = f.create("alice", email: "alice@example.com")
        #expect(result.status == 78)
        #expect(result.stderr.contains("no email key is configured"))
        #expect(result.stderr.contains("hint: set $SOCIALIZER_EMAIL_KEY"))
        f.environment["SOCIALIZER_EMAIL_KEY"] = ""
        let empty = f.create("alice", email: "alice@example.com")
        #expect(empty.status == 78 && empty.stderr.contains("$SOCIALIZER_EMAIL_KEY is set but empty"))
        #expect(f.folder.snapshot() == before)
        #expect(f.create("nomail").status == 0, "--no-email needs no key")
    }

    @Test func emailOrNoEmailIsRequiredAndExclusive() {
        let neither = f.cli(["users", "create", "x", "--password-stdin"], stdin: "pw\n")
        #expect(neither.status == 64 && neither.stderr.contains("one of --email or --no-email is required"))
        let both = f.cli(["users", "create", "x", "--email", "x@example.com", "--no-email", "--password-stdin"], stdin: "pw\n")
        #expect(both.status == 64 && both.stderr.contains("--email and --no-email cannot be used together"))
        let bad = f.create("x", email: "not-an-address")
        #expect(bad.status == 65 && bad.stderr.contains("not an email address"))
    }

    // BAD-INPUT 31, 32
    @Test func namesAreStoredLiterallyButDangerousOnesRefused() throws {
        let sneaky = "Robert'); DROP TABLE users;--"
        #expect(f.create(sneaky).status == 0)
        #expect(f.create("100%_sure").status == 0)
        #expect(f.create("1000_x").status == 0)
        let stored = try f.connection().rows("SELECT username FROM users ORDER BY id").map { try $0.string("username") }
        #expect(stored == [sneaky, "100%_sure", "1000_x"])
        let before = f.folder.snapshot()
        for (name, message) in [("bad\u{7}bell", "control character (U+0007)"), ("evil\u{202E}txt", "bidirectional control (U+202E)"),
                                (String(repeating: "n", count: 256), "256 characters long; at most 255"), ("   ", "the username is empty")] {
            let result = f.create(name)
            #expect(result.status == 65, "\(name)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(f.folder.snapshot() == before)
    }

    // BAD-INPUT 26, 27, 28
    @Test func passwordsAreCheckedBeforeAnythingIsWritten() {
        let before = f.folder.snapshot()
        let cases: [(String, String)] = [("\n", "the password is empty"),
                                         (String(repeating: "a", count: 73) + "\n", "73 bytes long"),
                                         (String(repeating: "a", count: 71) + "é\n", "73 bytes long")]
        for (input, message) in cases {
            let result = f.cli(["users", "create", "p", "--no-email", "--password-stdin"], stdin: input)
            #expect(result.status == 65 && result.stderr.contains(message), "\(result.stderr)")
        }
        let noSource = f.cli(["users", "create", "p", "--no-email"])
        #expect(noSource.status == 64 && noSource.stderr.contains("no password given"))
        let argv = f.cli(["users", "create", "p", "--no-email", "--password", "hunter2"])
        #expect(argv.status == 64 && argv.stderr.contains("--password is not accepted") && !argv.stderr.contains("hunter2"))
        #expect(f.folder.snapshot() == before)
    }

    @Test func dryRunCreatesNothing() {
        let before = f.folder.snapshot()
        let result = f.cli(["-n", "users", "create", "ghost", "--no-email", "--password-stdin"], stdin: "pw\n")
        #expect(result.status == 0 && result.stdout.contains("username:") && result.stderr.contains("dry run"))
        #expect(f.folder.snapshot() == before)
    }

    // BAD-INPUT 39
    @Test func unusableDatabasesAreRefusedWithAHint() throws {
        let empty = UsersFixture(migrate: false)
        _ = try Connection(path: empty.db, mode: .createIfMissing)
        let notMigrated = empty.cli(["users", "list"])
        #expect(notMigrated.status == 78)
        #expect(notMigrated.stderr == "socializer: error: the database is not migrated\nhint: create the schema with: socializer --db \(empty.db) migrate up\n")
        let legacy = UsersFixture(migrate: false)
        try LegacyDatabase.create(at: legacy.db)
        let refused = legacy.cli(["users", "show", "alice"])
        #expect(refused.status == 78 && refused.stderr.contains("hint: adopt it with: socializer --db \(legacy.db) migrate baseline"))
        try f.connection().execute("INSERT INTO schema_migrations VALUES (9, 'future', 'x', '2030-01-01 00:00:00.000000', 1)")
        let newer = f.cli(["users", "list"])
        #expect(newer.status == 78 && newer.stderr.contains("newer than this socializer knows"))
        let missing = UsersFixture(migrate: false).cli(["users", "list"])
        #expect(missing.status == 66)
    }
}

@Suite struct UsersReadTests {
    let f = UsersFixture()

    init() {
        f.create("alice", email: "alice@example.com", extra: ["--role", "admin"])
        f.create("bob", extra: ["--inactive"])
        f.create("42")
        f.create("carol_x")
    }

    @Test func listFiltersSortsAndPages() {
        func names(_ arguments: [String]) -> String {
            f.cli(["--format", "csv", "--no-header", "--fields", "username", "users", "list"] + arguments).stdout
                .replacingOccurrences(of: "\r\n", with: " ")
        }
        #expect(names([]) == "alice bob 42 carol_x ")
        #expect(names(["--role", "admin"]) == "alice ")
        #expect(names(["--inactive"]) == "bob ")
        #expect(names(["--active", "--limit", "2", "--offset", "1"]) == "42 carol_x ")
        #expect(names(["--sort", "username"]) == "42 alice bob carol_x ")
        #expect(names(["--sort=-id"]) == "carol_x 42 bob alice ")
        #expect(names(["--search", "_"]) == "carol_x ", "LIKE wildcards match themselves")
        #expect(names(["--search", "%"]) == "")
        let badSort = f.cli(["users", "list", "--sort", "password"])
        #expect(badSort.status == 64 && badSort.stderr.contains("expected one of id, username"))
        let badLimit = f.cli(["users", "list", "--limit", "-5"])
        #expect(badLimit.status == 64 && badLimit.stderr.contains("expected a whole number, at least 1"))
        let both = f.cli(["users", "list", "--active", "--inactive"])
        #expect(both.status == 64)
    }

    @Test func listNeverPrintsSecrets() {
        let out = f.cli(["--json", "users", "list"]).stdout
        for secret in ["$2b$", "hmac-sha256", "gAAAA", "hashed_password", "encryption_key\""] { #expect(!out.contains(secret)) }
    }

    @Test func showAcceptsIdsNamesAndPrefixes() {
        #expect(f.cli(["users", "show", "1", "--fields", "username"]).stdout == "username: alice\n")
        #expect(f.cli(["users", "show", "alice", "--fields", "id"]).stdout == "id: 1\n")
        #expect(f.cli(["users", "show", "name:42", "--fields", "id"]).stdout == "id: 3\n")
        #expect(f.cli(["users", "show", "id:2", "--fields", "username"]).stdout == "username: bob\n")
        let missing = f.cli(["users", "show", "99"])
        #expect(missing.status == 66)
        #expect(missing.stderr == "socializer: error: user with id 99 not found\nhint: to look up a user named 99, write name:99\n")
        #expect(f.cli(["users", "show", "nobody"]).stderr == "socializer: error: user 'nobody' not found\n")
    }

    @Test func findSaysWhenNobodyHasTheAddress() {
        let found = f.cli(["users", "find", "--email", "ALICE@example.com", "--fields", "id"])
        #expect(found.stdout == "id: 1\n")
        let missing = f.cli(["users", "find", "--email", "zed@example.com"])
        #expect(missing.status == 66 && missing.stderr.contains("no user has that email address"))
        #expect(!missing.stderr.contains("zed"))
    }

    @Test func updateChangesOnlyWhatIsGiven() throws {
        #expect(f.cli(["users", "update", "alice", "--temperature", "1.5", "--llm-provider", "openai", "-q"]).stdout == "1\n")
        #expect(f.cli(["users", "update", "alice", "--clear-llm", "--username", "alicia", "-q"]).status == 0)
        let row = try #require(try f.connection().firstRow("SELECT username, temperature, llm_provider, role FROM users WHERE id = 1"))
        #expect(row.values == [.text("alicia"), .real(1.5), .null, .text("admin")])
        let clash = f.cli(["users", "update", "bob", "--username", "alicia"])
        #expect(clash.status == 65 && clash.stderr.contains("user 'alicia' already exists"))
        let nothing = f.cli(["users", "update", "bob"])
        #expect(nothing.status == 64 && nothing.stderr.contains("nothing to change"))
        let range = f.cli(["users", "update", "bob", "--temperature", "2.5"])
        #expect(range.status == 64 && range.stderr.contains("expected a number from 0.0 to 2.0"))
        let role = f.cli(["users", "update", "bob", "--role", "root"])
        #expect(role.status == 64 && role.stderr.contains("one of admin, user"))
    }

    @Test func activateAndDeactivate() throws {
        #expect(f.cli(["users", "activate", "bob", "-q"]).stdout == "2\n")
        #expect(try f.connection().scalar("SELECT is_active FROM users WHERE id = 2") == .integer(1))
        #expect(f.cli(["users", "deactivate", "bob", "-q"]).status == 0)
        #expect(try f.connection().scalar("SELECT is_active FROM users WHERE id = 2") == .integer(0))
    }

    @Test func setAndCheckPassword() throws {
        #expect(f.cli(["users", "set-password", "bob", "--password-stdin", "-q"], stdin: "new-pass\n").status == 0)
        let ok = f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "new-pass\n")
        #expect(ok.status == 0 && ok.stdout == "password matches\n")
        let no = f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "old-pass\n")
        #expect(no.status == 1 && no.stdout.isEmpty && no.stderr.contains("does not match"))
        // Hashes the app made with passlib's other prefixes verify too.
        try f.connection().execute("UPDATE users SET hashed_password = ? WHERE id = 2",
                                   ["$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"])
        #expect(f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "U*U*\n").status == 0)
        #expect(f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "U*U*U\n").status == 1)
        try f.connection().execute("UPDATE users SET hashed_password = '$2x$05$abcdefghijklmnopqrstuu5Zq7x2qP7bFZbVt6mM3hQ8oYV1hRrG' WHERE id = 2")
        let unsupported = f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "x\n")
        #expect(unsupported.status == 65)
        #expect(unsupported.stderr.contains("user 'bob' has an unsupported password hash"))
    }

    @Test func newPasswordsFromFilesMustBePrivate() throws {
        let path = f.folder.write("pw.txt", "from-file\n")
        chmod(path, 0o644)
        let refused = f.cli(["users", "set-password", "bob", "--password-file", path])
        #expect(refused.status == 77 && refused.stderr.contains("chmod 600"))
        chmod(path, 0o600)
        #expect(f.cli(["users", "set-password", "bob", "--password-file", path, "-q"]).status == 0)
        #expect(f.cli(["users", "check-password", "bob", "--password-stdin"], stdin: "from-file\n").status == 0)
    }
}
