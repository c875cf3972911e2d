import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The audit trail (issue 17). Every mutating verb of the command table is
/// run through the cases of `RefuseBeforeChangingTests` (which every new
/// mutating verb must have), so a verb added later is checked here without
/// an edit: one entry per change, in the change's transaction, none under
/// --dry-run or when the change fails.
@Suite struct AuditTests {
    static let actor = "auditor"

    /// The verbs that record nothing: `schema_migrations` is their record.
    static let unaudited: Set<[String]> = [["migrate", "up"], ["migrate", "down"], ["migrate", "baseline"]]

    /// What the current verbs record, by verb (a verb added later is held
    /// to the generic rules only; add it here for its exact target and
    /// rows). Rows as `table +inserted ~updated -deleted`, sorted by table.
    static let expected: [String: (target: String?, rows: String)] = [
        "users create": ("users:2 (zed)", "users +1"),
        "users update": ("users:1 (alice)", "users ~1"),
        "users activate": ("users:1 (alice)", ""), // already active: nothing to write, still one entry
        "users deactivate": ("users:1 (alice)", "users ~1"),
        "users set-password": ("users:1 (alice)", "users ~1"),
        "users delete": ("users:1 (alice)", "token_blacklist -1, user_preferences -1, users -1"),
        "users memory set": ("users:1 (alice)", "users ~1"),
        "users memory clear": ("users:1 (alice)", "users ~1"),
        "users messages": ("users:1 (alice)", "users ~1"),
        "users rotate-key": ("users:1 (alice)", "users ~1"),
        "users rotate-key --all": ("users", "users ~1"),
        "users prefs set": ("user_preferences:2", "user_preferences +1"),
        "users prefs unset": ("user_preferences:1", "user_preferences -1"),
        "users import": ("users:2 (imported)", "users +1"),
        "users takeout": ("users:1 (alice)", ""), // a read: the entry records who took the person's data
        "tokens revoke": ("token_blacklist:2", "token_blacklist +1"),
        "tokens purge": ("token_blacklist", "token_blacklist -1"),
        "logs add": ("error_logs:2", "error_logs +1"),
        "logs purge": ("error_logs", "error_logs -1"),
        "audit purge": ("admin_audit", "admin_audit -4"),
        "skills add": ("skills:1 (kindness)", "skills +1"),
        "skills rename": ("skills:2 (active_listening)", "skills ~1"),
        "skills remove": ("skills:1 (empathy)", "skills -1, training -1, user_skills -1"),
        // user_skills and training rows are named by their user and skill (training has no id).
        "skills set-level": ("user_skills:2 (alice/listening)", "user_skills +1"),
        "training start": ("training (alice/listening)", "training +1"),
        "training pause": ("training (alice/empathy)", "training ~1"),
        "training resume": ("training (alice/patience)", "training ~1"),
        "training progress": ("training (alice/empathy)", "training ~1"),
        "training complete": ("training (alice/empathy)", "training ~1"),
        "training reset": ("training (alice/patience)", "training ~1"),
        "training stop": ("training (alice/empathy)", "training -1"),
        "training purge": ("training", "training -1"),
        // Loads name no one row: the rows per table say what came in (a user with
        // memory is updated once inserted: the memory names the user's id).
        "seed": (nil, "chat_rooms +4, error_logs +4, general_chat_messages +3, room_invites +4, room_members +11, room_messages +13, "
                 + "skills +6, token_blacklist +3, training +5, user_preferences +3, user_skills +7, users +6 ~1"),
        "skills import": (nil, "skills +1, user_skills +1"),
        "training import": ("training", "training +1"),
        "rooms import": (nil, "chat_rooms +1, room_members +1, room_messages +1"),
        // Sending writes an invite and a message whose ids may coincide: the entry names the invite. A re-send
        // (this one: the invite was declined) also takes the invite id out of the message it unlinks.
        "invites send": ("room_invites:2", "room_invites ~1, room_messages +1 ~1"),
        "invites accept": ("room_invites:1", "room_invites ~1, room_members +1"),
        "invites decline": ("room_invites:1", "room_invites ~1"),
        "invites cancel": ("room_invites:1", "room_invites -1, room_messages -1"),
        "invites purge": ("room_invites", "room_invites -1"),
    ]

    static func key(_ c: RefuseBeforeChangingTests.Case) -> String {
        verbPath(of: c.arguments).joined(separator: " ") + (c.arguments.contains("--all") ? " --all" : "")
    }

    /// Every entry, oldest first, as name → value; none when the table is missing.
    static func entries(_ f: UsersFixture) throws -> [[String: DatabaseValue]] {
        let db = try f.connection()
        guard try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'admin_audit'") == 1 else { return [] }
        return try db.rows("SELECT * FROM admin_audit ORDER BY id").map { Dictionary(uniqueKeysWithValues: zip($0.columns, $0.values)) }
    }

    static func text(_ value: DatabaseValue?) -> String? {
        if case .text(let s)? = value { return s }
        return nil
    }

    /// `{"users":{"deleted":1}}` as `users -1`, tables sorted.
    static func summary(_ rows: String?) throws -> String {
        let members = try JSONParser.parse(rows ?? "").objectMembers ?? []
        return AuditCommand.summary(of: JSONValue.object(members.sorted { $0.0 < $1.0 }).compactText)
    }

    static func fixture(_ c: RefuseBeforeChangingTests.Case) throws -> (UsersFixture, [String]) {
        let (f, arguments) = try RefuseBeforeChangingTests.fixture(c)
        f.environment["SOCIALIZER_ACTOR"] = actor
        return (f, arguments)
    }

    @Test(arguments: RefuseBeforeChangingTests.cases)
    func everyWriteVerbRecordsExactlyOneEntryWithWhatItDid(_ c: RefuseBeforeChangingTests.Case) throws {
        let (f, arguments) = try Self.fixture(c)
        let path = verbPath(of: arguments)
        let before = try Self.entries(f)
        let result = f.cli(arguments, stdin: c.stdin)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let after = try Self.entries(f)
        let lastID = before.last?["id"] ?? .integer(0)
        let new = after.filter { if case .integer(let id)? = $0["id"], case .integer(let last) = lastID { return id > last } else { return false } }
        if Self.unaudited.contains(path) {
            #expect(new.isEmpty, "\(arguments) recorded \(new)")
            return
        }
        try #require(new.count == 1, "\(arguments) recorded \(new.count) entries")
        let entry = new[0]
        #expect(Self.text(entry["command"]) == path.joined(separator: " "))
        #expect(Self.text(entry["actor"]) == Self.actor)
        #expect(Self.text(entry["at"]) == testNow.databaseText)
        // Generic rules, for every verb: the target and the rows name tables of this database, the
        // arguments are the verb's own.
        let tables = try f.connection().rows("SELECT name FROM sqlite_master WHERE type = 'table'").map { try $0.string("name") }
        if let target = Self.text(entry["target"]) {
            let table = String(target.prefix { $0 != ":" && $0 != " " })
            #expect(tables.contains(table), "\(arguments): target \(target)")
        }
        let rows = try JSONParser.parse(Self.text(entry["rows"]) ?? "")
        for (table, counts) in rows.objectMembers ?? [] {
            #expect(tables.contains(table) && counts.objectMembers?.isEmpty == false, "\(arguments): rows \(rows)")
        }
        let details = try JSONParser.parse(Self.text(entry["details"]) ?? "")
        let node = try #require(CommandTable.node(at: path))
        let names = Set(node.positionals.map(\.name) + node.options.map(\.name))
        for (name, _) in details["arguments"]?.objectMembers ?? [] { #expect(names.contains(name), "\(arguments): \(name)") }
        if let expected = Self.expected[Self.key(c)] {
            #expect(Self.text(entry["target"]) == expected.target, "\(arguments)")
            #expect(try Self.summary(Self.text(entry["rows"])) == expected.rows, "\(arguments)")
        }
    }

    @Test(arguments: RefuseBeforeChangingTests.cases)
    func aDryRunRecordsNothingAndChangesNothing(_ c: RefuseBeforeChangingTests.Case) throws {
        let (f, arguments) = try Self.fixture(c)
        let db = try f.connection()
        let before = try contents(db)
        let result = f.cli(["--dry-run"] + arguments, stdin: c.stdin)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        #expect(try contents(db) == before, "\(arguments)")
    }

    /// The entry is part of the change: when it cannot be written, a write
    /// action's change is rolled back with it; a run that committed batch by
    /// batch (a purge, rotate-key --all) keeps them and fails, saying so.
    @Test(arguments: RefuseBeforeChangingTests.cases)
    func aChangeWhoseEntryCannotBeWrittenIsRolledBack(_ c: RefuseBeforeChangingTests.Case) throws {
        let (f, arguments) = try Self.fixture(c)
        guard !Self.unaudited.contains(verbPath(of: arguments)) else { return }
        let db = try f.connection()
        try db.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'no entries today'); END")
        let before = try contents(db)
        let result = f.cli(arguments, stdin: c.stdin)
        #expect(result.status == 65, "\(arguments): \(result.stderr)")
        // Runs commit in several transactions: purges, rotate-key --all, doctor --fix.
        let run = arguments.contains("purge") || arguments.contains("--all") || arguments.first == "doctor"
        if run {
            #expect(result.stderr.contains("but its audit entry could not be written: the change breaks a database constraint")
                    || result.stderr.contains("the run's audit entry could not be written"), "\(arguments): \(result.stderr)")
        } else {
            #expect(try contents(db) == before, "\(arguments) kept its change without its entry")
            #expect(result.stderr.contains("the change breaks a database constraint"), "\(result.stderr)")
        }
    }

    @Test func aRefusedChangeRecordsNothing() throws {
        let f = UsersFixture()
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        let before = try contents(db)
        for (arguments, stdin, status) in [
            (["users", "create", "alice", "--no-email", "--password-stdin"], "pw-alice-2\n", Int32(65)),
            (["users", "delete", "nobody", "--yes"], "", 66),
            (["users", "delete", "alice"], "", 64), // no --yes and no terminal
            (["users", "update", "alice", "--temperature", "9"], "", 64),
            (["logs", "add", "--type", "T", "--message", " "], "", 65),
            (["tokens", "revoke", "not.a.token"], "", 65),
            (["logs", "purge", "--before", "2100-01-01"], "", 64), // a future cutoff needs --yes
            (["audit", "purge", "--before", "2100-01-01"], "", 64),
        ] as [([String], String, Int32)] {
            let result = f.cli(arguments, stdin: stdin)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
        }
        #expect(try contents(db) == before)
    }

    // MARK: Secrets

    /// Every verb that takes a secret, run with it, and the whole trail
    /// searched for its text: passwords (file and standard input), the JWT
    /// secret (file and environment), the email key (file), tokens (argument
    /// and standard input), email addresses.
    @Test func noSecretEverReachesTheTrail() throws {
        let f = UsersFixture()
        f.environment = ["SOCIALIZER_BCRYPT_COST": "4"]
        let password = "Pa55-word-that-is-secret", otherPassword = "an0ther-secret-passw0rd"
        let jwtSecretText = "jwt-signing-secret-0123456789-abcdef"
        let emailKeyText = "email-hashing-key-0123456789-abcdef"
        let email = "alice.private@example.com", newEmail = "alice.new@example.org"
        func secretFile(_ name: String, _ text: String) -> String {
            let path = f.folder.write(name, text + "\n")
            chmod(path, 0o600)
            return path
        }
        let passwordFile = secretFile("pw.txt", password)
        let jwtFile = secretFile("jwt.txt", jwtSecretText)
        let keyFile = secretFile("key.txt", emailKeyText)
        func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:], status: Int32 = 0) {
            let result = runCLI(["--db", f.db] + arguments, environment: f.environment.merging(environment) { $1 }, stdin: stdin)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
        }
        run(["users", "create", "alice", "--email", email, "--email-key-file", keyFile, "--password-file", passwordFile])
        run(["users", "set-password", "alice", "--password-stdin"], stdin: otherPassword + "\n")
        run(["users", "check-password", "alice", "--password-stdin"], stdin: otherPassword + "\n")
        run(["users", "check-password", "alice", "--password-file", passwordFile], status: 1)
        run(["users", "update", "alice", "--email", newEmail, "--email-key-file", keyFile])
        run(["users", "find", "--email", newEmail, "--email-key-file", keyFile])
        let importFile = f.folder.write("people.jsonl", #"{"username": "bob", "password": "\#(password)", "email": "\#(email)"}"# + "\n")
        run(["users", "import", importFile], environment: ["SOCIALIZER_EMAIL_KEY": emailKeyText])
        let environment = ["SOCIALIZER_JWT_SECRET": jwtSecretText]
        let issued = runCLI(["--db", f.db, "tokens", "issue", "alice"], environment: f.environment.merging(environment) { $1 })
        #expect(issued.status == 0)
        let token = issued.stdout.trimmedSpaces
        let second = JWT.encode(claims: .object([("sub", .string("bob")), ("exp", .integer(RefuseBeforeChangingTests.future))]),
                                algorithm: .hs256, secret: Array(jwtSecretText.utf8))
        run(["tokens", "check", token], environment: environment)
        run(["tokens", "revoke", token, "--verify", "--secret-file", jwtFile])
        run(["tokens", "revoke", "--stdin", "--reason", "compromised"], stdin: second, environment: environment)
        run(["tokens", "revoke", token], environment: environment) // already revoked: an entry without a change
        run(["-y", "users", "delete", "bob"])

        let db = try f.connection()
        let trail = try db.rows("SELECT * FROM admin_audit ORDER BY id")
        #expect(trail.map { (try? $0.string("command")) ?? "" } == ["users create", "users set-password", "users update", "users import",
                                                                     "tokens revoke", "tokens revoke", "tokens revoke", "users delete"])
        let secrets = [password, otherPassword, jwtSecretText, emailKeyText, email, newEmail, token, second,
                       String(token.split(separator: ".").last!), String(second.split(separator: ".").last!)]
        for row in trail {
            for value in row.values {
                let text = "\(value)"
                for secret in secrets { #expect(!text.contains(secret), "\(secret) in the trail: \(text)") }
            }
        }
        let details = trail.map { (try? $0.string("details")) ?? "" }
        try #require(details.count == 8)
        #expect(details[0] == #"{"arguments":{"USERNAME":"alice","email":"(not recorded)","password-file":"(not recorded)","email-key-file":"(not recorded)"}}"#)
        #expect(details[1] == #"{"arguments":{"USER":"alice","password-stdin":true}}"#)
        #expect(details[4] == #"{"arguments":{"TOKEN":"(not recorded)","verify":true,"secret-file":"(not recorded)"}}"#)
        #expect(details[5] == #"{"arguments":{"stdin":true,"reason":"compromised"}}"#)
        #expect(try trail[6].optionalString("target") == "token_blacklist:1" && trail[6]["rows"] == .text("{}"))
    }

    /// Redaction is declared with each option: every secret source of the
    /// kit, every email option and every secret positional of the table is.
    @Test func everySecretSourceAndAddressIsDeclaredRedacted() {
        let sources = (SecretOptions.password + SecretOptions.emailKey + SecretOptions.jwtSecret).map(\.optionSpec)
            .filter { $0.name != SecretOptions.insecureFileOK.name }
        #expect(!sources.isEmpty && sources.allSatisfy(\.redacted))
        for (path, node) in CommandTable.root.leaves() {
            // Flags carry no value to keep out.
            for option in node.options where !option.isFlag && (option.name.contains("email") || option.name.contains("password")
                || option.name.contains("secret") || option.name.contains("key-file")) {
                #expect(option.redacted, "'\(path.joined(separator: " ")) --\(option.name)' is recorded as given")
            }
        }
        let revoke = CommandTable.node(at: ["tokens", "revoke"])!
        #expect(revoke.positionals.first { $0.name == "TOKEN" }?.secret == true)
    }

    // MARK: Actor and --no-audit

    @Test func theActorIsSocializerActorElseSudoUserElseTheLoginName() throws {
        #expect(try AuditRecorder.actor(environment: ["SOCIALIZER_ACTOR": " jane@support ", "SUDO_USER": "bob"]) == "jane@support")
        #expect(try AuditRecorder.actor(environment: ["SOCIALIZER_ACTOR": "", "SUDO_USER": "bob"]) == "bob")
        #expect(try AuditRecorder.actor(environment: [:], loginName: { "carol" }) == "carol")
        #expect(try AuditRecorder.actor(environment: [:], loginName: { nil }) == "uid \(getuid())")
        let login = try #require(AuditRecorder.loginName())
        #expect(!login.isEmpty)
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        #expect(Self.text(try Self.entries(f).last?["actor"]) == login)
        // A name that would forge a line in a terminal, or a page of text, is refused before the change.
        let db = try f.connection()
        let before = try contents(db)
        for bad in ["eve\u{1B}[2K", "eve\nmallory", String(repeating: "x", count: 201)] {
            f.environment["SOCIALIZER_ACTOR"] = bad
            let result = f.cli(["users", "deactivate", "alice"])
            #expect(result.status == 78 && result.stderr.contains("$SOCIALIZER_ACTOR is not a usable name for the audit trail"), "\(result.stderr)")
            f.environment["SOCIALIZER_ACTOR"] = nil
            f.environment["SUDO_USER"] = bad
            #expect(f.cli(["logs", "purge", "--older-than", "1d"]).status == 78)
            f.environment["SUDO_USER"] = nil
        }
        #expect(try contents(db) == before)
    }

    @Test func noAuditNeedsSocializerAuditOff() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        let before = try contents(db)
        let refused = f.cli(["--no-audit", "users", "deactivate", "alice"])
        #expect(refused.status == 78)
        #expect(refused.stderr == """
            socializer: error: --no-audit is refused: changes are audited unless $SOCIALIZER_AUDIT=off is set as well
            hint: set SOCIALIZER_AUDIT=off in the environment that may skip the trail (see AUDIT TRAIL in socializer(1)), or leave out --no-audit

            """)
        // Exactly off: anything else is named, with what it must be.
        for value in ["on", "OFF", "0", " off", ""] {
            f.environment["SOCIALIZER_AUDIT"] = value
            try f.refuses(["--no-audit", "users", "deactivate", "alice"], 78, """
                socializer: error: --no-audit is refused: $SOCIALIZER_AUDIT is '\(value)', and only the value 'off' (exactly) allows it
                hint: set SOCIALIZER_AUDIT=off in the environment that may skip the trail (see AUDIT TRAIL in socializer(1)), or leave out --no-audit

                """)
        }
        #expect(try contents(db) == before)
        // Read verbs have nothing to skip.
        let read = f.cli(["users", "show", "alice", "--no-audit"])
        #expect(read.status == 64 && read.stderr.contains("'users show' changes nothing; --no-audit does not apply"))
        // Allowed: the change is made and nothing is recorded; without the flag the variable changes nothing.
        f.environment["SOCIALIZER_AUDIT"] = "off"
        let count = try Self.entries(f).count
        #expect(f.cli(["--no-audit", "users", "deactivate", "alice"]).status == 0)
        #expect(f.cli(["--no-audit", "logs", "purge", "--older-than", "1d"]).status == 0)
        #expect(try Self.entries(f).count == count)
        #expect(try db.scalar("SELECT is_active FROM users WHERE username = 'alice'") == .integer(0))
        #expect(f.cli(["users", "activate", "alice"]).status == 0)
        #expect(try Self.entries(f).count == count + 1)
    }

    // MARK: Databases without the trail

    /// A database at an older version (here the app's own, baselined at 1,
    /// and one at 4): writes and the cron purges work and say, once, that they
    /// were not audited; the audit verbs say how to get the trail.
    @Test(arguments: [1, 4])
    func aDatabaseBefore0005KeepsWorkingAndSaysItIsNotAudited(version: Int) throws {
        let f: UsersFixture
        if version == 1 {
            f = UsersFixture(migrate: false)
            try LegacyDatabase.create(at: f.db)
            #expect(f.cli(["migrate", "baseline"]).status == 0)
        } else {
            f = UsersFixture(migrate: false)
            #expect(f.cli(["migrate", "up", "--to", "4"]).status == 0)
            #expect(f.create("alice").status == 0)
        }
        let warning = "socializer: warning: this change is not audited: the database has no audit trail before migration "
            + "0005_admin_audit; add it with: socializer --db \(f.db) migrate up\n"
        let deactivate = f.cli(["-q", "users", "deactivate", "alice"])
        #expect(deactivate.status == 0 && deactivate.stderr == warning, "\(deactivate.stderr)")
        let purge = f.cli(["-q", "logs", "purge", "--older-than", "1d"])
        #expect(purge.status == 0 && purge.stderr == warning, "\(purge.stderr)")
        // (The app's own rows hold keys that are not Fernet keys: those users fail, the run still says it once.)
        let all = f.cli(["-q", "-y", "users", "rotate-key", "--all"])
        #expect(all.stderr.hasPrefix(warning) && all.stderr.components(separatedBy: "not audited").count == 2, "\(all.stderr)")
        #expect(try Self.entries(f).isEmpty)
        for arguments in [["audit", "list"], ["audit", "show", "1"], ["audit", "purge", "--older-than", "1d"]] {
            let result = f.cli(arguments)
            #expect(result.status == 78, "\(arguments)")
            #expect(result.stderr.contains("error: the database has no audit trail: it is at schema version \(version), and the trail comes with migration 0005_admin_audit\n"
                                           + "hint: add it with: socializer --db \(f.db) migrate up (changes made before it were not recorded)"), "\(result.stderr)")
        }
        #expect(f.cli(["migrate", "up", "--no-backup"]).status == 0)
        let audited = f.cli(["users", "activate", "alice"])
        #expect(audited.status == 0 && !audited.stderr.contains("warning"))
        #expect(try Self.entries(f).count == 1)
    }

    @Test func rollingBack0005DropsTheTrailOnlyWhenConfirmed() throws {
        let f = UsersFixture()
        // An empty trail loses nothing: no question asked.
        #expect(f.cli(["migrate", "down", "--to", "4"]).status == 0)
        #expect(f.cli(["migrate", "up", "--no-backup"]).status == 0)
        #expect(f.create("alice").status == 0)
        let db = try f.connection()
        let before = try contents(db)
        let refused = f.cli(["migrate", "down", "--to", "3"])
        #expect(refused.status == 64)
        #expect(refused.stderr.hasPrefix("socializer: error: refusing to roll back 0005_admin_audit, dropping the audit trail and its 1 entry without confirmation\n"),
                "\(refused.stderr)")
        #expect(try contents(db) == before)
        #expect(f.cli(["--dry-run", "migrate", "down", "--to", "4"]).status == 0)
        #expect(try contents(db) == before)
        #expect(f.cli(["-y", "migrate", "down", "--to", "4"]).status == 0)
        #expect(try Self.entries(f).isEmpty)
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 1)
    }

    /// SQLAlchemy's `create_all` (checkfirst) creates only the tables of the
    /// app's models that do not exist, with their indexes, and touches no
    /// other table. Modelled here from the app's own DDL (`LegacyDatabase`,
    /// `AppRows.trainingSchedulesDDL`), table by table as it does.
    static func appCreateAll(_ db: Connection) throws {
        var table: String?
        for statement in LegacyDatabase.ddl + [AppRows.trainingSchedulesDDL] {
            let words = statement.split(whereSeparator: \.isWhitespace)
            if words.starts(with: ["CREATE", "TABLE"]) {
                let name = String(words[2].prefix { $0 != "(" })
                table = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) == 0 ? name : nil
                if table != nil { try db.execute(statement) }
            } else if table != nil {
                // ALTER TABLE and CREATE INDEX of a table it just created.
                try db.execute(statement)
            }
        }
    }

    @Test func theAppsCreateAllLeavesTheTrailAlone() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["users", "deactivate", "alice"]).status == 0)
        let db = try f.connection()
        let trail = try Self.entries(f)
        let schema = try db.scalar("SELECT sql FROM sqlite_master WHERE name = 'admin_audit'")
        try Self.appCreateAll(db)
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'training_schedules'") == 1)
        #expect(try Self.entries(f) == trail)
        #expect(try db.scalar("SELECT sql FROM sqlite_master WHERE name = 'admin_audit'") == schema)
        #expect(f.cli(["migrate", "validate"]).status == 0)
        #expect(f.cli(["users", "activate", "alice"]).status == 0)
        #expect(try Self.entries(f).count == trail.count + 1)
        // The app first, on an empty file; then the tool adopts and migrates it, and the app starts again.
        let fresh = UsersFixture(migrate: false)
        let app = try Connection(path: fresh.db, mode: .createIfMissing)
        try Self.appCreateAll(app)
        #expect(fresh.cli(["migrate", "baseline"]).status == 0)
        #expect(fresh.cli(["migrate", "up", "--no-backup"]).status == 0)
        #expect(fresh.create("bob").status == 0)
        let adopted = try contents(app)
        try Self.appCreateAll(app)
        #expect(try contents(app) == adopted)
        #expect(try Self.entries(fresh).count == 1)
    }

    // MARK: The verbs

    @Test func listAndShowInEveryFormat() throws {
        let f = UsersFixture()
        f.environment["SOCIALIZER_ACTOR"] = "ops"
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["users", "prefs", "set", "alice", "style", "tone", "\"warm\""]).status == 0)
        f.environment["SOCIALIZER_ACTOR"] = "ann"
        #expect(f.cli(["-y", "users", "delete", "alice"]).status == 0)
        let table = f.cli(["audit", "list"])
        #expect(table.status == 0)
        #expect(table.stdout == """
            ID  AT                    ACTOR  COMMAND          TARGET              ROWS                           DETAILS
            3   2026-06-15T12:00:00Z  ann    users delete     users:1 (alice)     user_preferences -1, users -1  {"arguments":{"USER":"alice"}}
            2   2026-06-15T12:00:00Z  ops    users prefs set  user_preferences:1  user_preferences +1            {"arguments":{"USER":"alice","TYPE":"style","KEY":"tone","JSON":"warm"}}
            1   2026-06-15T12:00:00Z  ops    users create     users:1 (alice)     users +1                       {"arguments":{"USERNAME":"alice","no-email":true,"password-stdin":true}}

            """, "\(table.stdout)")
        let json = f.cli(["--json", "audit", "list", "--actor", "ann"])
        #expect(json.stdout == """
            [
            {"id":3,"at":"2026-06-15T12:00:00Z","actor":"ann","command":"users delete","target":"users:1 (alice)","rows":{"user_preferences":{"deleted":1},"users":{"deleted":1}},"details":{"arguments":{"USER":"alice"}}}
            ]

            """, "\(json.stdout)")
        let jsonl = f.cli(["--format", "jsonl", "--fields", "id,command", "audit", "list", "--command", "users", "--limit", "2"])
        #expect(jsonl.stdout == "{\"id\":3,\"command\":\"users delete\"}\n{\"id\":2,\"command\":\"users prefs set\"}\n")
        let csv = f.cli(["--format", "csv", "--fields", "id,target,rows", "audit", "list", "--target", "alice"])
        #expect(csv.stdout == "id,target,rows\r\n3,users:1 (alice),\"{\"\"user_preferences\"\":{\"\"deleted\"\":1},\"\"users\"\":{\"\"deleted\"\":1}}\"\r\n"
                + "1,users:1 (alice),\"{\"\"users\"\":{\"\"inserted\"\":1}}\"\r\n", "\(csv.stdout)")
        let tsv = f.cli(["--format", "tsv", "--no-header", "--fields", "id,actor", "audit", "list", "--since", "2026-06-15", "--until", "2026-06-16"])
        #expect(tsv.stdout == "3\tann\n2\tops\n1\tops\n")
        #expect(f.cli(["--format", "jsonl", "audit", "list", "--until", "2026-06-15"]).stdout.isEmpty)
        let show = f.cli(["audit", "show", "2"])
        #expect(show.stdout == """
            id:      2
            at:      2026-06-15T12:00:00Z
            actor:   ops
            command: users prefs set
            target:  user_preferences:1
            rows:    user_preferences +1
            details:
              {
                "arguments": {
                  "USER": "alice",
                  "TYPE": "style",
                  "KEY": "tone",
                  "JSON": "warm"
                }
              }

            """, "\(show.stdout)")
        let showJSON = f.cli(["--json", "audit", "show", "1"])
        #expect(try JSONParser.parse(showJSON.stdout)["rows"] == .object([("users", .object([("inserted", .integer(1))]))]))
        let missing = f.cli(["audit", "show", "9"])
        #expect(missing.status == 66 && missing.stderr.hasPrefix("socializer: error: no audit entry has id 9\n"))
    }

    /// Training rows have no id and levels are known by their user and
    /// skill: their entries name both, and `--target` finds them by either
    /// or by the pair. Names match exactly, as the app compares them.
    @Test func targetsOfSkillsAndTrainingNameTheUserAndSkillAndMatchExactly() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        f.setUp([["skills", "add", "empathy", "Mentoring", "mentoring"], ["skills", "add", "--if-missing", "empathy", "tact", "kind"],
                 ["skills", "add", "--if-missing", "empathy", "zeal"], ["skills", "add", "--if-missing", "empathy"],
                 ["skills", "set-level", "alice", "Mentoring", "3"], ["training", "start", "alice", "Mentoring"],
                 ["training", "pause", "alice", "Mentoring"], ["training", "start", "alice", "empathy"],
                 ["training", "stop", "alice", "empathy"]])
        let targets = f.csv(["--no-header", "--fields", "id,command,target", "audit", "list"])
        #expect(targets == """
            10,training stop,training (alice/empathy)\r
            9,training start,training (alice/empathy)\r
            8,training pause,training (alice/Mentoring)\r
            7,training start,training (alice/Mentoring)\r
            6,skills set-level,user_skills:1 (alice/Mentoring)\r
            5,skills add,\r
            4,skills add,skills:6 (zeal)\r
            3,skills add,skills\r
            2,skills add,skills\r
            1,users create,users:1 (alice)\r

            """, "\(targets)")
        func ids(_ target: String) -> String {
            f.csv(["--no-header", "--fields", "id", "audit", "list", "--target", target]).split(separator: "\r\n").joined(separator: " ")
        }
        #expect(ids("alice") == "10 9 8 7 6 1")
        #expect(ids("Mentoring") == "8 7 6")
        #expect(ids("mentoring") == "")
        #expect(ids("MENTORING") == "")
        #expect(ids("alice/Mentoring") == "8 7 6")
        #expect(ids("alice/mentoring") == "")
        #expect(ids("empathy") == "10 9")
        #expect(ids("training") == "10 9 8 7")
        #expect(ids("user_skills:1") == "6")
        #expect(ids("users:1") == "1")
        #expect(ids("Users") == "")
        #expect(ids("zeal") == "4")
        // GLOB's wildcards in a name match themselves only.
        #expect(ids("*") == "" && ids("ali?e") == "" && ids("[a]lice") == "")
    }

    @Test func purgeRemovesOldEntriesAndRecordsItself() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        #expect(f.cli(["users", "deactivate", "alice"]).status == 0)
        let later = runCLI(["--db", f.db, "users", "activate", "alice"], environment: f.environment, now: testNow.adding(seconds: 40 * 86400))
        #expect(later.status == 0)
        let purgeAt = testNow.adding(seconds: 41 * 86400)
        func purge(_ arguments: [String]) -> CLIResult {
            runCLI(["--db", f.db] + arguments, environment: f.environment, now: purgeAt)
        }
        let dry = purge(["--dry-run", "audit", "purge", "--older-than", "30d"])
        #expect(dry.status == 0 && dry.stdout == "would purge 2 row(s) from admin_audit (dry run: nothing was deleted)\n", "\(dry.stdout)")
        #expect(try Self.entries(f).count == 3)
        let result = purge(["--json", "audit", "purge", "--older-than", "30d"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["rows_deleted"] == .integer(2))
        let left = try Self.entries(f)
        #expect(left.map { Self.text($0["command"]) } == ["users activate", "audit purge"])
        #expect(left.map { $0["id"] } == [.integer(3), .integer(4)])
        let details = try JSONParser.parse(Self.text(left[1]["details"]) ?? "")
        #expect(details["arguments"] == .object([("older-than", .string("30d"))]))
        #expect(details["report"]?["rows_deleted"] == .integer(2) && details["report"]?["complete"] == .bool(true))
        #expect(Self.text(left[1]["rows"]) == #"{"admin_audit":{"deleted":2}}"#)
        // Ids are never reused, even once the trail is empty (skipped, so the purge leaves no entry).
        let all = runCLI(["--db", f.db, "--no-audit", "-y", "audit", "purge", "--before", "2030-01-01"],
                         environment: f.environment.merging(["SOCIALIZER_AUDIT": "off"]) { $1 }, now: purgeAt)
        #expect(all.status == 0)
        #expect(try Self.entries(f).isEmpty)
        #expect(f.cli(["users", "deactivate", "alice"]).status == 0)
        #expect(try Self.entries(f).map { $0["id"] } == [.integer(5)])
    }

    /// A cutoff at now or later would purge every entry: confirmed first.
    @Test func purgingUpToNowNeedsYes() throws {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        for cutoff in [["--older-than", "0s"], ["--before", "0d"], ["--before", "2026-06-15T12:00:00Z"]] {
            try f.refuses(["audit", "purge"] + cutoff, 64, """
                socializer: error: refusing to purge up to now (every entry would go, the newest included) without confirmation
                hint: add --yes to confirm (standard input is not a terminal)

                """)
        }
        try f.refuses(["audit", "purge", "--before", "2026-06-16"], 64, """
            socializer: error: refusing to purge up to 2026-06-16T00:00:00Z, a time in the future (every entry would go, the newest included) without confirmation
            hint: add --yes to confirm (standard input is not a terminal)

            """)
        #expect(runCLI(["--db", f.db, "users", "deactivate", "alice"], environment: f.environment, now: testNow.adding(seconds: -3600)).status == 0)
        #expect(f.cli(["-q", "audit", "purge", "--older-than", "1s"]).stdout == "1\n", "the entry of an hour ago")
        #expect(f.cli(["-q", "--yes", "audit", "purge", "--before", "2026-06-16"]).stdout == "2\n", "the creation's and the purge's")
    }

    @Test func aRunRecordsOneEntryWithItsReport() throws {
        let f = UsersFixture()
        for name in ["alice", "bob", "carol"] { #expect(f.create(name).status == 0) }
        let before = try Self.entries(f).count
        #expect(f.cli(["-y", "users", "rotate-key", "--all"]).status == 0)
        let entries = try Self.entries(f)
        #expect(entries.count == before + 1)
        #expect(Self.text(entries.last?["target"]) == "users" && Self.text(entries.last?["rows"]) == #"{"users":{"updated":3}}"#)
        #expect(Self.text(entries.last?["details"]) == #"{"arguments":{"all":true},"report":{"rotated":3,"users":3,"failed":0}}"#)
    }
}
