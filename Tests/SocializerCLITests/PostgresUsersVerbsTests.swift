import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// The verbs of `users`, `tokens` and `logs` ported to PostgreSQL (issue 16,
/// phase 2), each run on a SQLite file and on a schema of the test server:
/// same output, exit codes and errors, same rows and audit entries.
extension PostgresVerbsTests {
    /// Runs `arguments` on both engines with the JWT secret set too.
    @discardableResult
    func sameWithSecrets(_ arguments: [String], stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        var environment = sqlite.environment
        environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        let results = locations.map { runCLI(["--db", $0] + arguments, environment: environment, stdin: stdin) }
        #expect(results[1].status == results[0].status, "\(arguments): \(results[1].stderr)", sourceLocation: sourceLocation)
        #expect(results[1].stdout == results[0].stdout, "\(arguments)", sourceLocation: sourceLocation)
        #expect(results[1].stderr == results[0].stderr, "\(arguments)", sourceLocation: sourceLocation)
        return results[0]
    }

    /// Every row of every table of the twelve (and the audit trail without
    /// its ids), as each engine holds them; `secret` columns are compared
    /// by whether they hold a value (Fernet tokens and bcrypt hashes are
    /// salted, so never the same twice).
    func tablesMatch(leaving secret: Set<String> = ["hashed_password", "encryption_key", "conversation_memory"],
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        for table in SchemaModel.tableNames + [AuditRepository.table] where table != "schema_migrations" {
            let contents = try connections().map { db in
                let key = table == "training" ? "user_id, skill_id" : "id"
                return try db.rows("SELECT * FROM \(table) ORDER BY \(key)").map { row in
                    zip(row.columns, row.values).compactMap { column, value -> String? in
                        if table == "admin_audit" && (column == "id" || column == "at") { return nil }
                        if secret.contains(column) { return "\(column)=\(value == .null ? "null" : "set")" }
                        if table == AuditRepository.table, case .text(let text) = value {
                            return "\(column)=\(PostgresVerbsTests.comparableAudit(column, text))"
                        }
                        return "\(column)=\(PostgresVerbsTests.comparable(value))"
                    }
                }
            }
            #expect(contents[0] == contents[1], "\(table)", sourceLocation: sourceLocation)
        }
    }

    /// A stored value as both engines' tests compare it: numbers and text
    /// alike as their text (SQLite's JSON columns store `1` as a number,
    /// PostgreSQL's as text), timestamps with six fractional digits (the
    /// text PostgreSQL gives for a TIMESTAMP drops trailing zeros), a
    /// user's random no-email placeholder left out.
    static func comparable(_ value: DatabaseValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let n): return "\(n)"
        case .real(let d): return "\(d)"
        case .text(var text):
            if text.hasPrefix("no-email:") { return "no-email:…" }
            if text.wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?/) != nil {
                if !text.contains(".") { text += "." }
                while text.count < 26 { text += "0" }
            }
            return text
        case .blob(let bytes): return "blob \(bytes)"
        }
    }

    /// An audit entry's `rows` with its tables by name (PostgreSQL's counts
    /// do not say in which order the tables changed), its `details` without
    /// a purge's timings.
    static func comparableAudit(_ column: String, _ text: String) -> String {
        switch column {
        case "rows":
            guard case .object(let members)? = try? JSONParser.parse(text) else { return text }
            return JSONValue.object(members.sorted { $0.0 < $1.0 }).compactText
        case "details":
            return text.replacing(/"(longest_batch_ms|elapsed_ms)":[0-9.]+/, with: "")
        default:
            return text
        }
    }

    func createPeople() {
        #expect(same(["-q", "migrate", "up"]).status == 0)
        same(["-q", "users", "create", "alice", "--email", "Alice@Example.com", "--password-stdin", "--role", "admin"], stdin: "pw-alice-1\n")
        same(["-q", "users", "create", "Bob", "--no-email", "--password-stdin"], stdin: "pw-bob-1\n")
        same(["-q", "users", "create", "carol", "--email", "carol@example.com", "--password-stdin"], stdin: "pw-carol-1\n")
    }

    @Test func usersVerbsGiveTheSameOutputOnBothEngines() throws {
        createPeople()
        // A count to clear (the app's own counter; PostgreSQL's INTEGER column holds nothing else).
        for db in try connections() { try db.execute("UPDATE users SET messages = 3 WHERE username = 'alice'") }
        for (arguments, status) in [
            (["users", "update", "alice", "--temperature", "0.9", "--llm-provider", "ollama", "--llm-model", "llama3"], 0),
            (["users", "update", "Bob", "--email", "bob@example.com", "--username", "bobby"], 0),
            (["users", "update", "bobby", "--role", "wizard"], 64),
            (["users", "update", "bobby", "--email", "ALICE@example.com"], 65),
            (["users", "update", "nobody", "--role", "admin"], 66),
            (["users", "deactivate", "carol"], 0), (["users", "activate", "carol"], 0), (["--json", "users", "deactivate", "carol"], 0),
            (["users", "find", "--email", " alice@EXAMPLE.com"], 0), (["--json", "users", "find", "--email", "bob@example.com"], 0),
            (["users", "find", "--email", "nobody@example.com"], 66),
            (["users", "messages", "alice"], 0), (["--json", "users", "messages", "bobby"], 0),
            (["users", "messages", "alice", "--clear", "--yes"], 0),
            (["users", "memory", "show", "alice"], 0), (["users", "memory", "clear", "alice"], 0), (["users", "memory", "show", "alice"], 0),
            (["users", "memory", "clear", "bobby", "--null"], 0), (["users", "memory", "show", "bobby"], 0),
            (["users", "rotate-key", "alice"], 0), (["users", "rotate-key", "--all", "--yes"], 0), (["users", "rotate-key"], 64),
            (["users", "prefs", "set", "alice", "style", "tone", "\"warm\"", "--confidence", "0.8"], 0),
            (["users", "prefs", "set", "alice", "topics", "likes", "[\"chess\",\"jazz\"]"], 0),
            (["users", "prefs", "set", "alice", "Topics", "B", "1"], 0),
            (["users", "prefs", "set", "alice", "style", "tone", "\"cool\""], 0),
            (["users", "prefs", "list", "alice"], 0), (["--json", "users", "prefs", "list", "alice", "--type", "style"], 0),
            (["users", "prefs", "unset", "alice", "style", "tone"], 0), (["users", "prefs", "unset", "alice", "style", "tone"], 66),
            (["users", "skills", "alice"], 0),
        ] {
            #expect(same(arguments).status == Int32(status), "\(arguments)")
        }
        same(["-q", "users", "memory", "set", "alice", "--stdin"], stdin: #"{"facts": ["likes chess"], "summary": "x"}"#)
        #expect(same(["users", "memory", "show", "alice"]).stdout.contains("likes chess"))
        #expect(same(["users", "set-password", "alice", "--password-stdin"], stdin: "new-pw-alice\n").status == 0)
        #expect(same(["users", "check-password", "alice", "--password-stdin"], stdin: "new-pw-alice\n").status == 0)
        #expect(same(["users", "check-password", "alice", "--password-stdin"], stdin: "pw-alice-1\n").status == 1)
        // --clear writes the app's empty list on SQLite, 0 in PostgreSQL's INTEGER column (the same words said it).
        let cleared = try connections().map { try $0.scalar("SELECT messages FROM users WHERE username = 'alice'") }
        #expect(cleared == [.text("[]"), .integer(0)])
        try sqlite.connection().execute("UPDATE users SET messages = 0 WHERE username = 'alice'")
        #expect(same(["users", "export"]).status == 0)
        #expect(same(["--format", "csv", "users", "export"]).status == 0)
        try tablesMatch()
    }

    @Test func usersImportTakeoutAndDeleteGiveTheSameResultOnBothEngines() throws {
        createPeople()
        for db in try connections() {
            try db.execute("INSERT INTO skills (skill_name) VALUES ('empathy'), ('Listening')")
            try db.execute("INSERT INTO user_skills (user_id, skill_id, level) VALUES (1, 1, 5), (2, 2, 3)")
            try db.execute("INSERT INTO training (user_id, skill_id, status, progress, started_at) VALUES (1, 2, 'active', 0.5, '2026-06-14')")
            try db.execute("INSERT INTO error_logs (timestamp, user_id, error_type, error_message) VALUES (?, 1, 'E', 'm'), (?, 2, 'E', 'n')",
                           [testNow.databaseText, testNow.databaseText])
            try db.execute("INSERT INTO token_blacklist (token, expires_at, created_at, user_id) VALUES ('t1', ?, ?, 1)",
                           [testNow.databaseText, testNow.databaseText])
        }
        let file = sqlite.folder.file("people.jsonl")
        try """
            {"username": "dora", "email": "dora@example.com", "password": "pw-dora-1", "role": "user"}
            {"username": "eve", "password": "pw-eve-1", "temperature": 1.1}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(same(["users", "import", file]).status == 0)
        #expect(same(["users", "import", file]).status == 65)
        #expect(same(["users", "import", file, "--on-conflict", "skip"]).status == 0)
        #expect(same(["users", "skills", "alice"]).stdout.contains("Listening"))
        let takeout = same(["users", "takeout", "alice"])
        #expect(takeout.status == 0 && takeout.stdout.contains("\"error_logs\""), "\(takeout.stderr)")
        same(["--format", "jsonl", "users", "takeout", "Bob"])
        #expect(same(["--dry-run", "users", "delete", "alice"]).status == 0)
        #expect(same(["users", "delete", "alice"]).status == 64)
        #expect(same(["users", "delete", "alice", "--keep-logs", "--yes"]).status == 0)
        #expect(same(["--json", "users", "delete", "Bob", "--yes"]).status == 0)
        #expect(same(["users", "delete", "Bob", "--yes"]).status == 66)
        try tablesMatch()
    }

    @Test func tokensAndLogsVerbsGiveTheSameOutputOnBothEngines() throws {
        createPeople()
        let alice = RefuseBeforeChangingTests.token("alice")
        for (arguments, status) in [
            (["tokens", "revoke", alice, "--reason", "logout"], 0), (["tokens", "revoke", alice], 0),
            (["tokens", "revoke", RefuseBeforeChangingTests.token("Bob")], 0), (["tokens", "revoke", "not-a-jwt"], 65),
            (["tokens", "list"], 0), (["--json", "tokens", "list", "--full"], 0), (["tokens", "list", "--user", "alice"], 0),
            (["tokens", "show", "1"], 0), (["tokens", "show", "9"], 66),
            (["tokens", "check", alice], 1), (["tokens", "check", RefuseBeforeChangingTests.token("carol")], 0),
            (["-q", "tokens", "issue", "carol", "--ttl", "1h"], 0), (["tokens", "issue", "nobody"], 66),
            (["logs", "add", "--type", "ValueError", "--message", "bad input", "--user", "alice", "--context", "{\"path\": \"/chat\"}"], 0),
            (["logs", "add", "--type", "KeyError", "--message", "missing key\nsecond line", "--user", "Bob"], 0),
            (["logs", "add", "--type", "b", "--message", "nobody's"], 0), (["logs", "add", "--type", "", "--message", "x"], 65),
            (["logs", "list"], 0), (["logs", "list", "--grep", "MISSING"], 0), (["logs", "list", "--user", "alice", "--type", "ValueError"], 0),
            (["--json", "logs", "list", "--limit", "1"], 0), (["logs", "list", "--since", "1h"], 0),
            (["logs", "show", "1"], 0), (["--json", "logs", "show", "2"], 0), (["logs", "show", "7"], 66),
            (["logs", "stats"], 0), (["logs", "stats", "--by", "day"], 0), (["--json", "logs", "stats", "--by", "user"], 0),
            (["logs", "stats", "--since", "1d"], 0),
            (["--dry-run", "logs", "purge", "--older-than", "0s"], 0), (["-q", "logs", "purge", "--older-than", "1d"], 0),
            (["-q", "logs", "purge", "--older-than", "1s", "--type", "b"], 0),
        ] {
            #expect(sameWithSecrets(arguments).status == Int32(status), "\(arguments)")
        }
        try tablesMatch()
    }
}
