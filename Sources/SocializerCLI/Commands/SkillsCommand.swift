import SocializerCore
import SocializerStore

/// `socializer skills …`: the skills catalogue and users' levels in it.
enum SkillsCommand {
    // MARK: Arguments

    static let skill = Positional.string("SKILL", help: "A skill id or name (id:3 or name:3 force one reading; a bare number is an id).")
    static let names = Positional.variadic("NAME", help: "The names to add (trimmed; the app looks skills up by exact name).")
    static let ifMissing = Option.flag("if-missing", help: "Report names that exist already instead of failing.")
    static let withCounts = Option.flag("with-counts",
                                        help: "Add the users with a level in each skill, their average level, and its trainings by status.")
    static let newName = Positional.string("NEW", help: "The new name (trimmed).")
    static let level = Positional.integer("LEVEL", DomainRange.skillLevel, help: "The level, 0 to 10.")
    static let create = Option.flag("create", help: "Create the skill named SKILL if it does not exist.")
    static let minimum = Option.integer("min", DomainRange.skillLevel, help: "Only users at this level or above.")

    // MARK: The table

    static let node = CommandNode(
        "skills",
        summary: "Add, list, rename and remove skills; set and list users' levels.",
        discussion: """
            The skills catalogue and each user's level in a skill (0 to 10), as the app reads \
            them. The app looks skills up by exact name, so names are unique byte for byte: \
            'Empathy' and 'empathy' are two skills (adding such a twin warns). SKILL is an id or \
            a name; a bare number is an id, and id:N or name:TEXT force one reading. Trainings \
            are 'socializer training'.
            """,
        children: [
            CommandNode("add", summary: "Add skills to the catalogue, all in one transaction.",
                positionals: [names], options: [ifMissing],
                examples: ["socializer skills add empathy active_listening 'small talk'",
                           "socializer skills add empathy --if-missing"],
                output: OutputCheck.fields(addColumns), write: .onEitherEngine(add)),
            CommandNode("list", summary: "List skills by name, with how they are used given --with-counts.",
                options: [withCounts],
                examples: ["socializer skills list --with-counts"],
                output: { arguments, _ in .fields(arguments[withCounts] ? usageColumns : listColumns) }, action: list),
            CommandNode("rename", summary: "Give a skill a new name (levels and trainings stay with it).",
                positionals: [skill, newName],
                examples: ["socializer skills rename listening active_listening"],
                output: OutputCheck.fields(renameColumns), write: .onEitherEngine(rename)),
            CommandNode("remove", summary: "Remove a skill with every level and training in it, in one transaction.",
                positionals: [skill],
                examples: ["socializer skills remove 'small talk' --yes", "socializer --dry-run skills remove 7"],
                output: CascadeReport.output, write: .onEitherEngine(prepare: prepareRemove, apply: applyRemove)),
            CommandNode("set-level", summary: "Set a user's level in a skill (inserted or updated).",
                positionals: [UsersCommand.user, skill, level], options: [create],
                examples: ["socializer skills set-level alice empathy 7", "socializer skills set-level bob 'small talk' 2 --create"],
                output: OutputCheck.fields(levelColumns), write: .onEitherEngine(setLevel)),
            CommandNode("levels", summary: "List the users with a level in a skill, highest first.",
                positionals: [skill], options: [minimum],
                examples: ["socializer skills levels empathy --min 7"],
                output: OutputCheck.fields(levelsColumns), action: levels),
            FixtureTransfer.importNode([.skills, .userSkills], noun: "skills and users' levels",
                examples: ["socializer skills import catalogue.json", "socializer skills import levels.jsonl --on-conflict update"]),
            FixtureTransfer.exportNode([.skills, .userSkills], noun: "skills and users' levels",
                examples: ["socializer skills export > skills.json", "socializer --format jsonl skills export > skills.jsonl"]),
        ],
        examples: ["socializer skills add empathy active_listening --if-missing",
                   "socializer skills set-level alice empathy 7",
                   "socializer --format csv skills levels empathy --min 7",
                   "socializer skills list --with-counts"])

    static let addColumns = ["id", "skill", "result"]
    static let listColumns = ["id", "skill"]
    static let usageColumns = ["id", "skill", "users", "average_level", "trainings"] + TrainingStatus.allCases.map(\.rawValue)
    static let renameColumns = ["id", "skill", "previous"]
    static let levelColumns = ["user_id", "user", "skill_id", "skill", "level", "previous_level"]
    static let levelsColumns = ["user_id", "user", "level"]

    // MARK: Shared pieces

    /// A skill named on the command line, which must exist.
    static func require(_ db: any Database, _ text: String) throws -> Skill {
        try SkillRepository(db).require(EntityReference(text, kind: "skill"))
    }

    /// Warns about what a newly given name will be mistaken for: existing
    /// names that look the same (the app looks skills up by exact name, so
    /// they are separate skills), and an id, when the name is a number.
    static func warnAboutName(_ context: CommandContext, _ name: String, _ twins: [SkillTwin]) {
        func listed(_ difference: SkillTwin.Difference) -> String? {
            let names = twins.filter { $0.difference == difference }.map { "'\(Echo.cut($0.name))'" }
            return names.isEmpty ? nil : names.joined(separator: ", ")
        }
        let separate = "the app looks skills up by exact name, so they are separate skills"
        if let list = listed(.composition) {
            context.warn("skill '\(Echo.cut(name))' looks the same as \(list) (differently composed Unicode); \(separate)")
        }
        if let list = listed(.letterCase) {
            context.warn("skill '\(Echo.cut(name))' differs only in case from \(list); \(separate)")
        }
        if SkillRepository.readsAsID(name) {
            context.warn("skill '\(Echo.cut(name))' reads as an id where a skill is named: refer to it as name:\(name)")
        }
    }

    // MARK: add

    /// Every name is checked inside `SkillRepository.add`, before its first
    /// insert, so that all their problems are reported together.
    static func add(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let additions = try SkillRepository(db).add(arguments[names], ifMissing: arguments[ifMissing])
        for addition in additions where addition.outcome == .added { warnAboutName(context, addition.skill.name ?? "", addition.twins) }
        // The skills added make the target, as for a plain add: with
        // --if-missing the first id may be of a skill that was already there.
        let added = additions.filter { $0.outcome == .added }.map(\.skill)
        let target: AuditTarget? = added.count == 1 ? .skill(added[0]) : added.isEmpty ? nil : AuditTarget(table: "skills")
        return WriteOutcome(ids: additions.map(\.skill.id), target: target) { context in
            let renderer = context.rowRenderer()
            try renderer.begin(columns: addColumns)
            for addition in additions {
                try renderer.row([.integer(addition.skill.id), .optional(addition.skill.name), .text(addition.outcome.rawValue)])
            }
            renderer.finish()
        }
    }

    // MARK: list, levels

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let repository = SkillRepository(db)
        let renderer = context.rowRenderer()
        if arguments[withCounts] {
            try renderer.begin(columns: usageColumns)
            try repository.listWithUsage { usage in
                try renderer.row([.integer(usage.skill.id), .optional(usage.skill.name), .integer(usage.users),
                                  usage.averageLevel.map { .decimal($0, places: 2, format: context.globals.format) } ?? .null,
                                  .integer(usage.trainings)]
                                 + TrainingStatus.allCases.map { .integer(usage.byStatus[$0] ?? 0) })
            }
        } else {
            try renderer.begin(columns: listColumns)
            try repository.list { try renderer.row([.integer($0.id), .optional($0.name)]) }
        }
        renderer.finish()
        return .success
    }

    static func levels(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let found = try require(db, arguments[skill])
        let renderer = context.rowRenderer()
        try renderer.begin(columns: levelsColumns)
        try SkillRepository(db).levels(skillID: found.id, minimum: arguments[minimum]) { entry in
            try renderer.row([.integer(entry.userID), .text(entry.username), .integer(entry.level)])
        }
        renderer.finish()
        return .success
    }

    // MARK: rename, remove

    static func rename(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let repository = SkillRepository(db)
        let original = try require(db, arguments[skill])
        let (renamed, twins) = try repository.rename(original, to: arguments[newName])
        if renamed.name.map(NameRules.identity) != original.name.map(NameRules.identity) {
            warnAboutName(context, renamed.name ?? "", twins)
        }
        return WriteOutcome(ids: [renamed.id], of: "skills") { context in
            try context.recordRenderer().render(Array(zip(renameColumns, [.integer(renamed.id), .optional(renamed.name),
                                                                          .optional(original.name)] as [Cell])))
        }
    }

    static func prepareRemove(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> Skill {
        let found = try require(db, arguments[skill])
        if context.needsConfirmation {
            // The question says what would go, counted as a dry run counts it: the change, rolled back.
            let counts = try db.transaction(.immediate, commit: false) { try SkillRepository(db).removeCascading(found.id) }
            try context.confirm("remove skill \(found.described) " + CascadeReport.referring(counts, besides: "skills"))
        }
        return found
    }

    static func applyRemove(_ found: Skill, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let counts = try SkillRepository(db).removeCascading(found.id)
        return CascadeReport.outcome(id: found.id, counts: counts, subject: "skill \(found.described)", verb: "removed",
                                     target: .skill(found))
    }

    // MARK: set-level

    static func setLevel(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let repository = SkillRepository(db)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        let reference = try EntityReference(arguments[skill], kind: "skill")
        let found: Skill
        if arguments[create], case .name(let name) = reference {
            let addition = try repository.findOrAdd(name: name)
            if addition.outcome == .added { warnAboutName(context, addition.skill.name ?? "", addition.twins) }
            found = addition.skill
        } else {
            do {
                found = try repository.require(reference)
            } catch var error as SocializerError where error.code == .notFound && error.hint == nil {
                error.hint = "to create it on the way, pass --create"
                throw error
            }
        }
        let level = arguments[level]
        let (id, previous) = try repository.setLevel(userID: user.id, skillID: found.id, level: level)
        return WriteOutcome(ids: [id], target: .level(id: id, user: user, skill: found)) { context in
            try context.recordRenderer().render(Array(zip(levelColumns, [
                .integer(user.id), .text(user.username), .integer(found.id), .optional(found.name), .integer(level), .optional(previous),
            ] as [Cell])))
        }
    }
}
