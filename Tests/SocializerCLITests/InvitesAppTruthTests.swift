import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// The app's invitations (SPEC §2): what its SQLAlchemy code emits on
/// SQLite, with the checks its models apply to what they read. The app's
/// source is not in this repository; these follow the behaviour the
/// specification records: invites are created pending with `message_id`
/// NULL; only the invitee accepts, only a pending invite, which sets
/// `accepted` and `responded_at` and inserts a membership role member.
enum AppInvites {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One invite as `get_pending_invites` returns it, with the room and
    /// inviter it loads.
    struct Pending: Equatable {
        var id: Int64
        var roomID: Int64
        var roomName: String?
        var inviter: String
        var createdAt: String
    }

    /// create_invite: every column given, no message.
    static func create(_ db: Connection, roomID: Int64, inviterID: Int64, inviteeID: Int64, createdAt: String) throws {
        try db.execute("""
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
            VALUES (?, ?, ?, 'pending', NULL, ?, NULL)
            """, [roomID, inviterID, inviteeID, createdAt])
    }

    /// get_pending_invites: the user's pending invites, then each one's
    /// room and inviter loaded by id; a DATETIME SQLAlchemy cannot parse
    /// fails the read.
    static func pendingInvites(_ db: Connection, userID: Int64) throws -> [Pending] {
        try db.rows("""
            SELECT room_invites.id, room_invites.room_id, room_invites.inviter_id, room_invites.invitee_id, room_invites.status,
              room_invites.message_id, room_invites.created_at, room_invites.responded_at
            FROM room_invites WHERE room_invites.invitee_id = ? AND room_invites.status = ?
            """, [userID, "pending"]).map { row in
            let created = try row.value("created_at")
            guard AppChat.isCanonicalDatetime(created), case .text(let createdAt) = created else {
                throw Failure(description: "room_invites.created_at: \(created) is not a DATETIME the app reads")
            }
            let room = try db.firstRow("SELECT chat_rooms.name FROM chat_rooms WHERE chat_rooms.id = ?", [try row.int("room_id")])
            let inviter = try db.firstRow("SELECT users.username FROM users WHERE users.id = ?", [try row.int("inviter_id")])
            guard let room, let inviter else { throw Failure(description: "invite \(try row.int("id")) refers to a missing row") }
            return Pending(id: try row.int("id"), roomID: try row.int("room_id"), roomName: try room.optionalString("name"),
                           inviter: try inviter.string("username"), createdAt: createdAt)
        }
    }

    /// accept_invite: the invitee accepts a pending invite; the invite and
    /// the new membership are committed together, or neither.
    static func accept(_ db: Connection, inviteID: Int64, userID: Int64, now: String) throws {
        guard let invite = try db.firstRow("SELECT room_id, invitee_id, status FROM room_invites WHERE id = ?", [inviteID]),
              try invite.int("invitee_id") == userID, try invite.string("status") == "pending" else {
            throw Failure(description: "invite \(inviteID) is not a pending invite of user \(userID)")
        }
        try db.transaction {
            try db.execute("UPDATE room_invites SET status = 'accepted', responded_at = ? WHERE id = ?", [now, inviteID])
            try db.execute("""
                INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (?, ?, ?, 'member', 1, NULL)
                """, [try invite.int("room_id"), userID, now])
        }
    }
}

@Suite struct InvitesAppTruthTests {
    /// The app's database (migrated, or its own baselined) with alice
    /// (user 1), bob (user 2) and alice's room lobby (room 1), as the app writes them.
    func lobby(legacy: Bool) throws -> (UsersFixture, Connection) {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppChat.createRoom(db, id: 1, name: "lobby", creatorID: 1, createdAt: "2026-06-14 09:00:00.000000")
        return (f, db)
    }

    /// Issue 13, point 6: the app lists an invite the tool sent among the
    /// invitee's pending ones, shows its message, and accepts it.
    @Test(arguments: [false, true])
    func theAppListsAndAcceptsAnInviteTheToolSent(legacy: Bool) throws {
        let (f, db) = try lobby(legacy: legacy)
        let sent = f.cli(["-q", "invites", "send", "lobby", "--from", "alice", "--to", "bob"])
        #expect(sent.status == 0 && sent.stdout == "1\n", "\(sent.stderr)")
        #expect(try AppInvites.pendingInvites(db, userID: 2)
                == [AppInvites.Pending(id: 1, roomID: 1, roomName: "lobby", inviter: "alice", createdAt: "2026-06-15 12:00:00.000000")])
        // Its message is one the app's room listing reads: from alice, typed invite, metadata a JSON object naming the invite.
        let message = try #require(try AppChat.roomMessages(db, roomID: 1).first)
        #expect(message["sender_id"] == .integer(1) && message["sender_type"] == .text("user") && message["message_type"] == .text("invite"))
        #expect(try JSONParser.parse(try message.string("message_metadata")) == .object([("invite_id", .integer(1))]))
        #expect(try db.scalar("SELECT message_id FROM room_invites WHERE id = 1") == message["id"])
        try AppInvites.accept(db, inviteID: 1, userID: 2, now: "2026-06-15 13:00:00.000000")
        #expect(try AppChat.roomMembers(db, roomID: 1).last == [.integer(2), .text("bob"), .text("member")])
        #expect(try AppInvites.pendingInvites(db, userID: 2).isEmpty)
        let shown = try JSONParser.parse(f.cli(["--json", "invites", "show", "1"]).stdout)
        #expect(shown["status"] == .string("accepted") && shown["responded_at"] == .string("2026-06-15T13:00:00Z"), "\(shown)")
    }

    /// An invite the app made (no message) is listed and accepted by the
    /// tool; and where the app's own accept fails, on a user who had left
    /// the room (a second membership row breaks `_room_user_uc`), the
    /// tool's re-activates the one they left.
    @Test(arguments: [false, true])
    func theToolAcceptsAnInviteTheAppCreated(legacy: Bool) throws {
        let (f, db) = try lobby(legacy: legacy)
        try AppChat.createRoom(db, id: 2, name: "attic", creatorID: 1, createdAt: "2026-06-14 09:00:00.000000")
        try AppInvites.create(db, roomID: 1, inviterID: 1, inviteeID: 2, createdAt: "2026-06-14 10:00:00.000000")
        let listed = f.cli(["--format", "csv", "--no-header", "invites", "list", "--to", "bob", "--status", "pending"])
        #expect(listed.stdout == "1,1,lobby,alice,bob,pending,2026-06-14T10:00:00Z,\r\n", "\(listed.stdout) \(listed.stderr)")
        let shown = try JSONParser.parse(f.cli(["--json", "invites", "show", "1"]).stdout)
        #expect(shown["message_id"] == .null && shown["message"] == .null)
        let accepted = f.cli(["invites", "accept", "1"])
        // (A baselined database has no audit trail yet: a warning says so first.)
        #expect(accepted.status == 0 && accepted.stderr.hasSuffix("socializer: user 'bob' joined room 'lobby' (id 1)\n"), "\(accepted.stderr)")
        #expect(try AppChat.roomMembers(db, roomID: 1).last == [.integer(2), .text("bob"), .text("member")])
        #expect(try db.rows("SELECT status, responded_at FROM room_invites WHERE id = 1").first?.values
                == [.text("accepted"), .text("2026-06-15 12:00:00.000000")])
        #expect(try AppInvites.pendingInvites(db, userID: 2).isEmpty)

        // bob was in the attic and left it (the app's leave keeps the row, inactive); the app invites him back.
        try db.execute("INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (2, 2, '2026-06-14 09:30:00.000000', 'member', 0, NULL)")
        try AppInvites.create(db, roomID: 2, inviterID: 1, inviteeID: 2, createdAt: "2026-06-14 11:00:00.000000")
        // The invite is bob's and pending: what fails is the second membership row, which _room_user_uc refuses.
        #expect { try AppInvites.accept(db, inviteID: 2, userID: 2, now: "2026-06-15 09:00:00.000000") } throws: { error in
            !(error is AppInvites.Failure) && "\(error)".localizedCaseInsensitiveContains("unique")
        }
        #expect(try db.scalar("SELECT status FROM room_invites WHERE id = 2") == .text("pending"))
        let back = f.cli(["invites", "accept", "2"])
        #expect(back.status == 0 && back.stderr.hasSuffix("socializer: user 'bob' had left room 'attic' (id 2) and is a member again\n"),
                "\(back.stderr)")
        #expect(try AppChat.roomMembers(db, roomID: 2).last == [.integer(2), .text("bob"), .text("member")])
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE room_id = 2 AND user_id = 2") == 1)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    /// Issue 13, point 7: the design document's "Get User's Active Room
    /// Invites" returns what `invites list --to USER --status pending`
    /// shows (its query names user 1).
    @Test func theDesignDocumentsActiveInvitesQueryAgreesWithTheList() throws {
        let f = UsersFixture()
        let db = try f.connection()
        for name in ["alice", "bob", "carol"] { try AppRows.insertUser(db, name, email: "\(name)@example.com") }
        try AppChat.createRoom(db, id: 1, name: "lobby", creatorID: 2, createdAt: "2026-06-14 09:00:00.000000")
        try AppChat.createRoom(db, id: 2, name: nil, creatorID: 3, createdAt: "2026-06-14 09:00:00.000000")
        try AppChat.createRoom(db, id: 3, name: "den", creatorID: 3, createdAt: "2026-06-14 09:00:00.000000")
        try AppChat.createRoom(db, id: 4, name: "attic", creatorID: 2, createdAt: "2026-06-14 09:00:00.000000")
        for (line, hours) in [(["invites", "send", "lobby", "--from", "bob", "--to", "alice"], Int64(0)),
                              (["invites", "send", "2", "--from", "carol", "--to", "alice"], 1),
                              (["invites", "send", "den", "--from", "carol", "--to", "alice"], 2),
                              (["invites", "decline", "3"], 3),
                              (["invites", "send", "lobby", "--from", "bob", "--to", "carol"], 4)] {
            let result = f.cli(at: testNow.adding(seconds: hours * 3_600), ["-q"] + line)
            #expect(result.status == 0, "\(line): \(result.stderr)")
        }
        try AppInvites.create(db, roomID: 4, inviterID: 2, inviteeID: 1, createdAt: "2026-06-14 10:00:00.000000")
        let query = try AppChat.designDocumentQuery("Get User's Active Room Invites")
        #expect(query.contains("WHERE ri.invitee_id = 1"))
        let document = try db.rows(query).sorted { try $0.int("id") < $1.int("id") }
        #expect(document.count == 3)
        let listed = try JSONParser.parse(f.cli(["--json", "--fields", "id,room,inviter,created_at",
                                                 "invites", "list", "--to", "alice", "--status", "pending"]).stdout).arrayItems
            .sorted { ($0["id"]?.int64 ?? 0) < ($1["id"]?.int64 ?? 0) }
        #expect(listed.count == document.count)
        for (row, item) in zip(document, listed) {
            #expect(item["id"] == .integer(try row.int("id")))
            #expect(item["room"] == (try row.optionalString("room_name")).map(JSONValue.string) ?? .null)
            #expect(item["inviter"] == .string(try row.string("inviter_name")))
            #expect(item["created_at"] == .string(try row.timestamp("created_at").iso8601))
        }
    }
}
