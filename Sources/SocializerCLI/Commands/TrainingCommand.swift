import SocializerCore
import SocializerStore

/// `socializer training …`: users' training sessions, one per user and skill.
enum TrainingCommand {
    // MARK: Arguments

    static let user = UsersCommand.user
    static let skill = SkillsCommand.skill
    static let notes = Option.string("notes", value: "T", help: "A note stored with the training (on --restart, replaces the old one).")
    static let restart = Option.flag("restart", help: "Start an existing training over: active, progress 0.0, started today.")
    static let value = Positional.number("VALUE", DomainRange.progress, help: "The progress, 0.0 to 1.0; 1.0 completes the training.")
    static let onlyUser = Option.string("user", value: "USER", help: "Only this user's trainings.")
    static let onlySkill = Option.string("skill", value: "SKILL", help: "Only trainings in this skill.")
    static let status = Option.choice("status", of: TrainingStatus.self, help: "Only trainings with this status.")
    static let stalledFor = Option.days("stalled-for",
                                        help: "Only active trainings started at least this many days ago (14d, 2w): who is stuck.")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N trainings.")
    static let completedBefore = Option.time("completed-before",
                                             help: "Purge completed trainings whose completion date is before this time's date (UTC).")
        .with { $0.required = true }

    // MARK: The table

    static let node = CommandNode(
        "training",
        summary: "Start, pause, resume, complete, reset, stop, list and purge users' training in skills.",
        discussion: """
            A user has at most one training per skill, with a status (pending, active, paused, \
            completed), a progress from 0.0 to 1.0, start and completion dates and notes. Each \
            verb accepts the statuses listed in socializer-training(1) and refuses the others \
            (exit 65, naming the status); the app creates trainings pending. Training rows have \
            no id: a verb names one by USER and SKILL, and -q prints the user's id.
            """,
        children: [
            CommandNode("start", summary: "Start a user's training in a skill: active, progress 0.0, started today.",
                positionals: [user, skill], options: [notes, restart],
                examples: ["socializer training start alice empathy --notes 'weekly sessions'",
                           "socializer training start alice empathy --restart"],
                output: TrainingColumns.record.output, write: .onEitherEngine(start)),
            CommandNode("pause", summary: "Pause an active training.", positionals: [user, skill],
                output: TrainingColumns.record.output, write: change { _ in .pause }),
            CommandNode("resume", summary: "Make a paused or pending training active (progress and start date kept).", positionals: [user, skill],
                output: TrainingColumns.record.output, write: change { _ in .resume }),
            CommandNode("progress", summary: "Record the progress of an active or paused training; 1.0 completes it.",
                positionals: [user, skill, value],
                examples: ["socializer training progress alice empathy 0.4"],
                output: TrainingColumns.record.output, write: change { .progress($0[value]) }),
            CommandNode("complete", summary: "Complete a training: progress 1.0, completed today.", positionals: [user, skill],
                output: TrainingColumns.record.output, write: change { _ in .complete }),
            CommandNode("reset", summary: "Set a training back to pending, progress 0.0, not completed.", positionals: [user, skill],
                output: TrainingColumns.record.output, write: change { _ in .reset }),
            CommandNode("stop", summary: "Stop a training: its row is deleted.", positionals: [user, skill],
                output: TrainingColumns.record.output, write: .onEitherEngine(stop)),
            CommandNode("list", summary: "List trainings by user, then skill name.",
                options: [onlyUser, onlySkill, status, stalledFor, limit],
                exclusive: [[status.name, stalledFor.name]],
                examples: ["socializer training list --user alice", "socializer training list --skill empathy --stalled-for 14d"],
                output: TrainingColumns.list.output, action: list),
            CommandNode("show", summary: "Show one user's training in one skill.", positionals: [user, skill],
                output: TrainingColumns.record.output, action: show),
            CommandNode("purge", summary: "Delete trainings completed before a date, in short batches.",
                options: [completedBefore] + PurgeSupport.tuning,
                examples: ["15 4 * * 0 socializer --db /srv/app.db training purge --completed-before 365d --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, custom: purge),
            FixtureTransfer.importNode([.training], noun: "trainings",
                examples: ["socializer training import cohort.csv", "socializer training import - --input-format jsonl --on-conflict skip"]),
            FixtureTransfer.exportNode([.training], noun: "trainings",
                examples: ["socializer --format csv training export > training.csv"]),
        ],
        examples: ["socializer training start alice empathy --notes 'weekly sessions'",
                   "socializer training progress alice empathy 0.6",
                   "socializer training list --skill empathy --stalled-for 3w",
                   "socializer training purge --completed-before 365d"])

    // MARK: Shared pieces

    /// The user and the skill a verb names; the user is looked up first.
    static func pair(_ db: any Database, _ arguments: ParsedArguments) throws -> (User, Skill) {
        (try UsersCommand.require(db, arguments[user]), try SkillsCommand.require(db, arguments[skill]))
    }

    /// A changed training's report: the record (the user's id alone under -q:
    /// training rows have no id of their own, so the audit entry names the
    /// row by its user and skill).
    static func recordOutcome(_ training: Training, dryRunNotice: String? = nil, after: ((CommandContext) -> Void)? = nil) -> WriteOutcome {
        WriteOutcome(ids: [training.userID], dryRunNotice: dryRunNotice, target: .training(training)) { context in
            try context.recordRenderer().render(TrainingColumns.record.record(training))
            after?(context)
        }
    }

    /// The write action of the verbs that change an existing training.
    static func change(_ make: @escaping @Sendable (ParsedArguments) -> TrainingChange) -> WriteAction {
        WriteAction.onEitherEngine { context, arguments, db in
            let (user, skill) = try pair(db, arguments)
            return recordOutcome(try TrainingRepository(db).apply(make(arguments), user, skill, today: UsersCommand.today(context)))
        }
    }

    // MARK: start, stop

    static func start(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let (user, skill) = try pair(db, arguments)
        return recordOutcome(try TrainingRepository(db).start(user, skill, notes: arguments[notes], today: UsersCommand.today(context),
                                                              restart: arguments[restart]))
    }

    static func stop(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let (user, skill) = try pair(db, arguments)
        let stopped = try TrainingRepository(db).stop(user, skill)
        let subject = "the training of user '\(user.username)' in skill \(skill.described)"
        return recordOutcome(stopped, dryRunNotice: "dry run: \(subject) would be deleted; nothing was changed") { context in
            if !context.globals.dryRun { context.notice("\(subject) deleted") }
        }
    }

    // MARK: list, show

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        var query = TrainingQuery()
        query.userID = try arguments[onlyUser].map { try UsersCommand.require(db, $0).id }
        query.skillID = try arguments[onlySkill].map { try SkillsCommand.require(db, $0).id }
        query.status = arguments[status]?.rawValue
        query.activeSince = arguments[stalledFor].map { context.clock.now().adding(seconds: -$0.seconds).dateText }
        query.limit = arguments[limit]
        try TrainingColumns.list.render(context) { row in try TrainingRepository(db).list(query, row) }
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let (user, skill) = try pair(db, arguments)
        try context.recordRenderer().render(TrainingColumns.record.record(try TrainingRepository(db).require(user, skill)))
        return .success
    }

    // MARK: purge

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        guard let cutoff = arguments[completedBefore] else {
            throw SocializerError.internalError("--completed-before is required but was not given")
        }
        // completed_at is a DATE, compared with TIME's UTC date: any time
        // today purges what was completed before today and keeps today's.
        // Only a later date reaches today's too, which is everything.
        if cutoff.dateText > PurgeSupport.now(context, arguments).dateText {
            try context.confirm("purge the trainings completed before \(cutoff.dateText), a date after today "
                                + "(every completed training would go, today's included)")
        }
        let db = try context.openEngine(.write)
        return try PurgeSupport.run(context, arguments, db, TrainingRepository(db).purgeTarget(completedBefore: cutoff.dateText))
    }
}

/// The output columns of a training, declared once: `list` leaves out the ids.
enum TrainingColumns {
    static let record = Columns<Training>([
        Column("user_id") { .integer($0.userID) },
        Column("user") { .text($0.username) },
        Column("skill_id") { .integer($0.skillID) },
        Column("skill") { .optional($0.skill) },
        Column("status") { .text($0.status) },
        Column("progress") { .number($0.progress) },
        Column("level") { .optional($0.level) },
        Column("started_at") { .text($0.startedAt) },
        Column("completed_at") { .optional($0.completedAt) },
        Column("notes") { .optional($0.notes) },
    ])

    static let list = record.only(["user", "skill", "status", "progress", "level", "started_at", "completed_at", "notes"])
}
