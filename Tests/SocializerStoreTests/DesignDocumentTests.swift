import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The SQL of the design document (a copy in Tests/Fixtures/seed; "Usage Examples" and
/// "Query Patterns") runs verbatim on a freshly migrated database.
@Suite struct DesignDocumentTests {
    let folder = TemporaryDirectory()

    static func documentSQLBlocks() throws -> [String] {
        let path = fixturesFolder() + "/seed/DATABASE_DIAGRAM.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```sql") { current = [] }
            else if line.hasPrefix("```"), let lines = current { blocks.append(lines.joined(separator: "\n")); current = nil }
            else if current != nil { current!.append(line) }
        }
        return blocks
    }

    /// Statements of a block, split on `;` at line ends.
    static func statements(_ block: String) -> [String] {
        block.components(separatedBy: ";\n").map { $0.trimmedSpaces }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.split(separator: "\n").allSatisfy { $0.trimmedSpaces.hasPrefix("--") || $0.trimmedSpaces.isEmpty } }
    }

    @Test func theDocumentsExamplesAndQueriesRunVerbatim() throws {
        let blocks = try Self.documentSQLBlocks()
        #expect(blocks.count == 5)
        let db = try Connection(path: folder.file("doc.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        // "Creating a New User with Training"
        for statement in Self.statements(blocks[0]) { try db.execute(statement) }
        // The room example adds user 2 as a member: the document presumes a second user.
        try db.execute("INSERT INTO users (username, hashed_password, hashed_email) VALUES ('bob', 'h2', 'e2')")
        // "Creating a Private Chat Room"
        for statement in Self.statements(blocks[1]) { try db.execute(statement) }
        try db.execute("INSERT INTO room_messages (room_id, sender_id, content) VALUES (1, 1, 'hello')")
        let training = try db.rows(Self.statements(blocks[2])[0])
        #expect(training.count == 1)
        #expect(training[0]["username"] == .text("alice") && training[0]["skill_name"] == .text("empathy"))
        #expect(training[0]["status"] == .text("active") && training[0]["current_level"] == .integer(0))
        let messages = try db.rows(Self.statements(blocks[3])[0])
        #expect(messages.map { $0["sender_name"] } == [.text("alice")])
        try db.execute("INSERT INTO chat_rooms (creator_id, name) VALUES (2, 'bobs room')")
        try db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id) VALUES (2, 2, 1)")
        let invites = try db.rows(Self.statements(blocks[4])[0])
        #expect(invites.count == 1 && invites[0]["inviter_name"] == .text("bob"))
        #expect(invites[0]["room_name"] == .text("bobs room"))
        #expect(try db.scalar("SELECT member_since = date('now') FROM users WHERE id = 1") == .integer(1))
    }

    @Test func deletingAUserInPlainSQLRemovesEverythingTheyOwn() throws {
        let db = try Connection(path: folder.file("doc.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        let blocks = try Self.documentSQLBlocks()
        for statement in Self.statements(blocks[0]) { try db.execute(statement) }
        try db.execute("INSERT INTO users (username, hashed_password, hashed_email) VALUES ('bob', 'h2', 'e2')")
        for statement in Self.statements(blocks[1]) { try db.execute(statement) }
        try db.execute("INSERT INTO room_messages (room_id, sender_id, content) VALUES (1, 1, 'from alice')")
        try db.execute("INSERT INTO chat_rooms (creator_id, name) VALUES (2, 'bobs room')")
        try db.execute("INSERT INTO room_members (room_id, user_id, role) VALUES (2, 2, 'creator'), (2, 1, 'member')")
        try db.execute("INSERT INTO room_messages (room_id, sender_id, content) VALUES (2, 1, 'alice in bobs room')")
        try db.execute("INSERT INTO room_invites (room_id, inviter_id, invitee_id, message_id) VALUES (2, 2, 1, 2)")
        try db.execute("INSERT INTO general_chat_messages (sender_id, content) VALUES (1, 'hi all'), (2, 'hey')")
        try db.execute("INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value) VALUES (1, 't', 'k', '1')")
        try db.execute("INSERT INTO token_blacklist (token, expires_at, user_id) VALUES ('t', '2030-01-01 00:00:00.000000', 1)")
        try db.execute("INSERT INTO error_logs (user_id, error_type, error_message) VALUES (1, 'E', 'm')")

        try db.execute("DELETE FROM users WHERE username = 'alice'")

        for (table, column) in [("user_skills", "user_id"), ("training", "user_id"), ("user_preferences", "user_id"),
                                ("chat_rooms", "creator_id"), ("room_members", "user_id"), ("room_messages", "sender_id"),
                                ("room_invites", "inviter_id"), ("room_invites", "invitee_id"),
                                ("general_chat_messages", "sender_id"), ("token_blacklist", "user_id"),
                                ("error_logs", "user_id")] {
            #expect(try db.scalarInt("SELECT count(*) FROM \(table) WHERE \(column) = 1") == 0, "\(table).\(column)")
        }
        #expect(try db.scalarInt("SELECT count(*) FROM room_messages WHERE room_id = 1") == 0)
        #expect(try db.rows("SELECT name FROM chat_rooms").map { $0["name"] } == [.text("bobs room")])
        #expect(try db.scalarInt("SELECT count(*) FROM general_chat_messages") == 1)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }
}
