import SocializerCore
import SocializerStore

/// `users messages USER [--clear]`: the recent chat messages the app keeps
/// in `users.messages` (SPEC §2), a column the design calls a counter.
enum UsersMessages {
    static let node = CommandNode(
        "messages", summary: "Print the recent messages the app stores for a user, or clear them.",
        discussion: """
            The app stores a user's latest chat messages as a JSON list in users.messages, a \
            column the design document calls a counter; new users hold 0 there. This prints the \
            list (nothing, with a note, for a count). --clear writes the app's empty list, [] \
            (0 on PostgreSQL, whose INTEGER column cannot hold a list).
            """,
        positionals: [UsersCommand.user],
        options: [clear],
        examples: ["socializer users messages alice --format jsonl", "socializer users messages alice --clear"],
        output: { arguments, format in
            guard arguments[clear] else { return .fields(columns) }
            return format == .table ? .text : .fields(clearColumns)
        },
        // A read, or with --clear a write action: one verb, so the escape hatch.
        custom: run)

    static let clear = Option.flag("clear", help: "Replace the stored messages with the app's empty list, [] (0 on PostgreSQL).")

    static let columns = ["n", "role", "type", "content", "room_id", "timestamp", "tools_used"]
    /// What `--clear` reports outside table format.
    static let clearColumns = ["id", "username", "cleared", "dry_run"]

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        if arguments[clear] { return try clearAction.run(context, arguments) }
        let db = try context.openEngine(.read)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let items: [JSONValue]
        switch user.messages.contents {
        case .list(let list):
            items = list
        case .count(let n):
            items = []
            context.notice("user '\(user.username)' has a message count (\(n)) and no stored messages")
        case .unreadable(let what):
            throw SocializerError.invalid("the messages of user '\(user.username)' are \(what), neither a count nor the app's JSON list",
                                          hint: "reset them with: socializer users messages \(user.username) --clear")
        }
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        for (index, item) in items.enumerated() {
            try renderer.row([.integer(Int64(index + 1)), text(item["role"]), text(item["type"]), text(item["content"]),
                          item["room_id"].map(Cell.json) ?? .null, text(item["timestamp"]),
                          item["tools_used"].map(Cell.json) ?? .null])
        }
        renderer.finish()
        return .success
    }

    /// A member as text: strings as they are, anything else as JSON.
    static func text(_ value: JSONValue?) -> Cell {
        guard let value, value != .null else { return .null }
        return value.stringValue.map(Cell.text) ?? .json(value)
    }

    static let clearAction = WriteAction.onEitherEngine { context, arguments, db in
        let repository = UserRepository(db)
        let original = try UsersCommand.require(db, arguments[UsersCommand.user])
        var changed = original
        changed.messages = .cleared(db.dialect)
        try repository.update(changed, from: original)
        let what: String
        var cleared: Cell = .null
        switch original.messages.contents {
        case .list(let items): what = "\(items.count) stored message(s)"; cleared = .integer(Int64(items.count))
        case .count(let n): what = "the message count (\(n))"
        case .unreadable: what = "the unreadable stored messages"
        }
        return WriteOutcome(ids: [original.id], target: .user(original)) { context in
            if context.globals.format != .table {
                try context.recordRenderer().render([("id", .integer(original.id)), ("username", .text(original.username)),
                                                     ("cleared", cleared), ("dry_run", .bool(context.globals.dryRun))])
                return
            }
            let name = Echo.escapingControls(original.username)
            context.stdout.write(context.globals.dryRun ? "would clear \(what) of user '\(name)'\n"
                                                        : "cleared \(what) of user '\(name)'\n")
        }
    }
}
