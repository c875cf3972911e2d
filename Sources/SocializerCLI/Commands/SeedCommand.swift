#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerSecurity
import SocializerStore

/// `socializer seed`: fixtures (SPEC §7), the built-in demo, or a synthetic
/// database, loaded in one transaction; a missing database is created and
/// migrated first, and `--fresh` builds a replacement beside the target.
enum SeedCommand {
    /// What `seed` reads: a fixture document or fixture lines (csv holds one table only).
    enum InputFormat: String, CaseIterable, Sendable {
        case json, jsonl
        var recordFormat: RecordFormat { self == .json ? .json : .jsonl }
    }

    static let files = Positional.variadic("FILE", optional: true,
        help: "Fixture files: .json documents or .jsonl lines (- for standard input, with --input-format).")
    static let demo = Option.flag("demo", help: "Load the demo fixture compiled into socializer (the repository's fixtures/demo.json).")
    static let generate = Option.string("generate", value: "SPEC",
        help: "Write synthetic data instead: users=N,rooms=N,messages=N,… (see GENERATE in socializer-seed(1)).")
    static let randomSeed = Option.integer("random-seed", 0...Int64.max, default: 1,
        help: "The seed of --generate: the same seed and SPEC give the same data.")
    static let fresh = Option.flag("fresh",
        help: "Build a new database beside --db and rename it into place only when complete, replacing the old file "
            + "(PostgreSQL: drop and migrate its tables anew in the load's transaction).")
    static let inputFormat = Option.choice("input-format", of: InputFormat.self,
        help: "The format of standard input or of a file whose name does not say (.json, .jsonl).")
    static let onConflict = Option.choice("on-conflict", default: ConflictPolicy.fail,
        help: "What to do with a record that already exists: fail (the whole load), skip it, or update the stored row.")
    static let maxErrors = Option.integer("max-errors", 1...100_000, default: 20, help: "Report at most N bad records.")

    static let columns = ["table", "created", "updated", "skipped"]

    static let node = CommandNode(
        "seed",
        summary: "Load fixtures, the demo fixture or synthetic data, in one transaction (creating the database if needed).",
        discussion: """
            Loads every record of the fixture files in one transaction: all or nothing, every bad \
            record reported with its file:line:column before anything is kept. Records name each \
            other by natural keys (usernames, skill names, a fixture-local key for rooms and room \
            messages). A missing database is created and migrated first, under a temporary name \
            placed only when seeded; --fresh builds a replacement the same way and renames it over \
            the old file, which stays untouched when anything fails (on PostgreSQL it drops and \
            migrates the tables anew in the load's transaction). Passwords are hashed on all \
            cores at --bcrypt-cost.
            """,
        positionals: [files],
        options: [demo, generate, randomSeed, fresh, inputFormat, onConflict, maxErrors, SecretOptions.bcryptCost,
                  SecretOptions.emailKeyFile, SecretOptions.insecureFileOK],
        exclusive: [[files.name, demo.name], [files.name, generate.name], [demo.name, generate.name]],
        requireOneOf: [[files.name, demo.name, generate.name]],
        examples: ["socializer seed --demo", "SOCIALIZER_BCRYPT_COST=4 socializer --db ci.db seed --fresh fixtures/ci.json",
                   "socializer --db load.db seed --fresh --generate users=1000,rooms=50,messages=100000 --random-seed 7",
                   "socializer dump --include-secrets --format jsonl | socializer --db copy.db seed - --input-format jsonl"],
        output: OutputCheck.fields(columns), custom: run)

    // MARK: Running

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let spec = try arguments[generate].map { try GenerationSpec.parse($0) }
        if spec == nil && arguments.values[randomSeed.name] != nil {
            throw SocializerError.usage("--random-seed goes with --generate")
        }
        // Options that would be ignored are refused, as --random-seed is without --generate.
        if spec != nil || arguments[demo], arguments.values[inputFormat.name] != nil {
            throw SocializerError.usage("--input-format goes with FILE arguments (\(spec != nil ? "--generate" : "--demo") reads no file)")
        }
        if spec != nil, arguments.values[onConflict.name] != nil {
            throw SocializerError.usage("--on-conflict does not go with --generate, which writes into a database of its own")
        }
        // The actor is resolved, and every input opened (missing, unreadable, unknown format), before the database is touched.
        let audit = try AuditRecorder(context, arguments)
        let readers = try openSources(context, arguments)
        let cost = try SecretOptions.bcryptCost(context, arguments)
        if case .postgres = context.globals.database {
            return try seedPostgres(readers, audit: audit, cost: cost, generating: spec, context, arguments)
        }
        let path = context.globals.databasePath
        let dryRun = context.globals.dryRun
        try FileChecks.requireWritable(databaseAt: path)
        if !dryRun { PartialFile.removeStale(besides: path) }
        let exists = access(path, F_OK) == 0
        // `empty`: a database just built, whose indexes can all wait for the rows; in
        // another, those of its empty tables (`DeferredIndexes`).
        let fill: (Connection, Bool) throws -> [FixtureLoader.TableCount] = { db, empty in
            try Interruptible.run {
                try db.transaction(.immediate, commit: !dryRun) {
                    var counts: [FixtureLoader.TableCount] = []
                    // One audit entry, with the rows the engine saw written, in the load's
                    // transaction (as for every write action): a --fresh database holds its own seeding.
                    _ = try audit.recording(db) {
                        let deferred = try DeferredIndexes.drop(db, onlyEmptyTables: !empty)
                        if let spec {
                            counts = try FixtureGenerator(db, spec: spec, seed: UInt64(arguments[randomSeed]), cost: cost,
                                                          now: context.clock.now()).run()
                        } else {
                            counts = try load(readers, into: db, cost: cost, context, arguments)
                        }
                        try deferred.rebuild(db)
                        return WriteOutcome(ids: []) { _ in }
                    }
                    return counts
                }
            }
        }
        let counts: [FixtureLoader.TableCount]
        let made: String
        if arguments[fresh] || !exists {
            // A symbolic link stays; the file it points at is replaced.
            let target = exists ? try resolvedTarget(path) : path
            if exists {
                try requireReplaceable(target)
                try requireNotInUse(target, context)
            }
            let placement: NewDatabase.Placement? = dryRun ? nil : exists ? .replace : .link
            guard let result = try NewDatabase.build(context, placement: placement, bulk: true, destination: target,
                                                     { db, _ in try fill(db, true) }) else {
                throw SocializerError(.cannotCreate, "another process created '\(path)' while this one seeded it; nothing was changed",
                                      hint: "run the same command again to seed that database, or add --fresh to replace it")
            }
            counts = result
            made = exists ? "rebuilt" : "created"
        } else {
            let db = try context.openDatabase(.write)
            if spec != nil { try requireEmpty(db, context) }
            counts = try fill(db, false)
            made = "seeded"
        }
        try report(counts, context, what: made, from: spec != nil ? "generated data" : readers.map(\.name).joined(separator: ", "))
        return .success
    }

    /// Generated data goes into a database of its own: every table empty
    /// (65 otherwise, nothing changed).
    static func requireEmpty(_ db: any Database, _ context: CommandContext) throws {
        guard let table = try FixtureGroup.allCases.first(where: { try db.hasRows($0.table) }) else { return }
        throw SocializerError.invalid(
            "'\(Echo.cut(context.globals.databasePath))' already holds data (\(table.table) has rows); "
                + "generated data goes into a database of its own",
            hint: "add --fresh to replace it, or give another --db")
    }

    /// The readers of the FILE arguments, or of the built-in demo.
    static func openSources(_ context: CommandContext, _ arguments: ParsedArguments) throws -> [FixtureReader] {
        if arguments[demo] {
            var text = DemoFixture.json
            if case .postgres = context.globals.database { text = DemoFixture.postgresJSON }
            return [FixtureReader(reader: ByteReader(bytes: Array(text.utf8)), name: DemoFixture.name, format: .json,
                                  single: nil, limitMessage: { _ in .internalError("the demo fixture is over its limit") })]
        }
        let paths = arguments[files]
        if paths.filter({ $0 == "-" }).count > 1 {
            throw SocializerError.usage("standard input (-) can be read once; name it once")
        }
        // The same file twice would load every record twice (each then "appears twice").
        var seen: Set<String> = []
        for path in paths where path != "-" {
            guard seen.insert(try resolvedTarget(path)).inserted else {
                throw SocializerError.usage("'\(Echo.cut(path))' is given twice; name each fixture file once")
            }
        }
        return try paths.map { path in
            try FixtureIO.reader(path, single: nil, what: "fixture", context) { try inputFormat(of: $0, arguments) }
        }
    }

    static func inputFormat(of path: String, _ arguments: ParsedArguments) throws -> RecordFormat {
        if let given = arguments[inputFormat] { return given.recordFormat }
        if path == "-" {
            throw SocializerError.usage("standard input has no name to tell its format by", hint: "pass --input-format json|jsonl")
        }
        switch RecordFormat.of(path: path) {
        case .json?: return .json
        case .jsonl?: return .jsonl
        case .csv?:
            throw SocializerError.usage("'\(Echo.cut(path))' is csv, which holds one table; a fixture holds several",
                                        hint: "write the fixture as .json or .jsonl (socializer dump writes both)")
        case nil:
            throw SocializerError.usage("cannot tell the format of '\(Echo.cut(path))' from its name",
                                        hint: "name it .json or .jsonl, or pass --input-format json|jsonl")
        }
    }

    /// The file `path` names, through any symbolic links.
    static func resolvedTarget(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `--fresh` puts a new file in place of the old one: a connection that
    /// is writing to the old file would go on writing to a file no one will
    /// open again, so a database with a transaction open is refused (75)
    /// after waiting `--busy-timeout` for it. An idle connection takes no
    /// lock and cannot be seen: the man page says to stop the app first.
    static func requireNotInUse(_ path: String, _ context: CommandContext) throws {
        do {
            let db = try Connection(path: path, mode: .existing, busyTimeoutMilliseconds: context.globals.busyTimeoutMilliseconds)
            try db.execute("BEGIN IMMEDIATE")
            try db.execute("ROLLBACK")
        } catch let error as DatabaseError where error.isBusy {
            throw SocializerError(.temporarilyUnavailable,
                "'\(Echo.cut(path))' is in use: another connection holds a transaction on it, and --fresh would replace the file under it; "
                    + "nothing was changed",
                hint: "stop the app (or whatever writes to it) and run the same command again")
        }
    }

    /// `--fresh` replaces a database, never another kind of file.
    static func requireReplaceable(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SocializerError(.cannotCreate, "'\(Echo.cut(path))' is a directory; --fresh replaces a database file")
        }
        guard info.st_size > 0 else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SocializerError(.permissionDenied, "cannot read '\(Echo.cut(path))' to check it is a database: permission denied")
        }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
        guard n == 16, header == Array("SQLite format 3\u{0}".utf8) else {
            throw SocializerError.invalid("'\(Echo.cut(path))' is not a SQLite database; refusing to replace it",
                                          hint: "check --db; remove the file yourself if it is really to go")
        }
    }

    /// Loads the readers' records of `groups` (every group for seed, a
    /// command's own for its import) with the load options of the line.
    static func load(_ readers: [FixtureReader], into db: any Database, cost: Int, groups: [FixtureGroup] = FixtureGroup.allCases,
                     _ context: CommandContext, _ arguments: ParsedArguments) throws -> [FixtureLoader.TableCount] {
        let now = context.clock.now()
        let users = UserLoader.Settings(
            onConflict: arguments[onConflict], cost: cost, now: now, today: UsersCommand.today(context), checkLegacy: true,
            lookup: groups.contains(.users) ? try UsersCommand.emailLookup(context, arguments) : EmailLookup(hasher: nil),
            emailScheme: { try SecretOptions.emailScheme(context, arguments) })
        var options = FixtureLoader.Options(onConflict: arguments[onConflict], now: now, users: users, groups: Set(groups))
        options.raiseHint = "raise --max-errors"
        let loader = try FixtureLoader(db, options: options, maxErrors: Int(arguments[maxErrors]))
        for reader in readers {
            context.verbose("loading \(reader.name)")
            try loader.load(reader)
        }
        return try loader.finish()
    }

    /// Rows created, updated and skipped per table.
    static func render(_ counts: [FixtureLoader.TableCount], _ context: CommandContext) throws {
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        for count in counts {
            try renderer.row([.text(count.group.table), .integer(Int64(count.created)), .integer(Int64(count.updated)),
                              .integer(Int64(count.skipped))])
        }
        renderer.finish()
    }

    static func report(_ counts: [FixtureLoader.TableCount], _ context: CommandContext, what: String, from source: String) throws {
        let dryRun = context.globals.dryRun
        if !context.globals.quiet { try render(counts, context) }
        let path = context.globals.databasePath
        if dryRun {
            context.stderr.write("socializer: dry run: nothing was changed ('\(Echo.cut(path))' would be \(what) from \(Echo.cut(source)))\n")
        } else {
            context.notice("\(what) '\(path)' from \(source)")
        }
    }
}
