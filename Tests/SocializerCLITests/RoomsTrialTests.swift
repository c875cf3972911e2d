import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// What a newcomer's trial of `rooms` found in the small things: wording,
/// notices, hints, and what a report says.
@Suite struct RoomsTrialTests {
    @Test func aPasswordOnTheLineIsRefusedWithSourcesCreateReallyHas() throws {
        let f = try ChatRows.fixture()
        // rooms create never prompts (a room needs no password): the hint offers no prompt.
        try expectRefused(f, ["rooms", "create", "--creator", "alice", "--name", "den", "--password", "sesame"], status: 64,
                          "--password is not accepted",
                          hint: "passwords never travel in argv, where other users can read them (ps, /proc); "
                              + "use --password-stdin or --password-file FILE (a verb that needs a password also asks for it on a terminal)")
    }

    @Test func aDryRunOfAHardRemovalSaysWhatWouldBeDeleted() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["--dry-run", "rooms", "members", "remove", "lobby", "bob", "--hard"])
        #expect(dry.status == 0)
        #expect(dry.stderr == "socializer: dry run: the membership of user 'bob' in room 'lobby' (id 1) would be deleted; nothing was changed\n",
                "\(dry.stderr)")
        #expect(try contents(db) == before)
    }

    @Test func theTypeOptionsHelpDoesNotRepeatItsChoices() {
        // The option's line already shows them.
        let help = runCLI(["rooms", "create", "--help"]).stdout
        #expect(help.contains("--type direct|group|private  The kind of room, as the app names it."), "\(help)")
    }

    @Test func aFieldPrintedOnlyWithAFlagSaysWhichFlag() throws {
        let f = try ChatRows.fixture()
        try expectRefused(f, ["--fields", "name,members", "rooms", "list"], status: 64, "the field 'members' is printed only with --with-counts",
                          hint: "add --with-counts, or pick from: id,name,type,creator,created_at,active,public,ai,has_password")
        #expect(f.cli(["--fields", "name,members", "--format", "csv", "rooms", "list", "--with-counts"]).stdout.hasPrefix("name,members\r\n"))
        try expectRefused(f, ["--fields", "nope", "rooms", "list"], status: 64, "unknown field 'nope' for --fields")
    }

    @Test func theAIIsNotAUserAndTheErrorSaysWhichVerbsAreItsOwn() throws {
        let f = try ChatRows.fixture()
        let leaves = "the AI leaves a room with: socializer --db \(f.db) rooms update 1 --no-ai "
            + "(and comes back with: socializer --db \(f.db) rooms members add-ai 1)"
        try expectRefused(f, ["rooms", "members", "remove", "lobby", "AI"], status: 66, "user 'AI' not found; the AI is not a user", hint: leaves)
        try expectRefused(f, ["-y", "rooms", "members", "remove", "lobby", "ai", "--hard"], status: 66, "user 'ai' not found; the AI is not a user",
                          hint: leaves)
        try expectRefused(f, ["rooms", "members", "role", "lobby", "AI", "creator"], status: 66, "user 'AI' not found; the AI is not a user",
                          hint: "the AI's role is always ai; it joins with: socializer --db \(f.db) rooms members add-ai 1, "
                              + "and leaves with: socializer --db \(f.db) rooms update 1 --no-ai")
        try expectRefused(f, ["rooms", "members", "add", "quiet", "AI"], status: 66, "user 'AI' not found; the AI is not a user",
                          hint: "the AI joins a room with: socializer --db \(f.db) rooms members add-ai 2")
        // A user called so is a user.
        #expect(f.create("ai").status == 0)
        #expect(f.cli(["-q", "rooms", "members", "add", "lobby", "ai"]).status == 0)
        #expect(f.cli(["-q", "rooms", "members", "remove", "lobby", "ai"]).status == 0)
    }

    @Test func whatWasAlreadySoIsSaid() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let off = f.cli(["--fields", "id", "rooms", "update", "quiet", "--no-ai"])
        #expect(off.status == 0 && off.stderr == "socializer: room 'quiet' (id 2) already had AI turned off\n", "\(off.stderr)")
        let on = f.cli(["rooms", "update", "lobby", "--ai", "--fields", "ai"])
        #expect(on.status == 0 && on.stderr == "socializer: room 'lobby' (id 1) already had AI turned on\n", "\(on.stderr)")
        let publicAgain = f.cli(["--fields", "id", "rooms", "update", "lobby", "--private"])
        #expect(publicAgain.stderr == "socializer: room 'lobby' (id 1) was already private\n", "\(publicAgain.stderr)")
        let role = f.cli(["--fields", "role", "rooms", "members", "role", "lobby", "bob", "member"])
        #expect(role.status == 0 && role.stdout == "role: member\n")
        #expect(role.stderr == "socializer: user 'bob' already has the role member in room 'lobby' (id 1)\n", "\(role.stderr)")
        // A change is not "already": the AI that is on but left the room comes back, and says so.
        try db.execute("UPDATE room_members SET is_active = 0 WHERE room_id = 1 AND user_id IS NULL")
        #expect(f.cli(["--fields", "id", "rooms", "update", "lobby", "--ai"]).stderr
                == "socializer: the AI member of room 'lobby' (id 1) is active again\n")
        #expect(f.cli(["--fields", "id", "rooms", "members", "role", "lobby", "bob", "creator"]).stderr.isEmpty)
    }

    @Test func actingAsADeactivatedUserWorksWithANotice() throws {
        let f = try ChatRows.fixture()
        #expect(f.cli(["-q", "users", "deactivate", "bob"]).status == 0)
        let posted = f.cli(["-q", "rooms", "messages", "post", "lobby", "--from", "bob", "still here"])
        #expect(posted.status == 0)
        #expect(posted.stderr.isEmpty, "-q keeps notices back: \(posted.stderr)")
        let loud = f.cli(["--fields", "id", "rooms", "messages", "post", "lobby", "--from", "bob", "and here"])
        #expect(loud.status == 0 && loud.stderr
                == "socializer: user 'bob' is deactivated (the app does not let them log in); the message is posted all the same\n")
        let general = f.cli(["--fields", "id", "rooms", "general", "post", "--from", "bob", "hello all"])
        #expect(general.stderr == "socializer: user 'bob' is deactivated (the app does not let them log in); the message is posted all the same\n")
        let added = f.cli(["--fields", "id", "rooms", "members", "add", "quiet", "bob"])
        #expect(added.status == 0 && added.stderr
                == "socializer: user 'bob' is deactivated (the app does not let them log in); they are a member all the same\n")
        #expect(f.cli(["--fields", "id", "rooms", "messages", "post", "lobby", "--from", "alice", "hi"]).stderr.isEmpty)
    }

    @Test func aDeletedMessageIsNoActivity() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        // lobby's messages are at testNow; a later one, deleted (hidden), must not count, as it does not in the messages count.
        try db.execute("""
            INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, is_deleted)
            VALUES (1, 1, 'user', 'oops', 'text', '{}', '2026-06-20 12:00:00.000000', 1)
            """)
        let later = Timestamp(year: 2026, month: 6, day: 30)!
        let list = runCLI(["--db", f.db, "--format", "csv", "--fields", "name,messages,last_activity", "rooms", "list", "--with-counts"],
                          environment: f.environment, now: later)
        #expect(list.stdout.contains("lobby,2,2026-06-15T12:00:00Z\r\n"), "\(list.stdout)")
        let idle = runCLI(["--db", f.db, "--format", "csv", "--no-header", "--fields", "name", "rooms", "list", "--idle-for", "7d"],
                          environment: f.environment, now: later)
        #expect(idle.stdout.contains("lobby\r\n"), "\(idle.stdout)")
        #expect(f.cli(["--json", "rooms", "show", "lobby"]).stdout.contains(#""last_activity": "2026-06-15T12:00:00Z""#))
    }

    @Test func aMessagePurgeCountsTheInvitesItDetached() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        #expect(f.create("carol").status == 0)
        try db.execute("""
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (1, 1, 3, 'pending', 1, '2026-06-15 12:00:00.000000', NULL)
            """)
        let dry = f.cli(["--dry-run", "rooms", "messages", "purge", "--before", "2026-06-16", "--yes"])
        #expect(dry.stdout == "would purge 2 row(s) from room_messages, would set NULL 1 reference(s) to them (dry run: nothing was deleted)\n",
                "\(dry.stdout)")
        let json = f.cli(["--json", "rooms", "messages", "purge", "--before", "2026-06-16", "--yes"])
        #expect(json.status == 0, "\(json.stderr)")
        let record = try JSONParser.parse(json.stdout)
        #expect(record["rows_deleted"] == .integer(2) && record["rows_detached"] == .integer(1), "\(json.stdout)")
        #expect(try db.scalar("SELECT message_id FROM room_invites") == .null)
        #expect(f.cli(["--format", "csv", "--fields", "rows_detached", "rooms", "messages", "purge", "--older-than", "1d"]).stdout
                == "rows_detached\r\n0\r\n")
        // Purges that detach nothing print what they did before.
        #expect(!f.cli(["--json", "rooms", "general", "purge", "--keep-last", "1"]).stdout.contains("rows_detached"))
    }

    @Test func cronLinesNameTheBinaryByItsPath() throws {
        // cron's PATH is /usr/bin:/bin: a bare `socializer` is not found there.
        var lines: [String] = []
        for command in CommandTable.root.children {
            for (_, leaf) in command.leaves() { lines += leaf.examples.filter { $0.contains("* * *") } }
        }
        let page = try String(contentsOfFile: ManPageTests.manFolder() + "/socializer-rooms.1", encoding: .utf8)
        lines += page.split(separator: "\n").map(String.init).filter { $0.contains("* * *") }
        #expect(lines.count >= 6)
        for line in lines {
            #expect(line.contains(" /usr/local/bin/socializer "), "\(line)")
        }
    }
}
