import SocializerStore

/// A database in the app's own format, written from the facts of SPEC §3
/// ("What a legacy database looks like") and independently of the
/// migrations' own schema model, so that tests compare two sources.
public enum LegacyDatabase {
    public static let ddl: [String] = [
        """
        CREATE TABLE users (
        \tid INTEGER NOT NULL, 
        \tusername VARCHAR NOT NULL, 
        \trole VARCHAR NOT NULL, 
        \tis_active BOOLEAN NOT NULL, 
        \ttemperature FLOAT NOT NULL, 
        \tpreferences JSON NOT NULL, 
        \thashed_name VARCHAR NOT NULL, 
        \thashed_password VARCHAR NOT NULL, 
        \thashed_email VARCHAR NOT NULL, 
        \tmember_since DATE NOT NULL, 
        \tmessages INTEGER NOT NULL, 
        \tencryption_key VARCHAR, 
        \tconversation_memory TEXT, 
        \tPRIMARY KEY (id), 
        \tUNIQUE (username), 
        \tUNIQUE (hashed_email)
        )
        """,
        "CREATE INDEX ix_users_id ON users (id)",
        "ALTER TABLE users ADD COLUMN llm_provider VARCHAR",
        "ALTER TABLE users ADD COLUMN llm_endpoint VARCHAR",
        "ALTER TABLE users ADD COLUMN llm_model VARCHAR",
        "CREATE TABLE skills (\n\tid INTEGER NOT NULL, \n\tskill_name VARCHAR, \n\tPRIMARY KEY (id), \n\tUNIQUE (skill_name)\n)",
        "CREATE INDEX ix_skills_id ON skills (id)",
        """
        CREATE TABLE token_blacklist (id INTEGER NOT NULL, token VARCHAR NOT NULL, expires_at DATETIME NOT NULL,
          created_at DATETIME NOT NULL, user_id INTEGER, reason VARCHAR, PRIMARY KEY (id),
          FOREIGN KEY(user_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_token_blacklist_id ON token_blacklist (id)",
        "CREATE UNIQUE INDEX ix_token_blacklist_token ON token_blacklist (token)",
        """
        CREATE TABLE error_logs (id INTEGER NOT NULL, timestamp DATETIME NOT NULL, user_id INTEGER,
          error_type VARCHAR(100) NOT NULL, error_message TEXT NOT NULL, stack_trace TEXT, context JSON,
          PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_error_logs_id ON error_logs (id)",
        """
        CREATE TABLE user_skills (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
          skill_id INTEGER NOT NULL, level INTEGER NOT NULL,
          CONSTRAINT _user_skill_uc UNIQUE (user_id, skill_id),
          FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
          FOREIGN KEY(skill_id) REFERENCES skills (id) ON DELETE CASCADE)
        """,
        """
        CREATE TABLE training (user_id INTEGER NOT NULL, skill_id INTEGER NOT NULL, status VARCHAR NOT NULL,
          progress FLOAT NOT NULL, started_at DATE NOT NULL, completed_at DATE, notes VARCHAR,
          PRIMARY KEY (user_id, skill_id),
          FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
          FOREIGN KEY(skill_id) REFERENCES skills (id) ON DELETE CASCADE)
        """,
        """
        CREATE TABLE user_preferences (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
          preference_type VARCHAR NOT NULL, preference_key VARCHAR NOT NULL, preference_value JSON NOT NULL,
          confidence FLOAT NOT NULL, last_updated DATE NOT NULL,
          UNIQUE (user_id, preference_type, preference_key),
          FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE)
        """,
        "CREATE INDEX ix_user_preferences_id ON user_preferences (id)",
        """
        CREATE TABLE chat_rooms (id INTEGER NOT NULL, name VARCHAR, creator_id INTEGER NOT NULL,
          created_at DATETIME NOT NULL, is_active BOOLEAN NOT NULL, room_type VARCHAR NOT NULL,
          ai_enabled BOOLEAN NOT NULL, password VARCHAR, is_public BOOLEAN NOT NULL, PRIMARY KEY (id),
          FOREIGN KEY(creator_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_chat_rooms_id ON chat_rooms (id)",
        """
        CREATE TABLE room_members (id INTEGER NOT NULL, room_id INTEGER NOT NULL, user_id INTEGER,
          joined_at DATETIME NOT NULL, role VARCHAR NOT NULL, is_active BOOLEAN NOT NULL, last_read_at DATETIME,
          PRIMARY KEY (id), CONSTRAINT _room_user_uc UNIQUE (room_id, user_id),
          FOREIGN KEY(room_id) REFERENCES chat_rooms (id), FOREIGN KEY(user_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_room_members_id ON room_members (id)",
        """
        CREATE TABLE room_messages (id INTEGER NOT NULL, room_id INTEGER NOT NULL, sender_id INTEGER,
          sender_type VARCHAR NOT NULL, content TEXT NOT NULL, message_type VARCHAR NOT NULL, message_metadata JSON,
          created_at DATETIME NOT NULL, edited_at DATETIME, is_deleted BOOLEAN NOT NULL, PRIMARY KEY (id),
          FOREIGN KEY(room_id) REFERENCES chat_rooms (id), FOREIGN KEY(sender_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_room_messages_id ON room_messages (id)",
        "CREATE INDEX ix_room_messages_created_at ON room_messages (created_at)",
        """
        CREATE TABLE general_chat_messages (id INTEGER NOT NULL, sender_id INTEGER NOT NULL, content TEXT NOT NULL,
          created_at DATETIME NOT NULL, PRIMARY KEY (id), FOREIGN KEY(sender_id) REFERENCES users (id))
        """,
        "CREATE INDEX ix_general_chat_messages_id ON general_chat_messages (id)",
        "CREATE INDEX ix_general_chat_messages_created_at ON general_chat_messages (created_at)",
        """
        CREATE TABLE room_invites (id INTEGER NOT NULL, room_id INTEGER NOT NULL, inviter_id INTEGER NOT NULL,
          invitee_id INTEGER NOT NULL, status VARCHAR NOT NULL, message_id INTEGER, created_at DATETIME NOT NULL,
          responded_at DATETIME, PRIMARY KEY (id), CONSTRAINT _room_invitee_uc UNIQUE (room_id, invitee_id),
          FOREIGN KEY(room_id) REFERENCES chat_rooms (id), FOREIGN KEY(inviter_id) REFERENCES users (id),
          FOREIGN KEY(invitee_id) REFERENCES users (id), FOREIGN KEY(message_id) REFERENCES room_messages (id))
        """,
        "CREATE INDEX ix_room_invites_id ON room_invites (id)",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
        "CREATE TABLE life_events (id INTEGER NOT NULL, user_id INTEGER, title VARCHAR, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id))",
    ]

    /// Rows in all twelve tables (and in life_events), with gaps in ids and
    /// AUTOINCREMENT counters above the highest id, as a long-lived app leaves.
    public static let rows: [String] = [
        """
        INSERT INTO users VALUES
          (1, 'alice', 'admin', 1, 0.7, '{}', '', '$2b$12$abcdefghijklmnopqrstuu5Zq7x2qP7bFZbVt6mM3hQ8oYV1hRrG', 'hmac-sha256:aa', '2025-11-30', 12, 'key-a', NULL, NULL, NULL, NULL),
          (2, 'bob', 'user', 0, 1.2, '{"tone":"warm"}', 'h', '$2b$12$abcdefghijklmnopqrstuu5Zq7x2qP7bFZbVt6mM3hQ8oYV1hRrH', 'hmac-sha256:bb', '2025-12-01', 0, NULL, NULL, 'ollama', 'http://localhost:11434', 'llama3'),
          (5, 'Robert''); DROP TABLE users;--', 'user', 1, 0.5, '{}', '', 'x', 'hmac-sha256:cc', '2026-01-02', 3, NULL, NULL, NULL, NULL, NULL)
        """,
        "INSERT INTO skills VALUES (1, 'empathy'), (2, 'active_listening'), (7, NULL)",
        "INSERT INTO token_blacklist VALUES (1, 'eyJ.a.b', '2026-01-01 00:00:00.000000', '2025-12-01 10:00:00.123456', 1, 'logout'), (3, 'eyJ.c.d', '2030-01-01 00:00:00.000000', '2025-12-02 10:00:00.000000', NULL, NULL)",
        "INSERT INTO error_logs VALUES (1, '2025-12-03 08:00:00.000001', 2, 'ValueError', 'bad', 'Traceback…', '{\"path\":\"/chat\"}'), (2, '2025-12-04 08:00:00.000000', NULL, 'KeyError', 'x', NULL, NULL)",
        "INSERT INTO user_skills VALUES (1, 1, 1, 3), (4, 2, 2, 10), (9, 5, 1, 0)",
        "UPDATE sqlite_sequence SET seq = 41 WHERE name = 'user_skills'",
        "INSERT INTO training VALUES (1, 1, 'active', 0.25, '2025-12-01', NULL, 'notes'), (2, 2, 'completed', 1.0, '2025-11-01', '2025-12-01', NULL)",
        "INSERT INTO user_preferences VALUES (2, 1, 'style', 'tone', '\"warm\"', 0.8, '2025-12-01'), (3, 2, 'topics', 'likes', '[\"chess\"]', 1.0, '2025-12-02')",
        "INSERT INTO chat_rooms VALUES (1, 'lobby', 1, '2025-12-01 09:00:00.000000', 1, 'group', 1, NULL, 1), (2, NULL, 2, '2025-12-02 09:00:00.000000', 0, 'direct', 0, 'secret', 0)",
        "INSERT INTO room_members VALUES (1, 1, 1, '2025-12-01 09:00:00.000000', 'creator', 1, NULL), (2, 1, NULL, '2025-12-01 09:00:00.000000', 'ai', 1, NULL), (3, 1, 2, '2025-12-01 10:00:00.000000', 'member', 1, '2025-12-01 11:00:00.000000'), (4, 2, 2, '2025-12-02 09:00:00.000000', 'creator', 1, NULL)",
        "INSERT INTO room_messages VALUES (1, 1, 1, 'user', 'hello', 'text', NULL, '2025-12-01 09:01:00.000000', NULL, 0), (2, 1, NULL, 'ai', 'hi!', 'text', '{\"model\":\"x\"}', '2025-12-01 09:02:00.000000', NULL, 0), (3, 1, 1, 'system', 'alice invited bob', 'invite', NULL, '2025-12-01 09:03:00.000000', '2025-12-01 09:04:00.000000', 1)",
        "INSERT INTO general_chat_messages VALUES (1, 1, 'morning all', '2025-12-01 07:00:00.000000'), (2, 5, 'hi', '2025-12-01 07:01:00.000000')",
        "INSERT INTO room_invites VALUES (1, 1, 1, 2, 'accepted', 3, '2025-12-01 09:03:00.000000', '2025-12-01 10:00:00.000000'), (2, 1, 1, 5, 'pending', NULL, '2025-12-01 09:05:00.000000', NULL)",
        "INSERT INTO life_events VALUES (1, 1, 'moved')",
    ]

    public static let dataTables = ["users", "skills", "token_blacklist", "error_logs", "user_skills", "training",
                                    "user_preferences", "chat_rooms", "room_members", "room_messages",
                                    "general_chat_messages", "room_invites", "life_events", "alembic_version"]

    /// Creates the database at `path` in rollback-journal mode, as the app does.
    @discardableResult
    public static func create(at path: String, withRows: Bool = true) throws -> Connection {
        let connection = try Connection(path: path, mode: .createIfMissing)
        for statement in ddl { try connection.execute(statement) }
        if withRows { for statement in rows { try connection.execute(statement) } }
        return connection
    }

    /// Every row of `table` as text, ordered by rowid, for before/after comparison.
    public static func dump(_ connection: Connection, _ table: String) throws -> [String] {
        let order = table == "training" ? "user_id, skill_id" : table == "alembic_version" ? "version_num" : "id"
        return try connection.rows("SELECT * FROM \(table) ORDER BY \(order)").map { row in
            zip(row.columns, row.values).map { "\($0)=\($1)" }.joined(separator: "|")
        }
    }
}
