import SocializerCore
import SocializerStore

/// `rooms unread USER` and `rooms mark-read ROOM USER`: what each member
/// has read. The app never writes `last_read_at`; NULL means nothing read.
enum RoomsUnread {
    static let at = Option.time("at", help: "Read up to TIME instead of now (not in the future).")

    static let unreadNode = CommandNode(
        "unread", summary: "Per room of a user, the messages that arrived after they last read it (their own left out).",
        positionals: [RoomsMembers.user],
        examples: ["socializer rooms unread alice", "socializer --json rooms unread id:42"],
        output: OutputCheck.fields(columns), action: unread)

    static let markReadNode = CommandNode(
        "mark-read", summary: "Set what a member has read up to (now, or --at TIME).",
        positionals: [RoomsCommand.room, RoomsMembers.user], options: [at],
        examples: ["socializer rooms mark-read 'Book club' alice", "socializer rooms mark-read 7 bob --at 2026-01-31T12:00:00Z"],
        output: MemberColumns.all.output, write: .onEitherEngine(prepare: prepareMarkRead, apply: applyMarkRead))

    static let columns = ["room_id", "room", "unread", "last_read_at"]

    static func unread(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let person = try UsersCommand.require(db, arguments[RoomsMembers.user])
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try MemberRepository(db).unread(userID: person.id) { count in
            try renderer.row([.integer(count.roomID), .optional(count.roomName), .integer(count.unread), .optional(count.lastReadAt)])
        }
        renderer.finish()
        return .success
    }

    static func prepareMarkRead(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (Timestamp, ParsedArguments) {
        let now = context.clock.now()
        let instant = arguments[at] ?? now
        guard instant <= now else {
            throw SocializerError.usage("--at \(instant.iso8601) is in the future; a member cannot have read what was not written yet")
        }
        return (instant, arguments)
    }

    static func applyMarkRead(_ plan: (Timestamp, ParsedArguments), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (instant, arguments) = plan
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let person = try UsersCommand.require(db, arguments[RoomsMembers.user])
        let member = try MemberRepository(db).markRead(room: found, user: person, at: instant)
        return try RoomsMembers.outcome(db, memberID: member.id)
    }
}
