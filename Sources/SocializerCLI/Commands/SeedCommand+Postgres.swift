import SocializerCore
import SocializerStore

extension SeedCommand {
    /// `seed` on PostgreSQL, into the database the URL names, in one
    /// transaction (PostgreSQL's DDL is transactional, so a failure or a
    /// dry run leaves the database as it was, `--fresh` included):
    /// - fixtures and the demo load through the common path into a
    ///   migrated database (78 otherwise: there is no file to create, and
    ///   `migrate up` creates the tables);
    /// - `--generate` writes the generator's rows (the same as SQLite's for
    ///   the same spec, seed and clock, ids included) through COPY, into
    ///   tables that are all empty: generated data goes into a database of
    ///   its own, as on SQLite (65 otherwise, nothing changed);
    /// - `--fresh` is SQLite's new file in place of the old one: the
    ///   transaction makes the tables anew (`SchemaRebuild`), then seeds.
    ///   Tables that hold rows (the ledger aside) are dropped only when
    ///   confirmed (`--yes`, or a terminal's answer): on PostgreSQL the URL
    ///   is most often the app's production database. The app's own tables
    ///   that refer to them are dropped too when empty (the app makes them
    ///   again) and refused when they hold rows (78).
    static func seedPostgres(_ readers: [FixtureReader], audit: AuditRecorder, cost: Int, generating spec: GenerationSpec?,
                             _ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let replacing = arguments[fresh]
        let db = try context.openEngine(.write, migrated: !replacing)
        var rebuild: SchemaRebuild?
        if replacing {
            let plan = try SchemaRebuild(db)
            rebuild = plan
            guard plan.appTablesHoldingRows.isEmpty else {
                throw SocializerError(.configuration,
                    "--fresh would drop the tables the app's own \(plan.appTablesHoldingRows.joined(separator: ", ")) refer to, "
                        + "and they hold rows (the app's data, which no migration makes again); nothing was changed",
                    hint: "seed without --fresh (with --on-conflict skip or update), or seed a database of its own")
            }
            let losing = plan.tablesHoldingRows
            if !losing.isEmpty && context.needsConfirmation {
                // What would refuse the DROP is said before the question, not after it.
                try dependents { try plan.probe(db) }
                try context.confirm("drop and make anew the tables of '\(context.globals.databasePath)', "
                                    + "losing the rows of \(losing.joined(separator: ", "))")
            }
        } else if spec != nil {
            try requireEmpty(db, context)
        }
        let dryRun = context.globals.dryRun
        let counts = try Interruptible.run {
            try db.transaction(.immediate, commit: !dryRun) {
                if let rebuild { try make(rebuild, db, context) }
                var counts: [FixtureLoader.TableCount] = []
                _ = try audit.recording(db) {
                    if let spec {
                        counts = try FixtureGenerator(db, spec: spec, seed: UInt64(arguments[randomSeed]), cost: cost,
                                                      now: context.clock.now(), committing: !dryRun).run()
                    } else {
                        counts = try load(readers, into: db, cost: cost, context, arguments)
                    }
                    return WriteOutcome(ids: []) { _ in }
                }
                return counts
            }
        }
        try report(counts, context, what: rebuild.map { $0.replacesTables ? "rebuilt" : "created" } ?? "seeded",
                   from: spec != nil ? "generated data" : readers.map(\.name).joined(separator: ", "))
        return .success
    }

    /// The tables made anew; what depends on them is named (78), nothing changed.
    static func make(_ rebuild: SchemaRebuild, _ db: any Database, _ context: CommandContext) throws {
        try dependents { try rebuild.run(db, clock: context.clock) }
    }

    /// Runs `body`, a DROP of the tables: objects that depend on them are named (78).
    static func dependents(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PostgresError where error.sqlState == "2BP01" {
            throw SocializerError(.configuration,
                "--fresh makes socializer's tables anew, and other objects depend on them; nothing was changed",
                hint: "drop those objects (or their references) first, or seed without --fresh",
                details: error.dependents)
        }
    }
}
