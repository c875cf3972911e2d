import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

@Suite struct RoomsMessagesTests {
    @Test func postWritesWhatTheAppWrites() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let posted = f.cli(["-q", "rooms", "messages", "post", "lobby", "--from", "bob", "--metadata", "{\"client\": \"cli\"}", "--stdin"],
                           stdin: "two\nlines\n")
        #expect(posted.status == 0 && posted.stdout == "3\n", "\(posted.stderr)")
        #expect(f.cli(["-q", "rooms", "messages", "post", "lobby", "--system", "bob joined"]).stdout == "4\n")
        let rows = try db.rows("""
            SELECT room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted
            FROM room_messages WHERE id >= 2 ORDER BY id
            """).map(\.values)
        let at = DatabaseValue.text("2026-06-15 12:00:00.000000")
        #expect(rows == [
            [.integer(1), .null, .text("ai"), .text("hi there"), .text("text"), .text("{}"), at, .null, .integer(0)],
            [.integer(1), .integer(2), .text("user"), .text("two\nlines"), .text("text"), .text(#"{"client":"cli"}"#), at, .null, .integer(0)],
            [.integer(1), .null, .text("system"), .text("bob joined"), .text("system"), .text("{}"), at, .null, .integer(0)],
        ], "\(rows)")
        // Posting changes nothing else: no counter, no last_read_at.
        #expect(try db.rows("SELECT last_read_at FROM room_members WHERE last_read_at IS NOT NULL").isEmpty)
        #expect(try db.scalar("SELECT messages FROM users WHERE id = 2") == .integer(0))
    }

    @Test func postRefusesWhatTheAppWouldNot() throws {
        let f = try ChatRows.fixture()
        #expect(f.create("carol").status == 0)
        // Issue 12: posting as a non-member is 65, with the way in, and nothing is written.
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "carol", "hi"], status: 65,
                          "user 'carol' is not an active member of room 'lobby' (id 1)",
                          hint: "add them first with: socializer --db \(f.db) rooms members add 1 carol")
        #expect(f.cli(["-q", "rooms", "members", "remove", "lobby", "bob"]).status == 0)
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "bob", "hi"], status: 65,
                          "user 'bob' is not an active member of room 'lobby' (id 1)")
        try expectRefused(f, ["rooms", "messages", "post", "quiet", "--ai", "hi"], status: 65, "room 'quiet' (id 2) has AI turned off")
        try expectRefused(f, ["rooms", "messages", "post", "old", "--system", "hi"], status: 65, "room 'old' (id 3) is archived")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "   "], status: 65, "the message is blank: only spaces, tabs and line breaks")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", ""], status: 65, "the message is empty")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "a\u{1B}[31mb"], status: 65,
                          "the message contains a control character (U+001B)")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "--stdin"], stdin: String(repeating: "x", count: 70_000),
                          status: 65, "the message on standard input is longer than 64 KiB, the limit for it")
        // The limit is the message's, the line break that ends the input aside: 64 KiB is accepted as an argument
        // and on standard input alike, one byte more refused alike.
        let full = String(repeating: "x", count: RoomMessage.maximumContentBytes)
        for (arguments, input) in [(["lobby", "--from", "alice", full], ""), (["lobby", "--from", "alice", "--stdin"], full + "\n"),
                                   (["lobby", "--from", "alice", "--stdin"], full + "\r\n"), (["lobby", "--from", "alice", "--stdin"], full)] {
            let posted = f.cli(["-q", "rooms", "messages", "post"] + arguments, stdin: input)
            #expect(posted.status == 0, "\(input.suffix(2).unicodeScalars.map(\.value)): \(posted.stderr)")
        }
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "--stdin"], stdin: full + "x\n",
                          status: 65, "the message on standard input is longer than 64 KiB, the limit for it")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", full + "x"],
                          status: 65, "the message is 65537 bytes long; at most 65536 are allowed")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "hi", "--metadata", "[1]"], status: 65,
                          "message metadata must be a JSON object, not an array")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--from", "alice", "hi", "--metadata", "{x"], status: 65,
                          "--metadata is not valid JSON")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "hi"], status: 64, "one of --from or --ai or --system is required")
        // The usage line keeps ROOM before the text.
        #expect(f.cli(["rooms", "messages", "post", "lobby", "hi"]).stderr
                    .contains("usage: socializer rooms messages post ROOM (TEXT | --stdin) (--from USER | --ai | --system) [options]\n"))
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--ai", "--system", "hi"], status: 64,
                          "--ai and --system cannot be used together")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--ai"], status: 64, "one of TEXT or --stdin is required")
        try expectRefused(f, ["rooms", "messages", "post", "lobby", "--ai", "hi", "--stdin"], status: 64, "TEXT and --stdin cannot be used together")
        try expectRefused(f, ["rooms", "messages", "post", "nowhere", "--ai", "hi"], status: 66, "room 'nowhere' not found")
    }

    @Test func listIsNewestFirstWithSendersAndPagesLikeTheApp() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        for n in 1...4 {
            try db.execute("""
                INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted)
                VALUES (1, 2, 'user', ?, 'text', '{}', ?, NULL, ?)
                """, ["m\(n)", "2026-06-15 12:0\(n):00.000000", n == 3 ? 1 : 0])
        }
        let list = f.cli(["rooms", "messages", "list", "lobby", "--limit", "3"])
        #expect(list.stdout == """
            ID  CREATED_AT            SENDER  SENDER_TYPE  SENDER_ID  MESSAGE_TYPE  CONTENT  EDITED_AT  DELETED  METADATA
            6   2026-06-15T12:04:00Z  bob     user         2          text          m4                  false    {}
            4   2026-06-15T12:02:00Z  bob     user         2          text          m2                  false    {}
            3   2026-06-15T12:01:00Z  bob     user         2          text          m1                  false    {}

            """, "\(list.stdout)")
        let ids = { (arguments: [String]) in
            f.cli(["--format", "csv", "--no-header", "--fields", "id", "rooms", "messages", "list", "lobby"] + arguments).stdout
                .split(separator: "\r\n").joined(separator: ",")
        }
        #expect(ids([]) == "6,4,3,2,1")
        #expect(ids(["--include-deleted"]) == "6,5,4,3,2,1")
        #expect(ids(["--before", "4"]) == "3,2,1")
        #expect(ids(["--since", "2026-06-15T12:02:00Z"]) == "6,4")
        #expect(ids(["--from", "alice"]) == "1")
        let senders = f.cli(["--format", "csv", "--no-header", "--fields", "sender,sender_type", "rooms", "messages", "list", "lobby",
                             "--before", "3"]).stdout
        #expect(senders == "AI,ai\r\nalice,user\r\n")
        try expectRefused(f, ["rooms", "messages", "list", "lobby", "--limit", "0"], status: 64, "invalid value '0' for --limit")
        try expectRefused(f, ["rooms", "messages", "list", "lobby", "--from", "nobody"], status: 66, "user 'nobody' not found")
    }

    @Test func anUnreadableStoredTimeIsNamedByItsRowAndTheOutputStaysWhole() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        try db.execute("UPDATE room_messages SET edited_at = 'soon' WHERE id = 1")
        let before = try contents(db)
        let error = "room_messages.edited_at holds a value that is not a date or time (row id 1)"
        let hint = "find every such value, and what fixes it, with: socializer --db \(f.db) doctor"
        // Newest first: message 2 is printed, then message 1 fails; the array is closed.
        let json = f.cli(["--json", "rooms", "messages", "list", "lobby"])
        #expect(json.status == 65)
        let items = try JSONParser.parse(json.stdout).arrayItems
        #expect(items.count == 1 && items[0]["id"] == .integer(2), "\(json.stdout)")
        #expect(json.stderr == #"{"error":"\#(error)","code":65,"hint":"\#(hint)"}"# + "\n")
        for command in [["rooms", "messages", "list", "lobby"], ["rooms", "messages", "search", "--all", "h"]] {
            let table = f.cli(command)
            #expect(table.status == 65 && table.stdout.contains("hi there"), "\(command) \(table.stdout)")
            #expect(table.stderr == "socializer: error: \(error)\nhint: \(hint)\n", "\(command)")
        }
        #expect(try contents(db) == before)
        // Failing on the first row prints nothing at all; a time read through a subquery names its column.
        try db.execute("UPDATE room_messages SET created_at = 'soon' WHERE id = 2")
        let none = f.cli(["--json", "rooms", "messages", "list", "lobby"])
        #expect(none.status == 65 && none.stdout.isEmpty && none.stderr.contains("room_messages.created_at holds a value that is not a date or time (row id 2)"))
        let show = f.cli(["rooms", "show", "lobby"])
        #expect(show.status == 65 && show.stdout.isEmpty)
        #expect(show.stderr == "socializer: error: room_messages.created_at holds a value that is not a date or time\nhint: \(hint)\n")
    }

    @Test func editAndDelete() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let edited = f.cli(["--fields", "content,edited_at", "rooms", "messages", "edit", "1", "hello, edited"])
        #expect(edited.status == 0 && edited.stdout == "content:   hello, edited\nedited_at: 2026-06-15T12:00:00Z\n")
        #expect(try db.scalar("SELECT edited_at FROM room_messages WHERE id = 1") == .text("2026-06-15 12:00:00.000000"))
        try expectRefused(f, ["rooms", "messages", "edit", "99", "x"], status: 66, "no room message has id 99")
        // Soft: hidden as the app hides it, the row stays; twice is not an error.
        let soft = f.cli(["--fields", "deleted", "rooms", "messages", "delete", "1"])
        #expect(soft.status == 0 && soft.stdout == "deleted: true\n")
        #expect(f.cli(["rooms", "messages", "delete", "1"]).stderr == "socializer: room message 1 was already deleted\n")
        try expectRefused(f, ["rooms", "messages", "edit", "1", "x"], status: 65, "room message 1 is deleted; it cannot be edited")
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE id = 1 AND is_deleted = 1") == 1)
        // Hard: the row goes; an invite pointing at it keeps its row with message_id NULL.
        #expect(f.create("carol").status == 0)
        try db.execute("""
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (1, 1, 3, 'pending', 2, '2026-06-15 12:00:00.000000', NULL)
            """)
        try expectRefused(f, ["rooms", "messages", "delete", "2", "--hard"], status: 64,
                          "refusing to delete the row of room message 2 (not only hide it) without confirmation",
                          hint: "add --yes to confirm (standard input is not a terminal)")
        let hard = f.cli(["--format", "csv", "--yes", "rooms", "messages", "delete", "2", "--hard"])
        #expect(hard.status == 0 && hard.stdout == "table,deleted,detached\r\nroom_invites,0,1\r\nroom_messages,1,0\r\n", "\(hard.stdout)")
        #expect(try db.scalar("SELECT message_id FROM room_invites") == .null)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE id = 2") == 0)
        try expectRefused(f, ["rooms", "messages", "delete", "2", "--hard", "--yes"], status: 66, "no room message has id 2")
    }

    @Test func searchFindsAbuseAcrossRooms() throws {
        let f = try ChatRows.fixture()
        #expect(f.cli(["-q", "rooms", "members", "add", "quiet", "bob"]).status == 0)
        for (room, text) in [("lobby", "BUY followers now"), ("quiet", "cheap followers, 100% real"), ("quiet", "just chatting")] {
            #expect(f.cli(["-q", "rooms", "messages", "post", room, "--from", "bob", text]).status == 0)
        }
        #expect(f.cli(["-q", "rooms", "messages", "delete", "5"]).status == 0)
        let found = f.cli(["--format", "csv", "--fields", "id,room,sender,content", "rooms", "messages", "search", "--all", "followers"])
        #expect(found.stdout == "id,room,sender,content\r\n4,quiet,bob,\"cheap followers, 100% real\"\r\n3,lobby,bob,BUY followers now\r\n",
                "\(found.stdout)")
        let ids = { (arguments: [String]) in
            f.cli(["--format", "csv", "--no-header", "--fields", "id", "rooms", "messages", "search"] + arguments).stdout
                .split(separator: "\r\n").joined(separator: ",")
        }
        #expect(ids(["--all", "100%"]) == "4")
        #expect(ids(["--all", "1_0"]) == "")
        #expect(ids(["--all", "chatting"]) == "")
        #expect(ids(["--all", "chatting", "--include-deleted"]) == "5")
        #expect(ids(["--room", "quiet", "", "--include-deleted"]) == "5,4")
        #expect(ids(["--room", "quiet", ""]) == "4")
        #expect(ids(["--all", "--from", "bob", ""]) == "4,3")
        #expect(ids(["--all", "", "--limit", "1"]) == "4")
        try expectRefused(f, ["rooms", "messages", "search", "followers"], status: 64, "one of --room or --all is required")
        try expectRefused(f, ["rooms", "messages", "search", "--all", "--room", "lobby", "x"], status: 64,
                          "--room and --all cannot be used together")
        try expectRefused(f, ["rooms", "messages", "search", "--all", String(repeating: "a", count: 1001)], status: 64,
                          "the text to search for is 1001 characters long; at most 1000 are accepted")
    }

    @Test func purgeGoesThroughTheEngineAndDetachesInvites() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        #expect(f.create("carol").status == 0)
        try db.execute("UPDATE room_messages SET created_at = '2026-01-01 00:00:00.000000' WHERE id = 1")
        try db.execute("""
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (1, 1, 3, 'pending', 1, '2026-01-01 00:00:00.000000', NULL)
            """)
        let dry = f.cli(["--dry-run", "rooms", "messages", "purge", "--older-than", "30d"])
        #expect(dry.status == 0 && dry.stdout
                == "would purge 1 row(s) from room_messages, would set NULL 1 reference(s) to them (dry run: nothing was deleted)\n")
        let purged = f.cli(["--json", "rooms", "messages", "purge", "--older-than", "30d", "--room", "lobby"])
        #expect(purged.status == 0, "\(purged.stderr)")
        let report = try JSONParser.parse(purged.stdout)
        #expect(report["table"] == .string("room_messages") && report["rows_deleted"] == .integer(1) && report["complete"] == .bool(true))
        #expect(try db.rows("SELECT id FROM room_messages").map(\.values) == [[.integer(2)]])
        #expect(try db.scalar("SELECT message_id FROM room_invites") == .null)
        // --deleted-only leaves what the app still shows.
        #expect(f.cli(["-q", "rooms", "messages", "post", "lobby", "--system", "notice"]).status == 0)
        #expect(f.cli(["-q", "rooms", "messages", "delete", "3"]).status == 0)
        let deleted = f.cli(["-q", "-y", "rooms", "messages", "purge", "--before", "2100-01-01", "--deleted-only"])
        #expect(deleted.status == 0 && deleted.stdout == "1\n")
        #expect(try db.rows("SELECT id FROM room_messages").map(\.values) == [[.integer(2)]])
        try expectRefused(f, ["rooms", "messages", "purge", "--before", "2100-01-01"], status: 64,
                          "refusing to purge up to 2100-01-01T00:00:00Z, a time in the future (every matching message would go, the newest included) without confirmation")
        try expectRefused(f, ["rooms", "messages", "purge"], status: 64, "one of --older-than or --before is required")
        try expectRefused(f, ["rooms", "messages", "purge", "--older-than", "1d", "--room", "nowhere"], status: 66, "room 'nowhere' not found")
        try expectRefused(f, ["rooms", "messages", "purge", "--older-than", "5x"], status: 64, "invalid value '5x' for --older-than")
    }
}

@Suite struct RoomsGeneralTests {
    @Test func listPostAndPurge() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        let posted = f.cli(["--fields", "id,sender,content", "rooms", "general", "post", "--from", "alice", "--stdin"], stdin: "maintenance at 22:00\n")
        #expect(posted.status == 0 && posted.stdout == "id:      3\nsender:  alice\ncontent: maintenance at 22:00\n", "\(posted.stderr)")
        #expect(try db.rows("SELECT sender_id, content, created_at FROM general_chat_messages WHERE id = 3").first?.values
                == [.integer(1), .text("maintenance at 22:00"), .text("2026-06-15 12:00:00.000000")])
        let list = f.cli(["--format", "csv", "--no-header", "--fields", "id,sender", "rooms", "general", "list"])
        #expect(list.stdout == "3,alice\r\n2,bob\r\n1,alice\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "--fields", "id", "rooms", "general", "list", "--from", "bob"]).stdout == "2\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "--fields", "id", "rooms", "general", "list", "--limit", "1"]).stdout == "3\r\n")
        try expectRefused(f, ["rooms", "general", "post", "--from", "nobody", "hi"], status: 66, "user 'nobody' not found")
        try expectRefused(f, ["rooms", "general", "post", "hi"], status: 64, "--from is required")
        try expectRefused(f, ["rooms", "general", "post", "--from", "bob", ""], status: 65, "the message is empty")
    }

    /// `--keep-last N` keeps exactly N (the app's own cleanup keeps N + 1),
    /// the newest by created_at, then id.
    @Test func keepLastKeepsExactlyN() throws {
        let f = UsersFixture()
        f.create("alice")
        let db = try f.connection()
        for n in 1...120 {
            // Several rows per second, so that ties on created_at are broken by id.
            try db.execute("INSERT INTO general_chat_messages (sender_id, content, created_at) VALUES (1, ?, ?)",
                           ["m\(n)", "2026-06-15 10:00:\(String(format: "%02d", n / 3)).000000"])
        }
        let result = f.cli(["--json", "rooms", "general", "purge", "--keep-last", "100", "--batch-size", "7"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["rows_deleted"] == .integer(20) && report["batches"] == .integer(3))
        #expect(try db.scalarInt("SELECT count(*) FROM general_chat_messages") == 100)
        #expect(try db.scalarInt("SELECT min(id) FROM general_chat_messages") == 21)
        #expect(f.cli(["-q", "rooms", "general", "purge", "--keep-last", "100"]).stdout == "0\n")
        #expect(f.cli(["-q", "rooms", "general", "purge", "--keep-last", "500"]).stdout == "0\n")
        #expect(try db.scalarInt("SELECT count(*) FROM general_chat_messages") == 100)
        #expect(f.cli(["-q", "rooms", "general", "purge", "--before", "2026-06-15T10:00:30Z"]).stdout == "69\n")
        try expectRefused(f, ["rooms", "general", "purge", "--keep-last", "0"], status: 64, "invalid value '0' for --keep-last")
        try expectRefused(f, ["rooms", "general", "purge", "--keep-last", "5", "--older-than", "1d"], status: 64,
                          "--older-than and --keep-last cannot be used together")
        try expectRefused(f, ["rooms", "general", "purge"], status: 64, "one of --older-than or --before or --keep-last is required")
    }
}
