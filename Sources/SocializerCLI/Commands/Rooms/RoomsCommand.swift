import SocializerCore
import SocializerStore

/// `socializer rooms …`: chat rooms, their members and messages, what each
/// member has read, and the public general chat.
enum RoomsCommand {
    // MARK: Arguments

    static let room = Positional.string("ROOM",
        help: "An id or a room name (id:42 or name:42 force one reading; a bare number is an id; a name several rooms share is refused, listing their ids).")
    static let creator = Option.string("creator", value: "USER", required: true, help: "The user who creates the room (its member with role creator).")
    static let name = Option.string("name", value: "N", help: "The room's name (names need not be unique; without one the app shows \"Chat with …\").")
    static let type = Option.choice("type", default: RoomType.group, help: "The kind of room, as the app names it.")
    static let isPublic = Option.flag("public", help: "Make it public: listed for every user, joined with the password if one is set.")
    static let noAI = Option.flag("no-ai", help: "No AI in the room (the app always has one).")

    static let onlyPublic = Option.flag("public", help: "Only public rooms.")
    static let onlyType = Option.choice("type", of: RoomType.self, help: "Only rooms of this type.")
    static let member = Option.string("member", value: "USER", help: "Only rooms where USER is an active member.")
    static let onlyActive = Option.flag("active", help: "Only rooms that are not archived.")
    static let onlyInactive = Option.flag("inactive", help: "Only archived rooms.")
    static let idleFor = Option.duration("idle-for", help: "Only rooms without a message for this long (a room without messages: since it was created).")
    static let withCounts = Option.flag("with-counts", help: "Add each room's active members, messages and last activity.")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N rooms.")

    static let newName = Option.string("name", value: "N", help: "A new name.")
    static let makePublic = Option.flag("public", help: "Make the room public.")
    static let makePrivate = Option.flag("private", help: "Make the room not public (its type stays as it is).")
    static let ai = Option.flag("ai", help: "Turn the AI on: the room then has exactly one active AI member.")
    static let noAIUpdate = Option.flag("no-ai", help: "Turn the AI off: the AI member leaves (its row stays, inactive).")
    static let clearPassword = Option.flag("clear-password", help: "Remove the room's password.")

    // MARK: The table

    static let node = CommandNode(
        "rooms",
        summary: "Chat rooms, their members and messages, unread counts and the general chat, with moderation and purges.",
        children: [
            CommandNode("create", summary: "Create a room with its creator (and the AI) as members, as the app does.",
                options: [creator, name, type, isPublic, noAI] + SecretOptions.password,
                exclusive: SecretOptions.passwordExclusive,
                examples: ["socializer rooms create --creator alice --name 'Book club' --public",
                           "printf '%s\\n' \"$PW\" | socializer rooms create --creator bob --name staff --password-stdin"],
                output: RoomColumns.record.output, write: .onEitherEngine(prepare: prepareCreate, apply: applyCreate)),
            CommandNode("list", summary: "List rooms, newest first.",
                options: [onlyPublic, onlyType, member, onlyActive, onlyInactive, idleFor, withCounts, limit],
                exclusive: [[onlyActive.name, onlyInactive.name]],
                examples: ["socializer rooms list --member alice --with-counts", "socializer rooms list --active --idle-for 90d"],
                output: { arguments, _ in .fields(listColumns(arguments).names) }, action: list),
            CommandNode("show", summary: "Show one room with its members, message count and last activity (never its password).",
                positionals: [room], output: OutputCheck.fields(showColumns), action: show),
            CommandNode("update", summary: "Rename a room, make it public or not, turn its AI on or off, remove its password.",
                positionals: [room], options: [newName, makePublic, makePrivate, ai, noAIUpdate, clearPassword],
                exclusive: [[makePublic.name, makePrivate.name], [ai.name, noAIUpdate.name]],
                examples: ["socializer rooms update 'Book club' --private --no-ai"],
                output: RoomColumns.record.output, write: .onEitherEngine(prepare: prepareUpdate, apply: applyUpdate)),
            CommandNode("set-password", summary: "Set a room's password (stored in plain text: the app compares it as typed).",
                positionals: [room], options: SecretOptions.password, exclusive: SecretOptions.passwordExclusive,
                examples: ["socializer rooms set-password staff --password-file /run/secrets/room-pw"],
                output: RoomColumns.record.output, write: .onEitherEngine(prepare: prepareSetPassword, apply: applySetPassword)),
            CommandNode("archive", summary: "Archive a room (is_active 0): the app no longer lists it.",
                positionals: [room], output: RoomColumns.record.output, write: activation(false)),
            CommandNode("unarchive", summary: "Restore an archived room.",
                positionals: [room], output: RoomColumns.record.output, write: activation(true)),
            CommandNode("delete", summary: "Delete a room with its members, messages and invites, in one transaction.",
                positionals: [room],
                examples: ["socializer rooms delete id:42 --yes", "socializer --dry-run rooms delete 'Book club'"],
                output: CascadeReport.output, write: .onEitherEngine(prepare: prepareDelete, apply: applyDelete)),
            RoomsMembers.node,
            RoomsMessages.node,
            RoomsUnread.unreadNode,
            RoomsUnread.markReadNode,
            RoomsGeneral.node,
            FixtureTransfer.importNode([.chatRooms, .roomMembers, .roomMessages], noun: "rooms with their members and messages",
                examples: ["socializer rooms import rooms.json", "socializer rooms import rooms.jsonl --on-conflict skip"]),
            FixtureTransfer.exportNode([.chatRooms, .roomMembers, .roomMessages], noun: "rooms with their members and messages",
                examples: ["socializer rooms export > rooms.json",
                           "(umask 077; socializer --format jsonl rooms export --include-secrets > rooms.jsonl)"]),
        ])

    static let showColumns = RoomColumns.record.names + ["member_names"]

    static func listColumns(_ arguments: ParsedArguments) -> Columns<ChatRoom> {
        arguments[withCounts] ? RoomColumns.listWithCounts : RoomColumns.list
    }

    // MARK: Shared pieces

    /// A room named on the command line, which must exist (and be the only one of its name).
    static func require(_ db: any Database, _ text: String) throws -> ChatRoom {
        try RoomRepository(db).require(EntityReference(text, kind: "room"))
    }

    /// A changed room's report: its record with counts (the id alone under -q).
    static func recordOutcome(_ db: any Database, _ room: ChatRoom, notices: [String] = []) throws -> WriteOutcome {
        let current = try RoomRepository(db).withActivity(room)
        return WriteOutcome(ids: [room.id], of: "chat_rooms") { context in
            try context.recordRenderer().render(RoomColumns.record.record(current))
            for notice in notices { context.notice(notice) }
        }
    }

    // MARK: create

    struct NewRoomPlan {
        var name: String?
        var password: String?
        var arguments: ParsedArguments
    }

    static func prepareCreate(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> NewRoomPlan {
        let roomName = try arguments[name].map { try NameRules.validate($0, what: "room name") }
        // The creator must exist before anyone is asked for a password.
        _ = try UsersCommand.require(db, arguments[creator])
        return NewRoomPlan(name: roomName, password: try SecretOptions.readRoomPassword(context, arguments, required: false),
                           arguments: arguments)
    }

    static func applyCreate(_ plan: NewRoomPlan, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let arguments = plan.arguments
        let owner = try UsersCommand.require(db, arguments[creator])
        let repository = RoomRepository(db)
        let id = try repository.create(NewRoom(name: plan.name, creatorID: owner.id, type: arguments[type], isPublic: arguments[isPublic],
                                               aiEnabled: !arguments[noAI], password: plan.password, createdAt: context.clock.now()))
        return try recordOutcome(db, try repository.require(.id(id)))
    }

    // MARK: list, show

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        var query = RoomQuery()
        if arguments[onlyPublic] { query.isPublic = true }
        query.type = arguments[onlyType]
        if arguments[onlyActive] { query.active = true }
        if arguments[onlyInactive] { query.active = false }
        query.idleBefore = arguments[idleFor].map { context.clock.now().adding(seconds: -$0.seconds) }
        query.withActivity = arguments[withCounts]
        query.limit = arguments[limit]
        let db = try context.openEngine(.read)
        query.memberID = try arguments[member].map { try UsersCommand.require(db, $0).id }
        try listColumns(arguments).render(context) { row in try RoomRepository(db).list(query, row) }
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let repository = RoomRepository(db)
        let found = try repository.withActivity(try require(db, arguments[room]))
        let names = try repository.memberNames(roomID: found.id).map { JSONValue.string($0 ?? "AI") }
        let table = context.globals.format == .table
        let members: Cell = table ? .text(names.compactMap(\.stringValue).joined(separator: ", ")) : .json(.array(names))
        try context.recordRenderer().render(RoomColumns.record.record(found) + [("member_names", members)])
        return .success
    }

    // MARK: update

    static func prepareUpdate(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (RoomRepository.Change, String) {
        var change = RoomRepository.Change()
        change.name = try arguments[newName].map { try NameRules.validate($0, what: "room name") }
        if arguments[makePublic] { change.isPublic = true }
        if arguments[makePrivate] { change.isPublic = false }
        if arguments[ai] { change.aiEnabled = true }
        if arguments[noAIUpdate] { change.aiEnabled = false }
        change.clearPassword = arguments[clearPassword]
        guard !change.isEmpty else {
            let options: [any OptionDeclaring] = [newName, makePublic, makePrivate, ai, noAIUpdate, clearPassword]
            throw SocializerError.usage("nothing to change",
                                        hint: "give at least one of " + options.map { "--\($0.optionSpec.name)" }.joined(separator: ", "))
        }
        return (change, arguments[room])
    }

    static func applyUpdate(_ plan: (RoomRepository.Change, String), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (change, text) = plan
        let repository = RoomRepository(db)
        let original = try require(db, text)
        let report = try repository.update(original, change, now: context.clock.now())
        // Named as it is now, a new name included.
        let found = try repository.require(.id(original.id))
        var notices: [String] = []
        if let repair = report.aiRepair {
            if repair.added { notices.append("added the AI member to room \(found.label)") }
            if repair.reactivated { notices.append("the AI member of room \(found.label) is active again") }
            if repair.duplicatesRemoved > 0 {
                notices.append("removed \(repair.duplicatesRemoved) extra AI member row(s) from room \(found.label); a room has one")
            }
        }
        if report.aiDeactivated > 0 { notices.append("the AI member left room \(found.label)") }
        // What was already so says so, as archive and the other verbs do.
        if change.aiEnabled == false && !original.aiEnabled && report.aiDeactivated == 0 {
            notices.append("room \(found.label) already had AI turned off")
        }
        if change.aiEnabled == true && original.aiEnabled, let repair = report.aiRepair,
           !repair.added && !repair.reactivated && repair.duplicatesRemoved == 0 {
            notices.append("room \(found.label) already had AI turned on")
        }
        if let isPublic = change.isPublic, isPublic == original.isPublic {
            notices.append("room \(found.label) was already \(isPublic ? "public" : "private")")
        }
        return try recordOutcome(db, found, notices: notices)
    }

    // MARK: set-password

    static func prepareSetPassword(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String, String) {
        // The room must exist (and be named unambiguously) before anyone is asked for a password.
        let text = arguments[room]
        _ = try require(db, text)
        return (text, try SecretOptions.readRoomPassword(context, arguments, required: true)!)
    }

    static func applySetPassword(_ plan: (String, String), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let found = try require(db, plan.0)
        try RoomRepository(db).setPassword(found, plan.1)
        let notices = found.isPublic ? [] : ["the app asks for a room's password only when someone joins a public room; "
                                              + "room \(found.label) is not public"]
        return try recordOutcome(db, found, notices: notices)
    }

    // MARK: archive, unarchive

    static func activation(_ active: Bool) -> WriteAction {
        WriteAction.onEitherEngine { context, arguments, db in
            let found = try require(db, arguments[room])
            let changed = try RoomRepository(db).setActive(found, active)
            let notices = changed > 0 ? [] : ["room \(found.label) was already \(active ? "active" : "archived")"]
            return try recordOutcome(db, found, notices: notices)
        }
    }

    // MARK: delete

    static func prepareDelete(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> ChatRoom {
        let found = try require(db, arguments[room])
        try context.confirm("delete room \(found.label) with its members, messages and invites")
        return found
    }

    static func applyDelete(_ found: ChatRoom, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let counts = try RoomRepository(db).deleteCascading(found)
        return CascadeReport.outcome(id: found.id, counts: counts, subject: "room \(found.label)", verb: "deleted",
                                     target: AuditTarget(table: "chat_rooms", id: found.id, name: found.name))
    }
}

/// The output columns of a room, declared once: `list` shows some, `show`
/// and every verb that changes a room the whole record.
enum RoomColumns {
    static let record = Columns<ChatRoom>([
        Column("id") { .integer($0.id) },
        Column("name") { .optional($0.name) },
        Column("type") { .text($0.roomType) },
        Column("creator_id") { .integer($0.creatorID) },
        Column("creator") { .optional($0.creatorName) },
        Column("created_at") { .time($0.createdAt) },
        Column("active") { .bool($0.isActive) },
        Column("public") { .bool($0.isPublic) },
        Column("ai") { .bool($0.aiEnabled) },
        Column("has_password") { .bool($0.hasPassword) },
        Column("members") { .optional($0.activity?.members) },
        Column("messages") { .optional($0.activity?.messages) },
        Column("last_activity") { .optional($0.lastActivity) },
    ])

    static let list = record.only(["id", "name", "type", "creator", "created_at", "active", "public", "ai", "has_password"])
    static let listWithCounts = record.only(list.names + ["members", "messages", "last_activity"])
}
