import SocializerCore
import SocializerStore

/// `rooms general list|post|purge`: the app's one public chat.
enum RoomsGeneral {
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N messages, newest first.")
    static let since = Option.time("since", help: "Only messages at or after TIME.")
    static let from = Option.string("from", value: "USER", help: "Only messages USER sent.")
    static let poster = Option.string("from", value: "USER", required: true, help: "Post as USER.")
    static let keepLast = Option.integer("keep-last", 1...Int64.max,
        help: "Keep exactly the newest N messages, delete the rest (the app's own cleanup keeps one more than it means to).")

    static let node = CommandNode(
        "general", summary: "List, post and purge the general chat's messages.",
        children: [
            CommandNode("list", summary: "List general chat messages, newest first.",
                options: [limit, since, from],
                examples: ["socializer rooms general list --limit 20", "socializer rooms general list --from mallory --since 24h"],
                output: GeneralColumns.all.output, action: list),
            CommandNode("post", summary: "Post a message to the general chat.",
                positionals: [RoomsMessages.text], options: [poster, RoomsMessages.stdin],
                exclusive: [[RoomsMessages.text.name, RoomsMessages.stdin.name]],
                requireOneOf: [[RoomsMessages.text.name, RoomsMessages.stdin.name]],
                examples: ["socializer rooms general post --from alice 'Maintenance tonight at 22:00 UTC.'"],
                output: GeneralColumns.all.output, write: .onEitherEngine(prepare: preparePost, apply: applyPost)),
            CommandNode("purge", summary: "Delete general chat messages older than an age or time, or all but the newest N.",
                options: PurgeSupport.cutoff + [keepLast] + PurgeSupport.tuning,
                exclusive: [PurgeSupport.cutoffRules[0] + [keepLast.name]],
                requireOneOf: [PurgeSupport.cutoffRules[0] + [keepLast.name]],
                examples: ["0 * * * * /usr/local/bin/socializer --db /srv/app.db rooms general purge --keep-last 100 --json "
                           + ">> /var/log/socializer-purge-general.log 2>&1"],
                output: PurgeSupport.output, custom: purge),
        ])

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let senderID = try arguments[from].map { try UsersCommand.require(db, $0).id }
        try GeneralColumns.all.render(context) { row in
            try GeneralChatRepository(db).list(since: arguments[since], senderID: senderID, limit: arguments[limit], row)
        }
        return .success
    }

    static func preparePost(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String, String) {
        (try RoomsMessages.messageText(context, arguments), arguments[poster])
    }

    static func applyPost(_ plan: (String, String), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let person = try UsersCommand.require(db, plan.1)
        let repository = GeneralChatRepository(db)
        let id = try repository.post(from: person, content: plan.0, at: context.clock.now())
        let message = try repository.require(id: id)
        let notice = RoomsMembers.inactiveNotice(person, "the message is posted")
        return WriteOutcome(ids: [id], of: "general_chat_messages") { context in
            try context.recordRenderer().render(GeneralColumns.all.record(message))
            if let notice { context.notice(notice) }
        }
    }

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        if let count = arguments[keepLast] {
            let db = try context.openEngine(.write)
            return try PurgeSupport.run(context, arguments, db, try GeneralChatRepository(db).purgeTarget(keepingLast: count))
        }
        let cutoff = PurgeSupport.cutoff(context, arguments)
        try PurgeSupport.confirmUnlessPast(context, arguments, cutoff, "every message would go, the newest included")
        let db = try context.openEngine(.write)
        return try PurgeSupport.run(context, arguments, db, GeneralChatRepository.purgeTarget(before: cutoff))
    }
}

/// The output columns of a general chat message, declared once.
enum GeneralColumns {
    static let all = Columns<GeneralChatMessage>([
        Column("id") { .integer($0.id) },
        Column("created_at") { .time($0.createdAt) },
        Column("sender_id") { .integer($0.senderID) },
        Column("sender") { .optional($0.senderName ?? "#\($0.senderID)") },
        Column("content") { .text($0.content) },
    ])
}
