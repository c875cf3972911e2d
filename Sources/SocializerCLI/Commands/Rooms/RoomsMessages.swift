import SocializerCore
import SocializerSecurity
import SocializerStore

/// `rooms messages list|post|edit|delete|search|purge`: what was said in
/// the rooms, and moderating it.
enum RoomsMessages {
    static let limit = Option.integer("limit", 1...Int64.max, default: 50, help: "At most N messages, newest first.")
    static let beforeID = Option.integer("before", 1...Int64.max, value: "ID",
                                         help: "Only messages with an id below ID (the next page: the last id shown), as the app pages.")
    static let since = Option.time("since", help: "Only messages at or after TIME.")
    static let includeDeleted = Option.flag("include-deleted", help: "Also the messages deleted (which the app hides).")
    static let from = Option.string("from", value: "USER", help: "Only messages USER sent.")

    static let text = Positional.optional("TEXT", help: "The message (or --stdin).")
    static let stdin = Option.flag("stdin", help: "Read the message from standard input (one trailing line break is stripped).")
    static let sender = Option.string("from", value: "USER", help: "Post as USER, who must be an active member of the room.")
    static let asAI = Option.flag("ai", help: "Post as the room's AI (sender_type ai); the room's AI must be on.")
    static let asSystem = Option.flag("system", help: "Post a system message (sender_type and message_type system).")
    static let metadata = Option.json("metadata", help: "The message_metadata, a JSON object ({} when not given, as the app writes).")
    static let id = Positional.integer("ID", 1...Int64.max, help: "The message's id.")
    static let hard = Option.flag("hard", help: "Delete the row (an invite that points at it keeps its row, message_id NULL); "
                                  + "asks first, or needs --yes without a terminal.")

    static let searchRoom = Option.string("room", value: "ROOM", help: "Search this room.")
    static let everywhere = Option.flag("all", help: "Search every room.")
    static let pattern = Positional.string("TEXT", help: "The text to find in messages (% and _ match themselves; '' matches every message).")
    static let searchLimit = Option.integer("limit", 1...Int64.max, help: "At most N messages, newest first.")

    static let purgeRoom = Option.string("room", value: "ROOM", help: "Only messages of this room.")
    static let deletedOnly = Option.flag("deleted-only", help: "Only messages already deleted (hidden by the app).")

    /// A search pattern SQLite's LIKE accepts, and a readable error past it.
    static let maximumPatternLength = 1000

    static let node = CommandNode(
        "messages", summary: "List, post, edit, delete, search and purge room messages.",
        children: [
            CommandNode("list", summary: "List a room's messages, newest first, with their senders' names.",
                positionals: [RoomsCommand.room], options: [limit, beforeID, since, includeDeleted, from],
                examples: ["socializer rooms messages list 'Book club' --limit 20",
                           "socializer rooms messages list 'Book club' --before 1234 --include-deleted"],
                output: MessageColumns.list.output, action: list),
            CommandNode("post", summary: "Post a message as a member, the AI or the system.",
                positionals: [RoomsCommand.room, text], options: [sender, asAI, asSystem, stdin, metadata],
                exclusive: [[sender.name, asAI.name, asSystem.name], [text.name, stdin.name]],
                requireOneOf: [[sender.name, asAI.name, asSystem.name], [text.name, stdin.name]],
                examples: ["socializer rooms messages post 'Book club' --system 'This room closes on Friday.'",
                           "fortune | socializer rooms messages post 7 --from alice --stdin"],
                output: MessageColumns.all.output, write: .onEitherEngine(prepare: preparePost, apply: applyPost)),
            CommandNode("edit", summary: "Replace a message's text (sets edited_at).",
                positionals: [id, text], options: [stdin],
                exclusive: [[text.name, stdin.name]], requireOneOf: [[text.name, stdin.name]],
                output: MessageColumns.all.output, write: .onEitherEngine(prepare: prepareEdit, apply: applyEdit)),
            CommandNode("delete", summary: "Delete a message as the app does (hidden, is_deleted 1), or remove it with --hard.",
                positionals: [id], options: [hard],
                examples: ["socializer rooms messages delete 1234", "socializer rooms messages delete 1234 --hard"],
                output: { arguments, _ in .fields(arguments[hard] ? CascadeReport.columns : MessageColumns.all.names) },
                write: .onEitherEngine(prepare: prepareDelete, apply: { arguments, context, db in try delete(context, arguments, db) })),
            CommandNode("search", summary: "Find messages containing a text, in one room or all of them (moderation).",
                positionals: [pattern], options: [searchRoom, everywhere, from, includeDeleted, searchLimit],
                exclusive: [[searchRoom.name, everywhere.name]], requireOneOf: [[searchRoom.name, everywhere.name]],
                examples: ["socializer rooms messages search --all 'buy followers'",
                           "socializer rooms messages search --all --from mallory ''"],
                output: MessageColumns.all.output, action: search),
            CommandNode("purge", summary: "Delete messages older than an age or time, in short batches.",
                options: PurgeSupport.cutoff + [purgeRoom, deletedOnly] + PurgeSupport.tuning,
                exclusive: PurgeSupport.cutoffRules, requireOneOf: PurgeSupport.cutoffRules,
                examples: ["15 3 * * * /usr/local/bin/socializer --db /srv/app.db rooms messages purge --older-than 180d --json "
                           + ">> /var/log/socializer-purge-messages.log 2>&1"],
                output: PurgeSupport.detachingOutput, custom: purge),
        ])

    // MARK: list, search

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        var query = MessageQuery()
        query.roomID = try RoomsCommand.require(db, arguments[RoomsCommand.room]).id
        query.beforeID = arguments[beforeID]
        query.since = arguments[since]
        query.includeDeleted = arguments[includeDeleted]
        query.senderID = try arguments[from].map { try UsersCommand.require(db, $0).id }
        query.limit = arguments[limit]
        try MessageColumns.list.render(context) { row in try MessageRepository(db).list(query, row) }
        return .success
    }

    static func search(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let needle = arguments[pattern]
        guard needle.count <= maximumPatternLength else {
            throw SocializerError.usage("the text to search for is \(needle.count) characters long; at most \(maximumPatternLength) are accepted")
        }
        let db = try context.openEngine(.read)
        var query = MessageQuery()
        query.roomID = try arguments[searchRoom].map { try RoomsCommand.require(db, $0).id }
        query.containing = needle.isEmpty ? nil : needle
        query.includeDeleted = arguments[includeDeleted]
        query.senderID = try arguments[from].map { try UsersCommand.require(db, $0).id }
        query.limit = arguments[searchLimit]
        try MessageColumns.all.render(context) { row in try MessageRepository(db).list(query, row) }
        return .success
    }

    // MARK: post, edit

    /// The message from argv or standard input, checked before the write lock.
    static func messageText(_ context: CommandContext, _ arguments: ParsedArguments) throws -> String {
        guard arguments[stdin] else { return try RoomMessage.validate(content: arguments[text] ?? "") }
        // The limit is the message's: the line break that ends the input (CR LF at most) is not part of it.
        let limit = RoomMessage.maximumContentBytes
        let tooLong = SocializerError.invalid("the message on standard input is longer than \(FileReader.describe(limit)), the limit for it",
                                              hint: "see INPUT LIMITS in socializer(1)")
        let read: [UInt8]
        do {
            read = try context.stdin.readAll(limit: limit + 2)
        } catch is InputLimitExceeded {
            throw tooLong
        }
        let bytes = PasswordInput.strippingOneLineBreak(read)
        guard bytes.count <= limit else { throw tooLong }
        guard let content = String(validating: bytes, as: UTF8.self) else {
            throw SocializerError.invalid("the message on standard input is not valid UTF-8")
        }
        return try RoomMessage.validate(content: content)
    }

    static func preparePost(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String, ParsedArguments) {
        (try messageText(context, arguments), arguments)
    }

    static func applyPost(_ plan: (String, ParsedArguments), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (content, arguments) = plan
        let found = try RoomsCommand.require(db, arguments[RoomsCommand.room])
        let from: MessageSender
        var notice: String?
        if let name = arguments[sender] {
            let person = try UsersCommand.require(db, name)
            notice = RoomsMembers.inactiveNotice(person, "the message is posted")
            from = .user(person)
        } else {
            from = arguments[asAI] ? .ai : .system
        }
        let repository = MessageRepository(db)
        let id = try repository.post(in: found, from: from, content: content, metadata: arguments[metadata], at: context.clock.now())
        return recordOutcome(try repository.require(id: id), notice: notice)
    }

    static func prepareEdit(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String, Int64) {
        (try messageText(context, arguments), arguments[id])
    }

    static func applyEdit(_ plan: (String, Int64), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let repository = MessageRepository(db)
        try repository.edit(try repository.require(id: plan.1), content: plan.0, at: context.clock.now())
        return recordOutcome(try repository.require(id: plan.1))
    }

    static func recordOutcome(_ message: RoomMessage, notice: String? = nil) -> WriteOutcome {
        WriteOutcome(ids: [message.id], of: "room_messages") { context in
            try context.recordRenderer().render(MessageColumns.all.record(message))
            if let notice { context.notice(notice) }
        }
    }

    // MARK: delete

    /// `--hard` removes the row for good: asked first, as `rooms delete` is.
    static func prepareDelete(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> ParsedArguments {
        if arguments[hard] {
            let message = try MessageRepository(db).require(id: arguments[id])
            try context.confirm("delete the row of room message \(message.id) (not only hide it)")
        }
        return arguments
    }

    static let delete = { @Sendable (context: CommandContext, arguments: ParsedArguments, db: any Database) throws -> WriteOutcome in
        let repository = MessageRepository(db)
        let message = try repository.require(id: arguments[id])
        if arguments[hard] {
            return CascadeReport.outcome(id: message.id, counts: try repository.hardDelete(message),
                                         subject: "room message \(message.id)", verb: "removed",
                                         target: AuditTarget(table: "room_messages", id: message.id))
        }
        let changed = try repository.softDelete(message)
        return recordOutcome(try repository.require(id: message.id),
                             notice: changed ? nil : "room message \(message.id) was already deleted")
    }

    // MARK: purge

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let cutoff = PurgeSupport.cutoff(context, arguments)
        try PurgeSupport.confirmUnlessPast(context, arguments, cutoff, "every matching message would go, the newest included")
        let db = try context.openEngine(.write)
        let roomID = try arguments[purgeRoom].map { try RoomsCommand.require(db, $0).id }
        return try PurgeSupport.run(context, arguments, db,
                                    try MessageRepository(db).purgeTarget(before: cutoff, roomID: roomID, deletedOnly: arguments[deletedOnly]))
    }
}

/// The output columns of a room message, declared once: `list` leaves out
/// the room (it names one), `search` and every verb that changes a message
/// print them all.
enum MessageColumns {
    static let all = Columns<RoomMessage>([
        Column("id") { .integer($0.id) },
        Column("room_id") { .integer($0.roomID) },
        Column("room") { .optional($0.roomName) },
        Column("created_at") { .time($0.createdAt) },
        Column("sender") { .text($0.sender) },
        Column("sender_type") { .text($0.senderType) },
        Column("sender_id") { .optional($0.senderID) },
        Column("message_type") { .text($0.messageType) },
        Column("content") { .text($0.content) },
        Column("edited_at") { .optional($0.editedAt) },
        Column("deleted") { .bool($0.isDeleted) },
        Column("metadata") { $0.metadata.map(Cell.jsonText) ?? .null },
    ])

    static let list = all.only(["id", "created_at", "sender", "sender_type", "sender_id", "message_type", "content", "edited_at",
                                "deleted", "metadata"])
}
