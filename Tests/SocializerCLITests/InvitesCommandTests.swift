import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// The chat of `ChatRows` with invites, made through the tool: carol (user
/// 3) joins the users; alice invites bob to quiet (invite 1, message 3,
/// pending) and carol to lobby (invite 2, message 4), which carol declines.
/// Every row is stamped `testNow`.
enum InviteRows {
    static func seed(_ f: UsersFixture) throws {
        try ChatRows.seed(f)
        #expect(f.create("carol").status == 0)
        f.setUp([["invites", "send", "quiet", "--from", "alice", "--to", "bob"],
                 ["invites", "send", "lobby", "--from", "alice", "--to", "carol"],
                 ["invites", "decline", "2"]])
    }

    /// A fixture with alice and the chat and invites above.
    static func fixture() throws -> UsersFixture {
        let f = UsersFixture()
        #expect(f.create("alice").status == 0)
        try seed(f)
        return f
    }
}

extension UsersFixture {
    /// The command run at another moment than `testNow`.
    func cli(at now: Timestamp, _ arguments: [String]) -> CLIResult {
        runCLI(["--db", db] + arguments, environment: environment, now: now)
    }
}

/// A row of room_invites as stored, every column in order.
private func inviteRow(_ db: Connection, _ id: Int64) throws -> [DatabaseValue]? {
    try db.firstRow("SELECT * FROM room_invites WHERE id = ?", [id])?.values
}

@Suite struct InvitesSendTests {
    @Test func sendWritesThePendingInviteAndItsInviteMessageLinkedToEachOther() throws {
        let f = try ChatRows.fixture()
        #expect(f.create("carol").status == 0)
        let db = try f.connection()
        let sent = f.cli(["--json", "invites", "send", "lobby", "--from", "alice", "--to", "carol"])
        #expect(sent.status == 0 && sent.stderr.isEmpty, "\(sent.stderr)")
        #expect(sent.stdout == """
            {
              "id": 1,
              "room_id": 1,
              "room": "lobby",
              "inviter_id": 1,
              "inviter": "alice",
              "invitee_id": 3,
              "invitee": "carol",
              "status": "pending",
              "created_at": "2026-06-15T12:00:00Z",
              "responded_at": null,
              "message_id": 3,
              "message": "alice invited carol to join the room."
            }

            """, "\(sent.stdout)")
        // Every column, in the app's storage forms: the invite as the app creates one, but linked to its message.
        #expect(try inviteRow(db, 1) == [.integer(1), .integer(1), .integer(1), .integer(3), .text("pending"), .integer(3),
                                         .text("2026-06-15 12:00:00.000000"), .null])
        let message = try #require(try db.firstRow("SELECT * FROM room_messages WHERE id = 3"))
        #expect(message.values == [.integer(3), .integer(1), .integer(1), .text("user"), .text("alice invited carol to join the room."),
                                   .text("invite"), .text(#"{"invite_id":1}"#), .text("2026-06-15 12:00:00.000000"), .null, .integer(0)],
                "\(message.values)")
        // The text given, and -q prints the invite's id only.
        #expect(f.cli(["-q", "rooms", "members", "remove", "lobby", "bob"]).status == 0)
        let own = f.cli(["-q", "invites", "send", "lobby", "--from", "alice", "--to", "bob", "--message", "Join us on Friday!\nBring a book."])
        #expect(own.status == 0 && own.stdout == "2\n", "\(own.stderr)")
        #expect(try db.scalar("SELECT content FROM room_messages WHERE id = (SELECT message_id FROM room_invites WHERE id = 2)")
                == .text("Join us on Friday!\nBring a book."))
        #expect(try db.scalar("SELECT message_metadata FROM room_messages WHERE id = 4") == .text(#"{"invite_id":2}"#))
    }

    @Test func aPendingInviteIsReportedNotSentTwice() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let before = try contents(db)
        // From anyone who may invite: the invite stays as it was, from alice.
        #expect(f.cli(["-q", "rooms", "members", "add", "quiet", "carol"]).status == 0)
        let during = try contents(db)
        let again = f.cli(["--fields", "id,inviter,status", "invites", "send", "quiet", "--from", "carol", "--to", "bob"])
        #expect(again.status == 0 && again.stdout == "id:      1\ninviter: alice\nstatus:  pending\n", "\(again.stderr)")
        #expect(again.stderr == "socializer: user 'bob' already has a pending invite to room 'quiet' (id 2) "
                + "(invite 1, from 'alice', sent 2026-06-15T12:00:00Z); nothing was sent\n", "\(again.stderr)")
        // Nothing written but the run's audit entry (and the trail's sequence).
        let after = try contents(db)
        #expect(after["admin_audit"]?.count == during["admin_audit"].map { $0.count + 1 })
        #expect(after.filter { !["admin_audit", "sqlite_sequence"].contains($0.key) }
                == during.filter { !["admin_audit", "sqlite_sequence"].contains($0.key) })
        #expect(during["room_invites"] == before["room_invites"] && during["room_messages"] == before["room_messages"])
        #expect(f.cli(["-q", "invites", "send", "quiet", "--from", "alice", "--to", "bob"]).stdout == "1\n")
    }

    /// The app cannot invite a user twice (UNIQUE(room_id, invitee_id)); the
    /// tool sends an answered invite again in its own row.
    @Test func anAnsweredInviteIsSentAgainAsANewOneInItsRow() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let later = testNow.adding(seconds: 86_400)
        let resent = f.cli(at: later, ["--format", "csv", "invites", "send", "lobby", "--from", "bob", "--to", "carol"])
        #expect(resent.status == 0, "\(resent.stderr)")
        #expect(resent.stdout == "id,room_id,room,inviter_id,inviter,invitee_id,invitee,status,created_at,responded_at,message_id,message\r\n"
                + "2,1,lobby,2,bob,3,carol,pending,2026-06-16T12:00:00Z,,5,bob invited carol to join the room.\r\n", "\(resent.stdout)")
        #expect(resent.stderr == "socializer: invite 2 had been declined; it is pending again, sent now\n")
        #expect(try inviteRow(db, 2) == [.integer(2), .integer(1), .integer(2), .integer(3), .text("pending"), .integer(5),
                                         .text("2026-06-16 12:00:00.000000"), .null])
        // The first invite message stays in the room's history, no longer naming the invite: only the linked one does.
        #expect(try db.rows("SELECT id, sender_id, message_type, message_metadata FROM room_messages WHERE room_id = 1 AND message_type = 'invite' ORDER BY id")
                .map(\.values) == [[.integer(4), .integer(1), .text("invite"), .text("{}")],
                                   [.integer(5), .integer(2), .text("invite"), .text(#"{"invite_id":2}"#)]])
        #expect(try db.scalarInt("SELECT count(*) FROM room_invites") == 2)
        // Accepted, then left: invited again the same way.
        #expect(f.cli(["-q", "invites", "accept", "1"]).status == 0)
        #expect(f.cli(["-q", "rooms", "members", "remove", "quiet", "bob"]).status == 0)
        let back = f.cli(at: later, ["--fields", "id", "invites", "send", "quiet", "--from", "alice", "--to", "bob"])
        #expect(back.status == 0 && back.stdout == "id: 1\n" && back.stderr == "socializer: invite 1 had been accepted; it is pending again, sent now\n",
                "\(back.stderr)")
        #expect(try db.rows("SELECT status, responded_at, created_at FROM room_invites WHERE id = 1").first?.values
                == [.text("pending"), .null, .text("2026-06-16 12:00:00.000000")])
        // A status the app wrote outside the domain is sent again the same way.
        try db.execute("UPDATE room_invites SET status = 'expired' WHERE id = 1")
        let odd = f.cli(["--fields", "status", "invites", "send", "quiet", "--from", "alice", "--to", "bob"])
        #expect(odd.status == 0 && odd.stderr == "socializer: invite 1 had the status 'expired'; it is pending again, sent now\n", "\(odd.stderr)")
    }

    @Test func sendRefusesWhatTheRulesForbidAndWritesNothing() throws {
        let f = try InviteRows.fixture()
        try expectRefused(f, ["invites", "send", "quiet", "--from", "bob", "--to", "carol"], status: 65,
                          "user 'bob' is not an active member of room 'quiet' (id 2)", hint: "add them first with: socializer --db \(f.db) rooms members add 2 bob")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "bob"], status: 65,
                          "user 'bob' is already a member of room 'lobby' (id 1); only someone who is not can be invited")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "alice"], status: 65,
                          "user 'alice' is already a member of room 'lobby' (id 1); only someone who is not can be invited")
        try expectRefused(f, ["invites", "send", "old", "--from", "bob", "--to", "carol"], status: 65, "room 'old' (id 3) is archived",
                          hint: "restore it first with: socializer --db \(f.db) rooms unarchive 3")
        try expectRefused(f, ["invites", "send", "nowhere", "--from", "alice", "--to", "carol"], status: 66, "room 'nowhere' not found")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "nobody", "--to", "carol"], status: 66, "user 'nobody' not found")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "nobody"], status: 66, "user 'nobody' not found")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "carol", "--message", " \n "], status: 65,
                          "the message is blank: only spaces, tabs and line breaks")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "carol", "--message", "hi\u{1B}[2J"], status: 65,
                          "the message contains a control character (U+001B)")
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice"], status: 64, "--to is required")
        try expectRefused(f, ["invites", "send", "--from", "alice", "--to", "carol"], status: 64, "missing ROOM")
        #expect(f.cli(["-q", "rooms", "create", "--creator", "bob", "--name", "lobby"]).status == 0)
        try expectRefused(f, ["invites", "send", "lobby", "--from", "alice", "--to", "carol"], status: 65, "2 rooms are named 'lobby'")
    }
}

@Suite struct InvitesReadTests {
    /// Invites sent and answered at different moments, for the filters.
    func spread() throws -> UsersFixture {
        let f = try InviteRows.fixture()
        #expect(f.create("dave").status == 0)
        let day = { (n: Int64) in testNow.adding(seconds: n * 86_400) }
        for (when, line) in [(day(2), ["invites", "send", "lobby", "--from", "bob", "--to", "dave"]),
                             (day(3), ["invites", "send", "quiet", "--from", "alice", "--to", "dave"]),
                             (day(9), ["invites", "decline", "3"])] {
            let result = f.cli(at: when, ["-q"] + line)
            #expect(result.status == 0, "\(line): \(result.stderr)")
        }
        return f
    }

    @Test func listIsNewestFirstAndEachFilterNarrowsIt() throws {
        let f = try spread()
        #expect(f.cli(["invites", "list"]).stdout == """
            ID  ROOM_ID  ROOM   INVITER  INVITEE  STATUS    CREATED_AT            RESPONDED_AT
            4   2        quiet  alice    dave     pending   2026-06-18T12:00:00Z
            3   1        lobby  bob      dave     declined  2026-06-17T12:00:00Z  2026-06-24T12:00:00Z
            2   1        lobby  alice    carol    declined  2026-06-15T12:00:00Z  2026-06-15T12:00:00Z
            1   2        quiet  alice    bob      pending   2026-06-15T12:00:00Z

            """)
        let ids = { (arguments: [String], now: Timestamp) -> String in
            let result = f.cli(at: now, ["--format", "csv", "--no-header", "--fields", "id", "invites", "list"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout.replacingOccurrences(of: "\r\n", with: " ")
        }
        #expect(ids(["--to", "dave"], testNow) == "4 3 ")
        #expect(ids(["--from", "alice"], testNow) == "4 2 1 ")
        #expect(ids(["--room", "lobby"], testNow) == "3 2 ")
        #expect(ids(["--status", "pending"], testNow) == "4 1 ")
        #expect(ids(["--to", "dave", "--status", "declined", "--room", "id:1", "--from", "bob"], testNow) == "3 ")
        #expect(ids(["--limit", "1"], testNow) == "4 ")
        // Age counts from the answer, else from the sending: ten days on, invite 3 was answered a day ago,
        // invite 4 sent a week ago.
        let tenDays = testNow.adding(seconds: 10 * 86_400)
        #expect(ids(["--older-than", "6d"], tenDays) == "4 2 1 ")
        #expect(ids(["--older-than", "6d", "--status", "pending"], tenDays) == "4 1 ")
        #expect(ids(["--older-than", "7d"], tenDays) == "2 1 ")
        #expect(ids(["--to", "alice"], testNow) == "")
        try expectRefused(f, ["invites", "list", "--to", "nobody"], status: 66, "user 'nobody' not found")
        try expectRefused(f, ["invites", "list", "--room", "nowhere"], status: 66, "room 'nowhere' not found")
        try expectRefused(f, ["invites", "list", "--status", "maybe"], status: 64, "invalid value 'maybe' for --status")
        try expectRefused(f, ["invites", "list", "--older-than", "5x"], status: 64, "invalid value '5x' for --older-than")
    }

    @Test func showNamesTheRoomAndBothUsersAndTheMessage() throws {
        let f = try spread()
        let show = f.cli(["invites", "show", "3"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout == """
            id:           3
            room_id:      1
            room:         lobby
            inviter_id:   2
            inviter:      bob
            invitee_id:   4
            invitee:      dave
            status:       declined
            created_at:   2026-06-17T12:00:00Z
            responded_at: 2026-06-24T12:00:00Z
            message_id:   5
            message:      bob invited dave to join the room.

            """, "\(show.stdout)")
        // What the app wrote: no message, a status outside the domain, a room and a user that are gone.
        let db = try f.connection()
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.execute("""
            INSERT INTO room_invites (id, room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (9, 44, 1, 55, 'maybe', NULL, '2026-06-14 08:00:00.000000', NULL)
            """)
        let odd = try JSONParser.parse(f.cli(["--json", "invites", "show", "9"]).stdout)
        #expect(odd["room"] == .null && odd["invitee"] == .null && odd["invitee_id"] == .integer(55) && odd["status"] == .string("maybe")
                && odd["message_id"] == .null && odd["message"] == .null, "\(odd)")
        try expectRefused(f, ["invites", "show", "99"], status: 66, "no invite has id 99")
        try expectRefused(f, ["invites", "show", "0"], status: 64, "invalid value '0' for ID")
        try expectRefused(f, ["invites", "show", "x"], status: 64, "invalid value 'x' for ID")
    }
}

@Suite struct InvitesAnswerTests {
    @Test func acceptMakesTheInviteeAMember() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let later = testNow.adding(seconds: 3_600)
        let accepted = f.cli(at: later, ["--fields", "id,status,responded_at", "invites", "accept", "1"])
        #expect(accepted.status == 0 && accepted.stdout == "id:           1\nstatus:       accepted\nresponded_at: 2026-06-15T13:00:00Z\n",
                "\(accepted.stderr)")
        #expect(accepted.stderr == "socializer: user 'bob' joined room 'quiet' (id 2)\n")
        #expect(try inviteRow(db, 1) == [.integer(1), .integer(2), .integer(1), .integer(2), .text("accepted"), .integer(3),
                                         .text("2026-06-15 12:00:00.000000"), .text("2026-06-15 13:00:00.000000")])
        #expect(try db.rows("SELECT room_id, user_id, joined_at, role, is_active, last_read_at FROM room_members WHERE room_id = 2 AND user_id = 2")
                .map(\.values) == [[.integer(2), .integer(2), .text("2026-06-15 13:00:00.000000"), .text("member"), .integer(1), .null]])
        // Accepted: nothing to ask again, no hint.
        try expectRefused(f, ["invites", "accept", "1"], status: 65,
                          "invite 1 was already accepted (2026-06-15T13:00:00Z); only a pending invite can be accepted\n")
        try expectRefused(f, ["invites", "decline", "1"], status: 65,
                          "invite 1 was already accepted (2026-06-15T13:00:00Z); only a pending invite can be declined")
    }

    /// The app's own accept inserts a membership and fails on the row of a
    /// user who had left; the tool re-activates it.
    @Test func acceptReactivatesAMemberWhoLeftAndLeavesACurrentOneAlone() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        #expect(f.cli(["-q", "rooms", "members", "role", "lobby", "bob", "creator"]).status == 0)
        #expect(f.cli(["-q", "rooms", "members", "remove", "lobby", "bob"]).status == 0)
        #expect(f.cli(["-q", "invites", "send", "lobby", "--from", "alice", "--to", "bob"]).stdout == "3\n")
        let back = f.cli(["-q", "invites", "accept", "3"])
        #expect(back.status == 0 && back.stdout == "3\n", "\(back.stderr)")
        #expect(try db.rows("SELECT id, role, is_active FROM room_members WHERE room_id = 1 AND user_id = 2").map(\.values)
                == [[.integer(3), .text("creator"), .integer(1)]])
        let noisy = f.cli(["invites", "accept", "3"])
        #expect(noisy.status == 65)
        // Joined some other way meanwhile: the invite is accepted, the membership stays as it was.
        #expect(f.cli(["-q", "rooms", "members", "add", "quiet", "bob"]).status == 0)
        let members = try db.rows("SELECT * FROM room_members ORDER BY id").map(\.values)
        let already = f.cli(["-q", "invites", "accept", "1"])
        #expect(already.status == 0 && already.stderr.isEmpty, "\(already.stderr)")
        let told = f.cli(["invites", "show", "1"])
        #expect(told.stdout.contains("status:       accepted"))
        #expect(try db.rows("SELECT * FROM room_members ORDER BY id").map(\.values) == members)
        try db.execute("UPDATE room_invites SET status = 'pending' WHERE id = 1")
        #expect(f.cli(["invites", "accept", "1"]).stderr
                == "socializer: user 'bob' was already a member of room 'quiet' (id 2); the membership is as it was\n")
    }

    @Test func declineAnswersWithoutAMembership() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let members = try db.rows("SELECT * FROM room_members ORDER BY id").map(\.values)
        let declined = f.cli(["--json", "--fields", "status,responded_at", "invites", "decline", "1"])
        #expect(declined.status == 0 && declined.stdout == "{\n  \"status\": \"declined\",\n  \"responded_at\": \"2026-06-15T12:00:00Z\"\n}\n",
                "\(declined.stdout)")
        #expect(try db.rows("SELECT * FROM room_members ORDER BY id").map(\.values) == members)
        try expectRefused(f, ["invites", "decline", "2"], status: 65,
                          "invite 2 was already declined (2026-06-15T12:00:00Z); only a pending invite can be declined",
                          hint: "to ask again, send it anew (it becomes pending): socializer --db \(f.db) invites send 1 --from alice --to carol")
        try expectRefused(f, ["invites", "accept", "2"], status: 65,
                          "invite 2 was already declined (2026-06-15T12:00:00Z); only a pending invite can be accepted")
        try expectRefused(f, ["invites", "accept", "99"], status: 66, "no invite has id 99")
        try expectRefused(f, ["invites", "decline", "99"], status: 66, "no invite has id 99")
        try expectRefused(f, ["invites", "accept", "-1"], status: 64, "invalid value '-1' for ID")
    }

    /// What the app may have left: a status outside the domain, an invite
    /// whose room or invitee is gone (the app enforces no references).
    @Test func oddInvitesAreRefusedSayingWhy() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        try db.execute("UPDATE room_invites SET status = 'maybe' WHERE id = 1")
        try expectRefused(f, ["invites", "accept", "1"], status: 65,
                          "invite 1 has the status 'maybe', which is none of pending, accepted, declined; only a pending invite can be accepted",
                          hint: "to ask again, send it anew (it becomes pending): socializer --db \(f.db) invites send 2 --from alice --to bob")
        try expectRefused(f, ["invites", "decline", "1"], status: 65,
                          "invite 1 has the status 'maybe', which is none of pending, accepted, declined; only a pending invite can be declined")
        // Never answered as far as the app knows: it may be withdrawn (nothing else removes it; purges take the three statuses).
        let cancelled = f.cli(["invites", "cancel", "1"])
        #expect(cancelled.status == 0 && cancelled.stderr == "socializer: invite 1 cancelled\n", "\(cancelled.stderr)")
        #expect(try inviteRow(db, 1) == nil)
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.execute("""
            INSERT INTO room_invites (id, room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (7, 44, 1, 2, 'pending', NULL, '2026-06-14 08:00:00.000000', NULL),
                   (8, 1, 1, 55, 'pending', NULL, '2026-06-14 08:00:00.000000', NULL)
            """)
        try expectRefused(f, ["invites", "accept", "7"], status: 65, "invite 7 is to room 44, which does not exist; it can only be cancelled")
        try expectRefused(f, ["invites", "accept", "8"], status: 65, "invite 8 is for user 55, who does not exist; it can only be cancelled")
        let hint = f.cli(["invites", "decline", "2"]).stderr
        try db.execute("DELETE FROM users WHERE id = 3")
        #expect(f.cli(["invites", "decline", "2"]).stderr == hint.replacingOccurrences(of: "--to carol", with: "--to USER"))
        // Declining them would leave them answered, which cancel refuses: they are only cancelled.
        try expectRefused(f, ["invites", "decline", "7"], status: 65, "invite 7 is to room 44, which does not exist; it can only be cancelled")
        try expectRefused(f, ["invites", "decline", "8"], status: 65, "invite 8 is for user 55, who does not exist; it can only be cancelled")
        #expect(f.cli(["-q", "invites", "cancel", "7"]).status == 0)
        #expect(f.cli(["-q", "invites", "cancel", "8"]).status == 0)
    }

    /// `send` refuses an archived room (its message cannot be posted); so
    /// does `accept`, which would add a member to it.
    @Test func anArchivedRoomTakesNoInvitee() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        try db.execute("UPDATE chat_rooms SET is_active = 0 WHERE id = 2")
        try expectRefused(f, ["invites", "accept", "1"], status: 65, "room 'quiet' (id 2) is archived",
                          hint: "restore it first with: socializer --db \(f.db) rooms unarchive 2")
    }

    /// A deactivated user cannot log in: acting for them works, with a notice, as `rooms members add` does.
    @Test func aDeactivatedUserIsNoticed() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        try db.execute("UPDATE users SET is_active = 0 WHERE username IN ('bob', 'carol')")
        let sent = f.cli(["-q", "invites", "send", "lobby", "--from", "alice", "--to", "carol"])
        #expect(sent.status == 0 && sent.stderr.isEmpty, "\(sent.stderr)")
        let accepted = f.cli(["--fields", "status", "invites", "accept", "1"])
        #expect(accepted.status == 0 && accepted.stderr == "socializer: user 'bob' joined room 'quiet' (id 2)\n"
                + "socializer: user 'bob' is deactivated (the app does not let them log in); the invite is accepted all the same\n",
                "\(accepted.stderr)")
        try db.execute("UPDATE room_members SET is_active = 0 WHERE user_id = 3")
        try db.execute("DELETE FROM room_invites WHERE invitee_id = 3")
        let resent = f.cli(["--fields", "status", "invites", "send", "lobby", "--from", "alice", "--to", "carol"])
        #expect(resent.status == 0 && resent.stderr
                == "socializer: user 'carol' is deactivated (the app does not let them log in); the invite is sent all the same\n",
                "\(resent.stderr)")
    }

    @Test func aDryRunAcceptSaysWhatWouldHappen() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["--dry-run", "--fields", "status", "invites", "accept", "1"])
        #expect(dry.status == 0 && dry.stderr == "socializer: user 'bob' would join room 'quiet' (id 2)\nsocializer: dry run: nothing was changed\n",
                "\(dry.stderr)")
        #expect(try contents(db) == before)
    }

    @Test func cancelDeletesThePendingInviteAndItsInviteMessage() throws {
        let f = try InviteRows.fixture()
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["--dry-run", "invites", "cancel", "1"])
        #expect(dry.status == 0 && dry.stderr == "socializer: dry run: invite 1 would be cancelled; nothing was changed\n", "\(dry.stderr)")
        #expect(try contents(db) == before)
        let cancelled = f.cli(["--format", "csv", "invites", "cancel", "1"])
        #expect(cancelled.status == 0 && cancelled.stdout == "table,deleted,detached\r\nroom_invites,1,0\r\nroom_messages,1,0\r\n",
                "\(cancelled.stdout)")
        #expect(cancelled.stderr == "socializer: invite 1 cancelled\n")
        #expect(try inviteRow(db, 1) == nil)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE id = 3") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == 3)
        try expectRefused(f, ["invites", "cancel", "1"], status: 66, "no invite has id 1")
        try expectRefused(f, ["invites", "cancel", "2"], status: 65,
                          "invite 2 was already declined (2026-06-15T12:00:00Z); only a pending invite can be cancelled; "
                          + "an answered invite stays until it is purged\n")
        // An invite the app made points at no message, or at one that is not an invite message: only the invite goes.
        try db.execute("""
            INSERT INTO room_invites (id, room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (5, 2, 1, 2, 'pending', 1, '2026-06-14 08:00:00.000000', NULL),
                   (6, 2, 1, 3, 'pending', NULL, '2026-06-14 08:00:00.000000', NULL)
            """)
        #expect(f.cli(["--format", "csv", "--no-header", "invites", "cancel", "5"]).stdout == "room_invites,1,0\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "invites", "cancel", "6"]).stdout == "room_invites,1,0\r\n")
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE id = 1") == 1)
    }
}

@Suite struct InvitesPurgeTests {
    /// Invites answered at different moments: a month ago (2, declined,
    /// and 3, accepted), sent a month ago and still pending (1), and one
    /// answered today (4, declined).
    func aged() throws -> (UsersFixture, Timestamp) {
        let f = try InviteRows.fixture()
        #expect(f.create("dave").status == 0)
        f.setUp([["invites", "send", "lobby", "--from", "alice", "--to", "dave"], ["invites", "accept", "3"],
                 ["invites", "send", "quiet", "--from", "alice", "--to", "dave"]])
        let now = testNow.adding(seconds: 30 * 86_400)
        #expect(f.cli(at: now, ["-q", "invites", "decline", "4"]).status == 0)
        return (f, now)
    }

    @Test func purgeDeletesAnsweredInvitesByDefaultAndPendingOnesOnlyWhenNamed() throws {
        let (f, now) = try aged()
        let db = try f.connection()
        let ids = { try db.rows("SELECT id FROM room_invites ORDER BY id").map { try $0.int("id") } }
        let messages = try db.scalarInt("SELECT count(*) FROM room_messages")
        let dry = f.cli(at: now, ["--json", "--dry-run", "invites", "purge", "--older-than", "7d"])
        #expect(try dry.status == 0 && JSONParser.parse(dry.stdout)["rows_deleted"] == .integer(2), "\(dry.stdout) \(dry.stderr)")
        #expect(try ids() == [1, 2, 3, 4])
        let answered = f.cli(at: now, ["invites", "purge", "--older-than", "7d", "--batch-size", "1"])
        #expect(answered.status == 0 && answered.stdout.hasPrefix("purged 2 row(s) from room_invites in "), "\(answered.stdout) \(answered.stderr)")
        #expect(try ids() == [1, 4])
        let declined = f.cli(at: now, ["--json", "invites", "purge", "--before", "2026-07-01", "--status", "accepted"])
        #expect(try declined.status == 0 && JSONParser.parse(declined.stdout)["rows_deleted"] == .integer(0))
        let pending = f.cli(at: now, ["--json", "invites", "purge", "--older-than", "7d", "--status", "pending"])
        #expect(try pending.status == 0 && JSONParser.parse(pending.stdout)["rows_deleted"] == .integer(1), "\(pending.stdout)")
        #expect(try ids() == [4])
        // Their messages are the rooms' history: they stay, no longer naming an invite (room_invites has no
        // AUTOINCREMENT: a purged invite's id goes to the next one). Invite 4's message still names it.
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == messages)
        let named = { try db.rows("SELECT json_extract(message_metadata, '$.invite_id') AS i FROM room_messages WHERE message_type = 'invite' "
                                  + "AND json_extract(message_metadata, '$.invite_id') IS NOT NULL ORDER BY id").map { try $0.int("i") } }
        #expect(try named() == [4])
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
        // The next invite after the last one is purged takes id 1 again: only its own message names it.
        #expect(f.cli(at: now.adding(seconds: 8 * 86_400), ["-q", "invites", "purge", "--older-than", "7d", "--status", "declined"]).stdout == "1\n")
        #expect(try ids().isEmpty && named().isEmpty)
        #expect(f.cli(at: now, ["-q", "invites", "send", "quiet", "--from", "alice", "--to", "bob"]).stdout == "1\n")
        #expect(try named() == [1])
        // An empty purge is success.
        #expect(f.cli(at: now, ["-q", "invites", "purge", "--older-than", "7d"]).stdout == "0\n")
    }

    @Test func purgeRefusesBadCutoffsAndAFutureOneWithoutYes() throws {
        let (f, _) = try aged()
        try expectRefused(f, ["invites", "purge"], status: 64, "one of --older-than or --before is required")
        try expectRefused(f, ["invites", "purge", "--older-than", "7d", "--before", "2026-01-01"], status: 64, "--older-than and --before cannot be used together")
        try expectRefused(f, ["invites", "purge", "--before", "2100-01-01"], status: 64,
                          "refusing to purge up to 2100-01-01T00:00:00Z, a time in the future (every matching invite would go, those of today included) without confirmation",
                          hint: "add --yes to confirm (standard input is not a terminal)")
        try expectRefused(f, ["invites", "purge", "--older-than", "7d", "--status", "answered"], status: 64, "invalid value 'answered' for --status")
        try expectRefused(f, ["invites", "purge", "--older-than", "7d", "--batch-size", "0"], status: 64, "invalid value '0' for --batch-size")
    }
}
