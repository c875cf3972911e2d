import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The per-user reads of `users takeout`: each searches an index on its
/// reference to the user (0001's unique constraints, 0003's indexes), or,
/// where no index exists, reads the table once without sorting it.
@Suite struct TakeoutReadsTests {
    func plans(_ f: StoreFixture, _ body: () throws -> Void) throws -> String {
        try statementsRun(on: f.db, body).map { try queryPlan(f.db, $0) }.joined(separator: " | ")
    }

    @Test func eachReadSearchesTheIndexOnItsReferenceToTheUser() throws {
        let f = try StoreFixture()
        let id = try f.insertUser("alice", email: "a@example.com")
        var rooms = RoomQuery()
        rooms.creatorID = id
        var logs = LogQuery()
        logs.userID = id
        let searches: [(String, () throws -> Void)] = [
            ("SEARCH us USING INDEX sqlite_autoindex_user_skills_1 (user_id=?)", { try SkillRepository(f.db).levels(userID: id) { _ in } }),
            ("SEARCH m USING INDEX ix_room_members_user_id (user_id=?)", { try MemberRepository(f.db).memberships(userID: id) { _ in } }),
            ("SEARCH g USING INDEX ix_general_chat_messages_sender_id (sender_id=?)",
             { try GeneralChatRepository(f.db).sent(byUserID: id) { _ in } }),
            ("SEARCH i USING INDEX ix_room_invites_invitee_id_status (invitee_id=?)",
             { try InviteRepository(f.db).each(ofUserID: id, direction: .received) { _ in } }),
            ("SEARCH i USING INDEX ix_room_invites_inviter_id (inviter_id=?)",
             { try InviteRepository(f.db).each(ofUserID: id, direction: .sent) { _ in } }),
            ("SEARCH rm USING INDEX ix_room_messages_sender_id (sender_id=?)",
             { try MessageRepository(f.db).sent(byUserID: id) { _ in } }),
            ("SEARCH r USING INDEX ix_chat_rooms_creator_id (creator_id=?)", { try RoomRepository(f.db).list(rooms) { _ in } }),
            ("SEARCH t USING INDEX ix_token_blacklist_user_id (user_id=?)",
             { try TokenRepository(f.db).list(userID: id, expiry: .any, now: testNow, limit: nil) { _ in } }),
            ("SEARCH l USING INDEX ix_error_logs_user_id (user_id=?)", { try LogRepository(f.db).list(logs) { _ in } }),
        ]
        for (expected, body) in searches {
            let plan = try plans(f, body)
            #expect(plan.contains(expected), "\(plan)")
            #expect(!plan.contains("SCAN"), "\(plan)")
        }
        // The sender indexes hold a sender's rows in id order: no sort either.
        #expect(!(try plans(f) { try GeneralChatRepository(f.db).sent(byUserID: id) { _ in } }).contains("TEMP B-TREE"))
        #expect(!(try plans(f) { try MessageRepository(f.db).sent(byUserID: id) { _ in } }).contains("TEMP B-TREE"))
        #expect(!(try plans(f) { try InviteRepository(f.db).each(ofUserID: id, direction: .sent) { _ in } }).contains("TEMP B-TREE"))
    }

    /// Before 0007 no index covers room_messages.sender_id or
    /// room_invites.inviter_id: one pass over the table in rowid order,
    /// never a sort of its rows.
    @Test func readsWithoutAnIndexReadTheTableOnceUnsorted() throws {
        let f = try StoreFixture()
        let id = try f.insertUser("alice", email: "a@example.com")
        for (_, index) in SchemaModel.senderIndexes { try f.db.execute("DROP INDEX \(index.name)") }
        let messages = try plans(f) { try MessageRepository(f.db).sent(byUserID: id) { _ in } }
        #expect(messages.hasPrefix("SCAN rm;") && !messages.contains("TEMP B-TREE"), "\(messages)")
        let invites = try plans(f) { try InviteRepository(f.db).each(ofUserID: id, direction: .sent) { _ in } }
        #expect(invites.hasPrefix("SCAN i;") && !invites.contains("TEMP B-TREE"), "\(invites)")
    }

    /// Every reference to users: the live schema's and, for the twelve
    /// tables, the compiled ones their live definition may lack.
    @Test func referencesToUsersComeFromTheLiveSchemaAndTheModel() throws {
        let f = try StoreFixture()
        try f.db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), "
                         + "about_id INTEGER REFERENCES users (username), room_id INTEGER REFERENCES chat_rooms (id))")
        let references = try ReferencesToUsers(f.db)
        // Only references to users.id (about_id names a username), tables by name.
        #expect(references.columns(of: "notes") == ["author_id"])
        #expect(references.columns(of: "room_invites") == ["inviter_id", "invitee_id"])
        #expect(references.tables == ["chat_rooms", "error_logs", "general_chat_messages", "notes", "room_invites", "room_members",
                                      "room_messages", "token_blacklist", "training", "user_preferences", "user_skills"])
        // The app's own schema declares every reference too; a table rebuilt without one still has it.
        try f.db.execute("PRAGMA foreign_keys = OFF")
        try f.db.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, sender_id INTEGER, content TEXT)")
        try f.db.execute("DROP TABLE general_chat_messages")
        try f.db.execute("ALTER TABLE bare RENAME TO general_chat_messages")
        #expect(try ReferencesToUsers(f.db).columns(of: "general_chat_messages") == ["sender_id"])
        try f.db.execute("INSERT INTO general_chat_messages VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 1, 'c')")
        var ids: [Int64] = []
        try ReferencesToUsers(f.db).rows(of: "general_chat_messages", referringTo: 1) { ids.append(try $0.int("id")) }
        #expect(ids == [1, 3])
    }
}
