import SocializerCore
import SocializerStore

/// `rooms members list|add|add-ai|remove|role`: who is in a room.
enum RoomsMembers {
    static let user = Positional.string("USER", help: "An id or a username (id:42 or name:42 force one reading; a bare number is an id).")
    static let inactive = Option.flag("inactive", help: "Only the members who left (is_active 0) instead of the current ones.")
    static let addRole = Option.choice("role", ["member", "creator"], help: "member (the default) or creator.")
    static let hard = Option.flag("hard", help: "Delete the membership row instead of marking it left; "
                                  + "asks first, or needs --yes without a terminal.")
    static let role = Positional.string("ROLE", .choice(["member", "creator"]), help: "member or creator (ai is the AI's).")

    static let node = CommandNode(
        "members", summary: "List, add and remove a room's members; change a member's role.",
        children: [
            CommandNode("list", summary: "List a room's members (the AI included), in the order they joined.",
                positionals: [RoomsCommand.room], options: [inactive],
                output: MemberColumns.all.output, action: list),
            CommandNode("add", summary: "Add a user to a room, or re-activate the membership they left.",
                positionals: [RoomsCommand.room, user], options: [addRole],
                examples: ["socializer rooms members add 'Book club' bob", "socializer rooms members add 7 carol --role creator"],
                output: MemberColumns.all.output, write: .onEitherEngine(add)),
            CommandNode("add-ai", summary: "Add the AI to a room (a room has one AI member at most).",
                positionals: [RoomsCommand.room],
                output: MemberColumns.all.output, write: .onEitherEngine(addAI)),
            CommandNode("remove", summary: "Take a user out of a room, as the app's leave does (or delete the row with --hard).",
                positionals: [RoomsCommand.room, user], options: [hard],
                examples: ["socializer rooms members remove 'Book club' mallory"],
                output: MemberColumns.all.output,
                write: .onEitherEngine(prepare: prepareRemove, apply: { arguments, context, db in try remove(context, arguments, db) })),
            CommandNode("role", summary: "Set an active member's role.",
                positionals: [RoomsCommand.room, user, role],
                examples: ["socializer rooms members role 'Book club' bob creator"],
                output: MemberColumns.all.output, write: .onEitherEngine(setRole)),
        ])

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        try MemberColumns.all.render(context) { row in
            try MemberRepository(db).list(roomID: found.id, active: !arguments[inactive], row)
        }
        return .success
    }

    /// A membership's report: its record (the id alone under -q). With a
    /// `dryRunNotice`, a dry run says that instead of `notice`.
    static func outcome(_ db: any Database, memberID: Int64, fallback: RoomMember? = nil, notice: String? = nil,
                        dryRunNotice: String? = nil) throws -> WriteOutcome {
        let member = try MemberRepository(db).find(id: memberID) ?? fallback
        return WriteOutcome(ids: [memberID], of: "room_members", dryRunNotice: dryRunNotice) { context in
            if let member { try context.recordRenderer().render(MemberColumns.all.record(member)) }
            if let notice, !(context.globals.dryRun && dryRunNotice != nil) { context.notice(notice) }
        }
    }

    static let add = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let person = try requireUser(db, arguments[user], in: found,
                                     aiRemedy: "the AI joins a room with: socializer rooms members add-ai ROOM")
        let role = arguments[addRole].flatMap(MemberRole.init(rawValue:))
        let inactive = inactiveNotice(person, "they are a member")
        switch try MemberRepository(db).add(room: found, user: person, role: role, now: context.clock.now()) {
        case .added(let id): return try outcome(db, memberID: id, notice: inactive)
        case .reactivated(let id):
            let notices = ["user '\(person.username)' had left room \(found.label) and is a member again"] + (inactive.map { [$0] } ?? [])
            return try outcome(db, memberID: id, notice: notices.joined(separator: "; "))
        }
    }

    static let addAI = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let members = MemberRepository(db)
        let addition = try members.addAI(room: found, now: context.clock.now())
        var notes: [String] = []
        if !found.aiEnabled {
            _ = try RoomRepository(db).update(found, RoomRepository.Change(aiEnabled: true), now: context.clock.now())
            notes.append("AI is now turned on in room \(found.label)")
        }
        switch addition {
        case .added(let id): return try outcome(db, memberID: id, notice: notes.first)
        case .reactivated(let id):
            return try outcome(db, memberID: id, notice: (["the AI member of room \(found.label) is active again"] + notes).joined(separator: "; "))
        }
    }

    /// The user a membership verb names. `AI` names no user (unless one is
    /// called so): the AI's membership has verbs of its own, which the
    /// error names.
    static func requireUser(_ db: any Database, _ text: String, in room: ChatRoom, aiRemedy: String) throws -> User {
        do {
            return try UsersCommand.require(db, text)
        } catch var error as SocializerError where error.code == .notFound && text.lowercased() == "ai" {
            error.message += "; the AI is not a user"
            error.hint = aiRemedy.replacingAll("ROOM", with: "\(room.id)")
            throw error
        }
    }

    static let aiLeaves = "the AI leaves a room with: socializer rooms update ROOM --no-ai (and comes back with: socializer rooms members add-ai ROOM)"
    static let aiRole = "the AI's role is always ai; it joins with: socializer rooms members add-ai ROOM, and leaves with: socializer rooms update ROOM --no-ai"

    /// A notice when `person` is deactivated: the app does not let them log in, so acting as them is probably a mistake.
    static func inactiveNotice(_ person: User, _ what: String) -> String? {
        person.isActive ? nil : "user '\(person.username)' is deactivated (the app does not let them log in); \(what) all the same"
    }

    /// `--hard` deletes the row (the app's leave keeps it): asked first, as `rooms delete` is.
    static func prepareRemove(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> ParsedArguments {
        if arguments[hard] {
            let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
            let person = try requireUser(db, arguments[user], in: found, aiRemedy: aiLeaves)
            // No membership: nothing to ask about; the removal says so.
            if try MemberRepository(db).find(roomID: found.id, userID: person.id) != nil {
                try context.confirm("delete the membership row of user '\(person.username)' in room \(found.label)")
            }
        }
        return arguments
    }

    static let remove = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let person = try requireUser(db, arguments[user], in: found, aiRemedy: aiLeaves)
        let members = MemberRepository(db)
        let before = try members.find(roomID: found.id, userID: person.id)
        switch try members.remove(room: found, user: person, hard: arguments[hard]) {
        case .left(let id): return try outcome(db, memberID: id)
        case .alreadyLeft(let id):
            return try outcome(db, memberID: id, notice: "user '\(person.username)' had already left room \(found.label)")
        case .deleted(let id):
            let membership = "the membership of user '\(person.username)' in room \(found.label)"
            return try outcome(db, memberID: id, fallback: before, notice: "\(membership) was deleted",
                               dryRunNotice: "dry run: \(membership) would be deleted; nothing was changed")
        }
    }

    static let setRole = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let person = try requireUser(db, arguments[user], in: found, aiRemedy: aiRole)
        let wanted = MemberRole(rawValue: arguments[role]) ?? .member
        let members = MemberRepository(db)
        let already = try members.find(roomID: found.id, userID: person.id).map { $0.isActive && $0.role == wanted.rawValue } ?? false
        let member = try members.setRole(room: found, user: person, role: wanted)
        return try outcome(db, memberID: member.id,
                           notice: already ? "user '\(person.username)' already has the role \(wanted.rawValue) in room \(found.label)" : nil)
    }
}

/// The output columns of a membership, declared once.
enum MemberColumns {
    static let all = Columns<RoomMember>([
        Column("id") { .integer($0.id) },
        Column("room_id") { .integer($0.roomID) },
        Column("user_id") { .optional($0.userID) },
        Column("member") { $0.isAI ? .text("AI") : .optional($0.username ?? $0.userID.map { "#\($0)" }) },
        Column("role") { .text($0.role) },
        Column("active") { .bool($0.isActive) },
        Column("joined_at") { .time($0.joinedAt) },
        Column("last_read_at") { .optional($0.lastReadAt) },
    ])
}
