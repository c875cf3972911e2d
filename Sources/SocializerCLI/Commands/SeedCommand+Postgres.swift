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
    ///   transaction drops socializer's and the app's tables
    ///   (`replacedTables`), migrates up from nothing and then seeds. Other
    ///   tables are left alone; one that refers to a dropped table is
    ///   refused before anything changes (78).
    static func seedPostgres(_ readers: [FixtureReader], audit: AuditRecorder, cost: Int, generating spec: GenerationSpec?,
                             _ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let replacing = arguments[fresh]
        let db = try context.openEngine(.write, migrated: !replacing)
        if replacing {
            try requireNoOtherReferences(db)
        } else if spec != nil, let table = try FixtureGroup.allCases.first(where: { try db.hasRows($0.table) }) {
            throw SocializerError.invalid(
                "'\(Echo.cut(context.globals.databasePath))' already holds data (\(table.table) has rows); "
                    + "generated data goes into a database of its own",
                hint: "add --fresh to replace its tables, or give another --db")
        }
        let dryRun = context.globals.dryRun
        let counts = try Interruptible.run {
            try db.transaction(.immediate, commit: !dryRun) {
                if replacing {
                    // Named in the current schema, the one the tables are made in (never another on the search path).
                    guard case .text(let schema) = try db.scalar("SELECT current_schema()") else {
                        throw SocializerError.configuration("the connection has no current schema to make the tables in (its search_path names none that exists)")
                    }
                    try db.execute("DROP TABLE IF EXISTS "
                                   + replacedTables.map { SQL.quote(schema) + "." + SQL.quote($0) }.joined(separator: ", "))
                    _ = try Migrator(connection: db, clock: context.clock).up()
                }
                var counts: [FixtureLoader.TableCount] = []
                _ = try audit.recording(db) {
                    if let spec {
                        counts = try FixtureGenerator(db, spec: spec, seed: UInt64(arguments[randomSeed]), cost: cost,
                                                      now: context.clock.now()).run()
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

    /// What `--fresh` drops on PostgreSQL: what a new SQLite file would not
    /// have, among the tables socializer knows (the app's twelve, the
    /// tables the app adds beside them, the audit trail, the ledger).
    static let replacedTables: [String] = Migrator.knownTables

    /// A table `--fresh` leaves alone may not refer to one it drops:
    /// PostgreSQL would refuse the DROP (or, with CASCADE, change the other
    /// table). Refused before anything is changed, naming them.
    static func requireNoOtherReferences(_ db: any Database) throws {
        let replaced = Set(replacedTables)
        let references = try db.rows("""
            SELECT c.conrelid::regclass::text AS source, c.confrelid::regclass::text AS target
            FROM pg_catalog.pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
            ORDER BY 1, 2
            """).map { (try $0.string("source"), try $0.string("target")) }
            .filter { !replaced.contains($0.0) && replaced.contains($0.1) }
        guard references.isEmpty else {
            throw SocializerError(.configuration,
                "--fresh replaces socializer's and the app's tables, and other tables refer to them; nothing was changed",
                hint: "drop those references (or those tables) first, or seed without --fresh",
                details: references.map { "table \(Echo.cut($0.0)) refers to \($0.1)" })
        }
    }
}
