import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// Issue 17 point 5: the takeout of a user of the compiled-in demo who
/// touches every table that refers to users (ada: the demo is made so),
/// checked against the database, not against a document written by hand.
@Suite struct TakeoutOfTheDemoTests {
    /// Per list section, the rows of ada it must hold, by id (training and
    /// levels by skill name, which is what they show).
    static let sources: [(section: String, key: String, sql: String)] = [
        ("preferences", "id", "SELECT id FROM user_preferences WHERE user_id = ?1 ORDER BY id"),
        ("skill_levels", "skill", "SELECT s.skill_name FROM user_skills l JOIN skills s ON s.id = l.skill_id WHERE l.user_id = ?1"),
        ("training", "skill", "SELECT s.skill_name FROM training t JOIN skills s ON s.id = t.skill_id WHERE t.user_id = ?1"),
        ("rooms_created", "id", "SELECT id FROM chat_rooms WHERE creator_id = ?1"),
        ("memberships", "room_id", "SELECT room_id FROM room_members WHERE user_id = ?1"),
        ("room_messages", "id", "SELECT id FROM room_messages WHERE sender_id = ?1"),
        ("general_chat_messages", "id", "SELECT id FROM general_chat_messages WHERE sender_id = ?1"),
        ("invites_sent", "id", "SELECT id FROM room_invites WHERE inviter_id = ?1"),
        ("invites_received", "id", "SELECT id FROM room_invites WHERE invitee_id = ?1"),
        ("revoked_tokens", "id", "SELECT id FROM token_blacklist WHERE user_id = ?1"),
        ("error_logs", "id", "SELECT id FROM error_logs WHERE user_id = ?1"),
    ]

    /// What other people (and the AI) wrote, which ada's document must not
    /// hold: messages in rooms and in the general chat, error logs.
    static let othersText = """
        SELECT content AS t FROM room_messages WHERE sender_id IS NULL OR sender_id <> ?1
        UNION SELECT content FROM general_chat_messages WHERE sender_id IS NULL OR sender_id <> ?1
        UNION SELECT error_message FROM error_logs WHERE user_id IS NULL OR user_id <> ?1
        """

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .integer(let n)?: return String(n)
        default: return "\(String(describing: value))"
        }
    }

    @Test func aUserTouchingEveryTableGetsTheirRowsAndNothingOfOthers() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let db = try s.connection()
        let ada = try db.scalarInt("SELECT id FROM users WHERE username = 'ada'")
        // The premise: ada is in every column that refers to users.
        for column in UsersTakeout.covered {
            #expect(try db.scalarInt("SELECT count(*) FROM \(column.table) WHERE \(column.column) = ?", [ada]) > 0,
                    "ada is not in \(column.table).\(column.column)")
        }
        let before = try contents(db)
        let result = s.cli(["users", "takeout", "ada"])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        let document = try JSONParser.parse(result.stdout)
        #expect(document["user"] == .object([("id", .integer(ada)), ("username", .string("ada"))]))
        // Every section has something; other_tables is for tables outside the compiled schema, which a migrated database has none of.
        for section in UsersTakeout.sections.map(\.name) {
            switch document[section] {
            case .array(let items)?: #expect(!items.isEmpty, "\(section) is empty")
            case .object(let members)?: #expect(members.isEmpty == (section == "other_tables"), "\(section): \(members)")
            default: Issue.record("\(section) is \(String(describing: document[section]))")
            }
        }
        #expect(document["notes"] == .array([]))
        // The account and what is stored in it: hers, decrypted.
        #expect(document["account"]?["username"] == .string("ada") && document["account"]?["role"] == .string("admin"))
        #expect(document["conversation_memory"]?["messages"]?.arrayItems.first?["content"] == .string("I run the Tuesday practice group."))
        #expect(document["stored_messages"]?.arrayItems.first?["content"] == .string("Can you suggest a warm-up for Tuesday?"))
        // Each list holds exactly her rows.
        for source in Self.sources {
            let expected = try db.rows(source.sql, [ada]).map { row in try row.string(row.columns[0]) }.sorted()
            let listed = (document[source.section]?.arrayItems ?? []).map { Self.text($0[source.key]) }.sorted()
            #expect(listed == expected, "\(source.section)")
        }
        // Nothing others wrote or set, beyond their usernames (as sender, inviter, invitee).
        for row in try db.rows(Self.othersText, [ada]) {
            guard let text = try row.optionalString("t"), text.count > 3 else { continue }
            let encoded = String(JSONValue.string(text).compactText.dropFirst().dropLast())
            #expect(!result.stdout.contains(encoded), "ada's takeout holds '\(text)'")
        }
        // Nor their addresses, preferences (margaret's pace) or model settings (grace's endpoint).
        for other in ["grace", "linus", "tim", "hedy", "margaret"] { #expect(!result.stdout.contains("\(other)@example.com")) }
        for text in ["sessions_per_week", "localhost:11434"] { #expect(!result.stdout.contains(text)) }
        // A read: only its audit entry is new (and the trail's id sequence).
        var after = try contents(db)
        for table in ["admin_audit", "sqlite_sequence"] { after[table] = before[table] }
        #expect(after == before)
    }
}
