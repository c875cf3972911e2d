import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore

/// What a text says about the command line, checked against the one command
/// table: every `socializer COMMAND [VERB]` must be a path the table
/// declares, every `--option` in such a command line an option of that path
/// (or a global), and every other `--option` an option some path declares.
enum CommandMentions {
    /// `--help` and `--version` are the parser's own, on every path.
    static let builtIns: Set<String> = ["help", "version"]
    static let globals = Set(CommandTable.globals.map(\.name))

    static let everyOption: Set<String> = {
        var names = globals.union(builtIns)
        func walk(_ node: CommandNode) {
            names.formUnion(node.options.map(\.name))
            node.children.forEach(walk)
        }
        walk(CommandTable.root)
        return names
    }()

    /// The problems in `text`, in words; empty when it names only what the table declares.
    static func problems(in text: String) -> [String] {
        var problems: [String] = []
        var checkedOptions = IndexSet()
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            // `socializer` as a word ends a command line's start; `socializer(1)` and `socializer;` do not.
            guard word == "socializer" || word == "'socializer" || word == "(socializer" else { continue }
            var node = CommandTable.root
            var path: [String] = []
            while index < words.count {
                let raw = String(words[index])
                let token = raw.trimmingCharacters(in: CharacterSet(charactersIn: ";,.)'\"`"))
                let ends = token != raw && !raw.hasSuffix("…")
                if token.hasPrefix("--") {
                    let name = String(token.dropFirst(2).prefix { $0 != "=" })
                    checkedOptions.insert(index)
                    let declared = node.options.first { $0.name == name }
                        ?? CommandTable.globals.first { $0.name == name }
                    if declared == nil && !builtIns.contains(name) {
                        problems.append("'\(token)' is not an option of 'socializer\(path.map { " " + $0 }.joined())' in: \(text)")
                    }
                    index += 1
                    if let declared, !declared.isFlag, !token.contains("="), !ends { index += 1 }
                } else if !node.children.isEmpty, token.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil {
                    guard let child = node.child(token) else {
                        problems.append("'socializer \((path + [token]).joined(separator: " "))' is not a command in: \(text)")
                        break
                    }
                    node = child
                    path.append(token)
                    index += 1
                } else if node.children.isEmpty, !token.isEmpty, !token.hasPrefix("-") {
                    index += 1 // a positional (USER, a path, …)
                } else {
                    break
                }
                if ends { break }
            }
        }
        // Options outside a command line: declared somewhere in the table.
        for (position, word) in words.enumerated() where !checkedOptions.contains(position) {
            guard let match = word.range(of: #"--[a-z][a-z0-9-]+"#, options: .regularExpression) else { continue }
            let name = String(word[match].dropFirst(2))
            if !everyOption.contains(name) {
                problems.append("'--\(name)' is not an option the command table declares, in: \(text)")
            }
        }
        return problems
    }
}

@Suite struct HintsTests {
    /// One sample of every reason. `ordinal` does not compile until a new
    /// case is given a number, and the test below then wants its sample.
    static let samples: [SocializerError.Reason] = [
        .databaseMissing(path: "app.db"), .notMigrated, .legacyNeedsBaseline, .legacyNeedsBaselineFirst,
        .migrationModified, .targetBelowCurrent(target: 1), .unresolvedReferences, .locked,
        .insecureSecretFile(path: "/etc/secret"), .missingJWTSecret, .missingEmailKey, .skillExists, .trainingExists,
        .notRoomMember(roomID: 3, username: "bob"), .roomArchived(roomID: 3), .roomAIDisabled(roomID: 3),
        .inviteNotPending(roomID: 3, inviter: "alice", invitee: "bob"),
        .unreadableStoredValue,
        .recordsExist,
    ]
    static let caseCount = 19
    static func ordinal(_ reason: SocializerError.Reason) -> Int {
        switch reason {
        case .databaseMissing: 0
        case .notMigrated: 1
        case .legacyNeedsBaseline: 2
        case .legacyNeedsBaselineFirst: 3
        case .migrationModified: 4
        case .targetBelowCurrent: 5
        case .unresolvedReferences: 6
        case .locked: 7
        case .insecureSecretFile: 8
        case .missingJWTSecret: 9
        case .missingEmailKey: 10
        case .skillExists: 11
        case .trainingExists: 12
        case .notRoomMember: 13
        case .roomArchived: 14
        case .roomAIDisabled: 15
        case .inviteNotPending: 16
        case .unreadableStoredValue: 17
        case .recordsExist: 18
        }
    }

    @Test func everyReasonHasASample() {
        #expect(Set(Self.samples.map(Self.ordinal)) == Set(0..<Self.caseCount))
    }

    /// The words operators saw before the hints moved to the CLI.
    @Test func everyReasonKeepsItsWording() {
        let expected: [(SocializerError.Reason, String?, String?)] = [
            (.databaseMissing(path: "my db"), "create it with: socializer --db 'my db' migrate up", nil),
            (.notMigrated, "create the schema with: socializer migrate up", nil),
            (.legacyNeedsBaseline, "adopt it with: socializer migrate baseline (then: socializer migrate up)", nil),
            (.legacyNeedsBaselineFirst, "adopt it first with: socializer migrate baseline", nil),
            (.migrationModified, "run socializer migrate validate; the database was changed by another build", nil),
            (.targetBelowCurrent(target: 1), nil, "; to go back use: socializer migrate down --to 1"),
            (.unresolvedReferences, "delete or repair the rows listed (by rowid), then run socializer migrate up again", nil),
            (.locked, "it is safe to retry; raise --busy-timeout (milliseconds) to wait longer", nil),
            (.insecureSecretFile(path: "/s"), "restrict it with: chmod 600 /s   (or pass --insecure-file-ok)", nil),
            (.missingJWTSecret, "set $SOCIALIZER_JWT_SECRET to the app's SECRET_KEY, or pass --secret-file FILE", nil),
            (.missingEmailKey, "set $SOCIALIZER_EMAIL_KEY (the key the app hashes emails with), pass --email-key-file FILE, "
                + "or set $SOCIALIZER_EMAIL_SCHEME=plain to store addresses as the app's registration does", nil),
            (.skillExists, "to add only the missing ones and report the others, pass --if-missing", nil),
            (.trainingExists, "to start it over (active, progress 0.0, started today), pass --restart", nil),
            (.notRoomMember(roomID: 3, username: "bob"), "add them first with: socializer rooms members add 3 bob", nil),
            (.roomArchived(roomID: 3), "restore it first with: socializer rooms unarchive 3", nil),
            (.roomAIDisabled(roomID: 3), "turn the AI on with: socializer rooms update 3 --ai", nil),
            (.inviteNotPending(roomID: 3, inviter: "alice", invitee: "bob"),
             "to ask again, send it anew (it becomes pending): socializer invites send 3 --from alice --to bob", nil),
            (.unreadableStoredValue, "find every such value, and what fixes it, with: socializer doctor", nil),
            (.recordsExist, "to keep the stored rows pass --on-conflict skip, to overwrite them --on-conflict update "
                + "(or, with seed, --fresh to start from a new database)", nil),
        ]
        #expect(expected.count == Self.caseCount)
        for (reason, hint, suffix) in expected {
            let text = Hints.text(for: reason)
            #expect(text.hint == hint)
            #expect(text.messageSuffix == suffix)
        }
        // A name that would read as an id, or that carries a prefix, is written as a name; odd ones are quoted.
        #expect(Hints.text(for: .notRoomMember(roomID: 3, username: "42")).hint == "add them first with: socializer rooms members add 3 name:42")
        #expect(Hints.text(for: .notRoomMember(roomID: 3, username: "id:7")).hint == "add them first with: socializer rooms members add 3 name:id:7")
        #expect(Hints.text(for: .notRoomMember(roomID: 3, username: "Ann Lee")).hint == "add them first with: socializer rooms members add 3 'Ann Lee'")
        // A user whose row is gone is a placeholder to fill in.
        #expect(Hints.text(for: .inviteNotPending(roomID: 3, inviter: nil, invitee: "7")).hint
                == "to ask again, send it anew (it becomes pending): socializer invites send 3 --from USER --to name:7")
        let given = SocializerError(.configuration, "m", hint: "the layer's own", reason: .notMigrated)
        #expect(Hints.presented(given).hint == "the layer's own")
    }

    @Test func aCommandInAHintIsAimedAtTheDatabaseGiven() {
        let hint = "make the safe repairs with: socializer doctor --fix"
        #expect(Hints.aiming(hint, at: nil) == hint)
        #expect(Hints.aiming(hint, at: "/srv/app.db") == "make the safe repairs with: socializer --db /srv/app.db doctor --fix")
        // Quoted for the shell; each command of a hint; an option first; one that names its own --db is left alone.
        #expect(Hints.aiming("socializer users memory clear U --null, then socializer users rotate-key U", at: "my db")
                == "socializer --db 'my db' users memory clear U --null, then socializer --db 'my db' users rotate-key U")
        #expect(Hints.aiming("socializer -q doctor", at: "a.db") == "socializer --db a.db -q doctor")
        #expect(Hints.aiming("socializer --db b.db migrate up", at: "a.db") == "socializer --db b.db migrate up")
        #expect(Hints.aiming("see /usr/local/bin/socializer doctor", at: "a.db") == "see /usr/local/bin/socializer --db a.db doctor")
        // A path that would read as an option; words that are no command.
        #expect(Hints.aiming("socializer doctor", at: "-x.db") == "socializer --db ./-x.db doctor")
        for text in ["use a newer socializer; this one does not know that version", "the socializer doctor(1) page",
                     "pysocializer doctor", "socializer: error"] {
            #expect(Hints.aiming(text, at: "a.db") == text, "\(text)")
        }
    }

    @Test func hintsNameTheDatabaseOnlyWhenTheCommandLineDid() throws {
        // --db on the line: pasting the hint must act on that file, not on $SOCIALIZER_DB or ./socializer.db.
        let f = try ChatRows.fixture()
        let given = f.cli(["rooms", "messages", "post", "quiet", "--ai", "hi"])
        #expect(given.status == 65 && given.stderr.hasSuffix("hint: turn the AI on with: socializer --db \(f.db) rooms update 2 --ai\n"),
                "\(given.stderr)")
        let json = f.cli(["--json", "rooms", "messages", "post", "quiet", "--ai", "hi"])
        #expect(json.stderr.contains(#""hint":"turn the AI on with: socializer --db \#(f.db) rooms update 2 --ai""#), "\(json.stderr)")
        let spaced = TemporaryDirectory()
        let path = spaced.file("my app.db")
        #expect(runCLI(["--db", path, "-q", "migrate", "up"]).status == 0)
        let quoted = runCLI(["--db", path, "doctor", "--dry-run"])
        #expect(quoted.stderr.hasSuffix("socializer --db '\(path)' doctor --fix --dry-run\n"), "\(quoted.stderr)")
        // From the environment, the same environment chooses it again: the hint stays short.
        let environment = f.environment.merging(["SOCIALIZER_DB": f.db]) { $1 }
        let fromEnvironment = runCLI(["rooms", "messages", "post", "quiet", "--ai", "hi"], environment: environment)
        #expect(fromEnvironment.status == 65
                && fromEnvironment.stderr.hasSuffix("hint: turn the AI on with: socializer rooms update 2 --ai\n"), "\(fromEnvironment.stderr)")
        try f.connection().execute("UPDATE room_members SET role = 'owner' WHERE id = 1")
        let fixColumn = runCLI(["--format", "csv", "--fields", "fix", "--no-header", "doctor"], environment: environment)
        #expect(fixColumn.stdout.contains("socializer rooms members role ROOM USER member"), "\(fixColumn.stdout)")
        #expect(f.cli(["--format", "csv", "--fields", "fix", "--no-header", "doctor"]).stdout
                .contains("socializer --db \(f.db) rooms members role ROOM USER member"))
    }

    @Test func theCheckerCatchesWhatTheTableDoesNotDeclare() {
        #expect(CommandMentions.problems(in: "run socializer migrate up; then --busy-timeout").isEmpty)
        #expect(CommandMentions.problems(in: "reset them with: socializer users messages … --clear").isEmpty)
        #expect(!CommandMentions.problems(in: "run socializer chats list").isEmpty)
        #expect(!CommandMentions.problems(in: "run socializer migrate sideways").isEmpty)
        #expect(!CommandMentions.problems(in: "run socializer migrate down --force").isEmpty)
        #expect(!CommandMentions.problems(in: "raise --busy-timout").isEmpty)
        #expect(!CommandMentions.problems(in: "socializer --db x.db migrate upp").isEmpty)
    }

    /// Point 10 of issue 8: no hint names a command, verb or option the table does not declare.
    @Test func everyHintNamesOnlyWhatTheTableDeclares() throws {
        var hints: [(where: String, text: String)] = Self.samples.flatMap { reason -> [(String, String)] in
            let text = Hints.text(for: reason)
            return [text.hint, text.messageSuffix].compactMap { $0 }.map { ("Hints.text(for: \(reason))", $0) }
        }
        let files = try SwiftSource.files(inTarget: "SocializerCLI")
        #expect(files.count > 20)
        for file in files {
            hints += file.hintLiterals.map { ("\(file.path):\($0.line)", $0.text) }
        }
        // The scan must see the hints it is meant to check.
        #expect(hints.contains { $0.text.contains("--input-format json|jsonl|csv") })
        #expect(hints.contains { $0.text.contains("socializer users memory clear USER") })
        #expect(hints.contains { $0.text.contains("free some space") })
        for hint in hints {
            let problems = CommandMentions.problems(in: hint.text)
            #expect(problems.isEmpty, "\(hint.where): \(problems.joined(separator: "; "))")
        }
    }

    /// Core, Security and Store name no command and no option in any string
    /// literal: their errors say what happened (`SocializerError.Reason`) and
    /// the CLI adds the remedy. Environment variables are allowed.
    @Test func lowerLayersNameNoCommandOrOption() throws {
        let commands = Set(CommandTable.root.children.map(\.name))
        var scanned = 0
        for target in ["SocializerCore", "SocializerSecurity", "SocializerStore"] {
            for file in try SwiftSource.files(inTarget: target) {
                scanned += 1
                for literal in file.literals {
                    let text = literal.text
                    if let option = text.range(of: #"(^|[^-A-Za-z0-9])--[a-z][a-z0-9-]+"#, options: .regularExpression) {
                        Issue.record("\(file.path):\(literal.line) names an option (\(text[option])): \(text)")
                    }
                    let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
                    for (word, next) in zip(words, words.dropFirst()) where word.hasSuffix("socializer") {
                        let following = String(next).trimmingCharacters(in: CharacterSet(charactersIn: ";,.)'\"`"))
                        if commands.contains(following) || following.hasPrefix("-") {
                            Issue.record("\(file.path):\(literal.line) names a command (socializer \(following)): \(text)")
                        }
                    }
                }
            }
        }
        #expect(scanned > 30)
    }
}
