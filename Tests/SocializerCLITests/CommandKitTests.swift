import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The command kit over the whole table: every verb runs (so a handler that
/// reads a key its verb does not declare stops the suite), every verb that
/// writes is declared as a write action or one of the listed escape hatches,
/// and a read verb cannot open the database for writing.
@Suite struct CommandKitTests {
    /// One valid invocation of every verb of the table, on a database holding
    /// alice (with memory, a preference, a level in empathy, an active
    /// training in it and a paused one in patience), the skills empathy,
    /// listening and patience, an error log and a revoked token.
    static let smoke: [[String]] = [
        ["users", "create", "zed", "--no-email", "--password-stdin"],
        ["users", "list", "--sort", "-messages", "--limit", "5"],
        ["users", "show", "alice"],
        ["users", "find", "--email", "alice@example.com"],
        ["users", "update", "alice", "--role", "admin"],
        ["users", "activate", "alice"],
        ["users", "deactivate", "alice"],
        ["users", "set-password", "alice", "--password-stdin"],
        ["users", "check-password", "alice", "--password-stdin"],
        ["users", "delete", "alice", "--yes"],
        ["users", "messages", "alice"],
        ["users", "memory", "show", "alice"],
        ["users", "memory", "set", "alice", "--stdin"],
        ["users", "memory", "clear", "alice"],
        ["users", "rotate-key", "alice"],
        ["users", "prefs", "list", "alice"],
        ["users", "prefs", "set", "alice", "tone", "style", "\"warm\""],
        ["users", "prefs", "unset", "alice", "topics", "likes"],
        ["users", "skills", "alice"],
        ["users", "import", "IMPORT"],
        ["users", "export"],
        ["users", "takeout", "alice", "--format", "jsonl", "--output", "TAKEOUT"],
        ["skills", "add", "kindness", "empathy", "--if-missing"],
        ["skills", "list", "--with-counts"],
        ["skills", "rename", "listening", "active_listening"],
        ["skills", "remove", "empathy", "--yes"],
        ["skills", "set-level", "alice", "listening", "4"],
        ["skills", "levels", "empathy", "--min", "1"],
        ["skills", "import", "skills.json", "--on-conflict", "skip"],
        ["skills", "export"],
        ["training", "start", "alice", "listening", "--notes", "weekly"],
        ["training", "pause", "alice", "empathy"],
        ["training", "resume", "alice", "patience"],
        ["training", "progress", "alice", "empathy", "0.5"],
        ["training", "complete", "alice", "empathy"],
        ["training", "reset", "alice", "empathy"],
        ["training", "stop", "alice", "empathy"],
        ["training", "list", "--user", "alice", "--skill", "empathy", "--status", "active"],
        ["training", "show", "alice", "empathy"],
        ["training", "purge", "--completed-before", "2200-01-01", "--yes"],
        ["training", "import", "training.csv", "--max-errors", "5"],
        ["training", "export"],
        ["tokens", "revoke", "TOKEN"],
        ["tokens", "check", "TOKEN"],
        ["tokens", "list", "--user", "alice"],
        ["tokens", "show", "1"],
        ["tokens", "purge", "--before", "2200-01-01", "--yes"],
        ["tokens", "issue", "alice", "--claim", "scope=admin"],
        ["logs", "list", "--since", "-5d"],
        ["logs", "show", "1"],
        ["logs", "add", "--type", "T", "--message", "M", "--user", "alice"],
        ["logs", "stats", "--by", "user"],
        ["logs", "purge", "--older-than", "1d"],
        ["logs", "export", "--grep", "boom"],
        ["rooms", "create", "--creator", "alice", "--name", "den", "--public"],
        ["rooms", "list", "--member", "alice", "--with-counts"],
        ["rooms", "show", "lobby"],
        ["rooms", "update", "lobby", "--private", "--no-ai"],
        ["rooms", "set-password", "lobby", "--password-stdin"],
        ["rooms", "archive", "lobby"],
        ["rooms", "unarchive", "old"],
        ["rooms", "delete", "lobby", "--yes"],
        ["rooms", "members", "list", "lobby"],
        ["rooms", "members", "add", "quiet", "bob"],
        ["rooms", "members", "add-ai", "quiet"],
        ["rooms", "members", "remove", "lobby", "bob"],
        ["rooms", "members", "role", "lobby", "bob", "creator"],
        ["rooms", "messages", "list", "lobby", "--limit", "5"],
        ["rooms", "messages", "post", "lobby", "--from", "alice", "hi"],
        ["rooms", "messages", "edit", "1", "edited"],
        ["rooms", "messages", "delete", "1"],
        ["rooms", "messages", "search", "--all", "hello"],
        ["rooms", "messages", "purge", "--older-than", "1d"],
        ["rooms", "unread", "bob"],
        ["rooms", "mark-read", "lobby", "bob"],
        ["rooms", "general", "list", "--since", "1d"],
        ["rooms", "general", "post", "--from", "alice", "hi"],
        ["rooms", "general", "purge", "--keep-last", "1"],
        ["rooms", "import", "rooms.jsonl"],
        ["rooms", "export", "--include-secrets"],
        ["invites", "send", "quiet", "--from", "alice", "--to", "carol", "--message", "join us"],
        ["invites", "list", "--to", "bob", "--from", "alice", "--room", "quiet", "--status", "pending", "--older-than", "1d", "--limit", "5"],
        ["invites", "show", "1"],
        ["invites", "accept", "1"],
        ["invites", "decline", "1"],
        ["invites", "cancel", "1"],
        ["invites", "purge", "--older-than", "1d", "--status", "declined"],
        ["migrate", "up"],
        ["migrate", "down", "--yes"],
        ["migrate", "status"],
        ["migrate", "plan"],
        ["migrate", "validate"],
        ["migrate", "baseline"],
        ["migrate", "schema", "--format", "mermaid"],
        ["seed", "--demo", "--on-conflict", "skip"], // the demo's skill empathy is already there
        ["dump", "--include-secrets"],
        ["backup", "COPY"],
        ["audit", "list", "--command", "users", "--since", "-5d", "--limit", "3"],
        ["audit", "show", "1"],
        ["audit", "purge", "--older-than", "1d"],
        ["doctor", "--deep", "--retention", "30d"],
        ["completion", "bash"],
        ["help", "users", "create"],
    ]

    /// The verbs that may manage their own transactions (`ActionKind.custom`).
    static let escapeHatches: Set<[String]> = [
        ["users", "rotate-key"], ["users", "messages"], ["tokens", "purge"], ["logs", "purge"], ["training", "purge"],
        ["rooms", "messages", "purge"], ["rooms", "general", "purge"], ["invites", "purge"],
        ["migrate", "up"], ["migrate", "down"], ["migrate", "baseline"], ["audit", "purge"],
        // Reads only, unless --fix: then file modes (no transaction), the row
        // repairs in one transaction, and the token purge in batches.
        ["doctor"],
        // Reads in one snapshot, then records its audit entry in a transaction of its own.
        ["users", "takeout"],
        // Creates the database under a temporary name, or loads in one transaction of its own.
        ["seed"],
    ]

    @Test func everyVerbHasASmokeCase() {
        let covered = Set(Self.smoke.map(verbPath(of:)))
        for (path, _) in CommandTable.root.leaves() {
            #expect(covered.contains(path), "no smoke case for '\(path.joined(separator: " "))'")
        }
    }

    @Test(arguments: smoke)
    func everyVerbRunsReadingOnlyWhatItDeclares(_ arguments: [String]) throws {
        let f = UsersFixture()
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        #expect(f.create("alice", email: "alice@example.com", password: "pw-alice-1").status == 0)
        #expect(f.cli(["users", "memory", "set", "alice", "--stdin"], stdin: "{\"messages\": []}").status == 0)
        #expect(f.cli(["users", "prefs", "set", "alice", "topics", "likes", "[\"chess\"]"]).status == 0)
        #expect(f.cli(["logs", "add", "--type", "ValueError", "--message", "boom"]).status == 0)
        RefuseBeforeChangingTests.addSkillsAndTraining(f)
        let token = RefuseBeforeChangingTests.token("alice")
        let other = RefuseBeforeChangingTests.token("carol")
        #expect(f.cli(["tokens", "revoke", token]).status == 0)
        if arguments.first == "rooms" { try ChatRows.seed(f) }
        if arguments.first == "invites" { try InviteRows.seed(f) }
        if arguments == ["migrate", "baseline"] {
            unlink(f.db)
            _ = try LegacyDatabase.create(at: f.db)
        }
        let path = f.folder.write("people.jsonl", "{\"username\": \"imported\", \"password\": \"pw-imp-123\"}\n")
        TransferFiles.write(into: f.folder)
        let line = arguments.map { word -> String in
            switch word {
            case "IMPORT": return path
            case "COPY": return f.folder.file("copy.db")
            case "TAKEOUT": return f.folder.file("alice-takeout.jsonl")
            case "TOKEN": return other // not revoked: revoke stores it, check finds it usable
            case _ where TransferFiles.all.contains { $0.name == word }: return f.folder.file(word)
            default: return word
            }
        }
        let stdin = arguments.contains("--password-stdin") ? "pw-alice-1\n" : arguments.contains("memory") ? "{\"messages\": []}" : ""
        let result = f.cli(line, stdin: stdin)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
    }

    /// The words of a plain example line (`socializer …`, single quotes as
    /// the shell reads them); nil for pipelines, redirections, variables
    /// and cron lines, which take a shell to read.
    static func words(ofExample example: String) -> [String]? {
        guard example.hasPrefix("socializer "), !example.contains(where: { "|&;<>$`\"".contains($0) }) else { return nil }
        var words: [String] = [], word = "", quoted = false, inWord = false
        for c in example {
            if c == "'" { quoted.toggle(); inWord = true } else if c == " " && !quoted {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else { word.append(c); inWord = true }
        }
        if inWord { words.append(word) }
        return Array(words.dropFirst())
    }

    /// Help's examples are command lines the parser takes, for verbs and for
    /// the commands above them (`skills --help` shows its own).
    @Test func everyPlainExampleParses() {
        var checked = 0
        func visit(_ node: CommandNode, _ path: [String]) {
            for example in node.examples {
                guard let words = Self.words(ofExample: example) else { continue }
                checked += 1
                let parser = ArgumentParser(root: CommandTable.root, globals: CommandTable.globals, now: testNow)
                do {
                    guard case .run = try parser.parse(words) else { Issue.record("\(example): not a run"); continue }
                } catch {
                    Issue.record("\(path.joined(separator: " ")): \(example): \(error.message)")
                }
            }
            for child in node.children { visit(child, path + [child.name]) }
        }
        visit(CommandTable.root, [])
        #expect(checked > 30, "\(checked)")
        for command in ["skills", "training"] {
            let node = CommandTable.node(at: [command])
            #expect(node?.discussion != nil && node?.examples.isEmpty == false, "\(command) --help has a discussion and examples")
        }
    }

    @Test func verbsThatWriteAreWriteActionsOrListedEscapeHatches() {
        for (path, node) in CommandTable.root.leaves() {
            switch node.kind {
            case .read: #expect(!node.mutating, "\(path)")
            case .write: #expect(node.mutating && !Self.escapeHatches.contains(path), "\(path)")
            case .custom: #expect(Self.escapeHatches.contains(path), "'\(path.joined(separator: " "))' manages its own transactions but is not a listed escape hatch")
            }
        }
    }

    @Test func aReadVerbCannotOpenTheDatabaseForWriting() throws {
        let f = UsersFixture()
        let globals = try GlobalOptions(arguments: ParsedArguments(path: ["users", "show"], values: ["db": .string(f.db)]),
                                        environment: [:], terminal: TerminalInfo())
        let context = CommandContext(environment: [:], stdin: BytesInput(), stdout: TextBuffer(), stderr: TextBuffer(),
                                     terminal: TerminalInfo(), clock: FixedClock(testNow), globals: globals,
                                     path: ["users", "show"], prompt: nil, kind: .read)
        #expect { try context.openDatabase(.write) } throws: {
            ($0 as? SocializerError)?.code == .internalError && ($0 as? SocializerError)?.message.contains("read verb") == true
        }
        #expect(try context.openDatabase(.read).scalarInt("SELECT count(*) FROM users") == 0)
    }

    @Test func defaultsAreTypedAndShownFromTheSameValue() throws {
        let list = try #require(CommandTable.node(at: ["users", "list"]))
        #expect(list.options.first { $0.name == "offset" }?.defaultValue == "0")
        #expect(runCLI(["users", "list", "--help"]).stdout.contains("(default: 0)"))
        #expect(UsersCommand.offset.read(nil) == 0)
        #expect(TokensCommand.ttl.read(nil).seconds == 1800)
        #expect(CommandTable.node(at: ["tokens", "issue"])?.options.first { $0.name == "ttl" }?.defaultValue == "30m")
        #expect(PurgeSupport.maxLockMs.read(nil) == 100 && PurgeSupport.batchSize.read(nil) == 5000)
    }

    @Test func valuesMayBeginWithADashUnlessTheyAreOptions() {
        let f = UsersFixture()
        f.create("alice")
        f.create("bob")
        let sorted = f.cli(["--format", "csv", "--fields", "username", "--no-header", "users", "list", "--sort", "-username"])
        #expect(sorted.status == 0 && sorted.stdout == "bob\r\nalice\r\n", "\(sorted.stderr)")
        let ago = f.cli(["logs", "list", "--since", "-5d"])
        #expect(ago.status == 0, "\(ago.stderr)")
        let missing = f.cli(["users", "list", "--sort", "--json"])
        #expect(missing.status == 64 && missing.stderr.contains("--sort needs a value"))
    }

    @Test func aTooLongPatternIsUsageBeforeAnyOutput() {
        let f = UsersFixture()
        f.create("alice")
        for line in [["--json", "users", "list", "--search"], ["--json", "logs", "list", "--grep"], ["logs", "export", "--grep"]] {
            let result = f.cli(line + [String(repeating: "a", count: 50_000)])
            #expect(result.status == 64, "\(line)")
            #expect(result.stdout.isEmpty, "\(line): no half document")
            #expect(result.stderr.contains("is 50000 characters long; at most 1000 are accepted"), "\(result.stderr)")
        }
    }

    @Test func textVerbsRefuseJSONRatherThanIgnoreIt() {
        let f = UsersFixture()
        for line in [["--json", "migrate", "schema"], ["--format", "jsonl", "completion", "bash"], ["--json", "migrate", "plan"],
                     ["--json", "help", "users"]] {
            let result = f.cli(line)
            #expect(result.status == 64, "\(line)")
            #expect(result.stderr.contains("prints text;") && result.stderr.contains("does not apply"), "\(line): \(result.stderr)")
        }
        f.create("alice", password: "pw-alice-1")
        let check = f.cli(["--json", "users", "check-password", "alice", "--password-stdin"], stdin: "wrong-pw\n")
        #expect(check.status == 1 && (try? JSONParser.parse(check.stdout))?["matches"] == .bool(false), "\(check.stdout)")
    }

    @Test func aForeignSQLiteFileIsNotMigratedUnlessForced() throws {
        let f = UsersFixture(migrate: false)
        let other = try Connection(path: f.db, mode: .createIfMissing)
        try other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        let before = f.folder.snapshot()
        let refused = f.cli(["migrate", "up"])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("holds other tables (invoices) and no Socializer schema; refusing to add the schema to it"))
        #expect(refused.stderr.contains("hint: check that --db names the Socializer database; to add its tables beside these anyway, use --force"))
        #expect(f.folder.snapshot() == before)
        let forced = f.cli(["migrate", "up", "--force", "--no-backup"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try other.scalarInt("SELECT count(*) FROM invoices") == 0)
        #expect(try other.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'users'") == 1)
    }
}

/// Defects a newcomer trial found, each pinned.
@Suite struct NewcomerTrialTests {
    let f = UsersFixture()

    @Test func usageNamesAPositionalInAOneOfGroupByItsName() {
        let result = runCLI(["tokens", "check"])
        #expect(result.status == 64 && result.stderr.contains("usage: socializer tokens check (TOKEN | --stdin) [options]"), "\(result.stderr)")
    }

    @Test func aFieldNamedTwiceIsRefused() {
        f.create("alice")
        let result = f.cli(["--fields", "id,id", "--format", "jsonl", "users", "list"])
        #expect(result.status == 64 && result.stdout.isEmpty && result.stderr.contains("--fields names 'id' twice"))
    }

    @Test func aMissingImportFileIsSaidBeforeItsFormatIsAskedFor() {
        let missing = f.cli(["users", "import", f.folder.file("nope")])
        #expect(missing.status == 66 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let folder = f.cli(["users", "import", f.folder.path])
        #expect(folder.status == 66 && folder.stderr.contains("is a directory"), "\(folder.stderr)")
    }

    @Test func secretFilesDoNotTakeADash() {
        f.create("alice")
        let result = f.cli(["users", "check-password", "alice", "--password-file", "-"])
        #expect(result.status == 64 && result.stderr.contains("--password-file does not take '-'")
                && result.stderr.contains("hint: read the password from standard input with --password-stdin"), "\(result.stderr)")
    }

    @Test func jsonModesKeepStandardErrorForErrors() throws {
        f.create("alice", password: "pw-alice-1")
        let check = f.cli(["--json", "users", "check-password", "alice", "--password-stdin"], stdin: "wrong-pw\n")
        #expect(check.status == 1 && check.stderr.isEmpty)
        #expect(f.cli(["users", "memory", "set", "alice", "--stdin"], stdin: "{}").status == 0)
        let csv = f.cli(["--format", "csv", "--no-header", "--fields", "username", "users", "memory", "show", "alice"])
        #expect(csv.status == 0 && csv.stdout == "alice\r\n", "\(csv.stdout)")
    }

    @Test func aDryRunSaysSoEvenWithQuiet() {
        let result = f.cli(["-q", "-n", "users", "create", "ghost", "--no-email", "--password-stdin"], stdin: "pw-ghost-1\n")
        #expect(result.status == 0 && result.stdout == "1\n")
        #expect(result.stderr == "socializer: dry run: nothing was changed\n")
        #expect(f.cli(["users", "show", "ghost"]).status == 66)
    }

    @Test func noHintToTypeAnIdThatIsNotOne() {
        let zero = f.cli(["users", "show", "0"])
        #expect(zero.status == 66 && !zero.stderr.contains("id:0"), "\(zero.stderr)")
    }
}
