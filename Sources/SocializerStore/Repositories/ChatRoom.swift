import SocializerCore

/// One row of `chat_rooms`, with its creator's name. The password itself is
/// never read out of the database: only whether one is set.
public struct ChatRoom: Sendable, Equatable {
    public var id: Int64
    /// NULL in the app's direct rooms (it shows them as "Chat with …").
    public var name: String?
    public var creatorID: Int64
    /// nil when the creator's row is gone (a legacy database without references).
    public var creatorName: String?
    public var createdAt: Timestamp
    public var isActive: Bool
    public var roomType: String
    public var aiEnabled: Bool
    public var hasPassword: Bool
    public var isPublic: Bool

    /// Active members (the AI included), messages not deleted, and the
    /// newest message's time: read only where asked for (they cost a scan
    /// of the room's rows).
    public var activity: Activity?

    public struct Activity: Sendable, Equatable {
        public var members: Int64
        public var messages: Int64
        public var lastMessageAt: Timestamp?
    }

    /// The columns every room query selects (`r` is chat_rooms, `u` the creator).
    static let columns = """
        r.id, r.name, r.creator_id, u.username AS creator, r.created_at, r.is_active, r.room_type, r.ai_enabled,
        coalesce(r.password, '') <> '' AS has_password, r.is_public
        """
    /// The time of room `r`'s newest message that is not deleted (what the
    /// messages count counts), newest first through `room_messages(room_id, created_at)`.
    static let newestMessageAt = """
        (SELECT rm.created_at FROM room_messages rm WHERE rm.room_id = r.id AND rm.is_deleted = FALSE ORDER BY rm.created_at DESC LIMIT 1)
        """
    /// The activity columns, each through an index on (room_id, …).
    static let activityColumns = """
        (SELECT count(*) FROM room_members m WHERE m.room_id = r.id AND m.is_active = TRUE) AS member_count,
        (SELECT count(*) FROM room_messages rm WHERE rm.room_id = r.id AND rm.is_deleted = FALSE) AS message_count,
        \(newestMessageAt) AS last_message_at
        """
    static let from = "FROM chat_rooms r LEFT JOIN users u ON u.id = r.creator_id"

    init(row: Row) throws {
        id = try row.int("id")
        name = try row.optionalString("name")
        creatorID = try row.int("creator_id")
        creatorName = try row.optionalString("creator")
        createdAt = try row.timestamp("created_at")
        isActive = try row.bool("is_active")
        roomType = try row.string("room_type")
        aiEnabled = try row.bool("ai_enabled")
        hasPassword = try row.bool("has_password")
        isPublic = try row.bool("is_public")
        if row["member_count"] != nil {
            activity = Activity(members: try row.int("member_count"), messages: try row.int("message_count"),
                                lastMessageAt: try row.optionalTimestamp("last_message_at"))
        }
    }

    /// How messages name the room: `'lobby' (id 3)`, or `3` for a room without a name.
    public var label: String {
        guard let name else { return "\(id)" }
        return "'\(Echo.cut(name))' (id \(id))"
    }

    /// The last time anything happened in the room: its newest message (not deleted), else its creation.
    public var lastActivity: Timestamp? {
        guard let activity else { return nil }
        return activity.lastMessageAt.map { max($0, createdAt) } ?? createdAt
    }

    // MARK: Rules

    /// An archived room (is_active 0) takes no new message or member: 65.
    public func requireOpen() throws {
        guard isActive else {
            throw SocializerError(.invalidData, "room \(label) is archived", reason: .roomArchived(roomID: id))
        }
    }

    /// A room password is compared by the app exactly as typed (SPEC §2):
    /// it is stored as given, never trimmed. It must be UTF-8 text without
    /// control characters, 1 to 255 characters long.
    public static let maximumPasswordLength = 255

    public static func validatePassword(_ bytes: [UInt8]) throws -> String {
        guard !bytes.isEmpty else { throw SocializerError.invalid("the room password is empty") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SocializerError.invalid("the room password is not valid UTF-8")
        }
        guard text.count <= maximumPasswordLength else {
            throw SocializerError.invalid("the room password is \(text.count) characters long; at most \(maximumPasswordLength) are allowed")
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw SocializerError.invalid("the room password contains a control character")
        }
        return text
    }
}

/// Filters of `rooms list`.
public struct RoomQuery: Sendable {
    public var isPublic: Bool?
    public var type: RoomType?
    /// Rooms where this user's membership is active.
    public var memberID: Int64?
    /// Rooms this user created (`ix_chat_rooms_creator_id`).
    public var creatorID: Int64?
    public var active: Bool?
    /// Rooms whose last activity (newest message, else creation) is before this.
    public var idleBefore: Timestamp?
    public var withActivity = false
    public var limit: Int64?
    public init() {}
}

/// What `rooms create` writes: the row, then the creator's membership and,
/// with AI enabled, the AI's (as the app's create_room does).
public struct NewRoom: Sendable {
    public var name: String?
    public var creatorID: Int64
    public var type: RoomType
    public var isPublic: Bool
    public var aiEnabled: Bool
    public var password: String?
    public var createdAt: Timestamp

    public init(name: String?, creatorID: Int64, type: RoomType, isPublic: Bool, aiEnabled: Bool, password: String?,
                createdAt: Timestamp) {
        self.name = name
        self.creatorID = creatorID
        self.type = type
        self.isPublic = isPublic
        self.aiEnabled = aiEnabled
        self.password = password
        self.createdAt = createdAt
    }
}
