import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The statements the chat repositories really run (read off the trace
/// hook, not copies of their SQL) each use the index they are meant to:
/// issue 12's `messages list ROOM --limit 50` and `unread USER` above all.
@Suite struct RoomQueryPlanTests {
    /// A migrated database with a room, two members and a few messages.
    func chat() throws -> (StoreFixture, ChatRoom, User) {
        let f = try StoreFixture()
        let alice = try f.users.require(.id(try f.insertUser("alice", email: "a@example.com")))
        let bob = try f.users.require(.id(try f.insertUser("bob", email: "b@example.com")))
        let rooms = RoomRepository(f.db)
        let id = try rooms.create(NewRoom(name: "lobby", creatorID: alice.id, type: .group, isPublic: false, aiEnabled: true,
                                          password: nil, createdAt: testNow))
        let room = try rooms.require(.id(id))
        _ = try MemberRepository(f.db).add(room: room, user: bob, role: nil, now: testNow)
        for n in 0..<5 {
            _ = try MessageRepository(f.db).post(in: room, from: .user(n % 2 == 0 ? alice : bob), content: "m\(n)", metadata: nil,
                                                 at: testNow.adding(seconds: Int64(n)))
        }
        return (f, room, bob)
    }

    func plans(_ f: StoreFixture, _ body: () throws -> Void) throws -> [(sql: String, plan: String)] {
        try statementsRun(on: f.db, body).map { ($0, try queryPlan(f.db, $0)) }
    }

    @Test func messagesListWalksTheRoomIndexBackwardsWithoutSorting() throws {
        let (f, room, _) = try chat()
        var query = MessageQuery()
        query.roomID = room.id
        query.limit = 50
        var seen: [Int64] = []
        let all = try plans(f) { try MessageRepository(f.db).list(query) { seen.append($0.id) } }
        #expect(seen == [5, 4, 3, 2, 1])
        #expect(all.count == 1, "\(all.map(\.sql))")
        let plan = all.first?.plan ?? ""
        #expect(plan.contains("SEARCH rm USING INDEX ix_room_messages_room_id_created_at (room_id=?)"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE") && !plan.contains("SCAN"), "newest first straight off the index: \(plan)")
        // Paging by id and a since bound keep the same index.
        query.beforeID = 3
        query.since = testNow
        let paged = try plans(f) { try MessageRepository(f.db).list(query) { _ in } }
        #expect(paged.first?.plan.contains("USING INDEX ix_room_messages_room_id_created_at (room_id=? AND created_at>?)") == true,
                "\(paged)")
    }

    @Test func unreadSearchesTheMembershipsAndEachRoomsNewerMessages() throws {
        let (f, _, bob) = try chat()
        var counts: [UnreadCount] = []
        let all = try plans(f) { try MemberRepository(f.db).unread(userID: bob.id) { counts.append($0) } }
        #expect(counts.map(\.unread) == [3])
        #expect(all.count == 1, "\(all.map(\.sql))")
        let plan = all.first?.plan ?? ""
        #expect(plan.contains("SEARCH m USING INDEX ix_room_members_user_id (user_id=?)"), "\(plan)")
        #expect(plan.contains("SEARCH rm USING INDEX ix_room_messages_room_id_created_at (room_id=? AND created_at>?)"), "\(plan)")
        #expect(!plan.contains("SCAN"), "\(plan)")
    }

    @Test func lookupsListsAndPurgesUseIndexes() throws {
        let (f, room, _) = try chat()
        let byID = try plans(f) { _ = try RoomRepository(f.db).require(.id(room.id)) }
        #expect(byID.allSatisfy { $0.plan.contains("SEARCH r USING INTEGER PRIMARY KEY") }, "\(byID)")
        let members = try plans(f) { try MemberRepository(f.db).list(roomID: room.id, active: true) { _ in } }
        #expect(members.first?.plan.contains("SEARCH m USING INDEX sqlite_autoindex_room_members_1 (room_id=?)") == true, "\(members)")
        let general = try plans(f) { try GeneralChatRepository(f.db).list(since: testNow, senderID: nil, limit: 10) { _ in } }
        #expect(general.first?.plan.contains("USING INDEX ix_general_chat_messages_created_at (created_at>?)") == true, "\(general)")
        let messages = MessageRepository(f.db)
        for target in [try messages.purgeTarget(before: testNow, roomID: nil, deletedOnly: false),
                       try messages.purgeTarget(before: testNow, roomID: room.id, deletedOnly: true),
                       GeneralChatRepository.purgeTarget(before: testNow)] {
            for sql in [target.deleteSQL] + target.detachSQL {
                let plan = try queryPlan(f.db, sql)
                #expect(plan.contains("USING INDEX ix_") || plan.contains("USING COVERING INDEX ix_"), "\(sql): \(plan)")
            }
        }
        // 0006: a purged message's invites are found through room_invites(message_id), not by a scan.
        let detach = try queryPlan(f.db, try messages.purgeTarget(before: testNow, roomID: nil, deletedOnly: false).detachSQL[0])
        #expect(detach.contains("SEARCH room_invites USING COVERING INDEX ix_room_invites_message_id (message_id=?)"), "\(detach)")
    }
}

@Suite struct MessagePurgeTargetTests {
    /// Every nullable reference to a message is detached in the batch; when
    /// that is all of them, the purge runs without foreign-key lookups, and
    /// the connection has them back afterwards.
    @Test func referencesAreDetachedAndForeignKeysCheckedOnlyWhenSomethingElseRefers() throws {
        let f = try RoomQueryPlanTests().chat().0
        let messages = MessageRepository(f.db)
        let plain = try messages.purgeTarget(before: testNow.adding(seconds: 60), roomID: nil, deletedOnly: false)
        #expect(plain.detaching == [ReferenceCascade.Column("room_invites", "message_id")] && plain.detachesEveryReference)
        try f.db.execute("CREATE TABLE message_reactions (id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES room_messages (id))")
        let nullable = try messages.purgeTarget(before: testNow, roomID: nil, deletedOnly: false)
        #expect(nullable.detaching.map(\.table) == ["room_invites", "message_reactions"] && nullable.detachesEveryReference)
        try f.db.execute("CREATE TABLE message_flags (id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES room_messages (id) ON DELETE CASCADE)")
        let owned = try messages.purgeTarget(before: testNow, roomID: nil, deletedOnly: false)
        #expect(owned.detaching.count == 2 && !owned.detachesEveryReference)
        try f.db.execute("DROP TABLE message_flags")
        try f.db.execute("INSERT INTO message_reactions VALUES (1, 2)")
        let report = try PurgeEngine(db: f.db).run(try messages.purgeTarget(before: testNow.adding(seconds: 60), roomID: nil,
                                                                            deletedOnly: false), dryRun: false)
        #expect(report.rowsDeleted == 5)
        #expect(try f.db.scalar("SELECT message_id FROM message_reactions") == .null)
        #expect(try f.db.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try f.db.rows("PRAGMA foreign_key_check").isEmpty)
    }
}

@Suite struct RoomRulesTests {
    @Test func roomPasswordsAreTextStoredAsTyped() throws {
        #expect(try ChatRoom.validatePassword(Array(" spaced ".utf8)) == " spaced ")
        for (bytes, message) in [([UInt8](), "the room password is empty"), ([0xFF, 0x41], "the room password is not valid UTF-8"),
                                 (Array("a\u{0}b".utf8), "the room password contains a control character"),
                                 (Array(String(repeating: "é", count: 256).utf8), "the room password is 256 characters long; at most 255 are allowed")] {
            #expect { try ChatRoom.validatePassword(bytes) } throws: { ($0 as? SocializerError)?.message == message }
        }
    }

    @Test func messagesAreTextWithLineBreaksAndTabsOnly() throws {
        #expect(try RoomMessage.validate(content: "a\n\tb\r\n") == "a\n\tb\r\n")
        #expect { try RoomMessage.validate(content: " \n ") } throws: { ($0 as? SocializerError)?.message == "the message is blank: only spaces, tabs and line breaks" }
        #expect { try RoomMessage.validate(content: "\u{7}") } throws: {
            ($0 as? SocializerError)?.message == "the message contains a control character (U+0007)"
        }
        #expect { try RoomMessage.validate(content: String(repeating: "x", count: 65_537)) } throws: {
            ($0 as? SocializerError)?.message == "the message is 65537 bytes long; at most 65536 are allowed"
        }
    }
}
