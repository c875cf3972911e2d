import SocializerCore
import SocializerStore

/// `users prefs list|set|unset` and `users skills`.
enum UsersPreferences {
    static let type = Positional.string("TYPE", help: "The preference type (communication, topics, …).")
    static let key = Positional.string("KEY", help: "The preference key.")
    static let value = Positional.json("JSON", help: "The value, as JSON ('\"warm\"', '[\"chess\"]', '0.5').")
    static let onlyType = Option.string("type", value: "T", help: "Only preferences of this type.")
    static let confidence = Option.number("confidence", DomainRange.confidence, default: 1.0,
                                          help: "How sure the app is, 0.0 to 1.0.")

    static let node = CommandNode(
        "prefs", summary: "List, set or remove a user's AI-learned preferences.",
        children: [
            CommandNode("list", summary: "List a user's preferences.",
                positionals: [UsersCommand.user], options: [onlyType],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("set", summary: "Set TYPE.KEY to a JSON value (insert or replace).",
                positionals: [UsersCommand.user, type, key, value], options: [confidence],
                examples: ["socializer users prefs set alice communication tone '\"warm\"' --confidence 0.8"],
                output: OutputCheck.sentenceOrRecord(changeColumns), write: .onEitherEngine(set)),
            CommandNode("unset", summary: "Remove TYPE.KEY.",
                positionals: [UsersCommand.user, type.with(help: "The preference type."), key],
                output: OutputCheck.sentenceOrRecord(changeColumns), write: .onEitherEngine(unset)),
        ])

    static let skillsNode = CommandNode(
        "skills", summary: "Show one user's skill levels and training.",
        positionals: [UsersCommand.user], output: OutputCheck.fields(skillColumns), action: skills)

    static let columns = ["id", "type", "key", "value", "confidence", "last_updated"]
    static let changeColumns = ["id", "type", "key"]
    static let skillColumns = ["skill", "level", "training", "progress", "started_at", "completed_at"]

    /// What set and unset print: a sentence on a table, else one record.
    static func changeOutcome(_ sentence: String, id: Int64, type: String, key: String) -> WriteOutcome {
        WriteOutcome(ids: [id], of: "user_preferences") { context in
            if context.globals.format == .table {
                context.stdout.write(Echo.escapingControls(sentence) + "\n")
            } else {
                try context.recordRenderer().render(Array(zip(changeColumns, [.integer(id), .text(type), .text(key)])))
            }
        }
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try PreferenceRepository(db).list(userID: user.id, type: arguments[onlyType]) { p in
            try renderer.row([.integer(p.id), .text(p.type), .text(p.key), .json(p.value), .number(p.confidence), .text(p.lastUpdated)])
        }
        renderer.finish()
        return .success
    }

    static func set(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let id = try PreferenceRepository(db).set(userID: user.id, type: arguments[type], key: arguments[key],
                                                  value: arguments[value], confidence: arguments[confidence],
                                                  today: UsersCommand.today(context))
        let type = arguments[type].trimmedSpaces, key = arguments[key].trimmedSpaces
        return changeOutcome("set \(type).\(key)", id: id, type: type, key: key)
    }

    static func unset(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let id = try PreferenceRepository(db).unset(userID: user.id, username: user.username,
                                                    type: arguments[type], key: arguments[key])
        return changeOutcome("removed \(arguments[type]).\(arguments[key])", id: id, type: arguments[type], key: arguments[key])
    }

    static func skills(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let renderer = context.rowRenderer()
        try renderer.begin(columns: skillColumns)
        try SkillRepository(db).userSkills(of: user.id) { s in
            try renderer.row([.optional(s.skill), .optional(s.level), .optional(s.trainingStatus),
                              s.progress.map(Cell.number) ?? .null, .optional(s.startedAt), .optional(s.completedAt)])
        }
        renderer.finish()
        return .success
    }
}
