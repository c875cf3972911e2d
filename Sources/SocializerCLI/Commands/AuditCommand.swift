import SocializerCore
import SocializerStore

/// `socializer audit …`: the trail of changes made through socializer
/// (`admin_audit`, migration 0005), one entry per change.
enum AuditCommand {
    static let actor = Option.string("actor", value: "A", help: "Only changes made by this actor.")
    static let command = Option.string("command", value: "C",
        help: "Only this verb ('users delete'), or every verb of a command ('users', 'users prefs').")
    static let target = Option.string("target", value: "T",
        help: "Only changes to this table (users), row (users:12), named row (alice, exactly) or user and skill (alice/empathy).")
    static let since = Option.time("since", help: "Only changes at or after TIME.")
    static let until = Option.time("until", help: "Only changes before TIME.")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N entries.")
    static let id = Positional.integer("ID", 1...Int64.max, help: "The entry's id.")

    static let node = CommandNode(
        "audit",
        summary: "List and show the trail of changes made through socializer; purge old entries.",
        discussion: """
            Every change made through socializer records one entry, in the same transaction as \
            the change: who (the actor), when, the verb, its target, the rows changed per table \
            and the arguments given (secrets and email addresses never). Dry runs, refused and \
            rolled-back changes record nothing. The trail comes with migration 0005.
            """,
        children: [
            CommandNode("list", summary: "List audit entries, newest first.",
                options: [actor, command, target, since, until, limit],
                examples: ["socializer audit list --target alice", "socializer audit list --command 'users delete' --since 30d --json"],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("show", summary: "Show one entry with its rows and arguments.",
                positionals: [id], output: OutputCheck.fields(columns), action: show),
            CommandNode("purge", summary: "Delete entries older than an age or time, in short batches (itself audited).",
                options: PurgeSupport.cutoff + PurgeSupport.tuning,
                exclusive: PurgeSupport.cutoffRules, requireOneOf: PurgeSupport.cutoffRules,
                examples: ["0 4 * * 0 socializer --db /srv/app.db audit purge --older-than 104w --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, custom: purge),
        ])

    static let columns = ["id", "at", "actor", "command", "target", "rows", "details"]

    /// The trail exists from 0005 on; before, every audit verb says how to add it.
    static func requireTrail(_ db: any Database, _ context: CommandContext) throws {
        guard try !AuditRepository(db).isAvailable() else { return }
        let version = try Migrator(connection: db, clock: context.clock).requireUsable()
        let migration = Migrations.migration(AuditRepository.sinceVersion)?.identifier ?? "0005"
        throw SocializerError.configuration(
            "the database has no audit trail: it is at schema version \(version), and the trail comes with migration \(migration)",
            hint: "add it with: socializer migrate up (changes made before it were not recorded)")
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        var query = AuditQuery()
        query.actor = arguments[actor]
        query.command = arguments[command]
        query.target = arguments[target]
        query.since = arguments[since]
        query.until = arguments[until]
        query.limit = arguments[limit]
        let db = try context.openEngine(.read)
        try requireTrail(db, context)
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try AuditRepository(db).list(query) { try renderer.row(cells($0, context)) }
        renderer.finish()
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        try requireTrail(db, context)
        let entry = try AuditRepository(db).require(id: arguments[id])
        var fields = Array(zip(columns, cells(entry, context)))
        if context.globals.format == .table, let details = try? JSONParser.parse(entry.details) {
            fields[fields.count - 1].1 = .text(details.prettyText())
        }
        try context.recordRenderer().render(fields)
        return .success
    }

    /// One entry's cells. In table format `rows` is a summary (`users -1,
    /// user_preferences -2`: + inserted, ~ updated, - deleted); elsewhere it
    /// and `details` are the JSON stored: values in json and jsonl, the
    /// stored text as it is in the others (no parsing to print it again).
    static func cells(_ entry: AuditEntry, _ context: CommandContext) -> [Cell] {
        let format = context.globals.format
        let json = format == .json || format == .jsonl
        let rows: Cell = format == .table ? .text(summary(of: entry.rows)) : json ? .jsonText(entry.rows) : .text(entry.rows)
        return [.integer(entry.id), .time(entry.at), .text(entry.actor), .text(entry.command), .optional(entry.target),
                rows, json ? .jsonText(entry.details) : .text(entry.details)]
    }

    /// `{"users":{"deleted":1},"error_logs":{"updated":2}}` as `users -1, error_logs ~2`.
    static func summary(of rows: String) -> String {
        guard let tables = (try? JSONParser.parse(rows))?.objectMembers else { return rows }
        return tables.map { table, counts in
            let marks = [("inserted", "+"), ("updated", "~"), ("deleted", "-")].compactMap { name, mark -> String? in
                guard case .integer(let n)? = counts[name] else { return nil }
                return mark + String(n)
            }
            return ([table] + marks).joined(separator: " ")
        }.joined(separator: ", ")
    }

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let cutoff = PurgeSupport.cutoff(context, arguments)
        try PurgeSupport.confirmUnlessPast(context, arguments, cutoff, "every entry would go, the newest included")
        let db = try context.openEngine(.write)
        try requireTrail(db, context)
        return try PurgeSupport.run(context, arguments, db, AuditRepository.purgeTarget(before: cutoff))
    }
}
