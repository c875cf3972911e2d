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
    ///   Tables that hold rows are dropped only when confirmed (`--yes`, or
    ///   a terminal's answer): on PostgreSQL the URL is most often the
    ///   app's production database.
    static func seedPostgres(_ readers: [FixtureReader], audit: AuditRecorder, cost: Int, generating spec: GenerationSpec?,
                             _ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let replacing = arguments[fresh]
        let db = try context.openEngine(.write, migrated: !replacing)
        if replacing {
            let holding = try SchemaRebuild.tablesHoldingRows(db)
            if !holding.isEmpty {
                try context.confirm("drop and make anew the tables of '\(context.globals.databasePath)' "
                                    + "(\(holding.joined(separator: ", ")) hold rows)")
            }
        } else if spec != nil {
            try requireEmpty(db, context)
        }
        let dryRun = context.globals.dryRun
        let counts = try Interruptible.run {
            try db.transaction(.immediate, commit: !dryRun) {
                if replacing { try rebuild(db, context) }
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
        try report(counts, context, what: replacing ? "rebuilt" : "seeded",
                   from: spec != nil ? "generated data" : readers.map(\.name).joined(separator: ", "))
        return .success
    }

    /// The tables made anew; what depends on them is named (78), nothing changed.
    static func rebuild(_ db: any Database, _ context: CommandContext) throws {
        do {
            try SchemaRebuild.run(db, clock: context.clock)
        } catch let error as PostgresError where error.sqlState == "2BP01" {
            throw SocializerError(.configuration,
                "--fresh makes socializer's tables anew, and other objects depend on them; nothing was changed",
                hint: "drop those objects (or their references) first, or seed without --fresh",
                details: error.dependents)
        }
    }
}
