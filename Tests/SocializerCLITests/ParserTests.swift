import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
import SocializerStore

@Suite struct ParserTests {
    let folder = TemporaryDirectory()
    var db: String { folder.file("app.db") }

    // BAD-INPUT 1
    @Test func noCommandIsAUsageErrorAndOpensNothing() {
        let result = runCLI(["--db", db])
        #expect(result.status == 64)
        #expect(result.stderr == """
            socializer: error: no command given
            hint: run 'socializer --help' for the list of commands
            usage: socializer [global options] <command>

            """)
        #expect(folder.listing().isEmpty)
    }

    // BAD-INPUT 1
    @Test func unknownCommandsAndVerbsSuggestTheClosest() {
        let command = runCLI(["--db", db, "migrat", "up"])
        #expect(command.status == 64)
        #expect(command.stderr.hasPrefix("socializer: error: unknown command 'migrat'\nhint: did you mean 'migrate'?\n"))
        let verb = runCLI(["--db", db, "migrate", "stauts"])
        #expect(verb.status == 64)
        #expect(verb.stderr.contains("unknown verb 'stauts' for 'migrate'\nhint: did you mean 'status'?"))
        #expect(verb.stderr.contains("usage: socializer migrate <verb>"))
        let far = runCLI(["--db", db, "frobnicate"])
        #expect(far.stderr.contains("hint: choose one of: " + CommandTable.root.children.map(\.name).joined(separator: ", ") + "\n"))
        #expect(folder.listing().isEmpty)
    }

    // BAD-INPUT 2
    @Test func unknownOptionsSuggestTheClosestAndNameTheOption() {
        let result = runCLI(["--db", db, "migrate", "up", "--no-bakup"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("socializer: error: unknown option '--no-bakup'\nhint: did you mean --no-backup?\n"))
        #expect(result.stderr.contains("usage: socializer migrate up [options]"))
        let short = runCLI(["--db", db, "migrate", "status", "-z"])
        #expect(short.status == 64 && short.stderr.contains("unknown option '-z'"))
        #expect(folder.listing().isEmpty)
    }

    // BAD-INPUT 3
    @Test func optionValuesAreCheckedWithTheAcceptedFormInTheHint() {
        let cases: [([String], String, String)] = [
            (["--busy-timeout", "abc"], "invalid value 'abc' for --busy-timeout", "expected a whole number from 0 to 3600000"),
            (["--busy-timeout", "-5"], "invalid value '-5' for --busy-timeout", "expected a whole number from 0 to 3600000"),
            (["--busy-timeout", "1e9"], "invalid value '1e9' for --busy-timeout", "expected a whole number from 0 to 3600000"),
            (["--format", "yaml"], "invalid value 'yaml' for --format", "expected one of table, json, jsonl, csv, tsv"),
            (["--color", "sometimes"], "invalid value 'sometimes' for --color", "expected one of auto, always, never"),
        ]
        for (options, message, hint) in cases {
            let result = runCLI(["--db", db] + options + ["migrate", "status"])
            #expect(result.status == 64, "\(options)")
            #expect(result.stderr.contains("socializer: error: \(message)\n"), "\(result.stderr)")
            #expect(result.stderr.contains("hint: \(hint)\n"), "\(result.stderr)")
        }
        let range = runCLI(["--db", db, "migrate", "up", "--to", "9"])
        #expect(range.status == 64 && range.stderr.contains("expected a whole number from 1 to \(Migrations.latestVersion)"))
        #expect(folder.listing().isEmpty)
    }

    // BAD-INPUT 2
    @Test func anOptionWithoutItsValueIsNamed() {
        let result = runCLI(["migrate", "up", "--db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: --db needs a value (PATH)"))
        let followed = runCLI(["--db", "--json", "migrate", "status"])
        #expect(followed.status == 64 && followed.stderr.contains("--db needs a value"))
        // A value that reads as an option (-hello: -h and more) is given inline; the hint says how, without echoing it.
        let dashed = runCLI(["--db", db, "logs", "add", "--type", "E", "--message", "-hello"])
        #expect(dashed.status == 64 && dashed.stderr.contains(
            "error: --message needs a value (M)\nhint: expected text; a value that reads as an option is given as --message=M\n"),
            "\(dashed.stderr)")
        #expect(!dashed.stderr.contains("hello"))
        let flagWithValue = runCLI(["--db", db, "migrate", "up", "--no-backup=yes"])
        #expect(flagWithValue.status == 64 && flagWithValue.stderr.contains("--no-backup takes no value"))
    }

    // BAD-INPUT 2
    @Test func conflictingOptionsAreRefused() {
        let result = runCLI(["--db", db, "--json", "--format", "csv", "migrate", "status"])
        #expect(result.status == 64 && result.stderr.contains("--json and --format csv cannot be used together"))
        let twice = runCLI(["--db", db, "--db", db, "migrate", "status"])
        #expect(twice.status == 64 && twice.stderr.contains("--db was given more than once"))
    }

    @Test func globalOptionsWorkAnywhereInBothSpellings() {
        #expect(runCLI(["migrate", "up", "--db=\(db)", "-q"]).status == 0)
        let before = runCLI(["--format=json", "--db", db, "migrate", "status"])
        let after = runCLI(["migrate", "status", "--db", db, "--format", "json"])
        #expect(before.status == 0 && before.stdout == after.stdout)
        #expect(before.stdout.hasPrefix("[\n{\"version\":1"))
    }

    @Test func shortFlagsCluster() {
        let result = runCLI(["--db", db, "-qn", "migrate", "up"])
        #expect(result.status == 0)
        #expect(result.stdout == Migrations.all.map { "\($0.version)\n" }.joined())
        #expect(!folder.exists("app.db"))
    }

    @Test func doubleDashEndsOptions() {
        let result = runCLI(["--db", db, "help", "--", "--version"])
        #expect(result.status == 64 && result.stderr.contains("no help for '--version'"))
    }

    // BAD-INPUT 5
    @Test func passwordInArgvIsRefusedWithTheReason() {
        for spelling in [["--password", "hunter2"], ["--password=hunter2"]] {
            let result = runCLI(["--db", db, "migrate", "status"] + spelling)
            #expect(result.status == 64)
            #expect(result.stderr.contains("error: --password is not accepted"))
            #expect(result.stderr.contains("hint: passwords never travel in argv"))
            #expect(result.stderr.contains("--password-stdin"))
            #expect(!result.stderr.contains("hunter2"))
        }
    }

    // BAD-INPUT 6
    @Test func badDatabasePathsAreRefusedBeforeAnythingIsCreated() {
        for path in ["", ":memory:", "file:app.db?mode=rwc", "file::memory:"] {
            let result = runCLI(["--db", path, "migrate", "up"])
            #expect(result.status == 64, "\(path)")
            #expect(result.stderr.contains("--db"), "\(result.stderr)")
        }
        let fromEnvironment = runCLI(["migrate", "up"], environment: ["SOCIALIZER_DB": ""])
        #expect(fromEnvironment.status == 64 && fromEnvironment.stderr.contains("$SOCIALIZER_DB is empty"))
    }

    @Test func theEnvironmentNamesTheDatabaseWhenDbIsAbsent() {
        #expect(runCLI(["migrate", "up", "-q"], environment: ["SOCIALIZER_DB": db]).status == 0)
        #expect(folder.exists("app.db"))
    }

    // BAD-INPUT 4
    @Test func invalidUTF8InArgvIsRefused() {
        let result = runCLI(rawArguments: [Array("--db".utf8), [0x61, 0xFF, 0x2E, 0x64, 0x62], Array("migrate".utf8), Array("up".utf8)])
        #expect(result.status == 65)
        #expect(result.stderr.contains("error: argument 2 is not valid UTF-8"))
    }

    @Test func dryRunOnAReadOnlyVerbIsAUsageError() {
        let result = runCLI(["--db", db, "-n", "migrate", "status"])
        #expect(result.status == 64 && result.stderr.contains("'migrate status' changes nothing; --dry-run does not apply"))
    }

    @Test func positionalsAreCountedAndTyped() {
        let missing = runCLI(["backup"])
        #expect(missing.status == 64 && missing.stderr.contains("error: missing PATH"))
        let extra = runCLI(["completion", "bash", "zsh"])
        // BAD-INPUT 2: a surplus argument is never echoed (it may be a secret).
        #expect(extra.status == 64 && extra.stderr.contains("unexpected <argument 2> (not shown: it may be a secret)"))
        #expect(!extra.stderr.contains("zsh"))
        let choice = runCLI(["completion", "bsh"])
        #expect(choice.status == 64 && choice.stderr.contains("did you mean 'bash'?"))
    }

    @Test func helpAtEveryLevelComesFromTheTable() {
        let top = runCLI(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.hasPrefix("socializer — Administer the database of the Socializer app.\n"))
        for node in CommandTable.root.children { #expect(top.stdout.contains("  \(node.name) ")) }
        let command = runCLI(["migrate", "-h"])
        #expect(command.stdout.contains("Verbs:") && command.stdout.contains("  baseline "))
        let verb = runCLI(["migrate", "up", "--help"])
        #expect(verb.stdout.hasPrefix("socializer migrate up — Apply pending migrations"))
        #expect(verb.stdout.contains("--no-backup") && verb.stdout.contains("Global options:"))
        #expect(runCLI(["help", "migrate", "up"]).stdout == verb.stdout)
        // Help wins over errors elsewhere on the line.
        #expect(runCLI(["migrate", "up", "--bogus", "--help"]).status == 0)
        let unknown = runCLI(["help", "migrat"])
        #expect(unknown.status == 64 && unknown.stderr.contains("did you mean 'migrate'?"))
        // An unknown command or verb is the same error with --help as without, never the top-level help.
        for line in [["zzz", "--help"], ["zzz", "-h"], ["users", "frobnicate", "--help"]] {
            let withHelp = runCLI(line)
            let without = runCLI(line.filter { $0 != "--help" && $0 != "-h" })
            #expect(withHelp.status == 64 && withHelp.stdout.isEmpty, "\(line)")
            #expect(withHelp.stderr == without.stderr, "\(line)")
        }
        let list = runCLI(["help", "zzz"])
        #expect(list.status == 64 && list.stderr.contains("hint: choose one of: " + CommandTable.root.children.map(\.name).joined(separator: ", ")),
                "\(list.stderr)")
    }

    @Test func versionNamesTheToolAndSQLite() {
        let result = runCLI(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("socializer \(CommandLineTool.version) (SQLite 3."))
    }

    @Test func errorsAreOneJSONObjectInJSONModes() throws {
        let result = runCLI(["--json", "--db", db, "migrate", "stauts"])
        #expect(result.status == 64)
        let object = try JSONParser.parse(result.stderr.trimmedSpaces)
        #expect(object["error"] == .string("unknown verb 'stauts' for 'migrate'"))
        #expect(object["code"] == .integer(64))
        #expect(object["hint"] == .string("did you mean 'status'?"))
        let jsonl = runCLI(["--format=jsonl", "--db", folder.file("missing.db"), "migrate", "status"])
        #expect(jsonl.status == 66)
        #expect(try JSONParser.parse(jsonl.stderr.trimmedSpaces)["code"] == .integer(66))
    }
}
