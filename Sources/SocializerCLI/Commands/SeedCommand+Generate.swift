import SocializerCore
import SocializerStore

extension SeedCommand {
    /// `seed --generate` on PostgreSQL: the generator's rows, the same as
    /// SQLite's for the same spec, seed and clock (ids included), streamed
    /// through COPY in one transaction, into a migrated database whose
    /// tables are all empty: generated data goes into a database of its
    /// own, as on SQLite (65 otherwise, nothing changed). There is no file
    /// to create or replace, so a database without the tables is refused
    /// (78, `migrate up` first) as for every seed there.
    static func generatePostgres(_ spec: GenerationSpec, audit: AuditRecorder, cost: Int,
                                 _ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.write)
        if let table = try FixtureGroup.allCases.first(where: { try db.hasRows($0.table) }) {
            throw SocializerError.invalid(
                "'\(Echo.cut(context.globals.databasePath))' already holds data (\(table.table) has rows); "
                    + "generated data goes into a database of its own",
                hint: "empty its tables first (migrate down 0, then migrate up), or give another --db")
        }
        let dryRun = context.globals.dryRun
        let counts = try Interruptible.run {
            try db.transaction(.immediate, commit: !dryRun) {
                var counts: [FixtureLoader.TableCount] = []
                _ = try audit.recording(db) {
                    counts = try FixtureGenerator(db, spec: spec, seed: UInt64(arguments[randomSeed]), cost: cost,
                                                  now: context.clock.now()).run()
                    return WriteOutcome(ids: []) { _ in }
                }
                return counts
            }
        }
        try report(counts, context, what: "seeded", from: "generated data")
        return .success
    }
}
