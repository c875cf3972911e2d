import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

let jwtSecret = "dev-secret-please-change-0123456789abcdef"

@Suite struct TokensCommandTests {
    let f = UsersFixture()
    init() {
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        f.create("alice")
        f.create("bob")
    }

    func token(_ claims: [(String, JSONValue)], secret: String = jwtSecret, algorithm: JWTAlgorithm = .hs256) -> String {
        JWT.encode(claims: .object(claims), algorithm: algorithm, secret: Array(secret.utf8))
    }
    let future: Int64 = 4_102_444_800 // 2100-01-01

    @Test func revokeStoresTheWholeTokenWithItsExpiryAndUser() throws {
        let jwt = token([("sub", .string("alice")), ("exp", .integer(future))])
        let result = f.cli(["tokens", "revoke", "--stdin", "--reason", "logout"], stdin: "Bearer " + jwt + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "id:         1\nuser_id:    1\nexpires_at: 2100-01-01T00:00:00Z\nreason:     logout\n")
        let row = try #require(try f.connection().firstRow("SELECT * FROM token_blacklist"))
        #expect(row["token"] == .text(jwt))
        #expect(row["expires_at"] == .text("2100-01-01 00:00:00.000000"))
        #expect(row["created_at"] == .text(testNow.databaseText))
        #expect(row["user_id"] == .integer(1))
        // The user_id claim wins over sub; an unknown user is stored without one.
        #expect(f.cli(["-q", "tokens", "revoke", token([("sub", .string("alice")), ("user_id", .integer(2)), ("exp", .integer(future))])]).stdout == "2\n")
        #expect(f.cli(["-q", "tokens", "revoke", token([("sub", .string("nobody")), ("exp", .integer(future))])]).stdout == "3\n")
        let users = try f.connection().rows("SELECT user_id FROM token_blacklist ORDER BY id").map { $0["user_id"] }
        #expect(users == [.integer(1), .integer(2), .null])
    }

    @Test func revokingTwiceOrAnExpiredTokenIsReportedNotDuplicated() throws {
        let jwt = token([("sub", .string("bob")), ("exp", .integer(future))])
        #expect(f.cli(["tokens", "revoke", jwt]).status == 0)
        let again = f.cli(["tokens", "revoke", jwt])
        #expect(again.status == 0 && again.stderr.contains("already revoked (id 1); nothing was changed"))
        let expired = f.cli(["tokens", "revoke", token([("sub", .string("bob")), ("exp", .integer(1_700_000_000))])])
        #expect(expired.status == 0 && expired.stderr.contains("already expired at 2023-11-14T22:13:20Z"))
        #expect(try f.connection().scalarInt("SELECT count(*) FROM token_blacklist") == 1)
    }

    @Test func aTokenWithoutExpNeedsExpiresAt() throws {
        let jwt = token([("sub", .string("bob"))])
        let before = f.folder.snapshot()
        let refused = f.cli(["tokens", "revoke", jwt])
        #expect(refused.status == 65 && refused.stderr.contains("the token has no exp claim\nhint: give its expiry with --expires-at TIME"))
        #expect(f.folder.snapshot() == before)
        #expect(f.cli(["-q", "tokens", "revoke", jwt, "--expires-at", "2030-01-31T12:00:00Z"]).status == 0)
        #expect(try f.connection().scalar("SELECT expires_at FROM token_blacklist") == .text("2030-01-31 12:00:00.000000"))
    }

    // BAD-INPUT 16, 17, 18, 19, 22
    @Test func badTokensAreRefusedWithoutEchoAndNothingIsStored() throws {
        let before = f.folder.snapshot()
        let forged = token([("sub", .string("bob")), ("exp", .integer(future))], secret: "another-secret")
        let cases: [(String, String)] = [
            ("eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.", "the header's algorithm is 'none'; only HS256 is accepted"),
            (forged, "signature invalid"),
            (token([("exp", .integer(future))], algorithm: .hs512), "'HS512'; only HS256 is accepted"),
            ("abc.def", "a JWT has 3 dot-separated segments; this one has 2"),
            (String(repeating: "a", count: 9000), "longer than 8 KiB"),
            (token([("exp", .string("tomorrow"))]), "exp must be a number of seconds (NumericDate), not a string"),
        ]
        for (jwt, reason) in cases {
            let result = f.cli(["tokens", "revoke", "--stdin"], stdin: jwt)
            #expect(result.status == 65, "\(reason)")
            #expect(result.stderr.hasPrefix("socializer: error: ") && result.stderr.contains(reason), "\(result.stderr)")
            #expect(!result.stderr.contains(jwt.prefix(30)), "echoed the token")
        }
        #expect(f.folder.snapshot() == before)
    }

    @Test func verifyNeedsASecretAndTheAlgorithmIsConfigurable() throws {
        f.environment["SOCIALIZER_JWT_SECRET"] = nil
        let jwt = token([("exp", .integer(future))], secret: "x")
        let noSecret = f.cli(["tokens", "revoke", jwt, "--verify"])
        #expect(noSecret.status == 78 && noSecret.stderr.contains("--verify needs the signing secret"))
        #expect(f.cli(["-q", "tokens", "revoke", jwt]).status == 0, "without a secret only the form is checked")
        f.environment["SOCIALIZER_JWT_SECRET"] = ""
        let empty = f.cli(["tokens", "revoke", jwt])
        #expect(empty.status == 78 && empty.stderr.contains("$SOCIALIZER_JWT_SECRET is set but empty"))
        f.environment["SOCIALIZER_JWT_SECRET"] = "x"
        f.environment["SOCIALIZER_JWT_ALGORITHM"] = "HS512"
        let hs512 = token([("exp", .integer(future)), ("n", .integer(1))], secret: "x", algorithm: .hs512)
        #expect(f.cli(["-q", "tokens", "revoke", hs512]).status == 0)
        f.environment["SOCIALIZER_JWT_ALGORITHM"] = "none"
        #expect(f.cli(["tokens", "revoke", hs512]).status == 78)
        let file = f.folder.write("secret", "x\n")
        chmod(file, 0o600)
        f.environment["SOCIALIZER_JWT_ALGORITHM"] = nil
        f.environment["SOCIALIZER_JWT_SECRET"] = nil
        let viaFile = f.cli(["tokens", "check", token([("exp", .integer(future)), ("via", .string("file"))], secret: "x"), "--secret-file", file])
        #expect(viaFile.status == 0)
    }

    @Test func checkIsAPredicate() {
        let good = token([("sub", .string("alice")), ("exp", .integer(future))])
        let ok = f.cli(["tokens", "check", good])
        #expect(ok.status == 0 && ok.stdout == "token usable\n")
        #expect(f.cli(["tokens", "revoke", good, "--reason", "stolen"]).status == 0)
        let revoked = f.cli(["tokens", "check", good])
        #expect(revoked.status == 1 && revoked.stderr == "socializer: token not usable: revoked (id 1, stolen)\n")
        let expired = f.cli(["tokens", "check", token([("exp", .integer(1_700_000_000))])])
        #expect(expired.status == 1 && expired.stderr.contains("expired at 2023-11-14T22:13:20Z"))
        let forged = f.cli(["tokens", "check", token([("exp", .integer(future))], secret: "nope")])
        #expect(forged.status == 1 && forged.stderr.contains("signature invalid"))
        let none = f.cli(["tokens", "check", "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9."])
        #expect(none.status == 1 && none.stderr.contains("'none'"))
        f.environment["SOCIALIZER_JWT_SECRET"] = nil
        #expect(f.cli(["tokens", "check", good]).status == 78)
    }

    @Test func listShowAndPurge() throws {
        for (sub, exp) in [("alice", future), ("bob", Int64(1_700_000_000)), ("alice", Int64(1_790_000_000))] {
            #expect(f.cli(["-q", "tokens", "revoke", token([("sub", .string(sub)), ("exp", .integer(exp)), ("k", .string(sub + String(exp)))]),
                           "--expires-at", "2099-01-01"]).status == 0)
        }
        // The bob token expired in 2023: revoke did not store it. Store one that expires soon for purge.
        let db = try f.connection()
        try db.execute("UPDATE token_blacklist SET expires_at = '2026-06-01 00:00:00.000000' WHERE id = 2")
        let list = f.cli(["--format", "csv", "--no-header", "--fields", "id,user,expires_at", "tokens", "list"])
        #expect(list.stdout == "2,alice,2026-06-01T00:00:00Z\r\n1,alice,2100-01-01T00:00:00Z\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "--fields", "id", "tokens", "list", "--expired"]).stdout == "2\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "--fields", "id", "tokens", "list", "--active", "--user", "alice"]).stdout == "1\r\n")
        let short = f.cli(["--format", "csv", "--no-header", "--fields", "token", "tokens", "list", "--limit", "1"]).stdout
        #expect(short.contains("…") && short.count < 30)
        let full = f.cli(["--format", "csv", "--no-header", "--fields", "token", "tokens", "list", "--limit", "1", "--full"]).stdout
        #expect(full.hasPrefix("eyJ") && full.count > 100)
        let show = f.cli(["--json", "tokens", "show", "1"])
        #expect(try JSONParser.parse(show.stdout)["claims"]?["sub"] == .string("alice"))
        #expect(f.cli(["tokens", "show", "9"]).status == 66)
        let dry = f.cli(["-n", "tokens", "purge"])
        #expect(dry.stdout == "would purge 1 row(s) from token_blacklist (dry run: nothing was deleted)\n")
        let purge = f.cli(["--json", "tokens", "purge"])
        let report = try JSONParser.parse(purge.stdout)
        #expect(report["rows_deleted"] == .integer(1) && report["complete"] == .bool(true) && report["batches"] == .integer(1))
        // One stamped line per run, for `>> cron.log`.
        #expect(purge.stdout.split(separator: "\n").count == 1 && purge.stdout.hasPrefix("{\"at\":\"2026-06-15T12:00:00Z\",\"table\""))
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 1)
        // A future cutoff would un-revoke live tokens: it must be confirmed.
        let unconfirmed = f.cli(["tokens", "purge", "--before", "2101-01-01"])
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("refusing to purge up to 2101-01-01T00:00:00Z, a time in the future (tokens that have not expired would be usable again) without confirmation"), "\(unconfirmed.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 1)
        // Its cutoff is an expiry time, and now is its default: `--before` now
        // purges the expired ones only, without a question; a second later is asked.
        try f.refuses(["tokens", "purge", "--before", "2026-06-15T12:00:01Z"], 64, """
            socializer: error: refusing to purge up to 2026-06-15T12:00:01Z, a time in the future (tokens that have not expired would be usable again) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """)
        #expect(f.cli(["-q", "tokens", "purge", "--before", "0s"]).stdout == "0\n")
        #expect(f.cli(["-q", "tokens", "purge", "--before", "2101-01-01", "--yes"]).stdout == "1\n")
        #expect(f.cli(["tokens", "purge"]).stdout.hasPrefix("purged 0 row(s) from token_blacklist"), "an empty table is success")
    }

    @Test func purgeOptionsSayTheirRange() {
        for (option, value) in [("--batch-size", "0"), ("--batch-size", "-1"), ("--batch-size", "abc"), ("--batch-size", "1e9"), ("--max-lock-ms", "0")] {
            let result = f.cli(["tokens", "purge", option, value])
            #expect(result.status == 64, "\(option) \(value)")
            #expect(result.stderr.contains("invalid value '\(value)' for \(option)"), "\(result.stderr)")
            #expect(result.stderr.contains("expected a whole number from 1 to"), "\(result.stderr)")
        }
    }

    @Test func aLockedDatabaseExits75WithTheReport() throws {
        let holder = try f.connection()
        try holder.execute("BEGIN IMMEDIATE")
        defer { try? holder.execute("ROLLBACK") }
        let result = f.cli(["--busy-timeout", "50", "tokens", "purge"])
        #expect(result.status == 75)
        #expect(result.stdout.hasPrefix("purged 0 row(s) from token_blacklist in 0 batch(es)"))
        #expect(result.stderr.contains("the database is locked by another connection; nothing was purged"))
        #expect(result.stderr.contains("hint: run it again to finish"))
    }

    @Test func issueMintsWhatTheAppAccepts() throws {
        let result = f.cli(["tokens", "issue", "alice", "--ttl", "1h", "--claim", "scope=admin", "--claim", "level=3", "--claim", "tags=[\"a\"]"])
        #expect(result.status == 0, "\(result.stderr)")
        let jwt = try JWT.decode(result.stdout.trimmedSpaces, algorithm: .hs256, secret: Array(jwtSecret.utf8))
        #expect(jwt.claims["sub"] == .string("alice"))
        #expect(jwt.expiresAt == testNow.secondsSinceEpoch + 3600)
        #expect(jwt.claims["iat"] == .integer(testNow.secondsSinceEpoch))
        #expect(jwt.claims["scope"] == .string("admin") && jwt.claims["level"] == .integer(3) && jwt.claims["tags"] == .array([.string("a")]))
        #expect(jwt.header == .object([("alg", .string("HS256")), ("typ", .string("JWT"))]))
        let reserved = f.cli(["tokens", "issue", "alice", "--claim", "exp=1"])
        #expect(reserved.status == 64 && reserved.stderr.contains("--claim cannot set exp"))
        let malformed = f.cli(["tokens", "issue", "alice", "--claim", "novalue"])
        #expect(malformed.status == 64 && malformed.stderr.contains("is not KEY=VALUE"))
        f.environment["SOCIALIZER_JWT_SECRET"] = nil
        let noSecret = f.cli(["tokens", "issue", "alice"])
        #expect(noSecret.status == 78 && noSecret.stderr.contains("issuing a token needs the signing secret"))
        #expect(f.cli(["tokens", "issue", "nobody"]).status == 78, "the secret is checked first")
    }
}

@Suite struct LogsCommandTests {
    let f = UsersFixture()
    init() {
        f.create("alice")
        let db = try! f.connection()
        try! db.execute("""
            INSERT INTO error_logs (timestamp, user_id, error_type, error_message, stack_trace, context) VALUES
              ('2026-06-01 10:00:00.000000', 1, 'ValueError', 'bad value', 'Traceback (most recent call last)', '{"path":"/chat"}'),
              ('2026-06-10 10:00:00.000000', NULL, 'KeyError', 'missing key 100%', NULL, NULL),
              ('2026-06-15 11:00:00.000000', 1, 'ValueError', 'again' || char(10) || 'second line', NULL, NULL),
              ('2026-01-01 00:00:00.000000', NULL, 'OldError', 'ancient', NULL, NULL)
            """)
    }

    func ids(_ arguments: [String]) -> String {
        f.cli(["--format", "csv", "--no-header", "--fields", "id", "logs", "list"] + arguments).stdout.replacingOccurrences(of: "\r\n", with: " ")
    }

    @Test func listIsNewestFirstWithFilters() {
        #expect(ids([]) == "3 2 1 4 ")
        #expect(ids(["--type", "ValueError"]) == "3 1 ")
        #expect(ids(["--user", "alice", "--limit", "1"]) == "3 ")
        #expect(ids(["--since", "7d"]) == "3 2 ")
        #expect(ids(["--since", "2026-06-01", "--until", "2026-06-10"]) == "1 ")
        #expect(ids(["--grep", "100%"]) == "2 ")
        #expect(ids(["--grep", "Traceback"]) == "1 ")
        let table = f.cli(["logs", "list", "--limit", "1"]).stdout
        #expect(table.contains("again") && !table.contains("second line"), "table shows the first line")
        let bad = f.cli(["logs", "list", "--since", "yesterday"])
        #expect(bad.status == 64 && bad.stderr.contains("expected a date (2026-01-31)"))
    }

    @Test func showPrettyPrintsTheContext() throws {
        let result = f.cli(["logs", "show", "1"])
        #expect(result.stdout.contains("stack_trace: Traceback (most recent call last)"))
        #expect(result.stdout.contains("context:\n  {\n    \"path\": \"/chat\"\n  }"))
        #expect(try JSONParser.parse(f.cli(["--json", "logs", "show", "1"]).stdout)["context"] == .object([("path", .string("/chat"))]))
        #expect(f.cli(["logs", "show", "99"]).status == 66)
    }

    @Test func addRecordsAndRefusesBadInput() throws {
        let stack = f.folder.write("stack.txt", "line 1\nline 2\n")
        let added = f.cli(["-q", "logs", "add", "--type", "Backup", "--message", "disk full", "--user", "alice",
                           "--context", "{\"host\": \"db1\"}", "--stack-file", stack])
        #expect(added.status == 0 && added.stdout == "5\n")
        let row = try #require(try f.connection().firstRow("SELECT * FROM error_logs WHERE id = 5"))
        #expect(row["timestamp"] == .text(testNow.databaseText) && row["context"] == .text("{\"host\":\"db1\"}"))
        #expect(row["stack_trace"] == .text("line 1\nline 2\n") && row["user_id"] == .integer(1))
        let before = f.folder.snapshot()
        let json = f.cli(["logs", "add", "--type", "T", "--message", "m", "--context", "{broken"])
        #expect(json.status == 65 && json.stderr.contains("error: --context is not valid JSON"))
        let long = f.cli(["logs", "add", "--type", String(repeating: "T", count: 101), "--message", "m"])
        #expect(long.status == 65 && long.stderr.contains("at most 100"))
        let missing = f.cli(["logs", "add", "--type", "T"])
        #expect(missing.status == 64 && missing.stderr.contains("--message is required"))
        let noUser = f.cli(["logs", "add", "--type", "T", "--message", "m", "--user", "ghost"])
        #expect(noUser.status == 66)
        #expect(f.folder.snapshot() == before)
    }

    @Test func statsCountWithBars() {
        let table = f.cli(["logs", "stats"])
        #expect(table.stdout.hasPrefix("TYPE        COUNT  BAR\nValueError  2      " + String(repeating: "█", count: 40)))
        #expect(f.cli(["--format", "csv", "logs", "stats", "--by", "day", "--since", "2026-06-01"]).stdout
                == "day,count\r\n2026-06-15,1\r\n2026-06-10,1\r\n2026-06-01,1\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "logs", "stats", "--by", "user"]).stdout == "(none),2\r\nalice,2\r\n")
    }

    @Test func purgeNeedsAnAgeAndHonoursType() throws {
        let refused = f.cli(["logs", "purge"])
        #expect(refused.status == 64 && refused.stderr.contains("one of --older-than or --before is required"))
        let bad = f.cli(["logs", "purge", "--older-than", "5x"])
        #expect(bad.status == 64 && bad.stderr.contains("expected a whole number followed by s, m, h, d or w"))
        #expect(f.cli(["-q", "logs", "purge", "--older-than", "30d", "--type", "KeyError"]).stdout == "0\n")
        #expect(f.cli(["-q", "logs", "purge", "--older-than", "4d"]).stdout == "3\n")
        #expect(ids([]) == "3 ")
        #expect(f.cli(["-q", "logs", "purge", "--before", "2027-01-01", "--type", "ValueError"]).status == 64, "a future cutoff is confirmed")
        #expect(f.cli(["-q", "logs", "purge", "--before", "2027-01-01", "--type", "ValueError", "--yes"]).stdout == "1\n")
    }

    /// A cutoff at now (or later) purges every log, the newest included:
    /// it is confirmed like a future one; a second ago is not.
    @Test func aCutoffNotInThePastNeedsYes() throws {
        let now = """
            socializer: error: refusing to purge up to now (every matching log would go, the newest included) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """
        for cutoff in [["--older-than", "0d"], ["--older-than", "0s"], ["--before", "0s"], ["--before", "-0d"],
                       ["--before", "2026-06-15T12:00:00Z"], ["--before", "2026-06-15T14:00:00+02:00"]] {
            try f.refuses(["logs", "purge"] + cutoff, 64, now)
        }
        try f.refuses(["logs", "purge", "--before", "2026-06-15T12:00:01Z", "--type", "ValueError"], 64, """
            socializer: error: refusing to purge up to 2026-06-15T12:00:01Z, a time in the future (every matching log would go, the newest included) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """)
        #expect(f.cli(["-n", "-q", "logs", "purge", "--older-than", "0s"]).stdout == "4\n", "a dry run needs no --yes")
        #expect(f.cli(["-q", "logs", "purge", "--older-than", "1s", "--type", "OldError"]).stdout == "1\n")
        #expect(f.cli(["-q", "logs", "purge", "--older-than", "0s", "--yes"]).stdout == "3\n")
    }

    /// "Now" moves while a command runs: the cutoff of `--before 0s` (read
    /// by the parser) and of `--older-than 0s` is compared with the same
    /// instant, not a later one that would make it look past.
    @Test func nowIsOneInstantPerRun() throws {
        final class TickingClock: Clock, @unchecked Sendable {
            let lock = NSLock()
            var instant = testNow
            func now() -> Timestamp {
                lock.lock()
                defer { lock.unlock() }
                instant = instant.adding(seconds: 1)
                return instant
            }
        }
        for cutoff in [["--before", "0s"], ["--older-than", "0s"]] {
            let err = TextBuffer()
            let status = CommandLineTool.run(arguments: ["--db", f.db, "logs", "purge"] + cutoff, environment: f.environment,
                                             stdin: BytesInput(""), stdout: TextBuffer(), stderr: err, terminal: TerminalInfo(),
                                             clock: TickingClock())
            #expect(status == 64 && err.text.contains("refusing to purge up to now"), "\(cutoff): \(err.text)")
        }
        #expect(try f.connection().scalarInt("SELECT count(*) FROM error_logs") == 4)
    }

    @Test func exportStreamsEveryLog() throws {
        let json = try JSONParser.parse(f.cli(["logs", "export"]).stdout)
        #expect(json.arrayItems.count == 4)
        #expect(json.arrayItems.map { $0["id"] } == [.integer(3), .integer(2), .integer(1), .integer(4)])
        #expect(json.arrayItems[2]["context"] == .object([("path", .string("/chat"))]))
        let csv = f.cli(["--format", "csv", "logs", "export", "--type", "KeyError"]).stdout
        #expect(csv == "id,timestamp,user_id,error_type,error_message,stack_trace,context\r\n2,2026-06-10T10:00:00Z,,KeyError,missing key 100%,,\r\n")
    }
}
