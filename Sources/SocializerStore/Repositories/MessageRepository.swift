import SocializerCore

/// One row of `room_messages`, with the sender's and the room's names.
public struct RoomMessage: Sendable, Equatable {
    public var id: Int64
    public var roomID: Int64
    public var roomName: String?
    /// NULL for the AI and the system (SPEC §2).
    public var senderID: Int64?
    public var senderType: String
    /// The sending user's name; nil for the AI, the system, or a user whose row is gone.
    public var senderName: String?
    public var content: String
    public var messageType: String
    /// JSON text as stored (`{}` when the app had none; NULL in old rows).
    public var metadata: String?
    public var createdAt: Timestamp
    public var editedAt: Timestamp?
    public var isDeleted: Bool

    static let select = """
        SELECT rm.id, rm.room_id, r.name AS room_name, rm.sender_id, rm.sender_type, u.username AS sender_name, rm.content,
          rm.message_type, rm.message_metadata, rm.created_at, rm.edited_at, rm.is_deleted
        FROM room_messages rm LEFT JOIN users u ON u.id = rm.sender_id LEFT JOIN chat_rooms r ON r.id = rm.room_id
        """

    init(row: Row) throws {
        id = try row.int("id")
        roomID = try row.int("room_id")
        roomName = try row.optionalString("room_name")
        senderID = try row.optionalInt("sender_id")
        senderType = try row.string("sender_type")
        senderName = try row.optionalString("sender_name")
        content = try row.string("content")
        messageType = try row.string("message_type")
        metadata = try row.optionalString("message_metadata")
        createdAt = try row.timestamp("created_at")
        editedAt = try row.optionalTimestamp("edited_at")
        isDeleted = try row.bool("is_deleted")
    }

    /// Who sent it, as a reader would say: the user's name, `AI`, `system`
    /// (or the stored sender_type, or `#ID` for a user whose row is gone).
    public var sender: String {
        switch SenderType(rawValue: senderType) {
        case .user?: return senderName ?? senderID.map { "#\($0)" } ?? "(unknown)"
        case .ai?: return "AI"
        case .system?: return "system"
        case nil: return senderName ?? senderType
        }
    }

    // MARK: Rules

    /// A message's text: not blank, no control characters but line breaks
    /// and tabs (a terminal would act on them), stored as given.
    public static let maximumContentBytes = 64 * 1024

    public static func validate(content: String) throws -> String {
        guard !content.isEmpty else { throw SocializerError.invalid("the message is empty") }
        guard !content.trimmedSpaces.isEmpty else {
            throw SocializerError.invalid("the message is blank: only spaces, tabs and line breaks")
        }
        guard content.utf8.count <= maximumContentBytes else {
            throw SocializerError.invalid("the message is \(content.utf8.count) bytes long; at most \(maximumContentBytes) are allowed")
        }
        if let bad = content.unicodeScalars.first(where: { $0.properties.generalCategory == .control && !["\n", "\t", "\r"].contains($0) }) {
            throw SocializerError.invalid("the message contains a control character (U+\(NameRules.hex(bad.value)))")
        }
        return content
    }
}

/// Filters of `rooms messages list` and `search`.
public struct MessageQuery: Sendable {
    public var roomID: Int64?
    /// Only messages with an id below this (the app's paging).
    public var beforeID: Int64?
    public var since: Timestamp?
    public var senderID: Int64?
    public var containing: String?
    public var includeDeleted = false
    public var limit: Int64?
    public init() {}
}

/// Who posts a message.
public enum MessageSender: Sendable, Equatable {
    case user(User)
    case ai
    case system
}

/// All SQL for `room_messages`.
public struct MessageRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    public func find(id: Int64) throws -> RoomMessage? {
        try db.firstRow(RoomMessage.select + " WHERE rm.id = ?", [id]).map(RoomMessage.init(row:))
    }

    public func require(id: Int64) throws -> RoomMessage {
        guard let message = try find(id: id) else { throw SocializerError.notFound("no room message has id \(id)") }
        return message
    }

    /// Newest first (created_at, then id). In one room through the
    /// `room_messages(room_id, created_at)` index, read backwards; across
    /// rooms through `ix_room_messages_created_at`.
    public func list(_ query: MessageQuery, _ body: (RoomMessage) throws -> Void) throws {
        var select = SelectQuery(RoomMessage.select, order: "rm.created_at DESC, rm.id DESC")
        if let roomID = query.roomID { select.filter("rm.room_id = ?", roomID) }
        if !query.includeDeleted { select.filter("rm.is_deleted = FALSE") }
        if let beforeID = query.beforeID { select.filter("rm.id < ?", beforeID) }
        if let since = query.since { select.filter("rm.created_at >= ?", since.databaseText) }
        if let senderID = query.senderID { select.filter("rm.sender_id = ?", senderID) }
        if let text = query.containing { select.filter(columns: ["rm.content"], containing: text) }
        select.limit = query.limit
        try select.each(db, RoomMessage.init(row:), body)
    }

    /// Every message one user sent, deleted ones included, oldest first (by
    /// id, the order the app wrote them), through 0007's
    /// `ix_room_messages_sender_id`, whose entries for one sender are in id
    /// order: no sort, flat memory. Before 0007 it is one pass over the
    /// table in rowid order, still without a sort.
    public func sent(byUserID userID: Int64, _ body: (RoomMessage) throws -> Void) throws {
        var select = SelectQuery(RoomMessage.select, order: "rm.id")
        select.filter("rm.sender_id = ?", userID)
        try select.each(db, RoomMessage.init(row:), body)
    }

    // MARK: Writing

    /// Posts a message as the app does: text from a user or the AI, a
    /// system message typed `system` (or `type` when given: an invite's
    /// message is typed `invite`), metadata `{}` when none; nothing else
    /// changes (no counter, no last_read_at). The room must be active, a
    /// user an active member, and the AI enabled for the AI to speak.
    public func post(in room: ChatRoom, from sender: MessageSender, content: String, metadata: JSONValue?,
                     type: MessageType? = nil, at now: Timestamp) throws -> Int64 {
        let text = try RoomMessage.validate(content: content)
        if let metadata, metadata.objectMembers == nil {
            throw SocializerError.invalid("message metadata must be a JSON object, not \(metadata.typeWithArticle)")
        }
        try room.requireOpen()
        let senderID: Int64?
        let senderType: SenderType
        switch sender {
        case .user(let user):
            _ = try MemberRepository(db).requireActive(room: room, user: user)
            senderID = user.id
            senderType = .user
        case .ai:
            guard room.aiEnabled else {
                throw SocializerError(.invalidData, "room \(room.label) has AI turned off", reason: .roomAIDisabled(roomID: room.id))
            }
            senderID = nil
            senderType = .ai
        case .system:
            senderID = nil
            senderType = .system
        }
        let messageType = type ?? (senderType == .system ? .system : .text)
        return try db.insert("""
            INSERT INTO room_messages (room_id, sender_id, sender_type, content, message_type, message_metadata, created_at,
              edited_at, is_deleted)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, FALSE)
            """, [room.id, senderID, senderType.rawValue, text, messageType.rawValue, (metadata ?? .object([])).compactText,
                  now.databaseText], returning: "id")
    }

    /// Replaces the text and sets edited_at; a deleted message is not edited.
    public func edit(_ message: RoomMessage, content: String, at now: Timestamp) throws {
        let text = try RoomMessage.validate(content: content)
        guard !message.isDeleted else {
            throw SocializerError.invalid("room message \(message.id) is deleted; it cannot be edited")
        }
        try db.execute("UPDATE room_messages SET content = ?, edited_at = ? WHERE id = ?", [text, now.databaseText, message.id])
    }

    /// Hides the message as the app's delete does (is_deleted 1); false when it already was.
    public func softDelete(_ message: RoomMessage) throws -> Bool {
        try db.execute("UPDATE room_messages SET is_deleted = TRUE WHERE id = ? AND is_deleted \(db.dialect.isDistinctFrom) ?", [message.id, true])
        return db.changes > 0
    }

    /// Removes the row; an invite whose message it was keeps its row with
    /// message_id NULL (SPEC §3's ON DELETE SET NULL, done explicitly so it
    /// also holds where the schema does not say it). Rows deleted and
    /// detached per table.
    public func hardDelete(_ message: RoomMessage) throws -> [ReferenceCascade.Count] {
        var cascade = try ReferenceCascade(db)
        try cascade.delete(from: "room_messages", where: "id = ?", [message.id])
        return cascade.counts
    }

    /// Messages created before `cutoff`, in one room or all, all of them or
    /// only those already deleted. Every reference to a message that is
    /// nullable (`room_invites.message_id`, and those of the app's own
    /// tables the live schema shows) is set NULL batch by batch before the
    /// messages go; when that is every reference, the purge needs no
    /// foreign-key lookups (`PurgeTarget.detachesEveryReference`).
    public func purgeTarget(before cutoff: Timestamp, roomID: Int64?, deletedOnly: Bool) throws -> PurgeTarget {
        var target = MessageRepository.purgeTarget(before: cutoff, roomID: roomID, deletedOnly: deletedOnly)
        try target.detachReferences(db)
        return target
    }

    /// The target alone, detaching the invites (`purgeTarget(before:…)`
    /// adds what the live schema shows).
    static func purgeTarget(before cutoff: Timestamp, roomID: Int64?, deletedOnly: Bool) -> PurgeTarget {
        var condition = "created_at < ?"
        var arguments: [DatabaseValue] = [.text(cutoff.databaseText)]
        if let roomID {
            condition = "room_id = ? AND " + condition
            arguments.insert(.integer(roomID), at: 0)
        }
        if deletedOnly { condition += " AND is_deleted = TRUE" }
        return PurgeTarget(table: "room_messages", condition: condition, arguments: arguments, orderBy: "created_at",
                           detaching: [ReferenceCascade.Column("room_invites", "message_id")])
    }
}
