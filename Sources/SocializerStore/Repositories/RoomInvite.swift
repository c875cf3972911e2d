import SocializerCore

/// One row of `room_invites`, with the names of its room and of both users
/// and the text of the message it is linked to.
public struct RoomInvite: Sendable, Equatable {
    public var id: Int64
    public var roomID: Int64
    /// nil for a room without a name, and for a room whose row is gone.
    public var roomName: String?
    public var inviterID: Int64
    /// nil when the user's row is gone (a legacy database without references).
    public var inviterName: String?
    public var inviteeID: Int64
    public var inviteeName: String?
    /// As stored: the app may have written a value outside `InviteStatus`.
    public var status: String
    /// NULL in the invites the app creates.
    public var messageID: Int64?
    /// The linked message's text; nil without one or when its row is gone.
    public var message: String?
    public var createdAt: Timestamp
    public var respondedAt: Timestamp?

    static let select = """
        SELECT ri.id, ri.room_id, r.name AS room_name, ri.inviter_id, fu.username AS inviter_name, ri.invitee_id,
          tu.username AS invitee_name, ri.status, ri.message_id, m.content AS message, ri.created_at, ri.responded_at
        FROM room_invites ri LEFT JOIN chat_rooms r ON r.id = ri.room_id
          LEFT JOIN users fu ON fu.id = ri.inviter_id LEFT JOIN users tu ON tu.id = ri.invitee_id
          LEFT JOIN room_messages m ON m.id = ri.message_id
        """

    /// The instant an invite's age counts from: when it was answered, else
    /// when it was sent (`list --older-than` and the purge agree on it).
    static func ageColumn(_ alias: String = "") -> String {
        "coalesce(\(alias)responded_at, \(alias)created_at)"
    }

    init(row: Row) throws {
        id = try row.int("id")
        roomID = try row.int("room_id")
        roomName = try row.optionalString("room_name")
        inviterID = try row.int("inviter_id")
        inviterName = try row.optionalString("inviter_name")
        inviteeID = try row.int("invitee_id")
        inviteeName = try row.optionalString("invitee_name")
        status = try row.string("status")
        messageID = try row.optionalInt("message_id")
        message = try row.optionalString("message")
        createdAt = try row.timestamp("created_at")
        respondedAt = try row.optionalTimestamp("responded_at")
    }

    public var knownStatus: InviteStatus? { InviteStatus(rawValue: status) }

    /// The inviter as messages name them: `'alice'`, or `#5` when their row is gone.
    public var inviter: String { inviterName.map { "'\(Echo.cut($0))'" } ?? "#\(inviterID)" }
    public var invitee: String { inviteeName.map { "'\(Echo.cut($0))'" } ?? "#\(inviteeID)" }
    /// The room as messages name it: `'lobby' (id 3)`, or `3` without a name.
    public var roomLabel: String { roomName.map { "'\(Echo.cut($0))' (id \(roomID))" } ?? "\(roomID)" }
}

/// Filters of `invites list`.
public struct InviteQuery: Sendable {
    public var inviteeID: Int64?
    public var inviterID: Int64?
    public var roomID: Int64?
    public var status: String?
    /// Only invites answered (or, unanswered, sent) before this instant.
    public var olderThan: Timestamp?
    public var limit: Int64?
    public init() {}
}

extension AuditTarget {
    /// An invite. Named explicitly by every invite verb: sending writes an
    /// invite and a message whose ids may coincide, and the message is the
    /// row the invite refers to.
    public static func invite(id: Int64) -> AuditTarget { AuditTarget(table: "room_invites", id: id) }
}

/// One invite a user sent or received, as their takeout lists it: the room
/// by id and name, the other person by username only.
public struct UserInvite: Sendable, Equatable {
    public var id: Int64
    public var roomID: Int64
    /// nil for a room without a name, or whose row is gone.
    public var roomName: String?
    /// The invitee of an invite sent, the inviter of one received; nil when
    /// their row is gone (a database without references).
    public var otherUsername: String?
    /// As stored: the app may have written a value outside `InviteStatus`.
    public var status: String
    /// The room message announcing the invite (NULL in the app's own invites).
    public var messageID: Int64?
    public var createdAt: Timestamp
    public var respondedAt: Timestamp?

    init(row: Row) throws {
        id = try row.int("id")
        roomID = try row.int("room_id")
        roomName = try row.optionalString("room_name")
        otherUsername = try row.optionalString("other")
        status = try row.string("status")
        messageID = try row.optionalInt("message_id")
        createdAt = try row.timestamp("created_at")
        respondedAt = try row.optionalTimestamp("responded_at")
    }
}
