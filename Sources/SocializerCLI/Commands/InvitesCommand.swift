import SocializerCore
import SocializerStore

/// `socializer invites …`: invitations to chat rooms, sent, answered,
/// withdrawn and purged.
enum InvitesCommand {
    // MARK: Arguments

    static let from = Option.string("from", value: "USER", required: true, help: "The user who invites: an active member of the room.")
    static let to = Option.string("to", value: "USER", required: true, help: "The user invited: not an active member of the room.")
    static let message = Option.string("message", value: "TEXT",
        help: "The text of the invite's room message (default: \"ALICE invited BOB to join the room.\").")
    static let id = Positional.integer("ID", 1...Int64.max, help: "The invite's id.")

    static let onlyTo = Option.string("to", value: "USER", help: "Only invites to USER.")
    static let onlyFrom = Option.string("from", value: "USER", help: "Only invites from USER.")
    static let onlyRoom = Option.string("room", value: "ROOM", help: "Only invites to ROOM.")
    static let status = Option.choice("status", of: InviteStatus.self, help: "Only invites with this status.")
    static let olderThan = Option.duration("older-than",
        help: "Only invites answered (unanswered: sent) more than this long ago (7d, 2w): a stuck invitation.")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N invites.")
    static let purgeStatus = Option.choice("status", of: InviteStatus.self,
        help: "Only invites with this status (default: accepted and declined; pending ones only when named).")

    // MARK: The table

    static let node = CommandNode(
        "invites",
        summary: "Send, list, show, accept, decline, cancel and purge invitations to chat rooms.",
        children: [
            CommandNode("send", summary: "Invite a user to a room: the invite and its room message, in one transaction.",
                positionals: [RoomsCommand.room], options: [from, to, message],
                examples: ["socializer invites send 'Book club' --from alice --to bob",
                           "socializer invites send 7 --from alice --to carol --message 'Join us on Friday!'"],
                output: InviteColumns.record.output, write: .onEitherEngine(prepare: prepareSend, apply: applySend)),
            CommandNode("list", summary: "List invites, newest first.",
                options: [onlyTo, onlyFrom, onlyRoom, status, olderThan, limit],
                examples: ["socializer invites list --to bob --status pending",
                           "socializer invites list --status pending --older-than 14d"],
                output: InviteColumns.list.output, action: list),
            CommandNode("show", summary: "Show one invite: its room and users by name, and its message.",
                positionals: [id], output: InviteColumns.record.output, action: show),
            CommandNode("accept", summary: "Accept a pending invite: the invitee joins the room (or re-joins it).",
                positionals: [id], output: InviteColumns.record.output, write: .onEitherEngine(accept)),
            CommandNode("decline", summary: "Decline a pending invite.",
                positionals: [id], output: InviteColumns.record.output, write: .onEitherEngine(decline)),
            CommandNode("cancel", summary: "Withdraw a pending invite: the invite and its invite message are deleted.",
                positionals: [id], output: CascadeReport.output, write: .onEitherEngine(cancel)),
            CommandNode("purge", summary: "Delete invites answered (or sent) before an age or time, in short batches.",
                options: PurgeSupport.cutoff + [purgeStatus] + PurgeSupport.tuning,
                exclusive: PurgeSupport.cutoffRules, requireOneOf: PurgeSupport.cutoffRules,
                examples: ["40 3 * * * /usr/local/bin/socializer --db /srv/app.db invites purge --older-than 90d --json "
                           + ">> /var/log/socializer-purge-invites.log 2>&1"],
                output: PurgeSupport.output, custom: purge),
        ])

    // MARK: send

    static func prepareSend(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String?, ParsedArguments) {
        (try arguments[message].map(RoomMessage.validate(content:)), arguments)
    }

    static func applySend(_ plan: (String?, ParsedArguments), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (text, arguments) = plan
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let inviter = try UsersCommand.require(db, arguments[from])
        let invitee = try UsersCommand.require(db, arguments[to])
        let sending = try InviteRepository(db).send(room: found, inviter: inviter, invitee: invitee, text: text, at: context.clock.now())
        var notices: [String] = []
        if case .alreadyPending = sending {} else {
            notices += [RoomsMembers.inactiveNotice(inviter, "the invite is sent"),
                        RoomsMembers.inactiveNotice(invitee, "the invite is sent")].compactMap { $0 }
        }
        switch sending {
        case .sent(let invite):
            return recordOutcome(invite, notices: notices)
        case .resent(let invite, let previous):
            let was = InviteStatus(rawValue: previous).map { "had been \($0.rawValue)" } ?? "had the status '\(Echo.cut(previous))'"
            return recordOutcome(invite, notices: notices + ["invite \(invite.id) \(was); it is pending again, sent now"])
        case .alreadyPending(let invite):
            let unused = text == nil ? "" : " (the --message given is not used)"
            return recordOutcome(invite, notices: ["user '\(invitee.username)' already has a pending invite to room \(found.label) "
                                 + "(invite \(invite.id), from \(invite.inviter), sent \(invite.createdAt.iso8601)); nothing was sent\(unused)"])
        }
    }

    /// A changed invite's report: its record (the id alone under -q). The
    /// audit entry names the invite (see `AuditTarget.invite`).
    static func recordOutcome(_ invite: RoomInvite, notices: [String] = []) -> WriteOutcome {
        WriteOutcome(ids: [invite.id], target: .invite(id: invite.id)) { context in
            try context.recordRenderer().render(InviteColumns.record.record(invite))
            for notice in notices { context.notice(notice) }
        }
    }

    // MARK: list, show

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        var query = InviteQuery()
        query.inviteeID = try arguments[onlyTo].map { try UsersCommand.require(db, $0).id }
        query.inviterID = try arguments[onlyFrom].map { try UsersCommand.require(db, $0).id }
        query.roomID = try arguments[onlyRoom].map { try RoomsCommand.require(db, $0).id }
        query.status = arguments[status]?.rawValue
        query.olderThan = arguments[olderThan].map { context.clock.now().adding(seconds: -$0.seconds) }
        query.limit = arguments[limit]
        try InviteColumns.list.render(context) { row in try InviteRepository(db).list(query, row) }
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        try context.recordRenderer().render(InviteColumns.record.record(try InviteRepository(db).require(id: arguments[id])))
        return .success
    }

    // MARK: accept, decline, cancel

    static let accept = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let repository = InviteRepository(db)
        let (invite, joining, invitee) = try repository.accept(try repository.require(id: arguments[id]), at: context.clock.now())
        let whom = "user \(invite.invitee)"
        let room = "room \(invite.roomLabel)"
        let dry = context.globals.dryRun
        let joined: String
        switch joining {
        case .added: joined = dry ? "\(whom) would join \(room)" : "\(whom) joined \(room)"
        case .reactivated: joined = "\(whom) had left \(room) and " + (dry ? "would be a member again" : "is a member again")
        case .alreadyMember: joined = "\(whom) was already a member of \(room); the membership is as it was"
        }
        return recordOutcome(invite, notices: [joined] + [RoomsMembers.inactiveNotice(invitee, "the invite is accepted")].compactMap { $0 })
    }

    static let decline = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let repository = InviteRepository(db)
        return recordOutcome(try repository.decline(try repository.require(id: arguments[id]), at: context.clock.now()))
    }

    static let cancel = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let repository = InviteRepository(db)
        let invite = try repository.require(id: arguments[id])
        return CascadeReport.outcome(id: invite.id, counts: try repository.cancel(invite), subject: "invite \(invite.id)", verb: "cancelled",
                                     target: .invite(id: invite.id))
    }

    // MARK: purge

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let cutoff = PurgeSupport.cutoff(context, arguments)
        try PurgeSupport.confirmIfFuture(context, cutoff, "every matching invite would go, those of today included")
        let db = try context.openEngine(.write)
        let statuses = arguments[purgeStatus].map { [$0] } ?? [.accepted, .declined]
        return try PurgeSupport.run(context, arguments, db, try InviteRepository(db).purgeTarget(before: cutoff, statuses: statuses))
    }
}

/// The output columns of an invite, declared once: `list` shows some,
/// `show` and every verb that changes an invite the whole record.
enum InviteColumns {
    static let record = Columns<RoomInvite>([
        Column("id") { .integer($0.id) },
        Column("room_id") { .integer($0.roomID) },
        Column("room") { .optional($0.roomName) },
        Column("inviter_id") { .integer($0.inviterID) },
        Column("inviter") { .optional($0.inviterName) },
        Column("invitee_id") { .integer($0.inviteeID) },
        Column("invitee") { .optional($0.inviteeName) },
        Column("status") { .text($0.status) },
        Column("created_at") { .time($0.createdAt) },
        Column("responded_at") { .optional($0.respondedAt) },
        Column("message_id") { .optional($0.messageID) },
        Column("message") { .optional($0.message) },
    ])

    static let list = record.only(["id", "room_id", "room", "inviter", "invitee", "status", "created_at", "responded_at"])
}
