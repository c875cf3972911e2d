import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

@Suite struct RoomsMembersTests {
    @Test func listShowsTheCurrentMembersOrThoseWhoLeft() throws {
        let f = try ChatRows.fixture()
        let list = f.cli(["rooms", "members", "list", "lobby"])
        #expect(list.stdout == """
            ID  ROOM_ID  USER_ID  MEMBER  ROLE     ACTIVE  JOINED_AT             LAST_READ_AT
            1   1        1        alice   creator  true    2026-06-15T12:00:00Z
            2   1                 AI      ai       true    2026-06-15T12:00:00Z
            3   1        2        bob     member   true    2026-06-15T12:00:00Z

            """, "\(list.stdout)")
        #expect(f.cli(["-q", "rooms", "members", "remove", "lobby", "bob"]).stdout == "3\n")
        let csv = { (arguments: [String]) in f.cli(["--format", "csv", "--no-header", "--fields", "member"] + arguments).stdout }
        #expect(csv(["rooms", "members", "list", "lobby"]) == "alice\r\nAI\r\n")
        #expect(csv(["rooms", "members", "list", "lobby", "--inactive"]) == "bob\r\n")
    }

    @Test func addReactivatesWhoLeftAndRefusesAMember() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        try expectRefused(f, ["rooms", "members", "add", "lobby", "bob"], status: 65, "user 'bob' is already a member of room 'lobby' (id 1)")
        // Leaving keeps the row (as the app's leave does); joining again re-activates it.
        let left = f.cli(["--fields", "active", "rooms", "members", "remove", "lobby", "bob"])
        #expect(left.status == 0 && left.stdout == "active: false\n")
        #expect(try db.rows("SELECT id, is_active FROM room_members WHERE user_id = 2 AND room_id = 1").map(\.values) == [[.integer(3), .integer(0)]])
        let again = f.cli(["rooms", "members", "remove", "lobby", "bob"])
        #expect(again.status == 0 && again.stderr == "socializer: user 'bob' had already left room 'lobby' (id 1)\n")
        let back = f.cli(["--fields", "id,role,active", "rooms", "members", "add", "lobby", "bob", "--role", "creator"])
        #expect(back.status == 0 && back.stdout == "id:     3\nrole:   creator\nactive: true\n", "\(back.stderr)")
        #expect(back.stderr == "socializer: user 'bob' had left room 'lobby' (id 1) and is a member again\n")
        // A new member: member role by default, joined now, nothing read.
        let added = f.cli(["--json", "rooms", "members", "add", "quiet", "bob"])
        let record = try JSONParser.parse(added.stdout)
        #expect(record["role"] == .string("member") && record["joined_at"] == .string("2026-06-15T12:00:00Z")
                && record["last_read_at"] == .null, "\(added.stdout)")
        try expectRefused(f, ["rooms", "members", "add", "quiet", "nobody"], status: 66, "user 'nobody' not found")
        try expectRefused(f, ["rooms", "members", "add", "quiet", "bob", "--role", "ai"], status: 64, "invalid value 'ai' for --role")
    }

    @Test func removeHardDeletesTheRowAndRoleChangesIt() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let role = f.cli(["--fields", "role", "rooms", "members", "role", "lobby", "bob", "creator"])
        #expect(role.status == 0 && role.stdout == "role: creator\n")
        #expect(try db.scalar("SELECT role FROM room_members WHERE id = 3") == .text("creator"))
        try expectRefused(f, ["rooms", "members", "role", "lobby", "bob", "ai"], status: 64, "invalid value 'ai' for ROLE")
        try expectRefused(f, ["rooms", "members", "role", "quiet", "bob", "member"], status: 65,
                          "user 'bob' is not an active member of room 'quiet' (id 2)")
        // --hard deletes for good: confirmed, as rooms delete is.
        try expectRefused(f, ["rooms", "members", "remove", "lobby", "bob", "--hard"], status: 64,
                          "refusing to delete the membership row of user 'bob' in room 'lobby' (id 1) without confirmation",
                          hint: "add --yes to confirm (standard input is not a terminal)")
        let asked = runCLI(["--db", f.db, "rooms", "members", "remove", "lobby", "bob", "--hard"], environment: f.environment, stdin: "n\n",
                           terminal: TerminalInfo(stdinIsTerminal: true, stdoutIsTerminal: false, stderrIsTerminal: true))
        #expect(asked.status == 64 && asked.stderr.contains("Delete the membership row of user 'bob' in room 'lobby' (id 1)? [y/N] "))
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE user_id = 2 AND room_id = 1") == 1)
        let hard = f.cli(["-y", "rooms", "members", "remove", "lobby", "bob", "--hard"])
        #expect(hard.status == 0 && hard.stderr == "socializer: the membership of user 'bob' in room 'lobby' (id 1) was deleted\n")
        #expect(hard.stdout.contains("member:       bob"))
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE user_id = 2 AND room_id = 1") == 0)
        try expectRefused(f, ["rooms", "members", "remove", "lobby", "bob"], status: 66, "user 'bob' is not a member of room 'lobby' (id 1)")
    }
}

@Suite struct RoomsUnreadTests {
    /// Per room: messages after last_read_at (NULL: all of them), deleted
    /// ones and the member's own left out.
    @Test func unreadCountsWhatArrivedSinceTheMemberLastRead() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let unread = { (user: String) in f.cli(["--format", "csv", "--no-header", "rooms", "unread", user]).stdout }
        // bob has read nothing: alice's hello and the AI's answer.
        #expect(unread("bob") == "1,lobby,2,\r\n")
        // alice's own hello does not count; quiet has nothing.
        #expect(unread("alice") == "1,lobby,1,\r\n2,quiet,0,\r\n")
        let marked = f.cli(["--fields", "last_read_at", "rooms", "mark-read", "lobby", "bob"])
        #expect(marked.status == 0 && marked.stdout == "last_read_at: 2026-06-15T12:00:00Z\n", "\(marked.stderr)")
        #expect(try db.scalar("SELECT last_read_at FROM room_members WHERE id = 3") == .text("2026-06-15 12:00:00.000000"))
        #expect(unread("bob") == "1,lobby,0,2026-06-15T12:00:00Z\r\n")
        // Later messages count again; a deleted one does not.
        try db.execute("""
            INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted)
            VALUES (1, 1, 'user', 'later', 'text', '{}', '2026-06-15 13:00:00.000000', NULL, 0),
                   (1, NULL, 'ai', 'gone', 'text', '{}', '2026-06-15 13:01:00.000000', NULL, 1),
                   (1, 2, 'user', 'mine', 'text', '{}', '2026-06-15 13:02:00.000000', NULL, 0)
            """)
        #expect(unread("bob") == "1,lobby,1,2026-06-15T12:00:00Z\r\n")
        #expect(f.cli(["-q", "rooms", "mark-read", "lobby", "bob", "--at", "2026-06-15T11:00:00Z"]).status == 0)
        #expect(unread("bob") == "1,lobby,3,2026-06-15T11:00:00Z\r\n")
        // An archived room, or one the user left, is not theirs any more.
        #expect(f.cli(["-q", "rooms", "archive", "lobby"]).status == 0)
        #expect(unread("bob").isEmpty)
        try expectRefused(f, ["rooms", "unread", "nobody"], status: 66, "user 'nobody' not found")
    }

    @Test func markReadRefusesANonMemberAndTheFuture() throws {
        let f = try ChatRows.fixture()
        try expectRefused(f, ["rooms", "mark-read", "quiet", "bob"], status: 65, "user 'bob' is not an active member of room 'quiet' (id 2)",
                          hint: "add them first with: socializer --db \(f.db) rooms members add 2 bob")
        try expectRefused(f, ["rooms", "mark-read", "lobby", "bob", "--at", "2030-01-01"], status: 64,
                          "--at 2030-01-01T00:00:00Z is in the future; a member cannot have read what was not written yet")
        try expectRefused(f, ["rooms", "mark-read", "lobby", "bob", "--at", "soon"], status: 64, "invalid value 'soon' for --at")
    }
}
