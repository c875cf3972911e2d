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

/// One test per row of the bad-input table (BAD-INPUT.md, copied from the
/// shared specification): each test name starts with its row number. Unless
/// a row says otherwise, the input is refused with one message that names it,
/// the documented exit status, and nothing written (the database folder is
/// compared byte for byte). Rows 38, 40 and 42 need a separate process (disk
/// full, kill -9, Ctrl-C): their tests are in EndToEndTests, tagged with the
/// row number; `everyRowHasATest` checks that no row is left without one.
@Suite struct BadInputTests {
    let f = UsersFixture()
    init() {
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        f.create("alice", password: "alice-pw")
    }

    /// Runs and checks status, a message fragment, and that nothing changed.
    @discardableResult
    func refused(_ arguments: [String], stdin: String = "", _ status: Int32, _ message: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let before = f.folder.snapshot()
        let result = f.cli(arguments, stdin: stdin)
        #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty || status == 1, "\(arguments)", sourceLocation: sourceLocation)
        #expect(f.folder.snapshot() == before, "\(arguments) changed the database folder", sourceLocation: sourceLocation)
        return result
    }

    func token(_ claims: [(String, JSONValue)], secret: String = jwtSecret, algorithm: JWTAlgorithm = .hs256) -> String {
        JWT.encode(claims: .object(claims), algorithm: algorithm, secret: Array(secret.utf8))
    }
    func segment(_ text: String) -> String { Base64.encode(Array(text.utf8), alphabet: .url, padding: false) }
    /// A token with a hand-written header and payload, signed with the test secret.
    func signed(header: String, payload: String) -> String {
        let input = segment(header) + "." + segment(payload)
        let signature = Digest.hmac(.sha256, key: Array(jwtSecret.utf8), message: Array(input.utf8))
        return input + "." + Base64.encode(signature, alphabet: .url, padding: false)
    }
    let future: Int64 = 4_102_444_800
    func count(_ table: String) throws -> Int64 { try f.connection().scalarInt("SELECT count(*) FROM \(table)") }

    // MARK: Command line (rows 1-6)

    @Test func row01_noCommandUnknownCommandOrVerb() {
        let missing = TemporaryDirectory()
        for arguments in [[String](), ["usres", "list"], ["users", "lsit"]] {
            let result = runCLI(["--db", missing.file("none.db")] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(arguments.isEmpty ? "no command given" : "did you mean"), "\(result.stderr)")
        }
        #expect(missing.listing().isEmpty, "the database was opened")
    }

    @Test func row02_unknownOptionMissingValueConflictingOptions() {
        refused(["users", "list", "--rol", "admin"], 64, "unknown option '--rol'")
        refused(["users", "list", "--limit"], 64, "--limit needs a value")
        refused(["users", "list", "--active", "--inactive"], 64, "--active and --inactive cannot be used together")
        refused(["users", "create", "bob", "--email", "b@example.com", "--no-email", "--password-stdin"], stdin: "pw-bob-123\n",
                64, "--email and --no-email cannot be used together")
    }

    @Test func row03_numbersAndDurationsOutOfRangeOrForm() {
        for value in ["0", "-1", "abc", "1e9"] {
            refused(["tokens", "purge", "--batch-size", value], 64, "expected a whole number from 1 to 1000000")
        }
        refused(["users", "list", "--limit", "-5"], 64, "expected a whole number, at least 1")
        refused(["logs", "purge", "--older-than", "5x"], 64, "invalid value '5x' for --older-than")
    }

    @Test func row04_invalidUTF8Argument() {
        let result = runCLI(rawArguments: [Array("--db".utf8), Array(f.db.utf8), Array("users".utf8), Array("show".utf8),
                                           [0x61, 0xFF, 0x62]])
        #expect(result.status == 65)
        #expect(result.stderr.contains("argument 5 is not valid UTF-8"))
    }

    @Test func row05_passwordInArgv() {
        let result = refused(["users", "create", "bob", "--no-email", "--password", "hunter2"], 64, "--password is not accepted")
        #expect(result.stderr.contains("--password-stdin") && result.stderr.contains("--password-file"))
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func row06_databasePathsThatAreNotFiles() {
        let folder = TemporaryDirectory()
        for path in ["", ":memory:", "file:\(folder.file("x.db"))?mode=rwc"] {
            let result = runCLI(["--db", path, "migrate", "up"])
            #expect(result.status == 64, "\(path)")
            #expect(result.stderr.contains(path.isEmpty ? "--db is empty" : "is not a file path"), "\(result.stderr)")
        }
        #expect(folder.listing().isEmpty)
    }

    // MARK: Input files (rows 7-15)

    @Test func row07_inputFileMissingDirectoryUnreadable() throws {
        refused(["users", "import", f.folder.file("nope.json")], 66, "does not exist")
        try FileManager.default.createDirectory(atPath: f.folder.file("dir.json"), withIntermediateDirectories: true)
        refused(["users", "import", f.folder.file("dir.json")], 66, "is a directory, not a file")
        refused(["logs", "add", "--type", "T", "--message", "M", "--stack-file", f.folder.file("none.txt")], 66,
                "--stack-file '\(f.folder.file("none.txt"))' does not exist")
        if getuid() != 0 { // root reads every file
            let locked = f.folder.write("locked.json", "[]")
            chmod(locked, 0)
            refused(["users", "import", locked], 77, "permission denied")
        }
    }

    func importFile(_ name: String, _ text: String, extra: [String] = []) -> (path: String, arguments: [String]) {
        let path = f.folder.write(name, text)
        return (path, ["users", "import", path] + extra)
    }

    @Test func row08_emptyTruncatedTrailingComma() {
        for (name, text, location) in [("empty.json", "", ":1:1: empty document"),
                                       ("trunc.json", "[{\"username\": \"a\"", ":1:18: unexpected end of input"),
                                       ("comma.json", "[{\"username\": \"a\", \"password\": \"p\"},\n]", ":2:1: trailing comma")] {
            let (path, arguments) = importFile(name, text)
            refused(arguments, 65, path + location)
        }
    }

    @Test func row09_everyRecordErrorIsListed() {
        let (path, arguments) = importFile("bad.jsonl", """
            {"password": "p-123456"}
            {"username": "b", "password": "p-123456", "temperature": "hot"}
            {"username": "c", "password": "p-123456", "nickname": "cc"}
            """)
        let result = refused(arguments, 65, "3 problem(s) in '\(path)'; nothing was imported")
        #expect(result.stderr.contains("\(path):1:1: missing field 'username'"))
        #expect(result.stderr.contains("\(path):2:1: field 'temperature' must be a number"))
        #expect(result.stderr.contains("\(path):3:1: unknown field 'nickname'"))
        let (_, shape) = importFile("shape.json", "{\"users\": []}")
        refused(shape, 65, "expected a JSON array of records")
    }

    @Test func row10_duplicateKeysInAFileOrAJWTPayload() {
        let (_, arguments) = importFile("dup.json", "[{\"username\": \"a\", \"username\": \"b\", \"password\": \"p-123456\"}]")
        refused(arguments, 65, "duplicate member name")
        let jwt = signed(header: "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload: "{\"exp\":\(future),\"exp\":1}")
        refused(["tokens", "revoke", "--stdin"], stdin: jwt, 65, "duplicate")
    }

    @Test func row11_sameUsernameTwiceOrAlreadyInTheDatabase() throws {
        let (path, arguments) = importFile("twice.jsonl", """
            {"username": "bob", "password": "p-123456"}
            {"username": "bob", "password": "p-123456"}
            {"username": "alice", "password": "p-123456"}
            """)
        let result = refused(arguments, 65, "2 problem(s)")
        #expect(result.stderr.contains("\(path):2:1: user 'bob' appears twice in the file (first at \(path):1:1)"))
        #expect(result.stderr.contains("\(path):3:1: user 'alice' already exists"))
        let skip = f.cli(arguments + ["--on-conflict", "skip"])
        #expect(skip.status == 65) // the duplicate inside the file is still an error
        #expect(try count("users") == 1)
    }

    @Test func row12_utf16InvalidUTF8AndByteOrderMarks() {
        let utf16 = f.folder.write("u16.json", bytes: [0xFF, 0xFE, 0x5B, 0x00, 0x5D, 0x00])
        refused(["users", "import", utf16], 65, "not UTF-8")
        let invalid = f.folder.write("bad.jsonl", bytes: Array("{\"username\": \"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
        refused(["users", "import", invalid], 65, "UTF-8")
        let (_, bom) = importFile("bom.jsonl", "\u{FEFF}{\"username\": \"a\", \"password\": \"p-123456\"}\n")
        refused(bom, 65, "byte-order mark")
    }

    @Test func row13_hugeFileOrDeepNesting() {
        let (_, deep) = importFile("deep.json", String(repeating: "[", count: 10_000))
        refused(deep, 65, "nested deeper than 64 levels")
        let (_, deepRecord) = importFile("deep.jsonl", "{\"username\": " + String(repeating: "[", count: 10_000) + "\n")
        refused(deepRecord, 65, "nested deeper than 64 levels")
        // Streamed: an endless source is refused at the limit, however it is read…
        refused(["users", "import", "/dev/zero", "--input-format", "jsonl"], 65, "is larger than 64 MiB")
        // …and a json array that starts with a NUL byte at its first byte.
        refused(["users", "import", "/dev/zero", "--input-format", "json"], 65, "not UTF-8")
        refused(["logs", "add", "--type", "T", "--message", "M", "--context", String(repeating: "[", count: 10_000)], 65,
                "--context is not valid JSON")
    }

    @Test func row14_csvRaggedOpenQuoteEmbeddedCRLF() throws {
        let (_, ragged) = importFile("ragged.csv", "username,password\na,p-123456\nb\n")
        refused(ragged, 65, "ragged.csv:row 3: the row has 1 fields; the header has 2")
        let (_, open) = importFile("open.csv", "username,password\n\"a,p-123456\n")
        refused(open, 65, "open.csv:row 2: a quoted field is not closed")
        // RFC 4180: a quoted field may hold CRLF; the record is read whole.
        let (_, crlf) = importFile("crlf.csv", "username,password,hashed_name\r\nbob,p-123456,\"two\r\nlines\"\r\n")
        let result = f.cli(crlf)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try f.connection().scalar("SELECT hashed_name FROM users WHERE username = 'bob'") == .text("two\r\nlines"))
    }

    @Test func row15_nanHugeAndOutOfRangeNumbers() {
        for (name, value, message) in [("nan.json", "NaN", "NaN and Infinity"), ("huge.json", "1e400", "outside the range of a double"),
                                       ("int.json", "99999999999999999999", "outside the 64-bit range")] {
            let (_, arguments) = importFile(name, "[{\"username\": \"a\", \"password\": \"p-123456\", \"messages\": \(value)}]")
            refused(arguments, 65, message)
        }
    }

    // MARK: JWT (rows 16-22)

    @Test func row16_algorithmsOtherThanTheConfiguredOneAndCritB64() {
        for alg in ["none", "None", "NONE", "RS256", "ES256"] {
            let jwt = segment("{\"alg\":\"\(alg)\"}") + "." + segment("{\"exp\":\(future)}") + "."
            refused(["tokens", "revoke", "--stdin"], stdin: jwt, 65, "the header's algorithm is '\(alg)'; only HS256 is accepted")
        }
        refused(["tokens", "revoke", "--stdin"], stdin: signed(header: "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", payload: "{\"exp\":\(future)}"),
                65, "critical extensions")
        refused(["tokens", "revoke", "--stdin"], stdin: signed(header: "{\"alg\":\"HS256\",\"b64\":false}", payload: "{\"exp\":\(future)}"),
                65, "unencoded payloads")
    }

    @Test func row17_badSignaturesWithVerification() {
        let good = token([("sub", .string("alice")), ("exp", .integer(future))])
        let parts = good.split(separator: ".").map(String.init)
        let tampered = parts[0] + "." + segment("{\"sub\":\"bob\",\"exp\":\(future)}") + "." + parts[2]
        let wrong = token([("exp", .integer(future))], secret: "some-other-secret")
        for jwt in [tampered, wrong, parts[0] + "." + parts[1] + ".", parts[0] + "." + parts[1] + "." + parts[2].prefix(10)] {
            refused(["tokens", "revoke", "--stdin", "--verify"], stdin: jwt, 65, "signature invalid")
        }
    }

    @Test func row18_segmentsPaddingAlphabetWhitespace() {
        let good = token([("exp", .integer(future))])
        let parts = good.split(separator: ".").map(String.init)
        let cases = [parts[0] + "." + parts[1], good + ".x", good + ".x.y", parts[0] + "=." + parts[1] + "." + parts[2],
                     parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+") + "+/",
                     parts[0] + ". " + parts[1] + "." + parts[2]]
        for jwt in cases {
            refused(["tokens", "revoke", jwt], 65, "the token was refused")
        }
        // A leading "Bearer " is trimmed (documented).
        #expect(f.cli(["tokens", "revoke", "--stdin"], stdin: "Bearer " + good).status == 0)
    }

    @Test func row19_badExpClaims() throws {
        for payload in ["{\"exp\":\"tomorrow\"}", "{\"exp\":null}", "{\"exp\":1e400}", "{\"exp\":1e300}", "[1]",
                        "{\"exp\":1,\"exp\":\(future)}"] {
            refused(["tokens", "revoke", signed(header: "{\"alg\":\"HS256\"}", payload: payload)], 65, "the token was refused")
        }
        let fractional = signed(header: "{\"alg\":\"HS256\"}", payload: "{\"exp\":\(future).75}")
        #expect(f.cli(["tokens", "revoke", fractional]).status == 0)
        #expect(try f.connection().scalar("SELECT expires_at FROM token_blacklist") == .text("2100-01-01 00:00:00.000000"))
    }

    @Test func row20_noExpUnlessExpiresAtIsGiven() throws {
        let jwt = token([("sub", .string("alice"))])
        refused(["tokens", "revoke", jwt], 65, "the token has no exp claim")
        #expect(f.cli(["tokens", "revoke", jwt, "--expires-at", "2030-01-01"]).status == 0)
        #expect(try count("token_blacklist") == 1)
    }

    @Test func row21_alreadyRevokedOrExpiredIsNotAnError() throws {
        let jwt = token([("sub", .string("alice")), ("exp", .integer(future))])
        #expect(f.cli(["tokens", "revoke", jwt]).status == 0)
        let again = f.cli(["tokens", "revoke", jwt])
        #expect(again.status == 0 && again.stderr.contains("already revoked"))
        let expired = f.cli(["tokens", "revoke", token([("exp", .integer(1_000_000))])])
        #expect(expired.status == 0 && expired.stderr.contains("already expired"))
        #expect(try count("token_blacklist") == 1)
    }

    @Test func row22_tokenOver8KiB() {
        let big = token([("exp", .integer(future)), ("pad", .string(String(repeating: "p", count: 9000)))])
        refused(["tokens", "revoke", big], 65, "longer than 8 KiB")
        refused(["tokens", "revoke", "--stdin"], stdin: big, 65, "longer than 8 KiB")
    }

    // MARK: Secrets and keys (rows 23-30)

    @Test func row23_emptySecretVariables() {
        var environment = f.environment
        environment["SOCIALIZER_JWT_SECRET"] = ""
        let jwt = runCLI(["--db", f.db, "tokens", "issue", "alice"], environment: environment)
        #expect(jwt.status == 78 && jwt.stderr.contains("$SOCIALIZER_JWT_SECRET is set but empty"))
        environment["SOCIALIZER_EMAIL_KEY"] = ""
        let email = runCLI(["--db", f.db, "users", "find", "--email", "a@example.com"], environment: environment)
        #expect(email.status == 78 && email.stderr.contains("$SOCIALIZER_EMAIL_KEY is set but empty"))
    }

    @Test func row24_storedFernetKeyThatIsNotAKey() throws {
        #expect(f.cli(["users", "memory", "set", "alice", "--stdin"], stdin: "{}").status == 0)
        try f.connection().execute("UPDATE users SET encryption_key = 'c2hvcnQ=' WHERE username = 'alice'")
        let result = refused(["users", "memory", "show", "alice"], 65, "invalid Fernet key for user 'alice'")
        #expect(!result.stderr.contains("c2hvcnQ"))
    }

    @Test func row25_rotateAllMeetsUndecryptableMemory() throws {
        f.create("bob")
        f.create("carol")
        for name in ["alice", "bob", "carol"] {
            #expect(f.cli(["users", "memory", "set", name, "--stdin"], stdin: "{\"n\": \"\(name)\"}").status == 0)
        }
        try f.connection().execute("UPDATE users SET conversation_memory = 'gAAAAAbroken' WHERE username = 'bob'")
        let keys = try f.connection().rows("SELECT username, encryption_key FROM users ORDER BY id").map { $0["encryption_key"] }
        let result = f.cli(["users", "rotate-key", "--all", "--yes"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("1 user(s) were left untouched") && result.stderr.contains("user 'bob'"), "\(result.stderr)")
        let after = try f.connection().rows("SELECT encryption_key FROM users ORDER BY id").map { $0["encryption_key"] }
        #expect(after[1] == keys[1] && after[0] != keys[0] && after[2] != keys[2])
        #expect(try JSONParser.parse(f.cli(["users", "memory", "show", "carol"]).stdout)["n"] == .string("carol"))
    }

    @Test func row26_emptyPassword() {
        refused(["users", "set-password", "alice", "--password-stdin"], stdin: "\n", 65, "the password is empty")
    }

    @Test func row27_passwordOver72Bytes() {
        refused(["users", "set-password", "alice", "--password-stdin"], stdin: String(repeating: "a", count: 73) + "\n", 65, "72 bytes")
        refused(["users", "set-password", "alice", "--password-stdin"], stdin: String(repeating: "a", count: 71) + "é\n", 65, "72 bytes")
    }

    @Test func row28_passwordWithNULOrInvalidUTF8() throws {
        refused(["users", "set-password", "alice", "--password-stdin"], stdin: "ab\u{0}cd\n", 65, "NUL")
        let file = f.folder.write("pw.bin", bytes: [0x61, 0xFF, 0x62])
        chmod(file, 0o600)
        refused(["users", "set-password", "alice", "--password-file", file], 65, "UTF-8")
    }

    @Test func row29_passwordStdinStripsExactlyOneLineBreak() {
        #expect(f.cli(["users", "set-password", "alice", "--password-stdin"], stdin: "with-crlf\r\n").status == 0)
        #expect(f.cli(["users", "check-password", "alice", "--password-stdin"], stdin: "with-crlf\n").status == 0)
        #expect(f.cli(["users", "set-password", "alice", "--password-stdin"], stdin: "trailing-space \n\n").status == 0)
        #expect(f.cli(["users", "check-password", "alice", "--password-stdin"], stdin: "trailing-space \n").status == 0)
        #expect(f.cli(["users", "check-password", "alice", "--password-stdin"], stdin: "trailing-space\n").status == 1)
    }

    @Test func row30_unsupportedStoredHashes() throws {
        for hash in ["$2x$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
                     "$2z$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
                     "$2b$03$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
                     "$2b$32$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234", "$2b$04$short"] {
            try f.connection().execute("UPDATE users SET hashed_password = ? WHERE username = 'alice'", [hash])
            refused(["users", "check-password", "alice", "--password-stdin"], stdin: "alice-pw\n", 65,
                    "user 'alice' has an unsupported password hash")
        }
    }

    // MARK: Names (rows 31-32)

    @Test func row31_sqlLookingNamesAndLikeWildcardsAreLiteral() throws {
        for name in ["Robert'); DROP TABLE users;--", "100%", "a_b"] {
            #expect(f.create(name).status == 0, "\(name)")
        }
        #expect(f.create("axb").status == 0)
        #expect(try count("users") == 5)
        #expect(f.cli(["--format", "tsv", "--no-header", "--fields", "username", "users", "list", "--search", "_"]).stdout == "a_b\n")
        #expect(f.cli(["--format", "tsv", "--no-header", "--fields", "username", "users", "list", "--search", "%"]).stdout == "100%\n")
        #expect(f.cli(["users", "show", "name:Robert'); DROP TABLE users;--"]).status == 0)
    }

    @Test func row32_controlCharactersBidiAndOverlongNames() {
        refused(["users", "create", "bad\u{1B}name", "--no-email", "--password-stdin"], stdin: "pw-123456\n", 65, "control character")
        refused(["users", "create", "evil\u{202E}txt", "--no-email", "--password-stdin"], stdin: "pw-123456\n", 65, "bidirectional control")
        refused(["users", "create", String(repeating: "n", count: 256), "--no-email", "--password-stdin"], stdin: "pw-123456\n", 65,
                "256 characters long; at most 255")
        refused(["users", "update", "alice", "--username", "x\u{0}y"], 65, "control character")
        // Invisible characters make names that print alike ("admin" and "ad\u{200B}min").
        refused(["users", "create", "ad\u{200B}min", "--no-email", "--password-stdin"], stdin: "pw-123456\n", 65,
                "the username contains an invisible format character (U+200B), which can disguise it")
        refused(["users", "create", "\u{FEFF}bob", "--no-email", "--password-stdin"], stdin: "pw-123456\n", 65, "(U+FEFF)")
        refused(["users", "update", "alice", "--username", "al\u{AD}ice"], 65, "invisible format character (U+00AD)")
        refused(["users", "update", "alice", "--username", "a\u{2029}b"], 65, "line or paragraph separator (U+2029)")
    }

    /// What the app wrote is read and referred to as it is: the rules are for new names.
    @Test func row32_namesTheAppWroteStayUsable() throws {
        try f.connection().execute("UPDATE users SET username = 'ad' || char(8203) || 'min' WHERE username = 'alice'")
        #expect(f.cli(["users", "show", "ad\u{200B}min"]).status == 0)
        #expect(f.cli(["users", "deactivate", "ad\u{200B}min"]).status == 0)
        try f.connection().execute("INSERT INTO skills (skill_name) VALUES ('zero' || char(8203) || 'width')")
        #expect(f.cli(["skills", "set-level", "ad\u{200B}min", "zero\u{200B}width", "4"]).status == 0)
        #expect(f.cli(["skills", "set-level", "ad\u{200B}min", "zero\u{200B}width", "5", "--create"]).status == 0)
        #expect(f.cli(["-q", "skills", "add", "--if-missing", "zero\u{200B}width"]).stdout == "1\n", "it exists: not a new name")
        #expect(f.cli(["skills", "add", "zero\u{200B}width"]).stderr.contains("already exists"))
    }

    // MARK: The database (rows 33-42)

    @Test func row33_missingDatabaseIsNotCreated() {
        let folder = TemporaryDirectory()
        for arguments in [["users", "list"], ["users", "deactivate", "alice"], ["logs", "add", "--type", "T", "--message", "M"],
                          ["migrate", "status"], ["migrate", "down"]] {
            let result = runCLI(["--db", folder.file("none.db")] + arguments, environment: f.environment)
            #expect(result.status == 66, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("does not exist"))
        }
        #expect(folder.listing().isEmpty)
    }

    @Test func row34_notASQLiteDatabase() {
        let folder = TemporaryDirectory()
        let path = folder.write("text.db", String(repeating: "this is not a database\n", count: 100))
        let before = folder.snapshot()
        for arguments in [["users", "list"], ["migrate", "up"], ["users", "deactivate", "alice"]] {
            let result = runCLI(["--db", path] + arguments, environment: f.environment)
            #expect(result.status == 65, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("not a SQLite database"), "\(result.stderr)")
        }
        #expect(folder.snapshot() == before)
    }

    @Test func row35_readOnlyFileOrFolder() throws {
        chmod(f.db, 0o400)
        refused(["users", "deactivate", "alice"], 77, "is read-only; nothing was changed")
        #expect(f.cli(["users", "show", "alice"]).status == 0)
        chmod(f.db, 0o600)
        chmod(f.folder.path, 0o500)
        defer { chmod(f.folder.path, 0o755) }
        refused(["users", "deactivate", "alice"], 77, "is not writable")
        #expect(f.cli(["users", "show", "alice"]).status == 0)
    }

    @Test func row36_lockedPastTheBusyTimeout() throws {
        #expect(f.cli(["logs", "add", "--type", "T", "--message", "old"]).status == 0)
        let holder = try f.connection()
        try holder.execute("BEGIN IMMEDIATE")
        defer { try? holder.execute("ROLLBACK") }
        for arguments in [["users", "deactivate", "alice"], ["logs", "purge", "--before", "2100-01-01", "--yes"],
                          ["logs", "add", "--type", "T", "--message", "M"]] {
            let result = f.cli(["--busy-timeout", "0"] + arguments)
            #expect(result.status == 75, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("locked"), "\(result.stderr)")
        }
        try holder.execute("ROLLBACK")
        #expect(try count("error_logs") == 1)
        #expect(try f.connection().scalarInt("SELECT is_active FROM users WHERE username = 'alice'") == 1)
    }

    // BAD-INPUT 37 is also covered by MigrateCommandTests.aCorruptDatabaseIsNotWrittenTo.
    @Test func row37_corruptDatabase() throws {
        let (rootPage, pageSize): (Int64, Int64) = try {
            let connection = try f.connection()
            for i in 0..<300 {
                try connection.execute("INSERT INTO skills (skill_name) VALUES (?)", [String(repeating: "s\(i)", count: 20)])
            }
            try connection.execute("PRAGMA journal_mode = DELETE")
            return (try connection.scalarInt("SELECT rootpage FROM sqlite_master WHERE name = 'skills'"),
                    try connection.scalarInt("PRAGMA page_size"))
        }()
        var bytes = [UInt8](FileManager.default.contents(atPath: f.db)!)
        let offset = Int((rootPage - 1) * pageSize)
        for i in 0..<Int(pageSize) where offset + i < bytes.count { bytes[offset + i] = 0x55 }
        FileManager.default.createFile(atPath: f.db, contents: Data(bytes))
        #expect(f.cli(["-y", "migrate", "down", "--to", "2"]).status == 0)
        let result = refused(["migrate", "up", "--no-backup"], 74, "the database is corrupt; nothing was written")
        #expect(result.stderr.contains("sqlite3 DB .recover"))
    }

    @Test func row39_newerNotMigratedOrLegacy() throws {
        let folder = TemporaryDirectory()
        _ = try Connection(path: folder.file("empty.db"), mode: .createIfMissing)
        let empty = runCLI(["--db", folder.file("empty.db"), "users", "list"])
        #expect(empty.status == 78 && empty.stderr.contains("socializer --db \(folder.file("empty.db")) migrate up"), "\(empty.stderr)")
        _ = try LegacyDatabase.create(at: folder.file("legacy.db"))
        let legacy = runCLI(["--db", folder.file("legacy.db"), "users", "list"])
        #expect(legacy.status == 78 && legacy.stderr.contains("migrate baseline"), "\(legacy.stderr)")
        let legacyUp = runCLI(["--db", folder.file("legacy.db"), "migrate", "up"])
        #expect(legacyUp.status == 78 && legacyUp.stderr.contains("migrate baseline"))
        try f.connection().execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '2030-01-01 00:00:00.000000', 1)")
        refused(["users", "deactivate", "alice"], 78, "newer than this socializer knows")
    }

    @Test func row41_appliedMigrationWithAnotherChecksum() throws {
        #expect(f.cli(["-y", "migrate", "down", "--to", "2"]).status == 0)
        try f.connection().execute("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 2")
        refused(["migrate", "validate"], 65, "0002_defaults_and_cascades: recorded checksum deadbeef differs")
        refused(["migrate", "up"], 65, "applied migration 0002_defaults_and_cascades differs from the one compiled into this socializer")
    }

    // MARK: Coverage

    /// Every row of BAD-INPUT.md has a test naming its number: here as
    /// `rowNN_`, or elsewhere with a `// BAD-INPUT N` tag.
    @Test func everyRowHasATest() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let table = try String(contentsOf: tests.appendingPathComponent("Data/BAD-INPUT.md"), encoding: .utf8)
        let rows = table.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("| ") else { return nil }
            return Int(line.dropFirst(2).prefix { $0.isNumber })
        }
        #expect(rows == Array(1...42))
        var text = ""
        for case let file as String in FileManager.default.enumerator(atPath: tests.path)! where file.hasSuffix(".swift") {
            text += try String(contentsOfFile: tests.path + "/" + file, encoding: .utf8)
        }
        // Tags: "// BAD-INPUT 16, 17, 18" (numbers up to the first word).
        var tagged = Set<Int>()
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "// BAD-INPUT ") else { continue }
            let list = line[range.upperBound...].prefix { $0.isNumber || $0 == "," || $0 == " " }
            tagged.formUnion(list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        }
        for row in rows {
            let name = "row" + (row < 10 ? "0" : "") + "\(row)_"
            #expect(text.contains("func \(name)") || tagged.contains(row), "BAD-INPUT row \(row) has no test")
        }
        for row in [38, 40, 42] { #expect(tagged.contains(row), "row \(row) is tested against the binary") }
    }
}
