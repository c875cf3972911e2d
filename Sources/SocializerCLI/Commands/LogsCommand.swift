import SocializerCore
import SocializerStore

/// `socializer logs …`: the app's error logs.
enum LogsCommand {
    static let filters: [OptionSpec] = [
        OptionSpec("type", value: "T", help: "Only this error type."),
        OptionSpec("user", value: "USER", help: "Only errors of this user."),
        OptionSpec("since", .time, help: "Only errors at or after TIME."),
        OptionSpec("until", .time, help: "Only errors before TIME."),
        OptionSpec("grep", value: "TEXT", help: "Only errors whose message or stack trace contains TEXT."),
    ]

    static let node = CommandNode(
        "logs",
        summary: "List, inspect, add, count and purge the app's error logs.",
        children: [
            CommandNode("list", summary: "List error logs, newest first.",
                options: filters + [OptionSpec("limit", .integer(1...Int64.max), help: "At most N logs.")],
                examples: ["socializer logs list --since 24h --type ValueError"],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("show", summary: "Show one log with its stack trace and context.",
                positionals: [PositionalSpec("ID", .integer(1...Int64.max), help: "The log's id.")],
                action: show),
            CommandNode("add", summary: "Record an error (for scripts and tests).",
                options: [OptionSpec("type", value: "T", required: true, help: "The error type (at most 100 characters)."),
                          OptionSpec("message", value: "M", required: true, help: "The error message."),
                          OptionSpec("user", value: "USER", help: "The user it concerns."),
                          OptionSpec("context", .json, help: "Context as a JSON value."),
                          OptionSpec("stack-file", .path, help: "Read the stack trace from FILE.")],
                mutating: true,
                examples: ["socializer logs add --type BackupFailed --message 'disk full' --context '{\"host\":\"db1\"}'"],
                output: OutputCheck.sentenceOrRecord(["id"]), action: add),
            CommandNode("stats", summary: "Count errors by type, day or user, with a bar per row.",
                options: [OptionSpec("by", .choice(LogRepository.Grouping.allCases.map(\.rawValue)), default: "type",
                                     help: "What to count by."),
                          OptionSpec("since", .time, help: "Only errors at or after TIME.")],
                action: stats),
            CommandNode("purge", summary: "Delete error logs older than an age or time, in short batches.",
                options: [OptionSpec("older-than", .duration, help: "Purge logs older than this (30d)."),
                          OptionSpec("before", .time, help: "Purge logs before TIME."),
                          OptionSpec("type", value: "T", help: "Only logs of this type.")] + PurgeSupport.options,
                mutating: true, exclusive: [["older-than", "before"]], requireOneOf: [["older-than", "before"]],
                examples: ["30 3 * * * socializer --db /srv/app.db logs purge --older-than 90d --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, action: purge),
            CommandNode("export", summary: "Write error logs as json (default), jsonl or csv.",
                options: filters,
                output: OutputCheck.fields(exportColumns), action: export),
        ])

    static let columns = ["id", "timestamp", "type", "user", "message"]
    static let exportColumns = ["id", "timestamp", "user_id", "error_type", "error_message", "stack_trace", "context"]

    static func query(_ context: CommandContext, _ arguments: ParsedArguments, _ db: Connection) throws -> LogQuery {
        var query = LogQuery()
        query.type = arguments.string("type")
        query.userID = try arguments.string("user").map { try UserRepository(db).require(UserReference($0)).id }
        query.since = arguments.time("since")
        query.until = arguments.time("until")
        query.grep = arguments.string("grep")
        query.limit = arguments.integer("limit")
        return query
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try LogRepository(db).list(try query(context, arguments, db)) { log in
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
        let db = try context.openDatabase(.read)
        let log = try LogRepository(db).require(id: arguments.integer("ID")!)
        try context.recordRenderer().render([
            ("id", .integer(log.id)), ("timestamp", .time(log.timestamp)), ("type", .text(log.type)),
            ("user_id", .optional(log.userID)), ("user", .optional(log.username)), ("message", .text(log.message)),
            ("stack_trace", .optional(log.stackTrace)),
            ("context", contextCell(log.context, pretty: context.globals.format == .table)),
        ])
        return .success
    }

    static func add(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let stack = try arguments.string("stack-file").map { path -> String in
            let bytes = try FileReader.read(path, what: "--stack-file", limit: FileReader.Limit.stackTrace).bytes
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SocializerError.invalid("'\(path)' is not UTF-8 text")
            }
            return text
        }
        let db = try context.openDatabase(.write)
        let id = try db.transaction(commit: !context.globals.dryRun) {
            let userID = try arguments.string("user").map { try UserRepository(db).require(UserReference($0)).id }
            return try LogRepository(db).insert(timestamp: context.clock.now(), userID: userID, type: arguments.string("type")!,
                                                message: arguments.string("message")!, stackTrace: stack,
                                                context: arguments.json("context"))
        }
        if context.globals.quiet {
            context.stdout.write("\(id)\n")
        } else if context.globals.format == .table {
            context.stdout.write("added error log \(id)\n")
        } else {
            try context.recordRenderer().render([("id", .integer(id))])
        }
        if context.globals.dryRun { context.notice("dry run: nothing was changed") }
        return .success
    }

    static func stats(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let grouping = LogRepository.Grouping(rawValue: arguments.string("by") ?? "type") ?? .type
        let db = try context.openDatabase(.read)
        var rows: [(String, Int64)] = []
        try LogRepository(db).stats(by: grouping, since: arguments.time("since")) { rows.append(($0, $1)) }
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
        let now = context.clock.now()
        let cutoff = arguments.time("before") ?? now.adding(seconds: -(arguments.duration("older-than")?.seconds ?? 0))
        let db = try context.openDatabase(.write)
        return try PurgeSupport.run(context, arguments, db, LogRepository.purgeTarget(before: cutoff, type: arguments.string("type")))
    }

    static func export(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = RowRenderer(out: context.stdout, options: options)
        try renderer.begin(columns: exportColumns)
        try LogRepository(db).list(try query(context, arguments, db)) { log in
            try renderer.row([.integer(log.id), .time(log.timestamp), .optional(log.userID), .text(log.type), .text(log.message),
                          .optional(log.stackTrace), contextCell(log.context, pretty: false)])
        }
        renderer.finish()
        return .success
    }
}
