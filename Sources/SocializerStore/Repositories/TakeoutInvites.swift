import SocializerCore

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

/// The invites of one user, in either direction: the one query of
/// `room_invites` that `users takeout` needs.
///
/// To be folded into `InviteRepository` at merge: that repository, which
/// owns the SQL of `room_invites`, arrives with the `invites` command (issue
/// 13), built in parallel with the takeout. This type moves there unchanged
/// as a method (`InviteRepository.each(ofUserID:direction:_:)`, with
/// `UserInvite` beside the repository's own model); its one caller is
/// `UsersTakeout`.
public struct TakeoutInvites {
    public let db: Connection
    public init(_ db: Connection) { self.db = db }

    public enum Direction: Sendable, CaseIterable {
        /// Invites the user sent (`inviter_id`); the other person is the invitee.
        case sent
        /// Invites the user received (`invitee_id`); the other person is the inviter.
        case received

        /// The column naming the user, and the one naming the other person.
        var columns: (own: String, other: String) {
            switch self {
            case .sent: return ("inviter_id", "invitee_id")
            case .received: return ("invitee_id", "inviter_id")
            }
        }
    }

    /// The user's invites in one direction, oldest first. Received ones
    /// search `ix_room_invites_invitee_id_status`; no index covers
    /// `inviter_id`, so sent ones read the table (a small one: the app
    /// cannot invite a person to a room twice).
    public func each(ofUserID userID: Int64, direction: Direction, _ body: (UserInvite) throws -> Void) throws {
        let (own, other) = direction.columns
        var select = SelectQuery("""
            SELECT i.id, i.room_id, r.name AS room_name, u.username AS other, i.status, i.message_id, i.created_at,
              i.responded_at
            FROM room_invites i LEFT JOIN chat_rooms r ON r.id = i.room_id LEFT JOIN users u ON u.id = i.\(other)
            """, order: "i.id")
        select.filter("i.\(own) = ?", userID)
        try select.each(db, UserInvite.init(row:), body)
    }
}
