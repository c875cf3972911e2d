#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerSecurity
import SocializerStore

/// `users import FILE` and `users export`, with the fixture field names of SPEC §7.
enum UsersTransfer {
    /// The users record schema lives in the Store (`UserRecord.schema`),
    /// shared with fixtures: import accepts every field there, export
    /// writes the `both` fields, and the `secret` ones under
    /// --include-secrets. A test checks that what export writes, import
    /// reads back unchanged.
    static let fields = UserRecord.fields
    static let exportFields = UserRecord.exported(secrets: false).map(\.name)
    static let secretFields = UserRecord.schema.filter { $0.use == .secret }.map(\.name)

    static let importNode = CommandNode(
        "import", summary: "Load users from a json, jsonl or csv file, all or nothing.",
        discussion: """
            Each record has the fixture fields: username (required); password (hashed here, on \
            all cores) or password_hash; email (stored as $SOCIALIZER_EMAIL_SCHEME says) or \
            hashed_email as stored, or neither for a user without an address; memory (the app's \
            memory document, as an object or JSON text, encrypted with the user's key) or \
            conversation_memory with the encryption_key it decrypts with; messages (a count or the \
            app's list of recent messages); and role, is_active, temperature, preferences, \
            member_since, hashed_name, llm_provider, llm_endpoint, llm_model. Every bad record is \
            reported with its location before anything is written; new emails are checked against \
            every stored form, the app's old salted bcrypt hashes included (one bcrypt per record \
            and hash, on all cores, with progress on a terminal).
            """,
        positionals: [file],
        options: [inputFormat, onConflict, maxErrors, skipLegacyEmailCheck, SecretOptions.emailKeyFile, SecretOptions.insecureFileOK,
                  SecretOptions.bcryptCost],
        examples: ["SOCIALIZER_BCRYPT_COST=4 socializer users import fixtures/users.jsonl",
                   "socializer users import people.csv --on-conflict skip",
                   "generate-users | socializer users import - --input-format jsonl"],
        output: OutputCheck.fields(importColumns), write: .onEitherEngine(prepare: prepareImport, apply: applyImport))

    static let file = Positional.string("FILE", .path,
        help: "The file (- for standard input); its format comes from --input-format or its extension.")
    static let inputFormat = Option.choice("input-format", of: RecordFile.Format.self,
        help: "The file's format, when its name does not say (.json, .jsonl, .csv).")
    static let onConflict = Option.choice("on-conflict", default: ConflictPolicy.fail, help: "What to do with a username that already exists.")
    static let maxErrors = Option.integer("max-errors", 1...100_000, default: 20, help: "Report at most N bad records.")
    static let skipLegacyEmailCheck = Option.flag("skip-legacy-email-check",
        help: "Do not compare new emails with the app's old salted bcrypt email hashes (fast; a duplicate address may then slip in).")
    static let includeSecrets = Option.flag("include-secrets", help: "Add password_hash, encryption_key and conversation_memory.")

    static let importColumns = ["file", "created", "updated", "skipped"]

    static let exportNode = CommandNode(
        "export", summary: "Write every user as json (default), jsonl or csv records that import reads back.",
        discussion: """
            Password hashes, encryption keys and memory are left out unless --include-secrets; \
            with it, redirect to a private file (umask 077).
            """,
        options: [includeSecrets],
        examples: ["socializer users export --format csv > users.csv",
                   "(umask 077; socializer users export --include-secrets > users.json)"],
        output: { arguments, _ in .fields(exportFields + (arguments[includeSecrets] ? secretFields : [])) },
        action: runExport)

    // MARK: Import

    /// What the load needs, settled before the write lock is taken: the
    /// file is open (a missing file or a directory is refused here), the
    /// options and secrets are read.
    struct ImportPlan {
        var name: String
        var stream: RecordStream
        var maxErrors: Int
        var settings: UserLoader.Settings
        var showProgress: Bool
    }

    static func prepareImport(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> ImportPlan {
        let path = arguments[file]
        // A missing file or a folder is said as such before its name is asked for a format.
        if path != "-" { close(try FileReader.openForStreaming(path, what: "import file", limit: RecordFile.maximumFileBytes)) }
        let format = try RecordFile.format(path: path, explicit: arguments[inputFormat])
        let stream = try RecordStream.open(path, format: format, context)
        let now = context.clock.now()
        var settings = UserLoader.Settings(
            onConflict: arguments[onConflict], cost: try SecretOptions.bcryptCost(context, arguments), now: now,
            today: UsersCommand.today(context), checkLegacy: !arguments[skipLegacyEmailCheck],
            lookup: try UsersCommand.emailLookup(context, arguments),
            emailScheme: { try SecretOptions.emailScheme(context, arguments) })
        settings.sourceName = stream.name
        let showProgress = context.terminal.stderrIsTerminal && !context.globals.quiet
        if showProgress {
            settings.legacyProgress = { done, total, hashes in
                context.stderr.write("\rchecking emails against \(hashes) old bcrypt email hash(es): \(done)/\(total)")
                context.stderr.flush()
            }
        }
        var plan = ImportPlan(name: stream.name, stream: stream, maxErrors: Int(arguments[maxErrors]), settings: settings,
                              showProgress: showProgress)
        // The slow work is bcrypt: hashing given passwords and comparing new
        // emails with the app's old bcrypt email hashes. For a file that
        // needs either, a first streaming pass checks every record and
        // hashes the passwords before the write lock is taken (the hashes
        // wait in a TEMP table); the writing pass reads the file again and
        // only writes. Standard input can be read once only: it is checked
        // and hashed in the writing pass, under the lock.
        if path != "-" {
            var slow = try hasPasswords(plan.stream)
            if !slow && settings.checkLegacy { slow = !(try UserRepository(db).legacyEmailHashes()).isEmpty }
            plan.stream = try RecordStream.open(path, format: format, context)
            if slow {
                _ = try runImport(plan, context, db, writing: false)
                plan.settings.checkLegacy = false
                plan.settings.hashed = true
                plan.stream = try RecordStream.open(path, format: format, context)
            }
        }
        return plan
    }

    /// Whether the first chunk of records gives a password to hash (the
    /// stream is read again from the start afterwards).
    static func hasPasswords(_ stream: RecordStream) throws -> Bool {
        var seen = 0
        while seen < UserLoader.chunkSize, let item = try stream.next() {
            guard case .record(let record) = item else { continue }
            seen += 1
            if record.fields.contains(where: { $0.0 == "password" && $0.1 != .null }) { return true }
        }
        return false
    }

    static func applyImport(_ plan: ImportPlan, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let run = try runImport(plan, context, db, writing: true)
        let counts: [Cell] = [.text(plan.name), .integer(Int64(run.created)), .integer(Int64(run.updated)), .integer(Int64(run.skipped))]
        return WriteOutcome(ids: run.ids, of: "users") { context in try context.recordRenderer().render(Array(zip(importColumns, counts))) }
    }

    /// One streaming pass over the file: without `writing`, checks every
    /// record and hashes the passwords into the ledger, writing nothing;
    /// with it, writes. Throws the report of every problem.
    static func runImport(_ plan: ImportPlan, _ context: CommandContext, _ db: any Database, writing: Bool) throws -> UserLoader {
        let problems = ProblemList(limit: plan.maxErrors)
        let loader = try UserLoader(db, settings: plan.settings, writing: writing, problems: problems)
        while let item = try plan.stream.next() {
            switch item {
            case .problem(let message): problems.add(message)
            case .record(let record): try loader.add(record)
            }
        }
        try loader.flush()
        if plan.showProgress && loader.legacyChecked > 0 { context.stderr.write("\n") }
        guard problems.isEmpty else {
            throw SocializerError.invalid("\(problems.count) problem(s) in '\(plan.name)'; nothing was imported",
                                          details: problems.details(raiseHint: "raise --max-errors"))
        }
        return loader
    }

    // MARK: Export

    static func runExport(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let secrets = arguments[includeSecrets]
        let db = try context.openEngine(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = context.rowRenderer(options: options)
        let fields = UserRecord.exported(secrets: secrets)
        try renderer.begin(columns: fields.map(\.name))
        var cells: [Cell] = []
        cells.reserveCapacity(fields.count)
        try UserRepository(db).list(UserQuery()) { user in
            cells.removeAll(keepingCapacity: true)
            for field in fields { cells.append(Cell(field.value!(user))) }
            try renderer.row(cells)
        }
        renderer.finish()
        return .success
    }
}
