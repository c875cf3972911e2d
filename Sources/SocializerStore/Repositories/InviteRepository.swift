import SocializerCore

/// All SQL for `room_invites`, and the rules of an invitation: who may
/// invite whom, which status each answer applies to, and what an answer
/// changes besides the row (the invitee's membership). Every column is
/// written (the app's own schema has no SQL defaults).
public struct InviteRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    // MARK: Reading

    public func find(id: Int64) throws -> RoomInvite? {
        try db.firstRow(RoomInvite.select + " WHERE ri.id = ?", [id]).map(RoomInvite.init(row:))
    }

    /// The invite with this id; 66 when there is none.
    public func require(id: Int64) throws -> RoomInvite {
        guard let invite = try find(id: id) else { throw SocializerError.notFound("no invite has id \(id)") }
        return invite
    }

    /// The user's invite to the room: one at most, `_room_invitee_uc`'s index finds it.
    public func find(roomID: Int64, inviteeID: Int64) throws -> RoomInvite? {
        try db.firstRow(RoomInvite.select + " WHERE ri.room_id = ? AND ri.invitee_id = ?", [roomID, inviteeID])
            .map(RoomInvite.init(row:))
    }

    /// Which side of an invite a user is on.
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

    /// The user's invites in one direction, oldest first (what `users
    /// takeout` lists). Received ones search
    /// `ix_room_invites_invitee_id_status`, sent ones 0007's
    /// `ix_room_invites_inviter_id` (before 0007, one pass over the table).
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

    /// Streams the invites a query selects, newest first. An invitee's are
    /// found through `room_invites(invitee_id, status)`, a room's through
    /// `_room_invitee_uc`; the other filters read the table, which holds at
    /// most one row per room and user.
    public func list(_ query: InviteQuery, _ body: (RoomInvite) throws -> Void) throws {
        var select = SelectQuery(RoomInvite.select, order: "ri.created_at DESC, ri.id DESC")
        if let inviteeID = query.inviteeID { select.filter("ri.invitee_id = ?", inviteeID) }
        if let inviterID = query.inviterID { select.filter("ri.inviter_id = ?", inviterID) }
        if let roomID = query.roomID { select.filter("ri.room_id = ?", roomID) }
        if let status = query.status { select.filter("ri.status = ?", status) }
        if let cutoff = query.olderThan { select.filter("\(RoomInvite.ageColumn("ri.")) < ?", cutoff.databaseText) }
        select.limit = query.limit
        try select.each(db, RoomInvite.init(row:), body)
    }

    // MARK: Sending

    /// What `send` did.
    public enum Sending: Sendable, Equatable {
        /// A new invite, with its message.
        case sent(RoomInvite)
        /// The user's invite to the room, answered (or with a status outside
        /// the domain), sent again: pending in its old row; `previous` is the
        /// status it had.
        case resent(RoomInvite, previous: String)
        /// The user's invite to the room was pending already; nothing was written.
        case alreadyPending(RoomInvite)
    }

    /// The sentence an invite message says when none is given.
    public static func defaultMessage(inviter: User, invitee: User) -> String {
        "\(inviter.username) invited \(invitee.username) to join the room."
    }

    /// Invites `invitee` to `room` from `inviter`, who must be an active
    /// member of it; the invitee must not be one. Writes the invite
    /// (pending, sent `now`) and its room message (from the inviter, type
    /// invite, metadata `{"invite_id": ID}`), linked by `message_id`. The
    /// app cannot invite a user twice to a room (UNIQUE(room_id,
    /// invitee_id)): an answered invite is sent again in its own row, from
    /// this inviter, with a fresh `created_at`, `responded_at` NULL and the
    /// new message (the old message stays in the room's history, no longer
    /// naming the invite).
    public func send(room: ChatRoom, inviter: User, invitee: User, text: String?, at now: Timestamp) throws -> Sending {
        let members = MemberRepository(db)
        _ = try members.requireActive(room: room, user: inviter)
        if let member = try members.find(roomID: room.id, userID: invitee.id), member.isActive {
            throw SocializerError.invalid(
                "user '\(Echo.cut(invitee.username))' is already a member of room \(room.label); only someone who is not can be invited")
        }
        let existing = try find(roomID: room.id, inviteeID: invitee.id)
        if let existing, existing.knownStatus == .pending { return .alreadyPending(existing) }
        let id: Int64
        if let existing {
            id = existing.id
        } else {
            id = try db.insert("""
                INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, message_id, created_at, responded_at)
                VALUES (?, ?, ?, ?, NULL, ?, NULL)
                """, [room.id, inviter.id, invitee.id, InviteStatus.pending.rawValue, now.databaseText], returning: "id")
        }
        try unlinkMessage(existing?.messageID)
        let content = text ?? InviteRepository.defaultMessage(inviter: inviter, invitee: invitee)
        let messageID = try MessageRepository(db).post(in: room, from: .user(inviter), content: content,
                                                       metadata: .object([("invite_id", .integer(id))]), type: .invite, at: now)
        try db.execute("""
            UPDATE room_invites SET inviter_id = ?, status = ?, message_id = ?, created_at = ?, responded_at = NULL WHERE id = ?
            """, [inviter.id, InviteStatus.pending.rawValue, messageID, now.databaseText, id])
        let invite = try require(id: id)
        return existing.map { .resent(invite, previous: $0.status) } ?? .sent(invite)
    }

    // MARK: Answering

    /// What accepting did to the invitee's membership.
    public enum Joining: Sendable, Equatable {
        /// A new membership, role member.
        case added(memberID: Int64)
        /// The membership they had left, active again (with the role it had).
        case reactivated(memberID: Int64)
        /// They were an active member already (they joined some other way); it stays as it was.
        case alreadyMember(memberID: Int64)
    }

    /// Accepts a pending invite as the app does (status accepted,
    /// `responded_at` now, the invitee a member), and also where the app's
    /// own accept fails: a user who had left the room is re-activated, not
    /// inserted again.
    public func accept(_ invite: RoomInvite, at now: Timestamp) throws -> (RoomInvite, Joining, invitee: User) {
        let (room, invitee) = try requireAnswerable(invite, .accept)
        // As `send` and the app's own posting: an archived room takes no one in.
        try room.requireOpen()
        try answer(invite, .accepted, at: now)
        let members = MemberRepository(db)
        let joining: Joining
        if let member = try members.find(roomID: room.id, userID: invitee.id), member.isActive {
            joining = .alreadyMember(memberID: member.id)
        } else {
            switch try members.add(room: room, user: invitee, role: nil, now: now) {
            case .added(let id): joining = .added(memberID: id)
            case .reactivated(let id): joining = .reactivated(memberID: id)
            }
        }
        return (try require(id: invite.id), joining, invitee)
    }

    /// Declines a pending invite as the app does: status declined, `responded_at` now.
    public func decline(_ invite: RoomInvite, at now: Timestamp) throws -> RoomInvite {
        _ = try requireAnswerable(invite, .decline)
        try answer(invite, .declined, at: now)
        return try require(id: invite.id)
    }

    /// A pending invite whose room and invitee exist: one whose room or
    /// invitee is gone (the app enforces no references) is not answered,
    /// which would leave it to purges, but cancelled.
    private func requireAnswerable(_ invite: RoomInvite, _ action: PendingAction) throws -> (ChatRoom, User) {
        try requirePending(invite, action)
        guard let room = try RoomRepository(db).find(.id(invite.roomID)) else {
            throw SocializerError.invalid("invite \(invite.id) is to room \(invite.roomID), which does not exist; it can only be cancelled")
        }
        guard let invitee = try UserRepository(db).find(.id(invite.inviteeID)) else {
            throw SocializerError.invalid("invite \(invite.id) is for user \(invite.inviteeID), who does not exist; it can only be cancelled")
        }
        return (room, invitee)
    }

    private func answer(_ invite: RoomInvite, _ status: InviteStatus, at now: Timestamp) throws {
        try db.execute("UPDATE room_invites SET status = ?, responded_at = ? WHERE id = ?", [status.rawValue, now.databaseText, invite.id])
    }

    /// Withdraws a pending invite, or one with a status outside the domain
    /// (the app never answered it): the row goes, and with it the message it
    /// is linked to when that is an invite message (`message_type` invite;
    /// any other message it points at stays). Rows deleted and detached per
    /// table, through the live schema's references.
    public func cancel(_ invite: RoomInvite) throws -> [ReferenceCascade.Count] {
        try requirePending(invite, .cancel)
        var cascade = try ReferenceCascade(db)
        try cascade.delete(from: "room_invites", where: "id = ?", [invite.id])
        if let messageID = invite.messageID, let message = try MessageRepository(db).find(id: messageID),
           message.messageType == MessageType.invite.rawValue {
            try cascade.delete(from: "room_messages", where: "id = ?", [message.id])
        }
        return cascade.counts
    }

    /// What is done to a pending invite, and only to one.
    enum PendingAction: String {
        case accept = "accepted", decline = "declined", cancel = "cancelled"
    }

    /// Only a pending invite is answered or cancelled: 65 naming its status
    /// otherwise (answering one that was declined, or has a status outside
    /// the domain, with how to ask again).
    func requirePending(_ invite: RoomInvite, _ action: PendingAction) throws {
        guard invite.knownStatus != .pending else { return }
        // A status the app never writes: not answered, so it may be withdrawn.
        if action == .cancel && invite.knownStatus == nil { return }
        let state: String
        switch invite.knownStatus {
        case let status?:
            state = "was already \(status.rawValue)" + (invite.respondedAt.map { " (\($0.iso8601))" } ?? "")
        case nil:
            state = "has the status '\(Echo.cut(invite.status))', which is none of "
                + InviteStatus.allCases.map(\.rawValue).joined(separator: ", ")
        }
        let cancelling = action == .cancel
        let kept = cancelling && invite.knownStatus != nil ? "; an answered invite stays until it is purged" : ""
        let askAgain = !cancelling && invite.knownStatus != .accepted
        throw SocializerError.invalid("invite \(invite.id) \(state); only a pending invite can be \(action.rawValue)\(kept)",
            reason: askAgain ? .inviteNotPending(roomID: invite.roomID, inviter: invite.inviterName, invitee: invite.inviteeName) : nil)
    }

    // MARK: Purging

    /// Invites with one of `statuses` whose age (since they were answered,
    /// else since they were sent) passed `cutoff`. No index covers that, so
    /// the batches walk the table in rowid order, each from where the one
    /// before stopped (`PurgeTarget.resumes`). Their messages stay: they are
    /// the room's history, purged with the room's messages.
    public func purgeTarget(before cutoff: Timestamp, statuses: [InviteStatus]) throws -> PurgeTarget {
        var target = PurgeTarget(table: "room_invites",
                                 condition: "status IN (\(SQL.placeholders(statuses.count))) AND \(RoomInvite.ageColumn()) < ?",
                                 arguments: statuses.map { .text($0.rawValue) } + [.text(cutoff.databaseText)], orderBy: db.dialect.storageOrder(primaryKey: []))
        try target.detachReferences(db)
        // room_invites has no AUTOINCREMENT: a purged invite's id may be
        // given to the next one, which its message must not then name.
        // {rows} is the batch's rowids on SQLite (id is the rowid there), its ids on PostgreSQL.
        target.beforeDelete = ["UPDATE room_messages SET message_metadata = \(Self.withoutInviteID(db.dialect)) "
                               + "WHERE id IN (SELECT message_id FROM room_invites WHERE id IN ({rows})) AND \(Self.namesAnInvite(db.dialect))"]
        return target
    }

    /// An invite message's metadata without its `invite_id`, and the
    /// condition for a message to have one to lose (the app's own metadata
    /// may be anything, even no JSON).
    static func withoutInviteID(_ dialect: SQLDialect) -> String { dialect.jsonRemovingMember("message_metadata", "invite_id") }
    static func namesAnInvite(_ dialect: SQLDialect) -> String {
        "message_type = 'invite' AND " + dialect.jsonHasMember("message_metadata", "invite_id")
    }

    /// The invite message `messageID` stops naming its invite: the invite
    /// goes, or is sent again with a new message (an id can come back: the
    /// app's room_invites has no AUTOINCREMENT).
    func unlinkMessage(_ messageID: Int64?) throws {
        guard let messageID else { return }
        try db.execute("UPDATE room_messages SET message_metadata = \(Self.withoutInviteID(db.dialect)) WHERE id = ? AND \(Self.namesAnInvite(db.dialect))",
                       [messageID])
    }
}
