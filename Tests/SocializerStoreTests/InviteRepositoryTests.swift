import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// `InviteRepository` against a migrated database: the statements it runs
/// (read off the trace hook) use the indexes meant for them, and its purge
/// target goes through the engine.
@Suite struct InviteRepositoryTests {
    /// alice's room lobby; bob, carol and dave invited to it by alice, carol's declined.
    func invites() throws -> (StoreFixture, ChatRoom, [User]) {
        let f = try StoreFixture()
        let people = try ["alice", "bob", "carol", "dave"].map { try f.users.require(.id(try f.insertUser($0, email: "\($0)@example.com"))) }
        let rooms = RoomRepository(f.db)
        let room = try rooms.require(.id(try rooms.create(NewRoom(name: "lobby", creatorID: people[0].id, type: .group, isPublic: false,
                                                                   aiEnabled: true, password: nil, createdAt: testNow))))
        let repository = InviteRepository(f.db)
        for invitee in people.dropFirst() {
            _ = try repository.send(room: room, inviter: people[0], invitee: invitee, text: nil, at: testNow)
        }
        _ = try repository.decline(try repository.require(id: 2), at: testNow)
        return (f, room, people)
    }

    func plans(_ f: StoreFixture, _ body: () throws -> Void) throws -> [(sql: String, plan: String)] {
        try statementsRun(on: f.db, body).map { ($0, try queryPlan(f.db, $0)) }
    }

    @Test func listsAndLookupsSearchTheirIndexes() throws {
        let (f, room, people) = try invites()
        let repository = InviteRepository(f.db)
        var query = InviteQuery()
        query.inviteeID = people[1].id
        query.status = InviteStatus.pending.rawValue
        var seen: [Int64] = []
        let byInvitee = try plans(f) { try repository.list(query) { seen.append($0.id) } }
        #expect(seen == [1])
        #expect(byInvitee.count == 1 && byInvitee[0].plan.contains("SEARCH ri USING INDEX ix_room_invites_invitee_id_status (invitee_id=? AND status=?)"),
                "\(byInvitee)")
        query = InviteQuery()
        query.roomID = room.id
        let byRoom = try plans(f) { try repository.list(query) { _ in } }
        #expect(byRoom.first?.plan.contains("SEARCH ri USING INDEX sqlite_autoindex_room_invites_1 (room_id=?)") == true, "\(byRoom)")
        let byID = try plans(f) { _ = try repository.require(id: 3) }
        #expect(byID.first?.plan.contains("SEARCH ri USING INTEGER PRIMARY KEY (rowid=?)") == true, "\(byID)")
        let pair = try plans(f) { _ = try repository.find(roomID: room.id, inviteeID: people[2].id) }
        #expect(pair.first?.plan.contains("SEARCH ri USING INDEX sqlite_autoindex_room_invites_1 (room_id=? AND invitee_id=?)") == true,
                "\(pair)")
        // The names and the message are looked up by their primary keys, never scanned.
        for (sql, plan) in byInvitee + byRoom + byID + pair {
            #expect(!plan.contains("SCAN"), "\(sql): \(plan)")
        }
    }

    /// Nothing in the twelve tables refers to an invite, so a purge needs
    /// no foreign-key lookups; a nullable reference from the app's own
    /// tables is set NULL batch by batch.
    @Test func thePurgeTargetDetachesWhatRefersToAnInvite() throws {
        let (f, _, _) = try invites()
        let repository = InviteRepository(f.db)
        let later = testNow.adding(seconds: 60)
        let plain = try repository.purgeTarget(before: later, statuses: [.accepted, .declined])
        #expect(plain.detaching.isEmpty && plain.detachesEveryReference)
        #expect(try f.db.scalarInt(plain.countSQL, plain.arguments) == 1)
        try f.db.execute("CREATE TABLE invite_reminders (id INTEGER PRIMARY KEY, invite_id INTEGER REFERENCES room_invites (id))")
        try f.db.execute("INSERT INTO invite_reminders VALUES (1, 2), (2, 1)")
        let target = try repository.purgeTarget(before: later, statuses: [.accepted, .declined])
        #expect(target.detaching == [ReferenceCascade.Column("invite_reminders", "invite_id")] && target.detachesEveryReference)
        let report = try PurgeEngine(db: f.db).run(target, dryRun: false)
        #expect(report.rowsDeleted == 1)
        #expect(try f.db.rows("SELECT id, invite_id FROM invite_reminders ORDER BY id").map(\.values)
                == [[.integer(1), .null], [.integer(2), .integer(1)]])
        #expect(try f.db.rows("SELECT id FROM room_invites ORDER BY id").map(\.values) == [[.integer(1)], [.integer(3)]])
        // Pending ones only when named; age from the sending, for them.
        let pending = try repository.purgeTarget(before: later, statuses: [.pending])
        #expect(try f.db.scalarInt(pending.countSQL, pending.arguments) == 2)
        #expect(try f.db.scalarInt(pending.countSQL, [InviteStatus.pending.rawValue, testNow.databaseText]) == 0)
        #expect(try f.db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    @Test func sendWritesTheMessageTypedInviteFromTheInviter() throws {
        let (f, room, people) = try invites()
        let invite = try InviteRepository(f.db).require(id: 3)
        #expect(invite.inviterName == "alice" && invite.inviteeName == "dave" && invite.roomName == "lobby" && invite.knownStatus == .pending)
        let message = try MessageRepository(f.db).require(id: try #require(invite.messageID))
        #expect(message.roomID == room.id && message.senderID == people[0].id && message.senderType == "user" && message.messageType == "invite")
        #expect(message.content == "alice invited dave to join the room." && message.metadata == #"{"invite_id":3}"#)
        #expect(invite.message == message.content)
    }
}
