import SocializerCore
import SocializerStore

/// The type of an option's or positional's value; the parser converts and
/// checks it, so actions receive typed values and never re-validate forms.
public enum ValueType: Sendable {
    case flag
    case string
    case integer(ClosedRange<Int64>)
    case number(ClosedRange<Double>)
    case choice([String])
    /// `30s`, `15m`, `24h`, `30d`, `2w`.
    case duration
    /// A duration of whole days, at least one (`14d`, `2w`), for what is
    /// compared with DATE columns, which hold no time of day.
    case days
    /// A date, an ISO 8601 time, or a duration meaning "that long ago".
    case time
    case json
    case path
    /// Comma-separated names.
    case list

    /// How the help text names the accepted form.
    var acceptedForm: String {
        switch self {
        case .flag: return "no value"
        case .string: return "text"
        case .integer(let range):
            if range.upperBound == Int64.max { return "a whole number, at least \(range.lowerBound)" }
            return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .number(let range): return "a number from \(JSONValue.format(range.lowerBound)) to \(JSONValue.format(range.upperBound))"
        case .choice(let values): return "one of " + values.joined(separator: ", ")
        case .duration: return TimeSpan.accepted
        case .days: return "a whole number of days, at least 1, followed by d (or w for weeks: 14d, 2w): the dates compared have no time of day"
        case .time: return "a date (2026-01-31), a UTC time (2026-01-31T12:00:00Z) or a duration meaning that long ago (30d)"
        case .json: return "a JSON value"
        case .path: return "a file path"
        case .list: return "comma-separated names"
        }
    }
}

public struct OptionSpec: Sendable {
    public var name: String
    public var short: Character?
    public var type: ValueType
    public var valueName: String
    public var help: String
    public var defaultValue: String?
    public var required: Bool
    /// May be given more than once; the values are kept in order.
    public var repeatable: Bool
    /// The longest text accepted (a search pattern SQLite would refuse).
    public var maxLength: Int?
    /// The audit trail records that it was given, never its value: a secret
    /// source (`--password-file`: what it names is secret) or an address the
    /// database itself never stores in clear (`--email`).
    public var redacted = false

    public init(_ name: String, short: Character? = nil, _ type: ValueType = .flag, value: String? = nil,
                default defaultValue: String? = nil, required: Bool = false, repeatable: Bool = false,
                help: String) {
        self.repeatable = repeatable
        self.name = name
        self.short = short
        // Naming a value (`value: "E"`) means the option takes one: text unless typed.
        if case .flag = type, value != nil { self.type = .string } else { self.type = type }
        self.valueName = value ?? OptionSpec.defaultValueName(self.type)
        self.help = help
        self.defaultValue = defaultValue
        self.required = required
    }

    static func defaultValueName(_ type: ValueType) -> String {
        switch type {
        case .flag: return ""
        case .integer: return "N"
        case .number: return "F"
        case .choice(let values): return values.joined(separator: "|")
        case .duration, .days: return "DURATION"
        case .time: return "TIME"
        case .json: return "JSON"
        case .path: return "FILE"
        case .list: return "A,B,…"
        case .string: return "TEXT"
        }
    }

    public var isFlag: Bool { if case .flag = type { return true } else { return false } }

    func with(_ change: (inout OptionSpec) -> Void) -> OptionSpec {
        var copy = self
        change(&copy)
        return copy
    }

    /// `-y, --yes` or `--db PATH`.
    public var synopsis: String {
        var text = short.map { "-\($0), " } ?? ""
        text += "--\(name)"
        if !isFlag { text += " \(valueName)" }
        return text
    }
}

public struct PositionalSpec: Sendable {
    public var name: String
    public var type: ValueType
    public var help: String
    public var optional: Bool
    /// Takes every remaining argument (`skills add NAME...`).
    public var variadic: Bool
    /// Holds a secret (a token): never echoed, not even in a usage error,
    /// and never recorded in the audit trail.
    public var secret: Bool

    public init(_ name: String, _ type: ValueType = .string, optional: Bool = false, variadic: Bool = false,
                secret: Bool = false, help: String) {
        self.secret = secret
        self.name = name
        self.type = type
        self.help = help
        self.optional = optional
        self.variadic = variadic
    }

    public var synopsis: String {
        let base = name + (variadic ? "..." : "")
        return optional ? "[\(base)]" : base
    }
}

/// What a node's positional list holds: typed keys or plain specs.
public protocol PositionalDeclaring: Sendable {
    var positionalSpec: PositionalSpec { get }
}

extension PositionalSpec: PositionalDeclaring {
    public var positionalSpec: PositionalSpec { self }
}

extension Positional: PositionalDeclaring {
    public var positionalSpec: PositionalSpec { spec }
}

/// What a verb prints on standard output for a given invocation.
public enum OutputShape: Sendable, Equatable {
    /// Rows, or one record, with these fields: what `--fields` may pick from.
    case fields([String])
    /// Lines of text (a sentence, SQL): `--fields` does not apply.
    case text
    /// One document written in one of these formats, table meaning the
    /// first named one (`dump`: json or jsonl; `users takeout`: json, with
    /// jsonl streaming): whole records, so `--fields` does not apply, and
    /// another format is refused.
    case document([OutputFormat])
}

/// A verb's output, declared in the command table so that the runner checks
/// `--fields` and `--format` before the verb runs, and so before anything is
/// written (issue 10: refuse before changing). The renderers check again,
/// which catches a declaration that drifted from what a verb prints.
public typealias OutputDeclaration = @Sendable (ParsedArguments, OutputFormat) -> OutputShape

/// What an action returns beyond output: the exit status.
public typealias Action = @Sendable (CommandContext, ParsedArguments) throws -> ExitCode

/// How a verb may use the database; the runner and the context hold it to
/// that (a read verb cannot open the database for writing).
public enum ActionKind: Sendable {
    /// Reads only.
    case read
    /// A write action: the runner opens the database for writing, runs the
    /// change in one transaction, rolls it back under --dry-run and says so,
    /// and prints only the changed ids under -q.
    case write
    /// Manages its own transactions (purges in batches, `rotate-key --all`
    /// user by user, migrations, backups): the escape hatch, for verbs whose
    /// work cannot be one transaction.
    case custom
}

/// What a write action did: the ids it changed (all that -q prints) and
/// how to report it otherwise.
public struct WriteOutcome {
    public var ids: [Int64]
    public var report: (CommandContext) throws -> Void
    /// Replaces "dry run: nothing was changed" when the verb says it better.
    public var dryRunNotice: String?
    /// What the audit entry names as the change's target. nil (the usual
    /// case): the row of `ids` found in what the change wrote (see
    /// `AuditRepository.target(ofIDs:in:)`). A verb sets it only when that
    /// cannot work: the target is gone and should keep its name (a delete),
    /// nothing may be written (activating an active user, a repeated
    /// revocation), the row has no id (`.training`, named by its user and
    /// skill) or is known by the names of others (`.level`), or the ids
    /// include rows the change did not write (`skills add --if-missing`).
    public var target: AuditTarget?
    /// The table `ids` are rows of. SQLite's change counts carry the row ids
    /// that find it; PostgreSQL's do not, so there the target is the row of
    /// this table when the change wrote to it (`AuditRepository.target(ofIDs:in:table:)`).
    public var table: String?

    public init(ids: [Int64], of table: String? = nil, dryRunNotice: String? = nil, target: AuditTarget? = nil,
                report: @escaping (CommandContext) throws -> Void) {
        self.ids = ids
        self.table = table
        self.report = report
        self.dryRunNotice = dryRunNotice
        self.target = target
    }
}

/// A write action in two steps: `prepare` validates and does the slow work
/// (reading secrets, hashing passwords) before the write lock is taken;
/// `apply` changes the database inside the runner's transaction, which also
/// records the change's one audit entry (`AuditRecorder`): no verb writes
/// its own, and none can forget it.
public struct WriteAction: Sendable {
    let run: @Sendable (CommandContext, ParsedArguments) throws -> ExitCode

    /// The runner: open, prepare, then apply and audit in one transaction.
    private init<Plan>(open: @escaping @Sendable (CommandContext) throws -> any Database,
                       prepare: @escaping @Sendable (CommandContext, ParsedArguments, any Database) throws -> Plan,
                       apply: @escaping @Sendable (Plan, CommandContext, ParsedArguments, any Database) throws -> WriteOutcome) {
        run = { context, arguments in
            let audit = try AuditRecorder(context, arguments)
            let db = try open(context)
            let plan = try prepare(context, arguments, db)
            let outcome = try db.transaction(.immediate, commit: !context.globals.dryRun) {
                try audit.recording(db) { try apply(plan, context, arguments, db) }
            }
            if context.globals.quiet {
                for id in outcome.ids { context.stdout.write("\(id)\n") }
            } else {
                try outcome.report(context)
            }
            // Shown even with -q: the ids printed are of rows that were rolled back.
            if context.globals.dryRun { context.stderr.write("socializer: \(outcome.dryRunNotice ?? "dry run: nothing was changed")\n") }
            return .success
        }
    }

    /// A write action written against the engine seam, so it runs on SQLite
    /// and PostgreSQL alike (list its verb in `PostgresSupport.ported`).
    public static func onEitherEngine<Plan>(prepare: @escaping @Sendable (CommandContext, ParsedArguments, any Database) throws -> Plan,
                                            apply: @escaping @Sendable (Plan, CommandContext, ParsedArguments, any Database) throws -> WriteOutcome)
        -> WriteAction {
        WriteAction(open: { try $0.openEngine(.write) }, prepare: prepare, apply: { plan, context, arguments, db in
            try apply(plan, context, arguments, db)
        })
    }

    /// `onEitherEngine` for an `apply` that needs no arguments beyond its plan.
    public static func onEitherEngine<Plan>(prepare: @escaping @Sendable (CommandContext, ParsedArguments, any Database) throws -> Plan,
                                            apply: @escaping @Sendable (Plan, CommandContext, any Database) throws -> WriteOutcome)
        -> WriteAction {
        onEitherEngine(prepare: prepare, apply: { plan, context, _, db in try apply(plan, context, db) })
    }

    /// `onEitherEngine` with nothing to prepare outside the transaction.
    public static func onEitherEngine(_ apply: @escaping @Sendable (CommandContext, ParsedArguments, any Database) throws -> WriteOutcome)
        -> WriteAction {
        onEitherEngine(prepare: { _, arguments, _ in arguments }, apply: { arguments, context, db in try apply(context, arguments, db) })
    }
}

/// A command or verb: a node of the one command table. A node either has
/// children (a command with verbs) or an action (a verb, or a command like
/// `backup` that takes arguments directly), never both.
public struct CommandNode: Sendable {
    public var name: String
    public var summary: String
    public var discussion: String?
    public var positionals: [PositionalSpec]
    public var options: [OptionSpec]
    public var children: [CommandNode]
    public var action: Action?
    /// Changes the database: supports --dry-run, -q prints affected ids.
    public var mutating: Bool
    /// Options that may not be given together.
    public var exclusive: [[String]]
    /// Groups of which exactly one must be given (`--older-than | --before`).
    public var requireOneOf: [[String]]
    public var examples: [String]
    /// What the verb prints; required for mutating verbs (a test checks).
    public var output: OutputDeclaration?
    /// How the verb may use the database.
    public var kind: ActionKind
    /// Whether the verb opens the database at all; `help` and `completion`
    /// do not, and so run whatever the database options and variables say.
    public var usesDatabase = true

    public init(_ name: String, summary: String, discussion: String? = nil, positionals: [any PositionalDeclaring] = [],
                options: [any OptionDeclaring] = [], children: [CommandNode] = [], mutating: Bool = false,
                exclusive: [[String]] = [], requireOneOf: [[String]] = [], examples: [String] = [],
                output: OutputDeclaration? = nil, action: Action? = nil) {
        self.output = output
        self.name = name
        self.summary = summary
        self.discussion = discussion
        self.positionals = positionals.map(\.positionalSpec)
        self.options = options.map(\.optionSpec)
        self.children = children
        self.action = action
        self.mutating = mutating
        self.kind = mutating ? .custom : .read
        self.exclusive = exclusive
        self.requireOneOf = requireOneOf
        self.examples = examples
    }

    /// A write action (see `ActionKind.write`): mutating, with the runner's transaction.
    public init(_ name: String, summary: String, discussion: String? = nil, positionals: [any PositionalDeclaring] = [],
                options: [any OptionDeclaring] = [], exclusive: [[String]] = [], requireOneOf: [[String]] = [],
                examples: [String] = [], output: @escaping OutputDeclaration, write: WriteAction) {
        self.init(name, summary: summary, discussion: discussion, positionals: positionals, options: options,
                  mutating: true, exclusive: exclusive, requireOneOf: requireOneOf, examples: examples, output: output,
                  action: write.run)
        kind = .write
    }

    /// The escape hatch (see `ActionKind.custom`): mutating, managing its own transactions.
    public init(_ name: String, summary: String, discussion: String? = nil, positionals: [any PositionalDeclaring] = [],
                options: [any OptionDeclaring] = [], exclusive: [[String]] = [], requireOneOf: [[String]] = [],
                examples: [String] = [], output: @escaping OutputDeclaration, custom: @escaping Action) {
        self.init(name, summary: summary, discussion: discussion, positionals: positionals, options: options,
                  mutating: true, exclusive: exclusive, requireOneOf: requireOneOf, examples: examples, output: output,
                  action: custom)
    }

    public func child(_ name: String) -> CommandNode? { children.first { $0.name == name } }

    /// This node, marked as never opening the database (see `usesDatabase`).
    public func withoutDatabase() -> CommandNode {
        var node = self
        node.usesDatabase = false
        return node
    }

    /// Every leaf below this node with its path, depth first.
    public func leaves(path: [String] = []) -> [(path: [String], node: CommandNode)] {
        if children.isEmpty { return [(path, self)] }
        return children.flatMap { $0.leaves(path: path + [$0.name]) }
    }
}
