import SocializerCore
import SocializerStore

/// `socializer logs …`: the app's error logs.
enum LogsCommand {
    static let type = Option.string("type", value: "T", help: "Only this error type.")
    static let user = Option.string("user", value: "USER", help: "Only errors of this user.")
    static let since = Option.time("since", help: "Only errors at or after TIME.")
    static let until = Option.time("until", help: "Only errors before TIME.")
    static let grep = Option.string("grep", value: "TEXT", maxLength: 1000,
                                    help: "Only errors whose message or stack trace contains TEXT (at most 1,000 characters).")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N logs.")
    static let filters: [any OptionDeclaring] = [type, user, since, until, grep]
    static let id = Positional.integer("ID", 1...Int64.max, help: "The log's id.")
    static let newType = Option.string("type", value: "T", required: true, help: "The error type (at most 100 characters).")
    static let message = Option.string("message", value: "M", required: true, help: "The error message.")
    static let concerns = user.with { $0.help = "The user it concerns." }
    static let contextJSON = Option.json("context", help: "Context as a JSON value.")
    static let stackFile = Option.path("stack-file", help: "Read the stack trace from FILE (- for standard input).")
    static let by = Option.choice("by", default: LogRepository.Grouping.type, help: "What to count by.")
    static let purgeType = type.with { $0.help = "Only logs of this type." }

    static let node = CommandNode(
        "logs",
        summary: "List, inspect, add, count and purge the app's error logs.",
        children: [
            CommandNode("list", summary: "List error logs, newest first.",
                options: filters + [limit],
                examples: ["socializer logs list --since 24h --type ValueError"],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("show", summary: "Show one log with its stack trace and context.",
                positionals: [id], output: OutputCheck.fields(showColumns), action: show),
            CommandNode("add", summary: "Record an error (for scripts and tests).",
                options: [newType, message, concerns, contextJSON, stackFile],
                examples: ["socializer logs add --type BackupFailed --message 'disk full' --context '{\"host\":\"db1\"}'"],
                output: OutputCheck.sentenceOrRecord(["id"]), write: .onEitherEngine(prepare: prepareAdd, apply: applyAdd)),
            CommandNode("stats", summary: "Count errors by type, day or user, with a bar per row.",
                options: [by, since],
                output: { arguments, format in .fields([arguments[by].rawValue, "count"] + (format == .table ? ["bar"] : [])) },
                action: stats),
            CommandNode("purge", summary: "Delete error logs older than an age or time, in short batches.",
                options: PurgeSupport.cutoff + [purgeType] + PurgeSupport.tuning,
                exclusive: PurgeSupport.cutoffRules, requireOneOf: PurgeSupport.cutoffRules,
                examples: ["30 3 * * * /usr/local/bin/socializer --db /srv/app.db logs purge --older-than 90d --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, custom: purge),
            CommandNode("export", summary: "Write error logs as json (default), jsonl or csv.",
                options: filters,
                output: OutputCheck.fields(exportColumns), action: export),
        ])

    static let columns = ["id", "timestamp", "type", "user", "message"]
    static let exportColumns = ["id", "timestamp", "user_id", "error_type", "error_message", "stack_trace", "context"]
    static let showColumns = ["id", "timestamp", "type", "user_id", "user", "message", "stack_trace", "context"]

    static func query(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> LogQuery {
        var query = LogQuery()
        query.type = arguments[type]
        query.userID = try arguments[user].map { try UsersCommand.require(db, $0).id }
        query.since = arguments[since]
        query.until = arguments[until]
        query.grep = arguments[grep]

        return query
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        var selection = try query(context, arguments, db)
        selection.limit = arguments[limit]
        try LogRepository(db).list(selection) { log in
            let firstLine = log.message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            try renderer.row([.integer(log.id), .time(log.timestamp), .text(log.type), .optional(log.username),
                          .text(context.globals.format == .table ? firstLine : log.message)])
        }
        renderer.finish()
        return .success
    }

    static func contextCell(_ text: String?, pretty: Bool) -> Cell {
        guard let text else { return .null }
        guard let value = try? JSONParser.parse(text) else { return .text(text) }
        return pretty ? .text(value.prettyText()) : .json(value)
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let log = try LogRepository(db).require(id: arguments[id])
        try context.recordRenderer().render([
            ("id", .integer(log.id)), ("timestamp", .time(log.timestamp)), ("type", .text(log.type)),
            ("user_id", .optional(log.userID)), ("user", .optional(log.username)), ("message", .text(log.message)),
            ("stack_trace", .optional(log.stackTrace)),
            ("context", contextCell(log.context, pretty: context.globals.format == .table)),
        ])
        return .success
    }

    static func prepareAdd(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String?, ParsedArguments) {
        let stack = try arguments[stackFile].map { path -> String in
            let bytes = try InputFile.read(path, context, what: "the stack trace", file: "--stack-file", limit: FileReader.Limit.stackTrace)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SocializerError.invalid("the stack trace in '\(Echo.cut(path))' is not UTF-8 text")
            }
            return text
        }
        return (stack, arguments)
    }

    static func applyAdd(_ plan: (String?, ParsedArguments), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (stack, arguments) = plan
        let userID = try arguments[concerns].map { try UsersCommand.require(db, $0).id }
        let id = try LogRepository(db).insert(timestamp: context.clock.now(), userID: userID, type: arguments[newType],
                                              message: arguments[message], stackTrace: stack, context: arguments[contextJSON])
        return WriteOutcome(ids: [id], of: "error_logs") { context in
            if context.globals.format == .table {
                context.stdout.write(context.globals.dryRun ? "would add error log \(id)\n" : "added error log \(id)\n")
            } else {
                try context.recordRenderer().render([("id", .integer(id))])
            }
        }
    }

    static func stats(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let grouping = arguments[by]
        let db = try context.openEngine(.read)
        var rows: [(String, Int64)] = []
        try LogRepository(db).stats(by: grouping, since: arguments[since]) { rows.append(($0, $1)) }
        let renderer = context.rowRenderer()
        let table = context.globals.format == .table
        try renderer.begin(columns: [grouping.rawValue, "count"] + (table ? ["bar"] : []))
        let largest = rows.map(\.1).max() ?? 1
        for (key, count) in rows {
            var cells: [Cell] = [.text(key), .integer(count)]
            if table { cells.append(.text(String(repeating: "█", count: max(1, Int(40 * count / largest))))) }
            try renderer.row(cells)
        }
        renderer.finish()
        return .success
    }

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let cutoff = PurgeSupport.cutoff(context, arguments)
        try PurgeSupport.confirmUnlessPast(context, arguments, cutoff, "every matching log would go, the newest included")
        let db = try context.openEngine(.write)
        return try PurgeSupport.run(context, arguments, db, LogRepository.purgeTarget(before: cutoff, type: arguments[purgeType]))
    }

    static func export(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = context.rowRenderer(options: options)
        try renderer.begin(columns: exportColumns)
        try LogRepository(db).list(try query(context, arguments, db)) { log in
            try renderer.row([.integer(log.id), .time(log.timestamp), .optional(log.userID), .text(log.type), .text(log.message),
                          .optional(log.stackTrace), contextCell(log.context, pretty: false)])
        }
        renderer.finish()
        return .success
    }
}
