import SocializerCore
import SocializerSecurity
import SocializerStore

/// Per-table `import FILE` and `export` verbs (SPEC §7, last paragraph) as
/// thin wrappers over the fixture record engine, restricted to some table
/// groups: the same field names as fixtures, json, jsonl or csv by extension
/// or format option. A command adds them to its children:
///
///     FixtureTransfer.importNode([.skills, .userSkills], noun: "skills and levels")
///     FixtureTransfer.exportNode([.skills, .userSkills], noun: "skills and levels")
///
/// One group reads and writes that group's records alone (a json array,
/// jsonl of records, csv with the field names as header); several groups a
/// fixture document or fixture lines (csv holds one table and is refused).
/// Loads are all or nothing, every bad record listed, `--on-conflict`;
/// exports stream and leave secrets out unless `--include-secrets`.
enum FixtureTransfer {
    static let file = Positional.string("FILE", .path,
        help: "The file (- for standard input); its format comes from --input-format or its extension.")
    static let inputFormat = Option.choice("input-format", of: RecordFormat.self,
        help: "The file's format, when its name does not say (.json, .jsonl, .csv).")
    static let onConflict = SeedCommand.onConflict
    static let maxErrors = SeedCommand.maxErrors
    static let includeSecrets = Option.flag("include-secrets",
        help: "Add the secrets (password hashes, encryption keys, memory, room passwords); redirect to a private file.")

    static let columns = SeedCommand.columns

    /// Whether the groups hold a secret column (only then does export offer `--include-secrets`).
    static func hasSecrets(_ groups: [FixtureGroup]) -> Bool {
        groups.contains { $0 == .users || $0.schema.fields.contains(where: \.secret) }
    }

    static func importNode(_ groups: [FixtureGroup], noun: String, examples: [String] = []) -> CommandNode {
        let names = groups.map(\.rawValue).joined(separator: ", ")
        var options: [any OptionDeclaring] = [inputFormat, onConflict, maxErrors]
        if groups.contains(.users) {
            options += [SecretOptions.bcryptCost, SecretOptions.emailKeyFile, SecretOptions.insecureFileOK]
        }
        return CommandNode(
            "import", summary: "Load \(noun) from a json, jsonl\(groups.count == 1 ? " or csv" : "") file, all or nothing.",
            discussion: """
                Records have the fixture fields of \(names) (see socializer-seed(1)) and name each \
                other by natural keys. Every bad record is reported with its location before \
                anything is written; one transaction.
                """,
            positionals: [file], options: options, examples: examples,
            output: OutputCheck.fields(columns),
            write: WriteAction.onEitherEngine(prepare: { context, arguments, _ in (try prepare(groups, context, arguments), arguments) },
                                              apply: { plan, context, db in try apply(plan.0, plan.1, groups, context, db) }))
    }

    static func exportNode(_ groups: [FixtureGroup], noun: String, examples: [String] = []) -> CommandNode {
        let formats: [OutputFormat] = groups.count == 1 ? [.json, .jsonl, .csv] : [.json, .jsonl]
        return CommandNode(
            "export", summary: "Write \(noun) as json (default), jsonl\(groups.count == 1 ? " or csv" : "") records that import reads back.",
            discussion: hasSecrets(groups) ? "Secrets are left out unless --include-secrets; with it, redirect to a private file (umask 077)."
                : nil,
            options: hasSecrets(groups) ? [includeSecrets] : [], examples: examples,
            output: OutputCheck.document(formats),
            action: { context, arguments in try export(groups, context, arguments) })
    }

    // MARK: Import

    static func prepare(_ groups: [FixtureGroup], _ context: CommandContext, _ arguments: ParsedArguments) throws -> FixtureReader {
        let single = groups.count == 1 ? groups[0] : nil
        return try FixtureIO.reader(arguments[file], single: single, what: "import file", context) { path in
            let format = try RecordFile.format(path: path, explicit: arguments[inputFormat])
            try requireOneTable(format, single, path)
            return format
        }
    }

    static func requireOneTable(_ format: RecordFormat, _ single: FixtureGroup?, _ path: String) throws {
        guard format == .csv && single == nil else { return }
        throw SocializerError.usage("'\(Echo.cut(path))' is csv, which holds one table; this import takes several",
                                    hint: "give a json fixture document or jsonl fixture lines")
    }

    static func apply(_ reader: FixtureReader, _ arguments: ParsedArguments, _ groups: [FixtureGroup], _ context: CommandContext,
                      _ db: any Database) throws -> WriteOutcome {
        let cost = groups.contains(.users) ? try SecretOptions.bcryptCost(context, arguments) : Bcrypt.defaultCost
        let counts = try Interruptible.run { try SeedCommand.load([reader], into: db, cost: cost, groups: groups, context, arguments) }
        return WriteOutcome(ids: []) { try SeedCommand.render(counts, $0) }
    }

    // MARK: Export

    static func export(_ groups: [FixtureGroup], _ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let single = groups.count == 1
        let form: FixtureDumper.Form
        switch context.globals.format {
        case .jsonl: form = single ? .records : .lines
        case .csv: form = .csv
        default: form = single ? .array : .document
        }
        let secrets = hasSecrets(groups) && arguments[includeSecrets]
        try FixtureIO.write(FixtureDumper(db, groups: groups, includeSecrets: secrets, form: form), db, context)
        // Rooms import without a password when none is given: say what an import of this export would open.
        if groups.contains(.chatRooms) && !secrets, case let locked = try RoomRepository(db).countWithPassword(), locked > 0 {
            context.notice("\(locked) room(s) have a password, left out; an import of this export makes them open to anyone "
                           + "(add --include-secrets to keep the passwords)")
        }
        return .success
    }
}
