import SocializerCore
import SocializerSecurity

/// All SQL for `users`. Works on every schema version from the app's own
/// (0001, no SQL defaults: every column is written explicitly) onwards.
public struct UserRepository {
    public let db: Connection

    public init(_ db: Connection) { self.db = db }

    // MARK: Reading

    public func find(_ reference: UserReference) throws -> User? {
        switch reference {
        case .id(let id):
            return try db.firstRow("SELECT \(User.columns) FROM users WHERE id = ?", [id]).map(User.init(row:))
        case .username(let name):
            return try db.firstRow("SELECT \(User.columns) FROM users WHERE username = ?", [name]).map(User.init(row:))
        }
    }

    /// The user whose stored `hashed_email` is exactly this value.
    public func find(hashedEmail: String) throws -> User? {
        try db.firstRow("SELECT \(User.columns) FROM users WHERE hashed_email = ?", [hashedEmail]).map(User.init(row:))
    }

    public func require(_ reference: UserReference) throws -> User {
        guard let user = try find(reference) else {
            var hint: String?
            if case .username(let name) = reference, Int64(name) != nil { hint = "to look up an id, write id:\(name)" }
            if case .id(let id) = reference { hint = "to look up a user named \(id), write name:\(id)" }
            throw SocializerError.notFound("user \(reference) not found", hint: hint)
        }
        return user
    }

    public func usernameExists(_ name: String, excluding id: Int64? = nil) throws -> Bool {
        try db.scalarInt("SELECT count(*) FROM users WHERE username = ? AND id IS NOT ?", [name, id]) > 0
    }

    /// The app's older salted bcrypt email hashes: every value from `$2` up
    /// to `$3`, a range the hashed_email index answers (LIKE cannot use it,
    /// being case-insensitive).
    static let legacyEmailSQL = "SELECT id, hashed_email FROM users WHERE hashed_email >= '$2' AND hashed_email < '$3' ORDER BY id"

    public typealias LegacyEmailHash = (id: Int64, hash: String)

    /// The legacy bcrypt email hashes, read once by callers that look up many
    /// addresses (import) and passed to `findByEmail`.
    public func legacyEmailHashes() throws -> [LegacyEmailHash] {
        try db.rows(UserRepository.legacyEmailSQL)
            .map { (id: try $0.int("id"), hash: try $0.string("hashed_email")) }
            .filter { EmailHasher.isLegacyBcrypt($0.hash) }
    }

    /// The user whose stored email hash matches `address`: a keyed hash by
    /// index, else the app's older salted bcrypt hashes, checked on all cores.
    public func findByEmail(_ address: String, hasher: EmailHasher, legacy known: [LegacyEmailHash]? = nil) throws -> User? {
        if let user = try find(hashedEmail: hasher.hash(address)) { return user }
        let legacy = try known ?? legacyEmailHashes()
        guard !legacy.isEmpty else { return nil }
        let hashes = legacy.map(\.hash)
        let matches = try Bcrypt.concurrentMap(hashes.count) { try hasher.matches(address, stored: hashes[$0]) }
        guard let index = matches.firstIndex(of: true) else { return nil }
        return try require(.id(legacy[index].id))
    }

    /// Streams the users a query selects; memory stays flat.
    public func list(_ query: UserQuery, _ body: (User) throws -> Void) throws {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let role = query.role { conditions.append("role = ?"); arguments.append(role) }
        if let active = query.active { conditions.append("is_active = ?"); arguments.append(active) }
        if let search = query.search {
            conditions.append("username LIKE ? ESCAPE '\\'")
            arguments.append("%" + UserRepository.escapeLike(search) + "%")
        }
        var sql = "SELECT \(User.columns) FROM users"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(query.sort.rawValue) \(query.descending ? "DESC" : "ASC")"
        if query.sort != .id { sql += ", id" }
        sql += " LIMIT ? OFFSET ?"
        arguments += [query.limit ?? -1, query.offset]
        try db.forEachRow(sql, arguments) { try body(User(row: $0)) }
    }

    /// `%`, `_` and `\` match themselves in a search.
    static func escapeLike(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("%", with: "\\%").replacingAll("_", with: "\\_")
    }

    // MARK: Writing

    /// Inserts a complete row; returns its id. A duplicate username is
    /// reported as such, never in SQLite's words.
    public func insert(_ user: User) throws -> Int64 {
        try User.validate(role: user.role)
        try User.validate(temperature: user.temperature)
        if try usernameExists(user.username) {
            throw SocializerError.invalid("user '\(user.username)' already exists")
        }
        do {
            try db.execute("""
                INSERT INTO users (username, role, is_active, temperature, preferences, hashed_name, hashed_password,
                  hashed_email, member_since, messages, encryption_key, conversation_memory, llm_provider, llm_endpoint, llm_model)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [user.username, user.role, user.isActive, user.temperature, user.preferences, user.hashedName,
                      user.hashedPassword, user.hashedEmail, user.memberSince, user.messages, user.encryptionKey,
                      user.conversationMemory, user.llmProvider, user.llmEndpoint, user.llmModel])
        } catch let error as DatabaseError where error.isUniqueConstraint {
            if error.message.contains("hashed_email") {
                throw SocializerError.invalid("a user with that email already exists")
            }
            throw SocializerError.invalid("user '\(user.username)' already exists")
        }
        return db.lastInsertedRowID
    }

    /// Writes every column of an existing user (after the caller changed some).
    public func update(_ user: User) throws {
        try User.validate(role: user.role)
        try User.validate(temperature: user.temperature)
        if try usernameExists(user.username, excluding: user.id) {
            throw SocializerError.invalid("user '\(user.username)' already exists")
        }
        do {
            try db.execute("""
                UPDATE users SET username = ?, role = ?, is_active = ?, temperature = ?, preferences = ?, hashed_name = ?,
                  hashed_password = ?, hashed_email = ?, member_since = ?, messages = ?, encryption_key = ?,
                  conversation_memory = ?, llm_provider = ?, llm_endpoint = ?, llm_model = ?
                WHERE id = ?
                """, [user.username, user.role, user.isActive, user.temperature, user.preferences, user.hashedName,
                      user.hashedPassword, user.hashedEmail, user.memberSince, user.messages, user.encryptionKey,
                      user.conversationMemory, user.llmProvider, user.llmEndpoint, user.llmModel, user.id])
        } catch let error as DatabaseError where error.isUniqueConstraint {
            throw SocializerError.invalid(error.message.contains("hashed_email")
                ? "a user with that email already exists" : "user '\(user.username)' already exists")
        }
    }

    /// Whether some user already has this address (keyed or legacy hash).
    public func emailTaken(_ address: String, hasher: EmailHasher, excluding id: Int64? = nil) throws -> Bool {
        guard let user = try findByEmail(address, hasher: hasher) else { return false }
        return user.id != id
    }

    /// A unique stand-in for users without an email address.
    public static func noEmailPlaceholder() throws -> String {
        User.noEmailPrefix + Hex.encode(try SecureRandom.bytes(12))
    }

    // MARK: Deleting

    /// The tables that refer to a user, and how `delete` clears each.
    public struct DeletionCounts: Sendable, Equatable {
        public var perTable: [(table: String, rows: Int)]
        public static func == (a: DeletionCounts, b: DeletionCounts) -> Bool {
            a.perTable.map(\.table) == b.perTable.map(\.table) && a.perTable.map(\.rows) == b.perTable.map(\.rows)
        }
    }

    /// Removes the user and everything that refers to them, explicitly (the
    /// app's own schema has few cascades), children first. Run it inside a
    /// transaction. With `keepLogs`, error logs stay with user_id NULL.
    public func deleteCascading(_ id: Int64, keepLogs: Bool) throws -> DeletionCounts {
        var counts: [(String, Int)] = []
        func run(_ table: String, _ sql: String, _ arguments: [DatabaseValueConvertible?]) throws {
            try db.execute(sql, arguments)
            counts.append((table, db.changes))
        }
        let rooms = "SELECT id FROM chat_rooms WHERE creator_id = ?"
        let messages = "SELECT id FROM room_messages WHERE sender_id = ? OR room_id IN (\(rooms))"
        try run("room_invites", "DELETE FROM room_invites WHERE inviter_id = ? OR invitee_id = ? OR room_id IN (\(rooms))", [id, id, id])
        // Invites elsewhere that point at a message about to go keep their row (0002's SET NULL).
        try db.execute("UPDATE room_invites SET message_id = NULL WHERE message_id IN (\(messages))", [id, id])
        try run("room_members", "DELETE FROM room_members WHERE user_id = ? OR room_id IN (\(rooms))", [id, id])
        try run("room_messages", "DELETE FROM room_messages WHERE sender_id = ? OR room_id IN (\(rooms))", [id, id])
        try run("chat_rooms", "DELETE FROM chat_rooms WHERE creator_id = ?", [id])
        try run("general_chat_messages", "DELETE FROM general_chat_messages WHERE sender_id = ?", [id])
        try run("user_skills", "DELETE FROM user_skills WHERE user_id = ?", [id])
        try run("training", "DELETE FROM training WHERE user_id = ?", [id])
        try run("user_preferences", "DELETE FROM user_preferences WHERE user_id = ?", [id])
        try run("token_blacklist", "DELETE FROM token_blacklist WHERE user_id = ?", [id])
        if keepLogs {
            try run("error_logs", "UPDATE error_logs SET user_id = NULL WHERE user_id = ?", [id])
        } else {
            try run("error_logs", "DELETE FROM error_logs WHERE user_id = ?", [id])
        }
        try run("users", "DELETE FROM users WHERE id = ?", [id])
        return DeletionCounts(perTable: counts)
    }
}

