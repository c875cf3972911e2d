import SocializerCore

/// All SQL for `chat_rooms`, and a room's cascade: deleting a room takes
/// its invites, messages and members with it. Works on every schema
/// version from the app's own (0001: no SQL defaults, so every column is
/// written; references that do not cascade, so children go first).
public struct RoomRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    static let select = "SELECT \(ChatRoom.columns) \(ChatRoom.from)"
    static let selectWithActivity = "SELECT \(ChatRoom.columns), \(ChatRoom.activityColumns) \(ChatRoom.from)"
    static let byIDSQL = select + " WHERE r.id = ?"
    /// Room names are not unique (nor indexed: a room table is small).
    static let byNameSQL = select + " WHERE r.name = ? ORDER BY r.id"

    // MARK: Reading

    /// Rooms by id or by name; a name several rooms share is an error
    /// listing them (exit 65), as `EntityLookup` does for every table.
    var lookup: EntityLookup<ChatRoom> {
        EntityLookup(kind: "room",
            byID: { id in try db.firstRow(RoomRepository.byIDSQL, [id]).map(ChatRoom.init(row:)) },
            byName: { name in try db.rows(RoomRepository.byNameSQL, [name]).map(ChatRoom.init(row:)) },
            candidate: { room in
                "id \(room.id): \(Echo.cut(room.name ?? "")), \(room.roomType), created \(room.createdAt.dateText)"
                    + (room.creatorName.map { " by \(Echo.cut($0))" } ?? "") + (room.isActive ? "" : ", archived")
            })
    }

    public func find(_ reference: EntityReference) throws -> ChatRoom? { try lookup.find(reference) }

    /// How many rooms have a password (one that is not empty, as the app tests it).
    public func countWithPassword() throws -> Int {
        Int(try db.scalarInt("SELECT count(*) FROM chat_rooms WHERE coalesce(password, '') <> ''"))
    }
    public func require(_ reference: EntityReference) throws -> ChatRoom { try lookup.require(reference) }

    /// The room with its member and message counts and its newest message's time.
    public func withActivity(_ room: ChatRoom) throws -> ChatRoom {
        guard let row = try db.firstRow(RoomRepository.selectWithActivity + " WHERE r.id = ?", [room.id]) else {
            throw SocializerError.notFound("room \(room.label) not found")
        }
        return try ChatRoom(row: row)
    }

    /// The names of the room's active members in the order they joined, the
    /// AI as nil.
    public func memberNames(roomID: Int64) throws -> [String?] {
        var names: [String?] = []
        try MemberRepository(db).list(roomID: roomID, active: true) { names.append($0.isAI ? nil : ($0.username ?? "#\($0.userID!)")) }
        return names
    }

    /// Streams the rooms a query selects, newest first; memory stays flat.
    public func list(_ query: RoomQuery, _ body: (ChatRoom) throws -> Void) throws {
        var select = SelectQuery(query.withActivity || query.idleBefore != nil ? RoomRepository.selectWithActivity : RoomRepository.select,
                                 order: "r.created_at DESC, r.id DESC")
        if let isPublic = query.isPublic { select.filter("r.is_public = ?", isPublic) }
        if let type = query.type { select.filter("r.room_type = ?", type.rawValue) }
        if let active = query.active { select.filter("r.is_active = ?", active) }
        if let creatorID = query.creatorID { select.filter("r.creator_id = ?", creatorID) }
        if let memberID = query.memberID {
            select.filter("r.id IN (SELECT room_id FROM room_members WHERE user_id = ? AND is_active = TRUE)", memberID)
        }
        if let idleBefore = query.idleBefore {
            // The room's last activity, as `ChatRoom.lastActivity` reads it: the later of its newest message and its creation.
            select.filter("\(db.dialect.later("r.created_at", orNull: ChatRoom.newestMessageAt)) < ?", idleBefore.databaseText)
        }
        select.limit = query.limit
        try select.each(db, ChatRoom.init(row:), body)
    }

    // MARK: Writing

    /// The room, its creator as member role creator and, with AI enabled,
    /// the AI as member role ai: what the app's create_room writes.
    /// Returns the new room's id.
    public func create(_ new: NewRoom) throws -> Int64 {
        let name = try new.name.map { try NameRules.validate($0, what: "room name") }
        let id = try db.insert("""
            INSERT INTO chat_rooms (name, creator_id, created_at, is_active, room_type, ai_enabled, password, is_public)
            VALUES (?, ?, ?, TRUE, ?, ?, ?, ?)
            """, [name, new.creatorID, new.createdAt.databaseText, new.type.rawValue, new.aiEnabled, new.password, new.isPublic], returning: "id")
        let members = MemberRepository(db)
        _ = try members.insert(roomID: id, userID: new.creatorID, role: .creator, joinedAt: new.createdAt)
        if new.aiEnabled { _ = try members.insert(roomID: id, userID: nil, role: .ai, joinedAt: new.createdAt) }
        return id
    }

    /// A change to a room's row; nil leaves a column as it is.
    public struct Change: Sendable {
        public var name: String?
        public var isPublic: Bool?
        public var aiEnabled: Bool?
        public var clearPassword = false
        public init(name: String? = nil, isPublic: Bool? = nil, aiEnabled: Bool? = nil, clearPassword: Bool = false) {
            self.name = name
            self.isPublic = isPublic
            self.aiEnabled = aiEnabled
            self.clearPassword = clearPassword
        }
        public var isEmpty: Bool { name == nil && isPublic == nil && aiEnabled == nil && !clearPassword }
    }

    /// What an update did besides the columns: the AI member's fate.
    public struct UpdateReport: Sendable, Equatable {
        public var aiRepair: MemberRepository.AIRepair?
        public var aiDeactivated = 0
    }

    /// Writes the columns the change names and nothing else. Turning AI on
    /// leaves exactly one active AI member (added, re-activated, duplicates
    /// the app left deleted); turning it off makes the AI leave the room.
    public func update(_ room: ChatRoom, _ change: Change, now: Timestamp) throws -> UpdateReport {
        var assignments: [String] = []
        var values: [DatabaseValueConvertible?] = []
        if let name = change.name {
            assignments.append("name = ?")
            values.append(try NameRules.validate(name, what: "room name"))
        }
        if let isPublic = change.isPublic { assignments.append("is_public = ?"); values.append(isPublic) }
        if let aiEnabled = change.aiEnabled { assignments.append("ai_enabled = ?"); values.append(aiEnabled) }
        if change.clearPassword { assignments.append("password = NULL") }
        if !assignments.isEmpty {
            try db.execute("UPDATE chat_rooms SET \(assignments.joined(separator: ", ")) WHERE id = ?", values + [room.id])
        }
        var report = UpdateReport()
        let members = MemberRepository(db)
        switch change.aiEnabled {
        case true?: report.aiRepair = try members.ensureOneAI(roomID: room.id, now: now)
        case false?: report.aiDeactivated = try members.deactivateAI(roomID: room.id)
        case nil: break
        }
        return report
    }

    /// Stores the password as the app compares it: plain text (SPEC §2).
    public func setPassword(_ room: ChatRoom, _ password: String) throws {
        let checked = try ChatRoom.validatePassword(Array(password.utf8))
        try db.execute("UPDATE chat_rooms SET password = ? WHERE id = ?", [checked, room.id])
    }

    /// Archives (false) or restores (true) a room; the number of rows changed (0 when it already was).
    public func setActive(_ room: ChatRoom, _ active: Bool) throws -> Int {
        try db.execute("UPDATE chat_rooms SET is_active = ? WHERE id = ? AND is_active \(db.dialect.isDistinctFrom) ?", [active, room.id, active])
        return db.changes
    }

    // MARK: Deleting

    /// Deletes the room with everything in it, in the open transaction, and
    /// returns the rows deleted and detached per table.
    public func deleteCascading(_ room: ChatRoom) throws -> [ReferenceCascade.Count] {
        var cascade = try ReferenceCascade(db)
        try cascade.delete(from: "chat_rooms", where: "id = ?", [room.id])
        return cascade.counts
    }

    /// The room cascade, wherever a walk reaches `chat_rooms` (a room being
    /// deleted, or the rooms a deleted user created): for the rooms matching
    /// `condition`, first their invites, then their messages (an invite in
    /// another room whose message_id points at one is detached), then their
    /// members, then rows of the app's other tables that refer to the rooms
    /// (by `ReferenceCascade`'s rules), and last the rooms. Each step goes
    /// through the cascade, so a table referring to those rows is handled
    /// too, and every count lands in one report.
    static func deleteRooms(_ cascade: inout ReferenceCascade, where condition: String,
                            _ arguments: [DatabaseValueConvertible?], path: [String]) throws {
        let inRooms = "room_id IN (SELECT id FROM chat_rooms WHERE \(condition))"
        for child in chatTables {
            try cascade.delete(child, inRooms, arguments, path: path + [child])
        }
        try cascade.deleteRows("chat_rooms", condition, arguments, path: path, handled: Set(chatTables))
    }

    /// The tables whose rows belong to a room, in the order they are deleted.
    static let chatTables = ["room_invites", "room_messages", "room_members"]
}
