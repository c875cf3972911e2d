import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// The app's chat reads, as the SQL its SQLAlchemy queries emit on SQLite
/// (SPEC §2 "What the app really writes": a user's rooms, a room's messages
/// and members), and its chat writes, as plain SQL with every column given
/// (the app's own schema has no SQL defaults). The tests below check both
/// ways: what the tool writes the app reads, and what the app wrote the
/// tool reads, on a migrated database and on the app's own one baselined.
enum AppChat {
    /// get_user_rooms: rooms where the user's membership is active and the
    /// room is active, plus every active public room, newest first.
    static func userRooms(_ db: Connection, userID: Int64) throws -> [Int64] {
        try db.rows("""
            SELECT chat_rooms.id FROM chat_rooms
            WHERE chat_rooms.is_active = 1 AND (chat_rooms.id IN (
                SELECT room_members.room_id FROM room_members WHERE room_members.user_id = ? AND room_members.is_active = 1)
              OR chat_rooms.is_public = 1)
            ORDER BY chat_rooms.created_at DESC
            """, [userID]).map { try $0.int("id") }
    }

    /// get_room_messages: not deleted, "id below N" paging, newest 50.
    static func roomMessages(_ db: Connection, roomID: Int64, beforeID: Int64? = nil, limit: Int64 = 50) throws -> [Row] {
        try db.rows("""
            SELECT room_messages.id, room_messages.room_id, room_messages.sender_id, room_messages.sender_type,
              room_messages.content, room_messages.message_type, room_messages.message_metadata, room_messages.created_at,
              room_messages.edited_at, room_messages.is_deleted
            FROM room_messages
            WHERE room_messages.room_id = ? AND room_messages.is_deleted = 0 AND (? IS NULL OR room_messages.id < ?)
            ORDER BY room_messages.created_at DESC LIMIT ?
            """, [roomID, beforeID, beforeID, limit])
    }

    /// get_room_members: the active memberships, with the user's name (none for the AI).
    static func roomMembers(_ db: Connection, roomID: Int64) throws -> [[DatabaseValue]] {
        try db.rows("""
            SELECT room_members.user_id, users.username, room_members.role
            FROM room_members LEFT OUTER JOIN users ON users.id = room_members.user_id
            WHERE room_members.room_id = ? AND room_members.is_active = 1 ORDER BY room_members.id
            """, [roomID]).map(\.values)
    }

    /// The SQL block under a heading of the design document (a copy in
    /// Tests/Fixtures/seed), without its final semicolon.
    static func designDocumentQuery(_ heading: String) throws -> String {
        let text = try String(contentsOfFile: fixturesFolder() + "/seed/DATABASE_DIAGRAM.md", encoding: .utf8)
        guard let start = text.range(of: "### \(heading)\n```sql\n"),
              let end = text.range(of: "\n```", range: start.upperBound..<text.endIndex) else {
            throw SocializerError.notFound("no SQL block under '\(heading)' in the design document")
        }
        let sql = String(text[start.upperBound..<end.lowerBound]).trimmedSpaces
        return sql.hasSuffix(";") ? String(sql.dropLast()) : sql
    }

    /// What SQLAlchemy's SQLite dialect parses a DATETIME with
    /// (`(\d+)-(\d+)-(\d+)(?: (\d+):(\d+):(\d+)(?:\.(\d+))?)?`), anchored, in
    /// the exact form the tool must write.
    static func isCanonicalDatetime(_ value: DatabaseValue) -> Bool {
        guard case .text(let text) = value else { return false }
        return text.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"#, options: .regularExpression) != nil
    }

    /// The app's create_room: the room (plain-text password), the creator
    /// as member role creator and the AI as member role ai.
    static func createRoom(_ db: Connection, id: Int64, name: String?, creatorID: Int64, createdAt: String, isPublic: Bool = false,
                           password: String? = nil) throws {
        try db.execute("""
            INSERT INTO chat_rooms (id, name, creator_id, created_at, is_active, room_type, ai_enabled, password, is_public)
            VALUES (?, ?, ?, ?, 1, 'group', 1, ?, ?)
            """, [id, name, creatorID, createdAt, password, isPublic])
        try db.execute("""
            INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at)
            VALUES (?, ?, ?, 'creator', 1, NULL), (?, NULL, ?, 'ai', 1, NULL)
            """, [id, creatorID, createdAt, id, createdAt])
    }

    /// The app's send_message: text by default, metadata `{}`.
    static func postMessage(_ db: Connection, roomID: Int64, senderID: Int64?, senderType: String, content: String, createdAt: String,
                            type: String = "text") throws {
        try db.execute("""
            INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at, edited_at, is_deleted)
            VALUES (?, ?, ?, ?, ?, '{}', ?, NULL, 0)
            """, [roomID, senderID, senderType, content, type, createdAt])
    }
}

@Suite struct RoomsAppTruthTests {
    /// Issue 12, point 8: rooms, members and messages the tool makes are
    /// what the app's own reads return.
    @Test(arguments: [false, true])
    func theAppReadsWhatTheToolWrites(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppRows.insertUser(db, "carol", email: "c@example.com")
        let run = { (arguments: [String], now: Timestamp) in
            let result = runCLI(["--db", f.db, "-q"] + arguments, environment: f.environment, now: now)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let t = { (hour: Int64) in Timestamp(year: 2026, month: 6, day: 15, hour: hour)! }
        run(["rooms", "create", "--creator", "alice", "--name", "lobby"], t(9))
        run(["rooms", "create", "--creator", "bob", "--name", "square", "--public"], t(10))
        run(["rooms", "create", "--creator", "alice", "--name", "attic"], t(11))
        run(["rooms", "members", "add", "lobby", "bob"], t(12))
        run(["rooms", "archive", "attic"], t(12))
        // get_user_rooms: member rooms and public ones, active only, newest first.
        #expect(try AppChat.userRooms(db, userID: 1) == [2, 1])
        #expect(try AppChat.userRooms(db, userID: 2) == [2, 1])
        #expect(try AppChat.userRooms(db, userID: 3) == [2])
        run(["rooms", "members", "remove", "lobby", "bob"], t(13))
        #expect(try AppChat.userRooms(db, userID: 2) == [2])
        run(["rooms", "members", "add", "lobby", "bob"], t(13))
        #expect(try AppChat.userRooms(db, userID: 2) == [2, 1])
        // get_room_members: the creator, the AI (user_id NULL, role ai), bob.
        #expect(try AppChat.roomMembers(db, roomID: 1) == [[.integer(1), .text("alice"), .text("creator")],
                                                          [.null, .null, .text("ai")], [.integer(2), .text("bob"), .text("member")]])
        run(["rooms", "update", "lobby", "--no-ai"], t(13))
        #expect(try AppChat.roomMembers(db, roomID: 1).count == 2)
        run(["rooms", "update", "lobby", "--ai"], t(13))
        #expect(try AppChat.roomMembers(db, roomID: 1).count == 3)
        // get_room_messages: newest first, deleted ones hidden, paged by id.
        for minute in 0..<60 { run(["rooms", "messages", "post", "lobby", "--from", minute % 2 == 0 ? "alice" : "bob", "m\(minute)"],
                                   t(14).adding(seconds: Int64(minute * 60))) }
        run(["rooms", "messages", "post", "lobby", "--ai", "I am here"], t(15))
        run(["rooms", "messages", "post", "lobby", "--system", "tidy up"], t(15).adding(seconds: 1))
        run(["rooms", "messages", "delete", "61"], t(16))
        run(["rooms", "messages", "edit", "60", "m59, edited"], t(16))
        let page = try AppChat.roomMessages(db, roomID: 1)
        #expect(page.count == 50)
        #expect(try page.prefix(3).map { try $0.int("id") } == [62, 60, 59])
        #expect(page[0]["sender_type"] == .text("system") && page[0]["message_type"] == .text("system") && page[0]["sender_id"] == .null)
        #expect(page[1]["content"] == .text("m59, edited") && AppChat.isCanonicalDatetime(page[1]["edited_at"]!))
        let next = try AppChat.roomMessages(db, roomID: 1, beforeID: try page.last!.int("id"))
        #expect(try next.map { try $0.int("id") } == Array((1...11).reversed()))
        // Every value in the app's storage forms.
        for row in try db.rows("SELECT * FROM room_messages") {
            #expect(AppChat.isCanonicalDatetime(row["created_at"]!))
            #expect(row["is_deleted"] == .integer(0) || row["is_deleted"] == .integer(1))
            #expect(row["message_metadata"] == .text("{}"))
        }
        for row in try db.rows("SELECT * FROM room_members") {
            #expect(AppChat.isCanonicalDatetime(row["joined_at"]!))
            #expect(row["is_active"] == .integer(0) || row["is_active"] == .integer(1))
        }
        for row in try db.rows("SELECT * FROM chat_rooms") {
            #expect(AppChat.isCanonicalDatetime(row["created_at"]!))
            for column in ["is_active", "ai_enabled", "is_public"] { #expect(row[column] == .integer(0) || row[column] == .integer(1)) }
        }
        // What the tool lists is what the app lists.
        let listed = f.cli(["--format", "csv", "--no-header", "--fields", "id", "rooms", "messages", "list", "lobby"]).stdout
        #expect(listed == page.map { "\(try! $0.int("id"))\r\n" }.joined())
    }

    /// What the app wrote, the tool reads: a room with its AI member, the
    /// AI's and a system message, a membership never read (last_read_at NULL).
    @Test(arguments: [false, true])
    func theToolReadsWhatTheAppWrites(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppChat.createRoom(db, id: 7, name: nil, creatorID: 1, createdAt: "2026-06-14 09:00:00.000000", password: "letmein")
        try db.execute("INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (7, 2, '2026-06-14 09:05:00.000000', 'member', 1, NULL)")
        try AppChat.postMessage(db, roomID: 7, senderID: 1, senderType: "user", content: "hi bob", createdAt: "2026-06-14 09:06:00.000000")
        try AppChat.postMessage(db, roomID: 7, senderID: nil, senderType: "ai", content: "Hello! 👋", createdAt: "2026-06-14 09:07:00.000000")
        try AppChat.postMessage(db, roomID: 7, senderID: 1, senderType: "system", content: "alice invited bob",
                                createdAt: "2026-06-14 09:08:00.000000", type: "invite")
        let show = f.cli(["--json", "rooms", "show", "7"])
        #expect(show.status == 0, "\(show.stderr)")
        let room = try JSONParser.parse(show.stdout)
        #expect(room["name"] == .null && room["has_password"] == .bool(true) && room["members"] == .integer(3))
        #expect(room["member_names"] == .array([.string("alice"), .string("AI"), .string("bob")]))
        #expect(room["last_activity"] == .string("2026-06-14T09:08:00Z"))
        #expect(!show.stdout.contains("letmein"))
        let messages = f.cli(["--format", "csv", "--no-header", "--fields", "id,sender,sender_type,message_type,content",
                              "rooms", "messages", "list", "7"])
        #expect(messages.stdout == "3,system,system,invite,alice invited bob\r\n2,AI,ai,text,Hello! 👋\r\n1,alice,user,text,hi bob\r\n")
        #expect(f.cli(["--format", "csv", "--no-header", "rooms", "unread", "bob"]).stdout == "7,,3,\r\n")
        // A second AI row the app let through: refused by add-ai, repaired by update --ai.
        try db.execute("INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (7, NULL, '2026-06-14 09:09:00.000000', 'ai', 1, NULL)")
        try expectRefused(f, ["rooms", "members", "add-ai", "7"], status: 65, "room 7 already has an AI member; a room has one at most")
        #expect(f.cli(["-q", "rooms", "update", "7", "--ai"]).status == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE room_id = 7 AND user_id IS NULL") == 1)
        // The app's room password is replaced the same way it is compared: plain text.
        #expect(f.cli(["-q", "rooms", "set-password", "7", "--password-stdin"], stdin: "new one\n").status == 0)
        #expect(try db.scalar("SELECT password FROM chat_rooms WHERE id = 7") == .text("new one"))
    }

    /// The design document's "Get Room Messages with Sender Info" returns
    /// what `messages list` shows (the AI and the system have no sender
    /// name there; the tool names them).
    @Test func theDesignDocumentsMessageQueryAgreesWithMessagesList() throws {
        let f = try ChatRows.fixture()
        let db = try f.connection()
        for n in 0..<55 {
            try AppChat.postMessage(db, roomID: 1, senderID: n % 3 == 0 ? nil : 2, senderType: n % 3 == 0 ? "ai" : "user",
                                    content: "line \(n)", createdAt: "2026-06-16 10:\(String(format: "%02d", n)):00.000000")
        }
        try db.execute("UPDATE room_messages SET is_deleted = 1 WHERE content = 'line 50'")
        let query = try AppChat.designDocumentQuery("Get Room Messages with Sender Info")
        #expect(query.contains("WHERE rm.room_id = 1"))
        let document = try db.rows(query)
        #expect(document.count == 50)
        let listed = try JSONParser.parse(f.cli(["--json", "--fields", "id,content,created_at,sender_type,sender",
                                                 "rooms", "messages", "list", "lobby"]).stdout).arrayItems
        #expect(listed.count == 50)
        for (row, item) in zip(document, listed) {
            #expect(item["id"] == .integer(try row.int("id")))
            #expect(item["content"] == .string(try row.string("content")))
            #expect(item["created_at"] == .string(try row.timestamp("created_at").iso8601))
            #expect(item["sender_type"] == .string(try row.string("sender_type")))
            let type = try row.string("sender_type")
            let name = try row.optionalString("sender_name") ?? (type == "ai" ? "AI" : "system")
            #expect(item["sender"] == .string(name))
        }
    }
}

@Suite struct RoomCascadeTests {
    /// `users delete` takes the rooms a user created through the room
    /// cascade: their invites, messages (an invite in another room pointing
    /// at one is detached) and members, on every schema version, the app's
    /// own tables included.
    @Test(arguments: [false, true])
    func deletingACreatorTakesTheirRoomsThroughTheRoomCascade(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        // An app table referring to room messages, nullable: detached when they go.
        try db.execute("CREATE TABLE message_reactions (id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES room_messages (id), emoji TEXT)")
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppRows.insertUser(db, "carol", email: "c@example.com")
        try AppChat.createRoom(db, id: 1, name: "alices", creatorID: 1, createdAt: "2026-06-14 09:00:00.000000")
        try AppChat.createRoom(db, id: 2, name: "bobs", creatorID: 2, createdAt: "2026-06-14 09:00:00.000000")
        try db.execute("INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (1, 3, '2026-06-14 09:01:00.000000', 'member', 1, NULL)")
        try AppChat.postMessage(db, roomID: 1, senderID: 3, senderType: "user", content: "carol in alices", createdAt: "2026-06-14 09:02:00.000000")
        try AppChat.postMessage(db, roomID: 2, senderID: 2, senderType: "user", content: "bob in bobs", createdAt: "2026-06-14 09:03:00.000000")
        // Invites to alice's room (one linked to a message there), and one in bob's room whose message_id points into alice's room.
        try db.execute("""
            INSERT INTO room_invites (id, room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at) VALUES
              (1, 1, 1, 2, 'pending', 1, '2026-06-14 09:04:00.000000', NULL),
              (2, 2, 2, 3, 'pending', 1, '2026-06-14 09:05:00.000000', NULL)
            """)
        try db.execute("INSERT INTO message_reactions VALUES (1, 1, '👍'), (2, 2, '🎉')")
        let result = f.cli(["-y", "--format", "csv", "users", "delete", "alice"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("room_invites,1,1\r\n"), "\(result.stdout)")
        #expect(result.stdout.contains("room_messages,1,0\r\n") && result.stdout.contains("room_members,3,0\r\n"), "\(result.stdout)")
        #expect(result.stdout.contains("chat_rooms,1,0\r\n") && result.stdout.contains("message_reactions,0,1\r\n"), "\(result.stdout)")
        #expect(try db.rows("SELECT id, room_id, message_id FROM room_invites").map(\.values) == [[.integer(2), .integer(2), .null]])
        #expect(try db.rows("SELECT id FROM chat_rooms").map(\.values) == [[.integer(2)]])
        #expect(try db.rows("SELECT id, message_id FROM message_reactions ORDER BY id").map(\.values)
                == [[.integer(1), .null], [.integer(2), .integer(2)]])
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    /// `rooms delete` on the app's own schema (references without ON DELETE)
    /// works as on a migrated one.
    @Test(arguments: [false, true])
    func roomsDeleteWorksOnEverySchemaVersion(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppChat.createRoom(db, id: 1, name: "alices", creatorID: 1, createdAt: "2026-06-14 09:00:00.000000")
        try AppChat.postMessage(db, roomID: 1, senderID: 1, senderType: "system", content: "alice invited bob",
                                createdAt: "2026-06-14 09:02:00.000000", type: "invite")
        try db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at) VALUES (1, 1, 2, 'pending', 1, '2026-06-14 09:02:00.000000', NULL)")
        let result = f.cli(["-y", "--format", "csv", "rooms", "delete", "alices"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "table,deleted,detached\r\nroom_invites,1,0\r\nroom_messages,1,0\r\nroom_members,2,0\r\nchat_rooms,1,0\r\n",
                "\(result.stdout)")
        for table in ["chat_rooms", "room_members", "room_messages", "room_invites"] {
            #expect(try db.scalarInt("SELECT count(*) FROM \(table)") == 0, "\(table)")
        }
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 2)
    }

    /// A purge detaches an invite that points at a purged message, also on
    /// the app's own schema, where the reference says nothing on delete
    /// and the delete would otherwise fail.
    @Test(arguments: [false, true])
    func aPurgeDetachesInvitesOnEverySchemaVersion(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "alice", email: "a@example.com")
        try AppRows.insertUser(db, "bob", email: "b@example.com")
        try AppChat.createRoom(db, id: 1, name: "alices", creatorID: 1, createdAt: "2026-01-01 09:00:00.000000")
        for n in 0..<30 {
            try AppChat.postMessage(db, roomID: 1, senderID: 1, senderType: "user", content: "m\(n)",
                                    createdAt: "2026-01-\(String(format: "%02d", n + 1)) 10:00:00.000000")
        }
        try db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at) VALUES (1, 1, 2, 'pending', 17, '2026-01-17 10:00:00.000000', NULL)")
        let result = f.cli(["--json", "rooms", "messages", "purge", "--before", "2026-01-25", "--batch-size", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["rows_deleted"] == .integer(24))
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages") == 6)
        #expect(try db.scalar("SELECT message_id FROM room_invites") == .null)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }
}
