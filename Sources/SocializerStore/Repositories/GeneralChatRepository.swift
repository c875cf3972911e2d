import SocializerCore

/// One row of `general_chat_messages`, the app's public chat, with the sender's name.
public struct GeneralChatMessage: Sendable, Equatable {
    public var id: Int64
    public var senderID: Int64
    /// nil when the sender's row is gone (a legacy database without references).
    public var senderName: String?
    public var content: String
    public var createdAt: Timestamp

    static let select = """
        SELECT g.id, g.sender_id, u.username AS sender_name, g.content, g.created_at
        FROM general_chat_messages g LEFT JOIN users u ON u.id = g.sender_id
        """

    init(row: Row) throws {
        id = try row.int("id")
        senderID = try row.int("sender_id")
        senderName = try row.optionalString("sender_name")
        content = try row.string("content")
        createdAt = try row.timestamp("created_at")
    }
}

/// All SQL for `general_chat_messages`.
public struct GeneralChatRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    public func require(id: Int64) throws -> GeneralChatMessage {
        guard let row = try db.firstRow(GeneralChatMessage.select + " WHERE g.id = ?", [id]) else {
            throw SocializerError.notFound("no general chat message has id \(id)")
        }
        return try GeneralChatMessage(row: row)
    }

    /// Newest first, through `ix_general_chat_messages_created_at`.
    public func list(since: Timestamp?, senderID: Int64?, limit: Int64?, _ body: (GeneralChatMessage) throws -> Void) throws {
        var select = SelectQuery(GeneralChatMessage.select, order: "g.created_at DESC, g.id DESC")
        if let since { select.filter("g.created_at >= ?", since.databaseText) }
        if let senderID { select.filter("g.sender_id = ?", senderID) }
        select.limit = limit
        try select.each(db, GeneralChatMessage.init(row:), body)
    }

    /// Every message one user sent, oldest first (by id), through
    /// `ix_general_chat_messages_sender_id`, whose entries are in that order.
    public func sent(byUserID userID: Int64, _ body: (GeneralChatMessage) throws -> Void) throws {
        var select = SelectQuery(GeneralChatMessage.select, order: "g.id")
        select.filter("g.sender_id = ?", userID)
        try select.each(db, GeneralChatMessage.init(row:), body)
    }

    /// One row per message, as the app writes it; returns its id.
    public func post(from user: User, content: String, at now: Timestamp) throws -> Int64 {
        let text = try RoomMessage.validate(content: content)
        return try db.insert("INSERT INTO general_chat_messages (sender_id, content, created_at) VALUES (?, ?, ?)",
                       [user.id, text, now.databaseText], returning: "id")
    }

    /// Messages created before `cutoff`.
    public static func purgeTarget(before cutoff: Timestamp) -> PurgeTarget {
        PurgeTarget(table: "general_chat_messages", condition: "created_at < ?", arguments: [.text(cutoff.databaseText)],
                    orderBy: "created_at")
    }

    /// Every message but the newest `count` (by created_at, then id): exactly
    /// `count` are left, where the app's own start-up cleanup leaves one more.
    /// The line is drawn once, at the row that is the `count`-th newest now,
    /// so messages posted while the purge runs are kept too.
    public func purgeTarget(keepingLast count: Int64) throws -> PurgeTarget {
        precondition(count > 0, "keep at least one message")
        guard let oldestKept = try db.firstRow(
            "SELECT id, created_at FROM general_chat_messages ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", [count - 1]) else {
            // Fewer rows than that: nothing to purge.
            return PurgeTarget(table: "general_chat_messages", condition: "FALSE", arguments: [], orderBy: "created_at")
        }
        let createdAt = try oldestKept.value("created_at")
        return PurgeTarget(table: "general_chat_messages", condition: "created_at <= ? AND (created_at < ? OR id < ?)",
                           arguments: [createdAt, createdAt, .integer(try oldestKept.int("id"))], orderBy: "created_at")
    }
}
