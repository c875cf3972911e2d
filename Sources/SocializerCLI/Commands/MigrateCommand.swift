#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// `socializer migrate …`: the schema's history, forward and back.
enum MigrateCommand {
    static let versionRange: ClosedRange<Int64> = 0...Int64(Migrations.latestVersion)
    static let upTo = Option.integer("to", 1...Int64(Migrations.latestVersion), help: "Stop at this version.")
    static let noBackup = Option.flag("no-backup", help: "Do not back up an existing database first.")
    static let force = Option.flag("force",
        help: "Add Socializer's tables to a database that holds other tables and no migration history.")
    static let downTo = Option.integer("to", versionRange, help: "Roll back to this version (0: no schema).")
    static let schemaFormat = Option.choice("format", default: LiveSchema.Rendering.sql,
        help: "sql (DDL), dbml (dbdiagram.io), mermaid (erDiagram) or dot (Graphviz).")

    static let node = CommandNode(
        "migrate",
        summary: "Create, upgrade, inspect and adopt the database schema.",
        discussion: """
            Migrations are compiled into the binary and recorded in the schema_migrations table. \
            Each runs in one transaction: a failure leaves the database as it was and names the \
            statement that failed. A database the app created (no schema_migrations) is adopted \
            with 'migrate baseline'.
            """,
        children: [
            CommandNode(
                "up", summary: "Apply pending migrations, creating the database if it does not exist.",
                discussion: """
                    Before changing an existing database, takes an online backup to \
                    PATH.bak-vN-TIMESTAMP (N: the version before; -2, -3, … when that name is \
                    taken), unless --no-backup. A database this command creates is built under a \
                    temporary name, put in WAL mode and linked into place once migrated; an \
                    existing one keeps its journal mode. Concurrent runs are safe: each migration \
                    re-reads the version inside its write lock.
                    """,
                options: [upTo, noBackup, force],
                examples: ["socializer migrate up", "socializer --db /srv/app.db migrate up --dry-run"],
                output: reportOutput, custom: up),
            CommandNode(
                "down", summary: "Roll migrations back (default: the last one).",
                discussion: """
                    Rolling back 0001 drops every table of the schema and needs --yes; so does rolling \
                    back 0005 while the audit trail holds entries, since it drops the trail.
                    """,
                options: [downTo],
                examples: ["socializer migrate down --to 2"],
                output: reportOutput, custom: down),
            CommandNode(
                "status", summary: "List applied and pending migrations with checksums and times.",
                output: OutputCheck.fields(statusColumns), action: status),
            CommandNode(
                "plan", summary: "Print the SQL that 'migrate up' would run, without running it.",
                discussion: "Never creates the database file.",
                options: [upTo], output: OutputCheck.text, action: plan),
            CommandNode(
                "validate", summary: "Check that applied migrations match the compiled ones (exit 65 if not).",
                output: OutputCheck.sentenceOrRecord(validateColumns), action: validate),
            CommandNode(
                "baseline", summary: "Adopt a database the app created: check its tables, record 0001.",
                discussion: """
                    Checks that every table and column of 0001_initial is present with its type and \
                    nullability, reports every difference, and records 0001 as applied. Tables it does \
                    not know (alembic_version, life_events, …) are left alone.
                    """,
                examples: ["socializer migrate baseline && socializer migrate up"],
                output: OutputCheck.sentenceOrRecord(baselineColumns), custom: baseline),
            CommandNode(
                "schema", summary: "Print the live database's schema as SQL, DBML, Mermaid or Graphviz dot.",
                options: [schemaFormat],
                examples: ["socializer migrate schema --format dot | dot -Tsvg > schema.svg"],
                output: OutputCheck.text, action: schema),
        ])

    /// What up and down report: SQL text for a dry run in table format,
    /// else one row per migration (with its SQL in a dry run).
    static func reportColumns(dryRun: Bool) -> [String] {
        ["version", "name", "direction", "result", "duration_ms"] + (dryRun ? ["sql"] : [])
    }
    static let reportOutput: OutputDeclaration = { arguments, format in
        let dryRun = arguments.values["dry-run"] != nil
        return dryRun && format == .table ? .text : .fields(reportColumns(dryRun: dryRun))
    }
    static let baselineColumns = ["version", "name", "left_alone"]
    static let statusColumns = ["version", "name", "state", "checksum", "applied_at", "duration_ms"]
    static let validateColumns = ["ok", "applied"]

    // MARK: Actions

    static func up(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let target = arguments[upTo].map(Int.init)
        let path = context.globals.databasePath
        if case .postgres = context.globals.database {
            // The database exists on the server (CREATE DATABASE is the server's administrators' job); its tables are ours.
            return try apply(context, arguments, try context.openEngine(.create, migrated: false), to: target)
        }
        if !context.globals.dryRun {
            // Temporary databases and backups of runs killed earlier.
            PartialFile.removeStale(besides: path)
        }
        if access(path, F_OK) != 0 && errno == ENOENT {
            try FileChecks.requireWritable(databaseAt: path)
            if let runs = try createNew(context, to: target) {
                try report(runs, context)
                return .success
            }
            context.verbose("another process created '\(path)' meanwhile; migrating that one")
        }
        return try apply(context, arguments, try context.openConnection(.write), to: target)
    }

    /// `up` on an open database of either engine. On PostgreSQL no backup
    /// is taken (there is no file to copy; `pg_dump` is the server's way,
    /// and each migration is one transaction that commits whole or not at all).
    static func apply(_ context: CommandContext, _ arguments: ParsedArguments, _ connection: any Database,
                      to target: Int?) throws -> ExitCode {
        let path = context.globals.database.description
        let sqlite = connection as? Connection
        let migrator = Migrator(connection: connection, clock: context.clock)
        let state = try migrator.state()
        let pending = try migrator.pending(to: target)
        try migrator.requireUnmodified() // BAD-INPUT 41: before the backup, and even with nothing pending
        if pending.isEmpty {
            let current = if case .migrated(let version) = state { version } else { 0 }
            if let target, target < current {
                throw SocializerError.usage("the database is at version \(current); to go back use: socializer migrate down --to \(target)")
            }
            context.notice("the database is at version \(current); nothing to apply")
            return .success
        }
        let blank = try state == .empty && (sqlite?.hasNoSchema ?? connection.tableNames().isEmpty)
        // A ledger left empty by `migrate down --to 0` is not another program's table.
        if state == .empty && !blank && !arguments[force], case let tables = try migrator.foreignTables(), !tables.isEmpty {
            throw SocializerError.configuration(
                "'\(Echo.cut(path))' holds other tables (\(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : "")) "
                    + "and no Socializer schema; refusing to add the schema to it",
                hint: "check that --db names the Socializer database; to add its tables beside these anyway, use --force")
        }
        if let sqlite, !blank && !context.globals.dryRun && !arguments[noBackup] {
            let current = if case .migrated(let version) = state { version } else { 0 }
            let name = backupPath(for: path, version: current, now: context.clock.now())
            let written = try sqlite.backup(to: name, nextFreeName: true)
            context.notice("backup written to \(written)")
        } else if sqlite == nil && !blank && !context.globals.dryRun && !arguments[noBackup] {
            context.notice("no backup taken on PostgreSQL (take one with pg_dump first if you want one); each migration commits whole or not at all")
        }
        if let sqlite, !context.globals.dryRun {
            try sqlite.requireIntact()
            // An empty file (a first run killed before it placed the new
            // database, or `touch`): nothing relies on its journal mode, so it
            // gets WAL like a database this command creates.
            if blank { try sqlite.enableWAL() }
        }
        let runs = try migrator.up(to: target, dryRun: context.globals.dryRun)
        if runs.isEmpty {
            let current = try migrator.state()
            let version = if case .migrated(let version) = current { version } else { 0 }
            context.notice("the database is already up to date at version \(version): another process applied the migrations meanwhile")
            return .success
        }
        try report(runs, context)
        return .success
    }

    /// Builds a new database beside PATH and links it into place
    /// (`NewDatabase`); nil when another process placed one first. A dry
    /// run rolls every migration back and places nothing.
    static func createNew(_ context: CommandContext, to target: Int?) throws -> [MigrationRun]? {
        let dryRun = context.globals.dryRun
        return try NewDatabase.build(context, placement: dryRun ? nil : .link, dryRunMigrations: dryRun, to: target) { _, runs in runs }
    }

    static func down(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let connection = try context.openEngine(.write, migrated: false)
        let migrator = Migrator(connection: connection, clock: context.clock)
        let current = try migrator.requireUsable()
        let target = arguments[downTo].map(Int.init) ?? current - 1
        if target >= current {
            context.notice("the database is at version \(current); nothing to roll back")
            return .success
        }
        if target == 0 {
            try context.confirm("roll back 0001_initial, dropping every table and row of the schema")
        } else if target < AuditRepository.sinceVersion && current >= AuditRepository.sinceVersion,
                  let entries = try? AuditRepository(connection).count(), entries > 0 {
            // The trail is the record of who changed what: dropping it is asked for, not assumed.
            try context.confirm("roll back \(Migrations.migration(AuditRepository.sinceVersion)?.identifier ?? "0005"), "
                                + "dropping the audit trail and its \(entries) entr\(entries == 1 ? "y" : "ies")")
        }
        let runs = try migrator.down(to: target, dryRun: context.globals.dryRun)
        try report(runs, context)
        return .success
    }

    static func status(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let connection = try context.openEngine(.read, migrated: false)
        let engine = connection.dialect.engine
        let migrator = Migrator(connection: connection, clock: context.clock)
        let state = try migrator.state()
        let applied = try migrator.appliedMigrations()
        let renderer = context.rowRenderer()
        try renderer.begin(columns: statusColumns)
        var known = Set<Int>()
        for migration in Migrations.all {
            known.insert(migration.version)
            if let record = applied.first(where: { $0.version == migration.version }) {
                try renderer.row([.integer(Int64(migration.version)), .text(migration.name),
                              .text(record.checksum == migration.checksum(engine) ? "applied" : "modified"),
                              .text(record.checksum), .optional(Timestamp.parse(record.appliedAt)),
                              .optional(record.durationMilliseconds)])
            } else {
                try renderer.row([.integer(Int64(migration.version)), .text(migration.name), .text("pending"),
                              .text(migration.checksum(engine)), .null, .null])
            }
        }
        for record in applied where !known.contains(record.version) {
            try renderer.row([.integer(Int64(record.version)), .text(record.name), .text("unknown"),
                          .text(record.checksum), .optional(Timestamp.parse(record.appliedAt)),
                          .optional(record.durationMilliseconds)])
        }
        renderer.finish()
        switch state {
        case .legacy:
            context.notice("the app created this database and it has no migration history; adopt it with: socializer migrate baseline")
        case .newer(let version):
            context.notice("the database is at version \(version), newer than this socializer knows")
        default: break
        }
        return .success
    }

    static func plan(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let target = arguments[upTo].map(Int.init)
        let pending: [Migration]
        let engine = context.globals.database.engine
        if engine == .sqlite && access(context.globals.databasePath, F_OK) != 0 {
            pending = Migrations.all.filter { $0.version <= target ?? Migrations.latestVersion }
        } else {
            let connection = try context.openEngine(.read, migrated: false)
            pending = try Migrator(connection: connection, clock: context.clock).pending(to: target)
        }
        let begin = engine == .postgres ? "BEGIN" : "BEGIN IMMEDIATE"
        if pending.isEmpty {
            context.notice("nothing to apply")
            return .success
        }
        if context.globals.format == .table {
            for migration in pending {
                context.stdout.write("-- \(migration.identifier)\n\(begin);\n\(migration.upSQL(engine))COMMIT;\n\n")
            }
            return .success
        }
        let renderer = context.rowRenderer()
        try renderer.begin(columns: ["version", "name", "checksum", "sql"])
        for migration in pending {
            try renderer.row([.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum(engine)),
                          .text(migration.upSQL(engine))])
        }
        renderer.finish()
        return .success
    }

    static func validate(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let connection = try context.openEngine(.read, migrated: false)
        let migrator = Migrator(connection: connection, clock: context.clock)
        if case .newer(let version) = try migrator.state() {
            throw Migrator.newerError(version)
        }
        let applied = try migrator.appliedMigrations()
        let problems = try migrator.validationProblems()
        guard problems.isEmpty else {
            throw SocializerError.invalid("\(problems.count) applied migration(s) differ from the ones compiled into this socializer",
                                          hint: "the database was migrated by a different build; compare with: socializer migrate status",
                                          details: problems)
        }
        if context.globals.format != .table {
            try context.recordRenderer().render([("ok", .bool(true)), ("applied", .integer(Int64(applied.count)))])
        } else if !context.globals.quiet {
            context.stdout.write("ok: \(applied.count) applied migration(s) match\n")
        }
        return .success
    }

    static func baseline(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let connection = try context.openEngine(.write, migrated: false)
        let others = try Migrator(connection: connection, clock: context.clock).baseline(dryRun: context.globals.dryRun)
        if context.globals.quiet {
            context.stdout.write("1\n")
            return .success
        }
        if context.globals.format != .table {
            let migration = Migrations.all[0]
            try context.recordRenderer().render(Array(zip(baselineColumns, [
                .integer(Int64(migration.version)), .text(migration.name), .json(.array(others.map(JSONValue.string)))])))
            return .success
        }
        let verb = context.globals.dryRun ? "would record" : "recorded"
        context.stdout.write("\(verb) \(Migrations.all[0].identifier) as applied\n")
        if !others.isEmpty { context.stdout.write("left alone: \(others.joined(separator: ", "))\n") }
        if !context.globals.dryRun { context.stdout.write("next: socializer migrate up\n") }
        return .success
    }

    static func schema(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let connection = try context.openEngine(.read, migrated: false)
        let rendering = arguments[schemaFormat]
        context.stdout.write(try LiveSchema.read(from: connection)
            .render(rendering, generatedBy: "socializer migrate schema --format \(rendering.rawValue)"))
        return .success
    }

    // MARK: Helpers

    static func report(_ runs: [MigrationRun], _ context: CommandContext) throws {
        let dryRun = context.globals.dryRun
        if context.globals.quiet {
            for run in runs { context.stdout.write("\(run.migration.version)\n") }
            return
        }
        if dryRun && context.globals.format == .table {
            for run in runs {
                context.stdout.write("-- \(run.migration.identifier) (\(run.direction.rawValue))\n")
                context.stdout.write(run.statements.map { $0 + ";\n" }.joined() + "\n")
            }
            context.notice("dry run: nothing was changed")
            return
        }
        let renderer = context.rowRenderer()
        try renderer.begin(columns: reportColumns(dryRun: dryRun))
        for run in runs {
            var cells: [Cell] = [.integer(Int64(run.migration.version)), .text(run.migration.name),
                                 .text(run.direction.rawValue),
                                 .text(dryRun ? "dry run, rolled back" : run.direction == .up ? "applied" : "reverted"),
                                 .integer(run.durationMilliseconds)]
            if dryRun { cells.append(.text(run.statements.map { $0 + ";\n" }.joined())) }
            try renderer.row(cells)
        }
        renderer.finish()
    }

    /// `PATH.bak-vN-YYYYMMDDTHHMMSSZ`.
    static func backupPath(for path: String, version: Int, now: Timestamp) -> String {
        let compact = now.iso8601.prefix(19).filter { $0 != "-" && $0 != ":" }
        return "\(path).bak-v\(version)-\(compact)Z"
    }
}
