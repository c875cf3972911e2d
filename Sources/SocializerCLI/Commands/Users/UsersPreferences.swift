import SocializerCore
import SocializerStore

/// `users prefs list|set|unset` and `users skills`.
enum UsersPreferences {
    static let node = CommandNode(
        "prefs", summary: "List, set or remove a user's AI-learned preferences.",
        children: [
            CommandNode("list", summary: "List a user's preferences.",
                positionals: [UsersCommand.user],
                options: [OptionSpec("type", value: "T", help: "Only preferences of this type.")],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("set", summary: "Set TYPE.KEY to a JSON value (insert or replace).",
                positionals: [UsersCommand.user, PositionalSpec("TYPE", help: "The preference type (communication, topics, …)."),
                              PositionalSpec("KEY", help: "The preference key."),
                              PositionalSpec("JSON", .json, help: "The value, as JSON ('\"warm\"', '[\"chess\"]', '0.5').")],
                options: [OptionSpec("confidence", .number(PreferenceRepository.confidenceRange), default: "1.0",
                                     help: "How sure the app is, 0.0 to 1.0.")],
                mutating: true,
                examples: ["socializer users prefs set alice communication tone '\"warm\"' --confidence 0.8"],
                output: OutputCheck.sentenceOrRecord(changeColumns), action: set),
            CommandNode("unset", summary: "Remove TYPE.KEY.",
                positionals: [UsersCommand.user, PositionalSpec("TYPE", help: "The preference type."),
                              PositionalSpec("KEY", help: "The preference key.")],
                mutating: true, output: OutputCheck.sentenceOrRecord(changeColumns), action: unset),
        ])

    static let skillsNode = CommandNode(
        "skills", summary: "Show one user's skill levels and training.",
        positionals: [UsersCommand.user], action: skills)

    static let columns = ["id", "type", "key", "value", "confidence", "last_updated"]
    static let changeColumns = ["id", "type", "key"]

    /// What set and unset print: a sentence on a table, else one record.
    static func reportChange(_ context: CommandContext, _ sentence: String, id: Int64, type: String, key: String) throws {
        if context.globals.quiet {
            context.stdout.write("\(id)\n")
        } else if context.globals.format == .table {
            context.stdout.write(sentence + "\n")
        } else {
            try context.recordRenderer().render(Array(zip(changeColumns, [.integer(id), .text(type), .text(key)])))
        }
        if context.globals.dryRun { context.notice("dry run: nothing was changed") }
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let user = try UserRepository(db).require(UsersCommand.reference(arguments))
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try PreferenceRepository(db).list(userID: user.id, type: arguments.string("type")) { p in
            try renderer.row([.integer(p.id), .text(p.type), .text(p.key), .json(p.value), .number(p.confidence), .text(p.lastUpdated)])
        }
        renderer.finish()
        return .success
    }

    static func set(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.write)
        let id = try db.transaction(commit: !context.globals.dryRun) {
            let user = try UserRepository(db).require(UsersCommand.reference(arguments))
            return try PreferenceRepository(db).set(userID: user.id, type: arguments.string("TYPE")!, key: arguments.string("KEY")!,
                                                    value: arguments.json("JSON")!, confidence: arguments.number("confidence") ?? 1.0,
                                                    today: UsersCommand.today(context))
        }
        let type = arguments.string("TYPE")!.trimmedSpaces, key = arguments.string("KEY")!.trimmedSpaces
        try reportChange(context, "set \(type).\(key)", id: id, type: type, key: key)
        return .success
    }

    static func unset(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.write)
        let id = try db.transaction(commit: !context.globals.dryRun) {
            let user = try UserRepository(db).require(UsersCommand.reference(arguments))
            return try PreferenceRepository(db).unset(userID: user.id, username: user.username,
                                                      type: arguments.string("TYPE")!, key: arguments.string("KEY")!)
        }
        let type = arguments.string("TYPE")!, key = arguments.string("KEY")!
        try reportChange(context, "removed \(type).\(key)", id: id, type: type, key: key)
        return .success
    }

    static func skills(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let repository = UserRepository(db)
        let user = try repository.require(UsersCommand.reference(arguments))
        let renderer = context.rowRenderer()
        try renderer.begin(columns: ["skill", "level", "training", "progress", "started_at", "completed_at"])
        try repository.skills(of: user.id) { s in
            try renderer.row([.optional(s.skill), .optional(s.level), .optional(s.trainingStatus),
                          s.progress.map(Cell.number) ?? .null, .optional(s.startedAt), .optional(s.completedAt)])
        }
        renderer.finish()
        return .success
    }
}
