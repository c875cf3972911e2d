import SocializerCore

/// One row of `room_members`, with the member's name. `user_id` NULL is the
/// AI (SPEC §2).
public struct RoomMember: Sendable, Equatable {
    public var id: Int64
    public var roomID: Int64
    public var userID: Int64?
    /// nil for the AI, and for a user whose row is gone.
    public var username: String?
    public var joinedAt: Timestamp
    public var role: String
    public var isActive: Bool
    public var lastReadAt: Timestamp?

    public var isAI: Bool { userID == nil }

    static let select = """
        SELECT m.id, m.room_id, m.user_id, u.username, m.joined_at, m.role, m.is_active, m.last_read_at
        FROM room_members m LEFT JOIN users u ON u.id = m.user_id
        """

    init(row: Row) throws {
        id = try row.int("id")
        roomID = try row.int("room_id")
        userID = try row.optionalInt("user_id")
        username = try row.optionalString("username")
        joinedAt = try row.timestamp("joined_at")
        role = try row.string("role")
        isActive = try row.bool("is_active")
        lastReadAt = try row.optionalTimestamp("last_read_at")
    }
}

/// One of a user's memberships, active or left, with its room's name and
/// state: what the user's takeout lists (the room's other members are not).
public struct UserMembership: Sendable, Equatable {
    public var member: RoomMember
    /// nil for a room without a name, or whose row is gone.
    public var roomName: String?
    /// nil when the room's row is gone (a database without references).
    public var roomActive: Bool?

    static let select = """
        SELECT m.id, m.room_id, m.user_id, u.username, m.joined_at, m.role, m.is_active, m.last_read_at,
          r.name AS room_name, r.is_active AS room_active
        FROM room_members m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN chat_rooms r ON r.id = m.room_id
        """

    init(row: Row) throws {
        member = try RoomMember(row: row)
        roomName = try row.optionalString("room_name")
        roomActive = try row.value("room_active").isNull ? nil : try row.bool("room_active")
    }
}

/// One line of `rooms unread USER`: a room the user is in and how many
/// messages arrived there since they last read it.
public struct UnreadCount: Sendable, Equatable {
    public var roomID: Int64
    public var roomName: String?
    public var unread: Int64
    public var lastReadAt: Timestamp?
}

/// All SQL for `room_members`: memberships, the one AI member of a room,
/// and what each member has read.
public struct MemberRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    // MARK: Reading

    /// A room's members (active ones, or those who left), in the order they joined;
    /// through the `_room_user_uc` index.
    public func list(roomID: Int64, active: Bool, _ body: (RoomMember) throws -> Void) throws {
        var select = SelectQuery(RoomMember.select, order: "m.joined_at, m.id")
        select.filter("m.room_id = ?", roomID)
        select.filter("m.is_active = ?", active)
        try select.each(db, RoomMember.init(row:), body)
    }

    /// Every membership of one user, active or left, in the order they
    /// joined; through `ix_room_members_user_id`.
    public func memberships(userID: Int64, _ body: (UserMembership) throws -> Void) throws {
        var select = SelectQuery(UserMembership.select, order: "m.joined_at, m.id")
        select.filter("m.user_id = ?", userID)
        try select.each(db, UserMembership.init(row:), body)
    }

    /// The membership row with this id, nil when there is none.
    public func find(id: Int64) throws -> RoomMember? {
        try db.firstRow(RoomMember.select + " WHERE m.id = ?", [id]).map(RoomMember.init(row:))
    }

    /// The user's membership row in the room, active or not.
    public func find(roomID: Int64, userID: Int64) throws -> RoomMember? {
        try db.firstRow(RoomMember.select + " WHERE m.room_id = ? AND m.user_id = ?", [roomID, userID]).map(RoomMember.init(row:))
    }

    /// The AI's membership rows in the room, oldest first: one at most,
    /// unless the app (which SQLite does not stop) wrote two.
    public func aiMembers(roomID: Int64) throws -> [RoomMember] {
        try db.rows(RoomMember.select + " WHERE m.room_id = ? AND m.user_id IS NULL ORDER BY m.id", [roomID]).map(RoomMember.init(row:))
    }

    /// The user's active membership; an error naming both when there is none.
    public func requireActive(room: ChatRoom, user: User) throws -> RoomMember {
        guard let member = try find(roomID: room.id, userID: user.id), member.isActive else {
            throw SocializerError(.invalidData, "user '\(Echo.cut(user.username))' is not an active member of room \(room.label)",
                                  reason: .notRoomMember(roomID: room.id, username: user.username))
        }
        return member
    }

    /// The user's active rooms (the room active too) with the messages that
    /// arrived after their `last_read_at` (all of them when it is NULL),
    /// leaving out deleted messages and their own. One index range per room:
    /// `room_members(user_id)`, then `room_messages(room_id, created_at)`.
    public func unread(userID: Int64, _ body: (UnreadCount) throws -> Void) throws {
        try db.forEachRow("""
            SELECT r.id AS room_id, r.name, m.last_read_at,
              (SELECT count(*) FROM room_messages rm
               WHERE rm.room_id = m.room_id AND rm.created_at > \(db.dialect.earliestIfNull("m.last_read_at"))
                 AND rm.is_deleted = FALSE AND rm.sender_id \(db.dialect.isDistinctFrom) m.user_id) AS unread
            FROM room_members m JOIN chat_rooms r ON r.id = m.room_id
            WHERE m.user_id = ? AND m.is_active = TRUE AND r.is_active = TRUE
            ORDER BY r.id
            """, [userID]) { row in
            try body(UnreadCount(roomID: try row.int("room_id"), roomName: try row.optionalString("name"),
                                 unread: try row.int("unread"), lastReadAt: try row.optionalTimestamp("last_read_at")))
        }
    }

    // MARK: Writing

    static let insertSQL = """
        INSERT INTO room_members (room_id, user_id, joined_at, role, is_active, last_read_at) VALUES (?, ?, ?, ?, TRUE, NULL)
        """

    /// Every column written (the app's own schema has no SQL defaults).
    func insert(roomID: Int64, userID: Int64?, role: MemberRole, joinedAt: Timestamp) throws -> Int64 {
        return try db.insert(MemberRepository.insertSQL, [roomID, userID, joinedAt.databaseText, role.rawValue], returning: "id")
    }

    public enum Addition: Sendable, Equatable {
        case added(id: Int64)
        case reactivated(id: Int64)
    }

    /// Adds the user to the room, or re-activates the row they left (as the
    /// app's join does; `role` given replaces theirs). An active member is an error.
    public func add(room: ChatRoom, user: User, role: MemberRole?, now: Timestamp) throws -> Addition {
        if let role, role == .ai { throw SocializerError.invalid("the role ai is the AI's; a user is a creator or a member") }
        if let existing = try find(roomID: room.id, userID: user.id) {
            guard !existing.isActive else {
                throw SocializerError.invalid("user '\(Echo.cut(user.username))' is already a member of room \(room.label)")
            }
            try db.execute("UPDATE room_members SET is_active = TRUE, role = ? WHERE id = ?", [(role?.rawValue ?? existing.role), existing.id])
            return .reactivated(id: existing.id)
        }
        return .added(id: try insert(roomID: room.id, userID: user.id, role: role ?? .member, joinedAt: now))
    }

    /// Adds the AI member (or re-activates its row); a room already having
    /// an active AI member is an error: SQLite's UNIQUE(room_id, user_id)
    /// does not stop a second one (NULLs are distinct), so the tool does.
    public func addAI(room: ChatRoom, now: Timestamp) throws -> Addition {
        let rows = try aiMembers(roomID: room.id)
        if rows.contains(where: \.isActive) {
            throw SocializerError.invalid("room \(room.label) already has an AI member; a room has one at most")
        }
        if let first = rows.first {
            try db.execute("UPDATE room_members SET is_active = TRUE, role = ? WHERE id = ?", [MemberRole.ai.rawValue, first.id])
            return .reactivated(id: first.id)
        }
        return .added(id: try insert(roomID: room.id, userID: nil, role: .ai, joinedAt: now))
    }

    /// What `ensureOneAI` did.
    public struct AIRepair: Sendable, Equatable {
        public var added = false
        public var reactivated = false
        /// Extra AI rows the app left, deleted.
        public var duplicatesRemoved = 0
    }

    /// Leaves exactly one active AI member: the oldest AI row is kept (and
    /// re-activated), any other AI rows are deleted, and one is added when
    /// there is none.
    public func ensureOneAI(roomID: Int64, now: Timestamp) throws -> AIRepair {
        var repair = AIRepair()
        let rows = try aiMembers(roomID: roomID)
        guard let keep = rows.first else {
            _ = try insert(roomID: roomID, userID: nil, role: .ai, joinedAt: now)
            repair.added = true
            return repair
        }
        if !keep.isActive || keep.role != MemberRole.ai.rawValue {
            try db.execute("UPDATE room_members SET is_active = TRUE, role = ? WHERE id = ?", [MemberRole.ai.rawValue, keep.id])
            repair.reactivated = !keep.isActive
        }
        for extra in rows.dropFirst() {
            try db.execute("DELETE FROM room_members WHERE id = ?", [extra.id])
            repair.duplicatesRemoved += 1
        }
        return repair
    }

    /// The AI leaves the room (its rows stay, inactive, as a user's do when they leave).
    public func deactivateAI(roomID: Int64) throws -> Int {
        try db.execute("UPDATE room_members SET is_active = FALSE WHERE room_id = ? AND user_id IS NULL AND is_active = TRUE", [roomID])
        return db.changes
    }

    public enum Removal: Sendable, Equatable {
        /// is_active set to 0, as the app's leave does.
        case left(id: Int64)
        /// The user had already left; nothing changed.
        case alreadyLeft(id: Int64)
        /// The row deleted.
        case deleted(id: Int64)
    }

    /// Takes the user out of the room: like the app's leave (the row stays,
    /// inactive), or with `hard` the row deleted. Not being a member at all is 66.
    public func remove(room: ChatRoom, user: User, hard: Bool) throws -> Removal {
        guard let member = try find(roomID: room.id, userID: user.id) else {
            throw SocializerError.notFound("user '\(Echo.cut(user.username))' is not a member of room \(room.label)")
        }
        if hard {
            try db.execute("DELETE FROM room_members WHERE id = ?", [member.id])
            return .deleted(id: member.id)
        }
        guard member.isActive else { return .alreadyLeft(id: member.id) }
        try db.execute("UPDATE room_members SET is_active = FALSE WHERE id = ?", [member.id])
        return .left(id: member.id)
    }

    /// Sets an active member's role (creator or member: ai is the AI's).
    public func setRole(room: ChatRoom, user: User, role: MemberRole) throws -> RoomMember {
        if role == .ai { throw SocializerError.invalid("the role ai is the AI's; a user is a creator or a member") }
        var member = try requireActive(room: room, user: user)
        try db.execute("UPDATE room_members SET role = ? WHERE id = ?", [role.rawValue, member.id])
        member.role = role.rawValue
        return member
    }

    /// Sets what the user has read up to (the app never writes it).
    public func markRead(room: ChatRoom, user: User, at instant: Timestamp) throws -> RoomMember {
        var member = try requireActive(room: room, user: user)
        try db.execute("UPDATE room_members SET last_read_at = ? WHERE id = ?", [instant.databaseText, member.id])
        member.lastReadAt = instant
        return member
    }
}
