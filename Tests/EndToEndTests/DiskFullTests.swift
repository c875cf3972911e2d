import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Issue 10, point 9, and BAD-INPUT row 38: a full disk (RLIMIT_FSIZE of one
/// 512-byte block, SIGXFSZ ignored, so a write past it fails with EFBIG)
/// under every writing command of the command table, run as the built
/// binary. Each must exit 74 with a message, leave every row of every table
/// as it was (and `integrity_check` ok), and leave no file behind, half
/// written or not. The table is iterated, so a new mutating verb fails
/// `everyMutatingVerbHasADiskFullCase` until it gets a case here.
@Suite struct DiskFullTests {
    static let future: Int64 = 4_102_444_800
    static let jwtSecret = "dev-secret-please-change-0123456789abcdef"
    static let environment = ["SOCIALIZER_EMAIL_KEY": "test-email-key-0123456789abcdef",
                              "SOCIALIZER_BCRYPT_COST": "4", "SOCIALIZER_JWT_SECRET": jwtSecret]

    static func token(_ subject: String) -> String {
        JWT.encode(claims: .object([("sub", .string(subject)), ("exp", .integer(future))]), algorithm: .hs256,
                   secret: Array(jwtSecret.utf8))
    }

    /// The database the cases start from, and how it differs per case.
    enum Start: Sendable {
        /// Migrated; alice (active, a memory with a message, a preference, a
        /// revoked token, a level in empathy, an active training in it and a
        /// paused one in patience), bob (inactive, a completed training in
        /// empathy), the skills empathy, listening and patience, one error log.
        case app
        /// The same, rolled back to version 2: `migrate up` has work to do.
        case version2
        /// The app's own database without migration history (rollback journal).
        case legacy
        /// `app`, with rows the app leaves behind for `doctor --fix` to
        /// repair: a preference of a user who is gone, two AI members in a room.
        case orphans
        /// `app` with chat rows: alice's rooms lobby (bob a member, a message
        /// from each of alice and the AI) and quiet (no AI), bob's archived
        /// room old, two general chat messages.
        case chat
        /// `chat` with invites: alice invites bob to quiet (invite 1,
        /// pending) and carol, created here, to lobby (invite 2, declined).
        case invites
    }

    /// One valid invocation of a writing verb.
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var start = Start.app
        /// A file in the test folder given as standard input.
        var stdin: String?
        /// Files the command is meant to write (none may exist afterwards).
        var outputs: [String] = []
        /// False for `backup`, which writes only its copy.
        var changesDatabase = true
        var testDescription: String { arguments.prefix(4).joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["users", "create", "zed", "--no-email", "--password-stdin"], stdin: "password.txt"),
        Case(arguments: ["users", "update", "alice", "--role", "admin"]),
        Case(arguments: ["users", "activate", "bob"]),
        Case(arguments: ["users", "deactivate", "alice"]),
        Case(arguments: ["users", "set-password", "alice", "--password-stdin"], stdin: "password.txt"),
        Case(arguments: ["users", "delete", "alice", "--yes"]),
        Case(arguments: ["users", "memory", "set", "alice", "--file", "memory.json"]),
        Case(arguments: ["users", "memory", "clear", "alice"]),
        Case(arguments: ["users", "messages", "alice", "--clear"]),
        Case(arguments: ["users", "rotate-key", "alice"]),
        Case(arguments: ["users", "rotate-key", "--all", "--yes"]),
        Case(arguments: ["users", "prefs", "set", "alice", "style", "tone", "\"warm\""]),
        Case(arguments: ["users", "prefs", "unset", "alice", "topics", "likes"]),
        Case(arguments: ["users", "import", "people.jsonl"]),
        // The document is the write (the audit entry follows it): nothing may be left of it.
        Case(arguments: ["users", "takeout", "alice", "--output", "alice-takeout.json"], outputs: ["alice-takeout.json"]),
        Case(arguments: ["skills", "add", "kindness", "tact"]),
        Case(arguments: ["skills", "rename", "listening", "active_listening"]),
        Case(arguments: ["skills", "remove", "empathy", "--yes"]),
        Case(arguments: ["skills", "set-level", "alice", "listening", "4"]),
        Case(arguments: ["training", "start", "alice", "listening", "--notes", "weekly"]),
        Case(arguments: ["training", "pause", "alice", "empathy"]),
        Case(arguments: ["training", "resume", "alice", "patience"]),
        Case(arguments: ["training", "progress", "alice", "empathy", "0.5"]),
        Case(arguments: ["training", "complete", "alice", "empathy"]),
        Case(arguments: ["training", "reset", "bob", "empathy"]),
        Case(arguments: ["training", "stop", "alice", "empathy"]),
        Case(arguments: ["training", "purge", "--completed-before", "2200-01-01", "--yes"]),
        Case(arguments: ["rooms", "create", "--creator", "alice", "--name", "den"]),
        Case(arguments: ["rooms", "update", "lobby", "--public", "--no-ai"], start: .chat),
        Case(arguments: ["rooms", "set-password", "lobby", "--password-stdin"], start: .chat, stdin: "password.txt"),
        Case(arguments: ["rooms", "archive", "lobby"], start: .chat),
        Case(arguments: ["rooms", "unarchive", "old"], start: .chat),
        Case(arguments: ["rooms", "delete", "lobby", "--yes"], start: .chat),
        Case(arguments: ["rooms", "members", "add", "quiet", "bob"], start: .chat),
        Case(arguments: ["rooms", "members", "add-ai", "quiet"], start: .chat),
        Case(arguments: ["rooms", "members", "remove", "lobby", "bob"], start: .chat),
        Case(arguments: ["rooms", "members", "role", "lobby", "bob", "creator"], start: .chat),
        Case(arguments: ["rooms", "messages", "post", "lobby", "--from", "bob", "--stdin"], start: .chat, stdin: "password.txt"),
        Case(arguments: ["rooms", "messages", "edit", "1", "edited"], start: .chat),
        Case(arguments: ["rooms", "messages", "delete", "1", "--hard", "--yes"], start: .chat),
        Case(arguments: ["rooms", "messages", "purge", "--before", "2100-01-01", "--yes"], start: .chat),
        Case(arguments: ["rooms", "mark-read", "lobby", "bob"], start: .chat),
        Case(arguments: ["rooms", "general", "post", "--from", "bob", "hi"], start: .chat),
        Case(arguments: ["rooms", "general", "purge", "--keep-last", "1"], start: .chat),
        Case(arguments: ["invites", "send", "lobby", "--from", "alice", "--to", "carol"], start: .invites),
        Case(arguments: ["invites", "accept", "1"], start: .invites),
        Case(arguments: ["invites", "decline", "1"], start: .invites),
        Case(arguments: ["invites", "cancel", "1"], start: .invites),
        Case(arguments: ["invites", "purge", "--before", "2100-01-01", "--yes"], start: .invites),
        Case(arguments: ["tokens", "revoke", token("bob")]),
        Case(arguments: ["tokens", "purge", "--before", "2200-01-01", "--yes"]),
        Case(arguments: ["logs", "add", "--type", "T", "--message", "M"]),
        Case(arguments: ["logs", "purge", "--before", "2100-01-01", "--yes"]),
        Case(arguments: ["audit", "purge", "--before", "2100-01-01", "--yes"]),
        // The automatic backup is the first write; with --no-backup, the migration.
        Case(arguments: ["migrate", "up"], start: .version2, outputs: [".bak-"]),
        Case(arguments: ["migrate", "up", "--no-backup"], start: .version2),
        Case(arguments: ["migrate", "down", "--yes"]),
        Case(arguments: ["migrate", "baseline"], start: .legacy),
        Case(arguments: ["doctor", "--fix", "--yes"], start: .orphans),
        // The demo beside the start's rows (its skill empathy is theirs): the rest is loaded.
        Case(arguments: ["seed", "--demo", "--on-conflict", "skip"]),
        // A replacement built beside the database: the old one stays, the temporary file goes.
        Case(arguments: ["seed", "--fresh", "--demo"]),
        Case(arguments: ["skills", "import", TransferFiles.skills.name]),
        Case(arguments: ["training", "import", TransferFiles.training.name]),
        Case(arguments: ["rooms", "import", TransferFiles.rooms.name]),
        // Not a database change, but it writes a file.
        Case(arguments: ["backup", "copy.db"], outputs: ["copy.db"], changesDatabase: false),
    ]

    /// A fresh folder with the case's database (checkpointed, no WAL) and input files.
    static func prepare(_ start: Start) throws -> TemporaryDirectory {
        let folder = TemporaryDirectory()
        let db = folder.file("app.db")
        func cli(_ arguments: [String], stdin: String = "") {
            let result = runCLI(["--db", db] + arguments, environment: environment, stdin: stdin)
            #expect(result.status == 0, "setup \(arguments): \(result.stderr)")
        }
        switch start {
        case .legacy:
            _ = try LegacyDatabase.create(at: db)
        case .app, .version2, .orphans, .chat, .invites:
            cli(["-q", "migrate", "up"])
            cli(["-q", "users", "create", "alice", "--no-email", "--password-stdin"], stdin: "pw-alice-123\n")
            cli(["-q", "users", "create", "bob", "--no-email", "--password-stdin"], stdin: "pw-bob-1234\n")
            cli(["-q", "users", "deactivate", "bob"])
            cli(["-q", "users", "memory", "set", "alice", "--stdin"],
                stdin: #"{"messages": [{"role": "user", "content": "hi"}], "general_chat": [], "ai_conversation": [], "metadata": {"version": "1.0"}}"#)
            cli(["-q", "users", "prefs", "set", "alice", "topics", "likes", "[\"chess\"]"])
            cli(["-q", "logs", "add", "--type", "ValueError", "--message", "boom"])
            cli(["-q", "tokens", "revoke", token("alice")])
            cli(["-q", "skills", "add", "empathy", "listening", "patience"])
            cli(["-q", "skills", "set-level", "alice", "empathy", "5"])
            cli(["-q", "training", "start", "alice", "empathy"])
            cli(["-q", "training", "start", "alice", "patience"])
            cli(["-q", "training", "pause", "alice", "patience"])
            cli(["-q", "training", "start", "bob", "empathy"])
            cli(["-q", "training", "complete", "bob", "empathy"])
            if case .version2 = start { cli(["-q", "-y", "migrate", "down", "--to", "2"]) }
            if case .orphans = start {
                let app = try Connection(path: db)
                try app.execute("PRAGMA foreign_keys = OFF")
                try app.execute("INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value) VALUES (99, 't', 'k', '1')")
                try app.execute("INSERT INTO chat_rooms (id, name, creator_id) VALUES (1, 'lobby', 1)")
                try app.execute("INSERT INTO room_members (room_id, user_id, role) VALUES (1, NULL, 'ai'), (1, NULL, 'ai')")
            }
            switch start {
            case .chat, .invites:
                cli(["-q", "rooms", "create", "--creator", "alice", "--name", "lobby"])
                cli(["-q", "rooms", "members", "add", "lobby", "bob"])
                cli(["-q", "rooms", "create", "--creator", "alice", "--name", "quiet", "--no-ai"])
                cli(["-q", "rooms", "create", "--creator", "bob", "--name", "old"])
                cli(["-q", "rooms", "archive", "old"])
                cli(["-q", "rooms", "messages", "post", "lobby", "--from", "alice", "hello"])
                cli(["-q", "rooms", "messages", "post", "lobby", "--ai", "hi there"])
                cli(["-q", "rooms", "general", "post", "--from", "alice", "morning"])
                cli(["-q", "rooms", "general", "post", "--from", "bob", "hey"])
            default: break
            }
            if case .invites = start {
                cli(["-q", "users", "create", "carol", "--no-email", "--password-stdin"], stdin: "pw-carol-123\n")
                cli(["-q", "invites", "send", "quiet", "--from", "alice", "--to", "bob"])
                cli(["-q", "invites", "send", "lobby", "--from", "alice", "--to", "carol"])
                cli(["-q", "invites", "decline", "2"])
            }
        }
        _ = folder.write("people.jsonl", "{\"username\": \"imported\", \"password\": \"pw-imp-123\"}\n")
        _ = folder.write("memory.json", #"{"messages": [], "general_chat": [], "ai_conversation": [], "metadata": {"version": "1.0"}}"#)
        _ = folder.write("password.txt", "new-pw-123\n")
        TransferFiles.write(into: folder)
        // The WAL and shared-memory files go away with the last connection.
        #expect(!folder.exists("app.db-wal") && !folder.exists("app.db-shm"), "\(folder.listing())")
        return folder
    }

    @Test func everyMutatingVerbHasADiskFullCase() {
        let covered = Set(Self.cases.map { verbPath(of: $0.arguments) })
        #expect(!mutatingVerbPaths().isEmpty)
        for path in mutatingVerbPaths() {
            #expect(covered.contains(path), "no disk-full case for '\(path.joined(separator: " "))'")
        }
    }

    // BAD-INPUT 38
    /// `appConnected`: the app holds the database open, as on a live server,
    /// so SQLite's 32 KiB shared-memory file exists and the WAL is empty:
    /// the command gets as far as its own write, which must grow the WAL (or
    /// the rollback journal, or the output file) past the limit. Without it,
    /// the command fails earlier, creating the shared-memory file; both are
    /// a full disk and must look the same from outside.
    @Test(arguments: cases, [true, false])
    func aFullDiskExits74AndChangesNothing(_ c: Case, appConnected: Bool) throws {
        let folder = try Self.prepare(c.start)
        let db = folder.file("app.db")
        var app: Connection? = nil
        if appConnected {
            app = try Connection(path: db)
            // Rollback-journal databases have no WAL to empty.
            if try app?.scalar("PRAGMA journal_mode") == .text("wal") { try app?.checkpointCompletely() }
        }
        let before = try everyRow(db)
        let files = folder.listing()
        let run = try Spawned(["--db", db] + c.arguments, directory: folder.path, fileSizeLimitBlocks: 1,
                              environment: Self.environment, stdinFile: c.stdin.map(folder.file))
        let status = run.wait(seconds: 30)
        let context = "\(c.arguments.joined(separator: " ")) (app connected: \(appConnected))"
        #expect(status == 74, "\(context): \(String(describing: status)) \(run.stderr)")
        #expect(run.stderr.hasPrefix("socializer: error: "), "\(context): \(run.stderr)")
        #expect(["disk", "I/O error", "file size limit"].contains { run.stderr.contains($0) }, "\(context): \(run.stderr)")
        #expect(try everyRow(db) == before, "\(context): the database changed")
        #expect(before.first == "integrity_check: ok")
        // Nothing new in the folder: no output, backup or temporary file.
        // (SQLite's own -wal and -shm beside the database are not outputs.)
        let sqliteFiles = { (name: String) in name.hasSuffix("-wal") || name.hasSuffix("-shm") }
        #expect(folder.listing().filter { !sqliteFiles($0) } == files.filter { !sqliteFiles($0) }, "\(context): \(folder.listing())")
        #expect(folder.partialFiles.isEmpty, "\(context): \(folder.partialFiles)")
        for output in c.outputs {
            #expect(!folder.listing().contains { $0.contains(output) }, "\(context): \(output) was left")
        }
        app = nil
        // The control: without the limit the same command succeeds.
        let control = try Spawned(["--db", db] + c.arguments, directory: folder.path,
                                  environment: Self.environment, stdinFile: c.stdin.map(folder.file))
        #expect(control.wait(seconds: 30) == 0, "\(context) without a limit: \(control.stderr)")
        if c.changesDatabase {
            #expect(try everyRow(db) != before, "\(context): the control changed nothing")
        }
        for output in c.outputs {
            #expect(folder.listing().contains { $0.contains(output) }, "\(context): the control wrote no \(output)")
        }
    }
}
