import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Issue 10, "refuse before changing": every mutating verb of the command
/// table, given a bad --fields or --format, exits 64 and leaves every byte
/// of the database folder as it was. The table is iterated, so a new
/// mutating verb fails `everyMutatingVerbHasACase` until it gets a case here.
@Suite struct RefuseBeforeChangingTests {
    /// One valid invocation of a mutating verb, on a database that holds
    /// alice (with a preference), an error log and a revoked token.
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var stdin = ""
        var prepare: (@Sendable (UsersFixture) throws -> Void)?
        var testDescription: String { arguments.prefix(3).joined(separator: " ") }
    }

    static let future: Int64 = 4_102_444_800

    static func token(_ subject: String) -> String {
        JWT.encode(claims: .object([("sub", .string(subject)), ("exp", .integer(future))]), algorithm: .hs256,
                   secret: Array(jwtSecret.utf8))
    }

    /// The skills empathy, listening and patience; alice at level 5 in
    /// empathy, training in it (active) and in patience (paused).
    static func addSkillsAndTraining(_ f: UsersFixture) {
        for line in [["skills", "add", "empathy", "listening", "patience"], ["skills", "set-level", "alice", "empathy", "5"],
                     ["training", "start", "alice", "empathy"], ["training", "start", "alice", "patience"],
                     ["training", "pause", "alice", "patience"]] {
            let result = f.cli(["-q"] + line)
            #expect(result.status == 0, "setup \(line): \(result.stderr)")
        }
    }

    static let cases: [Case] = [
        Case(arguments: ["users", "create", "zed", "--no-email", "--password-stdin"], stdin: "pw-zed-123\n"),
        Case(arguments: ["users", "update", "alice", "--role", "admin"]),
        Case(arguments: ["users", "activate", "alice"]),
        Case(arguments: ["users", "deactivate", "alice"]),
        Case(arguments: ["users", "set-password", "alice", "--password-stdin"], stdin: "new-pw-123\n"),
        Case(arguments: ["users", "delete", "alice", "--yes"]),
        Case(arguments: ["users", "memory", "set", "alice", "--stdin"], stdin: "{\"messages\": []}"),
        Case(arguments: ["users", "memory", "clear", "alice"]),
        Case(arguments: ["users", "messages", "alice", "--clear"]),
        Case(arguments: ["users", "rotate-key", "alice"]),
        Case(arguments: ["users", "rotate-key", "--all", "--yes"]),
        Case(arguments: ["users", "prefs", "set", "alice", "tone", "style", "\"warm\""]),
        Case(arguments: ["users", "prefs", "unset", "alice", "topics", "likes"]),
        Case(arguments: ["users", "import", "IMPORT"], prepare: { f in
            _ = f.folder.write("people.jsonl", "{\"username\": \"imported\", \"password\": \"pw-imp-123\"}\n")
        }),
        Case(arguments: ["users", "takeout", "alice"]),
        Case(arguments: ["skills", "add", "kindness"]),
        Case(arguments: ["skills", "rename", "listening", "active_listening"], prepare: addSkillsAndTraining),
        Case(arguments: ["skills", "remove", "empathy", "--yes"], prepare: addSkillsAndTraining),
        Case(arguments: ["skills", "set-level", "alice", "listening", "4"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "start", "alice", "listening"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "pause", "alice", "empathy"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "resume", "alice", "patience"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "progress", "alice", "empathy", "1.0"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "complete", "alice", "empathy"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "reset", "alice", "patience"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "stop", "alice", "empathy"], prepare: addSkillsAndTraining),
        Case(arguments: ["training", "purge", "--completed-before", "2200-01-01", "--yes"], prepare: { f in
            addSkillsAndTraining(f)
            #expect(f.cli(["training", "complete", "alice", "empathy"]).status == 0)
        }),
        Case(arguments: ["tokens", "revoke", token("bob")]),
        Case(arguments: ["tokens", "purge", "--before", "2200-01-01", "--yes"]),
        Case(arguments: ["logs", "add", "--type", "T", "--message", "M"]),
        Case(arguments: ["logs", "purge", "--before", "2100-01-01", "--yes"]),
        Case(arguments: ["audit", "purge", "--before", "2100-01-01", "--yes"]),
        Case(arguments: ["rooms", "create", "--creator", "alice", "--name", "den", "--password-stdin"], stdin: "sesame\n"),
        Case(arguments: ["rooms", "update", "lobby", "--public", "--no-ai"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "set-password", "lobby", "--password-stdin"], stdin: "sesame\n", prepare: ChatRows.seed),
        Case(arguments: ["rooms", "archive", "lobby"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "unarchive", "old"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "delete", "lobby", "--yes"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "members", "add", "quiet", "bob"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "members", "add-ai", "quiet"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "members", "remove", "lobby", "bob", "--hard", "--yes"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "members", "role", "lobby", "bob", "creator"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "messages", "post", "lobby", "--ai", "hello"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "messages", "edit", "1", "--stdin"], stdin: "edited\n", prepare: ChatRows.seed),
        Case(arguments: ["rooms", "messages", "delete", "1", "--hard", "--yes"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "messages", "purge", "--before", "2100-01-01", "--yes"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "mark-read", "lobby", "bob"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "general", "post", "--from", "bob", "hi"], prepare: ChatRows.seed),
        Case(arguments: ["rooms", "general", "purge", "--keep-last", "1"], prepare: ChatRows.seed),
        Case(arguments: ["invites", "send", "lobby", "--from", "bob", "--to", "carol"], prepare: InviteRows.seed),
        Case(arguments: ["invites", "accept", "1"], prepare: InviteRows.seed),
        Case(arguments: ["invites", "decline", "1"], prepare: InviteRows.seed),
        Case(arguments: ["invites", "cancel", "1"], prepare: InviteRows.seed),
        Case(arguments: ["invites", "purge", "--before", "2100-01-01", "--yes"], prepare: InviteRows.seed),
        Case(arguments: ["migrate", "up"], prepare: { f in
            #expect(f.cli(["-y", "migrate", "down", "--to", "2"]).status == 0)
        }),
        // The fixture's changes are in the audit trail, which rolling back 0005 drops: confirmed.
        Case(arguments: ["migrate", "down", "--yes"]),
        // Something to repair: a preference of a user who is gone, a duplicate AI member.
        Case(arguments: ["doctor", "--fix", "--yes"], prepare: { f in
            let db = try f.connection()
            try db.execute("PRAGMA foreign_keys = OFF")
            try db.execute("INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value) VALUES (99, 't', 'k', '1')")
            try db.execute("INSERT INTO chat_rooms (id, name, creator_id) VALUES (1, 'lobby', 1)")
            try db.execute("INSERT INTO room_members (room_id, user_id, role) VALUES (1, NULL, 'ai'), (1, NULL, 'ai')")
        }),
        Case(arguments: ["seed", "--demo"]),
        Case(arguments: ["skills", "import", TransferFiles.skills.name]),
        Case(arguments: ["training", "import", TransferFiles.training.name], prepare: addSkillsAndTraining),
        Case(arguments: ["rooms", "import", TransferFiles.rooms.name]),
        Case(arguments: ["migrate", "baseline"], prepare: { f in
            unlink(f.db)
            _ = try LegacyDatabase.create(at: f.db)
        }),
    ]

    /// A fresh fixture for one case.
    static func fixture(_ c: Case) throws -> (UsersFixture, [String]) {
        let f = UsersFixture()
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["users", "prefs", "set", "alice", "topics", "likes", "[\"chess\"]"]).status == 0)
        #expect(f.cli(["logs", "add", "--type", "ValueError", "--message", "boom"]).status == 0)
        #expect(f.cli(["tokens", "revoke", token("alice")]).status == 0)
        try c.prepare?(f)
        TransferFiles.write(into: f.folder)
        let arguments = c.arguments.map { word in
            word == "IMPORT" || TransferFiles.all.contains { $0.name == word } ? f.folder.file(word == "IMPORT" ? "people.jsonl" : word) : word
        }
        return (f, arguments)
    }

    @Test func everyMutatingVerbHasACaseAndDeclaresItsOutput() {
        let covered = Set(Self.cases.map { verbPath(of: $0.arguments) })
        for path in mutatingVerbPaths() {
            #expect(covered.contains(path), "no refuse-before-changing case for '\(path.joined(separator: " "))'")
            #expect(CommandTable.node(at: path)?.output != nil, "'\(path.joined(separator: " "))' does not declare its output")
        }
    }

    @Test(arguments: cases)
    func aBadFieldsOrFormatChangesNothing(_ c: Case) throws {
        let bad: [[String]] = [["--fields", "bogus"], ["--format", "xml"], ["--json", "--fields", "bogus"],
                               ["--format", "csv", "--fields", "id,bogus"], ["--fields", ""]]
        for options in bad {
            let (f, arguments) = try Self.fixture(c)
            let before = f.folder.snapshot()
            let result = f.cli(options + arguments, stdin: c.stdin)
            #expect(result.status == 64, "\(options) \(arguments): \(result.stderr)")
            #expect(result.stderr.contains("--fields") || result.stderr.contains("--format") || result.stderr.contains("\"code\":64"),
                    "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(f.folder.snapshot() == before, "\(options) \(arguments) changed the database")
        }
    }

    /// The control: the same invocation is valid, and every field it
    /// declares is accepted by its renderer (the declaration cannot drift).
    @Test(arguments: cases)
    func theInvocationIsValidAndItsDeclaredFieldsAreWhatItPrints(_ c: Case) throws {
        for format in ["table", "json", "csv"] {
            let (f, arguments) = try Self.fixture(c)
            let parser = ArgumentParser(root: CommandTable.root, globals: CommandTable.globals, now: testNow)
            guard case .run(let node, let parsed) = try parser.parse(["--format", format] + arguments) else {
                Issue.record("\(arguments) does not parse to a verb")
                continue
            }
            var options = ["--format", format]
            let declaration = try #require(node.output)
            switch declaration(parsed, OutputFormat(rawValue: format)!) {
            case .fields(let columns): options += ["--fields", columns.joined(separator: ",")]
            // A document in other formats only (users takeout): refused, as the test above checks.
            case .document(let formats) where !formats.contains(OutputFormat(rawValue: format)!): continue
            default: break
            }
            let result = f.cli(options + arguments, stdin: c.stdin)
            #expect(result.status == 0, "\(options) \(arguments): \(result.stderr)")
        }
    }

    @Test func textOnlyOutputRefusesFieldsAndSaysWhichFormatsHaveThem() {
        let f = UsersFixture()
        let before = f.folder.snapshot()
        let result = f.cli(["--fields", "id", "logs", "add", "--type", "T", "--message", "M"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("socializer: error: 'logs add' prints text in --format table; --fields does not apply\n"
            + "hint: use --format json|jsonl|csv|tsv to pick fields\n"), "\(result.stderr)")
        #expect(f.folder.snapshot() == before)
        let json = f.cli(["--json", "--fields", "id", "logs", "add", "--type", "T", "--message", "M"])
        #expect(json.status == 0 && json.stdout == "{\n  \"id\": 1\n}\n", "\(json.stdout)")
    }

    /// Read verbs whose columns are known up front are checked before the
    /// database is even opened: a bad field is 64, not 66 for a missing file.
    @Test func readVerbsWithDeclaredColumnsCheckBeforeOpening() {
        let folder = TemporaryDirectory()
        for arguments in [["users", "list"], ["users", "show", "alice"], ["tokens", "list"], ["logs", "list"],
                          ["logs", "export"], ["users", "prefs", "list", "alice"]] {
            let result = runCLI(["--db", folder.file("none.db"), "--fields", "bogus"] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("socializer: error: unknown field 'bogus' for --fields\nhint: available fields: "))
        }
        #expect(folder.listing().isEmpty)
        // And what they declare is what they print.
        let f = UsersFixture()
        f.create("alice")
        for (arguments, columns) in [(["users", "list"], UserColumns.list.names), (["users", "show", "alice"], UserColumns.record.names),
                                     (["tokens", "list"], TokensCommand.columns), (["logs", "list"], LogsCommand.columns),
                                     (["logs", "export"], LogsCommand.exportColumns), (["users", "prefs", "list", "alice"], UsersPreferences.columns)] {
            let result = f.cli(["--format", "csv", "--fields", columns.joined(separator: ",")] + arguments)
            #expect(result.status == 0 && result.stdout.hasPrefix(columns.joined(separator: ",") + "\r\n"), "\(arguments): \(result.stderr)")
        }
    }

    /// The issue's reproduction: this used to delete alice, then exit 64.
    @Test func deleteWithABadFieldKeepsTheUser() throws {
        let f = UsersFixture()
        f.create("alice")
        let before = f.folder.snapshot()
        let result = f.cli(["--fields", "bogus", "users", "delete", "alice", "--yes"])
        #expect(result.status == 64)
        #expect(result.stderr == "socializer: error: unknown field 'bogus' for --fields\nhint: available fields: table,deleted,detached\n")
        #expect(f.folder.snapshot() == before)
        #expect(f.cli(["users", "show", "alice"]).status == 0)
    }
}
