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
        Case(arguments: ["tokens", "revoke", token("bob")]),
        Case(arguments: ["tokens", "purge", "--before", "2200-01-01", "--yes"]),
        Case(arguments: ["logs", "add", "--type", "T", "--message", "M"]),
        Case(arguments: ["logs", "purge", "--before", "2100-01-01", "--yes"]),
        Case(arguments: ["migrate", "up"], prepare: { f in
            #expect(f.cli(["migrate", "down", "--to", "2"]).status == 0)
        }),
        Case(arguments: ["migrate", "down"]),
        Case(arguments: ["seed", "--demo"]),
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
        let arguments = c.arguments.map { $0 == "IMPORT" ? f.folder.file("people.jsonl") : $0 }
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
            if case .fields(let columns) = declaration(parsed, OutputFormat(rawValue: format)!) {
                options += ["--fields", columns.joined(separator: ",")]
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
