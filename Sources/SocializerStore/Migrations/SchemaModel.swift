/// The twelve tables of SPEC §2, declared once. Migration SQL (0001 in the
/// app's own form, 0002's rebuild with defaults and cascades, and 0002's
/// down), the legacy baseline check and the tests all read from here.
struct ColumnModel: Sendable {
    var name: String
    var type: String
    var notNull: Bool
    /// The SQL default that 0002 adds (SPEC §2); nil for required columns.
    var defaultSQL: String?
    /// `id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT` (user_skills, user_preferences).
    var autoincrement = false
    /// Added later by ALTER TABLE in the app's history (users.llm_*).
    var addedLater = false
}

struct ForeignKeyModel: Sendable {
    var column: String
    var table: String
    /// ON DELETE in the app's own schema (0001), if any.
    var legacyOnDelete: String?
    /// ON DELETE once 0002 ran.
    var onDelete: String
}

struct UniqueModel: Sendable {
    var name: String?
    var columns: [String]
}

struct IndexModel: Sendable {
    var name: String
    var columns: [String]
    var unique = false
}

struct TableModel: Sendable {
    var name: String
    var columns: [ColumnModel]
    /// Table-level PRIMARY KEY, unless a column is AUTOINCREMENT.
    var primaryKey: [String]
    var uniques: [UniqueModel]
    var foreignKeys: [ForeignKeyModel]
    /// The app's own `ix_*` indexes (0001).
    var indexes: [IndexModel]

    var columnNames: [String] { columns.map(\.name) }
}

enum SchemaModel {
    static let now = "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))"
    static let today = "(date('now'))"

    static func column(_ name: String, _ type: String, notNull: Bool = true, _ defaultSQL: String? = nil,
                       addedLater: Bool = false) -> ColumnModel {
        ColumnModel(name: name, type: type, notNull: notNull, defaultSQL: defaultSQL, addedLater: addedLater)
    }
    static let id = ColumnModel(name: "id", type: "INTEGER", notNull: true)
    static let autoincrementID = ColumnModel(name: "id", type: "INTEGER", notNull: true, autoincrement: true)
    static func idIndex(_ table: String) -> IndexModel { IndexModel(name: "ix_\(table)_id", columns: ["id"]) }
    static func users(_ column: String, legacy: String? = nil) -> ForeignKeyModel {
        ForeignKeyModel(column: column, table: "users", legacyOnDelete: legacy, onDelete: "CASCADE")
    }

    /// In foreign-key order: every table comes after the tables it refers to.
    static let tables: [TableModel] = [
        TableModel(name: "users", columns: [
            id,
            column("username", "VARCHAR"),
            column("role", "VARCHAR", "'user'"),
            column("is_active", "BOOLEAN", "1"),
            column("temperature", "FLOAT", "0.7"),
            column("preferences", "JSON", "'{}'"),
            column("hashed_name", "VARCHAR", "''"),
            column("hashed_password", "VARCHAR"),
            column("hashed_email", "VARCHAR"),
            column("member_since", "DATE", today),
            column("messages", "INTEGER", "0"),
            column("encryption_key", "VARCHAR", notNull: false),
            column("conversation_memory", "TEXT", notNull: false),
            column("llm_provider", "VARCHAR", notNull: false, addedLater: true),
            column("llm_endpoint", "VARCHAR", notNull: false, addedLater: true),
            column("llm_model", "VARCHAR", notNull: false, addedLater: true),
        ], primaryKey: ["id"],
        uniques: [UniqueModel(columns: ["username"]), UniqueModel(columns: ["hashed_email"])],
        foreignKeys: [], indexes: [idIndex("users")]),

        TableModel(name: "skills", columns: [
            id,
            column("skill_name", "VARCHAR", notNull: false),
        ], primaryKey: ["id"], uniques: [UniqueModel(columns: ["skill_name"])], foreignKeys: [],
        indexes: [idIndex("skills")]),

        TableModel(name: "token_blacklist", columns: [
            id,
            column("token", "VARCHAR"),
            column("expires_at", "DATETIME"),
            column("created_at", "DATETIME", now),
            column("user_id", "INTEGER", notNull: false),
            column("reason", "VARCHAR", notNull: false),
        ], primaryKey: ["id"], uniques: [], foreignKeys: [users("user_id")],
        indexes: [idIndex("token_blacklist"),
                  IndexModel(name: "ix_token_blacklist_token", columns: ["token"], unique: true)]),

        TableModel(name: "error_logs", columns: [
            id,
            column("timestamp", "DATETIME", now),
            column("user_id", "INTEGER", notNull: false),
            column("error_type", "VARCHAR(100)"),
            column("error_message", "TEXT"),
            column("stack_trace", "TEXT", notNull: false),
            column("context", "JSON", notNull: false),
        ], primaryKey: ["id"], uniques: [], foreignKeys: [users("user_id")],
        indexes: [idIndex("error_logs")]),

        TableModel(name: "user_skills", columns: [
            autoincrementID,
            column("user_id", "INTEGER"),
            column("skill_id", "INTEGER"),
            column("level", "INTEGER", "0"),
        ], primaryKey: [], uniques: [UniqueModel(name: "_user_skill_uc", columns: ["user_id", "skill_id"])],
        foreignKeys: [users("user_id", legacy: "CASCADE"),
                      ForeignKeyModel(column: "skill_id", table: "skills", legacyOnDelete: "CASCADE", onDelete: "CASCADE")],
        indexes: []),

        TableModel(name: "training", columns: [
            column("user_id", "INTEGER"),
            column("skill_id", "INTEGER"),
            column("status", "VARCHAR", "'pending'"),
            column("progress", "FLOAT", "0.0"),
            column("started_at", "DATE", today),
            column("completed_at", "DATE", notNull: false),
            column("notes", "VARCHAR", notNull: false),
        ], primaryKey: ["user_id", "skill_id"], uniques: [],
        foreignKeys: [users("user_id", legacy: "CASCADE"),
                      ForeignKeyModel(column: "skill_id", table: "skills", legacyOnDelete: "CASCADE", onDelete: "CASCADE")],
        indexes: []),

        TableModel(name: "user_preferences", columns: [
            autoincrementID,
            column("user_id", "INTEGER"),
            column("preference_type", "VARCHAR"),
            column("preference_key", "VARCHAR"),
            column("preference_value", "JSON"),
            column("confidence", "FLOAT", "1.0"),
            column("last_updated", "DATE", today),
        ], primaryKey: [], uniques: [UniqueModel(columns: ["user_id", "preference_type", "preference_key"])],
        foreignKeys: [users("user_id", legacy: "CASCADE")],
        indexes: [idIndex("user_preferences")]),

        TableModel(name: "chat_rooms", columns: [
            id,
            column("name", "VARCHAR", notNull: false),
            column("creator_id", "INTEGER"),
            column("created_at", "DATETIME", now),
            column("is_active", "BOOLEAN", "1"),
            column("room_type", "VARCHAR", "'group'"),
            column("ai_enabled", "BOOLEAN", "1"),
            column("password", "VARCHAR", notNull: false),
            column("is_public", "BOOLEAN", "0"),
        ], primaryKey: ["id"], uniques: [], foreignKeys: [users("creator_id")],
        indexes: [idIndex("chat_rooms")]),

        TableModel(name: "room_members", columns: [
            id,
            column("room_id", "INTEGER"),
            column("user_id", "INTEGER", notNull: false),
            column("joined_at", "DATETIME", now),
            column("role", "VARCHAR", "'member'"),
            column("is_active", "BOOLEAN", "1"),
            column("last_read_at", "DATETIME", notNull: false),
        ], primaryKey: ["id"], uniques: [UniqueModel(name: "_room_user_uc", columns: ["room_id", "user_id"])],
        foreignKeys: [ForeignKeyModel(column: "room_id", table: "chat_rooms", onDelete: "CASCADE"), users("user_id")],
        indexes: [idIndex("room_members")]),

        TableModel(name: "room_messages", columns: [
            id,
            column("room_id", "INTEGER"),
            column("sender_id", "INTEGER", notNull: false),
            column("sender_type", "VARCHAR", "'user'"),
            column("content", "TEXT"),
            column("message_type", "VARCHAR", "'text'"),
            column("message_metadata", "JSON", notNull: false),
            column("created_at", "DATETIME", now),
            column("edited_at", "DATETIME", notNull: false),
            column("is_deleted", "BOOLEAN", "0"),
        ], primaryKey: ["id"], uniques: [],
        foreignKeys: [ForeignKeyModel(column: "room_id", table: "chat_rooms", onDelete: "CASCADE"), users("sender_id")],
        indexes: [idIndex("room_messages"), IndexModel(name: "ix_room_messages_created_at", columns: ["created_at"])]),

        TableModel(name: "general_chat_messages", columns: [
            id,
            column("sender_id", "INTEGER"),
            column("content", "TEXT"),
            column("created_at", "DATETIME", now),
        ], primaryKey: ["id"], uniques: [], foreignKeys: [users("sender_id")],
        indexes: [idIndex("general_chat_messages"),
                  IndexModel(name: "ix_general_chat_messages_created_at", columns: ["created_at"])]),

        TableModel(name: "room_invites", columns: [
            id,
            column("room_id", "INTEGER"),
            column("inviter_id", "INTEGER"),
            column("invitee_id", "INTEGER"),
            column("status", "VARCHAR", "'pending'"),
            column("message_id", "INTEGER", notNull: false),
            column("created_at", "DATETIME", now),
            column("responded_at", "DATETIME", notNull: false),
        ], primaryKey: ["id"], uniques: [UniqueModel(name: "_room_invitee_uc", columns: ["room_id", "invitee_id"])],
        foreignKeys: [ForeignKeyModel(column: "room_id", table: "chat_rooms", onDelete: "CASCADE"),
                      users("inviter_id"), users("invitee_id"),
                      ForeignKeyModel(column: "message_id", table: "room_messages", onDelete: "SET NULL")],
        indexes: [idIndex("room_invites")]),
    ]

    static let tableNames: [String] = tables.map(\.name)

    /// Tables the app itself adds beside the twelve (SPEC §2, §3): Alembic's
    /// ledger, `life_events` of older versions, `training_schedules` of its
    /// models. Expected, so never reported as unknown.
    static let appOwnTables: Set<String> = ["alembic_version", "life_events", "training_schedules"]

    static func table(_ name: String) -> TableModel? { tables.first { $0.name == name } }

    /// Whether one of the twelve has an `id` column (all but training).
    static func hasID(_ table: String) -> Bool { self.table(table)?.columns.contains { $0.name == "id" } ?? false }

    /// 0004's index on `lower(trim(hashed_email))`.
    static let emailLookupIndex = "ix_users_email_lookup"

    /// 0005's audit trail: one row per change made through socializer. Not
    /// one of the app's tables (so not in `tables`: the rebuild of 0002 and
    /// the baseline check leave it out), and no foreign key: an entry names
    /// its target as text and outlives it (`users delete` keeps the entries
    /// about the user it deletes). AUTOINCREMENT: an id is never reused
    /// after `audit purge`, so an entry once cited always means the same one.
    static let adminAudit = TableModel(name: "admin_audit", columns: [
        autoincrementID,
        column("at", "DATETIME", now),
        column("actor", "VARCHAR"),
        column("command", "VARCHAR"),
        column("target", "VARCHAR", notNull: false),
        column("rows", "JSON", "'{}'"),
        column("details", "JSON", "'{}'"),
    ], primaryKey: [], uniques: [], foreignKeys: [],
    indexes: [IndexModel(name: "ix_admin_audit_at", columns: ["at"])])

    /// 0006's indexes for the purges and cascades: `room_invites(message_id)`
    /// (with foreign keys on, SQLite looks up the invites of every room
    /// message deleted, ON DELETE SET NULL) and `training(completed_at)`
    /// (`training purge` walks it oldest first).
    static let inviteMessageIndex = IndexModel(name: "ix_room_invites_message_id", columns: ["message_id"])
    static let trainingCompletedIndex = IndexModel(name: "ix_training_completed_at", columns: ["completed_at"])
    static let purgeIndexes: [(table: String, index: IndexModel)] = [
        ("room_invites", inviteMessageIndex),
        ("training", trainingCompletedIndex),
    ]

    /// 0007's indexes on who sent what: `room_messages(sender_id)` (a
    /// person's messages for `users takeout`, `rooms messages list --from`
    /// and the delete of a user, whose messages SQLite otherwise finds by
    /// reading every message) and `room_invites(inviter_id)` (the invites a
    /// person sent, for the same three).
    static let senderIndexes: [(table: String, index: IndexModel)] = [
        ("room_messages", IndexModel(name: "ix_room_messages_sender_id", columns: ["sender_id"])),
        ("room_invites", IndexModel(name: "ix_room_invites_inviter_id", columns: ["inviter_id"])),
    ]

    /// 0003's indexes for the admin queries and purges (SPEC §3), by table.
    static let adminIndexes: [(table: String, index: IndexModel)] = [
        ("token_blacklist", ["expires_at"]), ("token_blacklist", ["user_id"]),
        ("error_logs", ["timestamp"]), ("error_logs", ["user_id"]), ("error_logs", ["error_type"]),
        ("room_messages", ["room_id", "created_at"]), ("room_members", ["user_id"]),
        ("room_invites", ["invitee_id", "status"]), ("general_chat_messages", ["sender_id"]),
        ("user_skills", ["skill_id"]), ("training", ["skill_id"]), ("chat_rooms", ["creator_id"]),
        ("user_preferences", ["user_id"]),
    ].map { (table: String, columns: [String]) in
        (table, IndexModel(name: "ix_\(table)_" + columns.joined(separator: "_"), columns: columns))
    }
}
