import SocializerCore

/// Where a database stands with respect to the compiled migrations.
public enum SchemaState: Sendable, Equatable {
    /// None of the app's tables and no migration recorded.
    case empty
    /// The app's tables without `schema_migrations`: needs `migrate baseline`.
    case legacy
    case migrated(version: Int)
    /// Recorded by a newer socializer: every command refuses rather than guess.
    case newer(version: Int)
}

public struct AppliedMigration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var checksum: String
    public var appliedAt: String
    public var durationMilliseconds: Int64?
}

/// What one migration did (or, in a dry run, would do).
public struct MigrationRun: Sendable {
    public enum Direction: String, Sendable { case up, down }
    public var migration: Migration
    public var direction: Direction
    public var durationMilliseconds: Int64
    public var statements: [String]
}

/// Applies, reverts and records the compiled migrations. Each migration runs
/// in one IMMEDIATE transaction: a failure leaves the database exactly as
/// it was and names the statement that failed. The same on PostgreSQL,
/// whose DDL is transactional too, with each engine's statements
/// (`Migration.upStatements(_:)`) and checksums.
public struct Migrator {
    public let connection: any Database
    public let clock: any Clock

    public init(connection: any Database, clock: any Clock) {
        self.connection = connection
        self.clock = clock
    }

    var engine: DatabaseLocation.Engine { connection.dialect.engine }

    /// The ledger: the same table on both engines, in each one's types.
    var createLedger: String {
        engine == .postgres
            ? Migrator.createLedger.replacingAll("DATETIME", with: "TIMESTAMP WITHOUT TIME ZONE")
            : Migrator.createLedger
    }

    /// Taken at the start of each migration's transaction on PostgreSQL,
    /// where BEGIN takes no lock: concurrent runs queue there as SQLite's
    /// IMMEDIATE transactions do, and each re-reads the version inside it.
    static let postgresMigrationLock = "SELECT pg_advisory_xact_lock(7301946213)"

    static let createLedger = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
        \tversion INTEGER PRIMARY KEY, 
        \tname TEXT NOT NULL, 
        \tchecksum TEXT NOT NULL, 
        \tapplied_at DATETIME NOT NULL, 
        \tduration_ms INTEGER
        )
        """

    // MARK: Inspection

    func tableExists(_ name: String) throws -> Bool {
        try connection.tableExists(name)
    }

    public func state() throws -> SchemaState {
        if try tableExists("schema_migrations") {
            let version = Int(try connection.scalarInt("SELECT coalesce(max(version), 0) FROM schema_migrations"))
            if version > 0 {
                // A version this build does not have (a newer one, or one another build added) is not guessed at.
                return Migrations.migration(version) == nil ? .newer(version: version) : .migrated(version: version)
            }
        }
        for name in SchemaModel.tableNames where try tableExists(name) {
            return .legacy
        }
        return .empty
    }

    /// Tables that are neither Socializer's twelve nor its ledger: another
    /// program's data, when there is no migration history beside them.
    public func foreignTables() throws -> [String] {
        try connection.tableNames()
            .filter { !SchemaModel.tableNames.contains($0) && $0 != "schema_migrations" }
    }

    /// The highest recorded version; 0 with no history.
    func currentVersion() throws -> Int {
        guard try tableExists("schema_migrations") else { return 0 }
        return Int(try connection.scalarInt("SELECT coalesce(max(version), 0) FROM schema_migrations"))
    }

    public func appliedMigrations() throws -> [AppliedMigration] {
        guard try tableExists("schema_migrations") else { return [] }
        return try connection.rows(
            "SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version"
        ).map { row in
            AppliedMigration(version: Int(try row.int("version")), name: try row.string("name"),
                             checksum: try row.string("checksum"), appliedAt: try row.string("applied_at"),
                             durationMilliseconds: try row.optionalInt("duration_ms"))
        }
    }

    /// Applied migrations whose recorded checksum differs from the compiled one.
    public func checksumMismatches() throws -> [Migration] {
        try appliedMigrations().compactMap { applied in
            guard let migration = Migrations.migration(applied.version),
                  migration.checksum(engine) != applied.checksum else { return nil }
            return migration
        }
    }

    /// How the recorded history differs from the compiled migrations, one
    /// line per applied migration that is unknown, modified or renamed:
    /// what `validate` reports and `Doctor` checks.
    public func validationProblems() throws -> [String] {
        var problems: [String] = []
        for record in try appliedMigrations() {
            guard let migration = Migrations.migration(record.version) else {
                problems.append("\(record.version)_\(record.name): not known to this socializer")
                continue
            }
            if migration.checksum(engine) != record.checksum {
                problems.append("\(migration.identifier): recorded checksum \(record.checksum) differs from compiled \(migration.checksum(engine))")
            } else if migration.name != record.name {
                problems.append("\(migration.identifier): recorded under the name '\(record.name)'")
            }
        }
        return problems
    }

    /// Refuses the states no command may act on; returns the current version.
    public func requireUsable() throws -> Int {
        switch try state() {
        case .migrated(let version): return version
        case .empty:
            throw SocializerError.configuration("the database is not migrated", reason: .notMigrated)
        case .legacy:
            throw Migrator.legacyError(.legacyNeedsBaseline)
        case .newer(let version):
            throw Migrator.newerError(version)
        }
    }

    static func legacyError(_ reason: SocializerError.Reason) -> SocializerError {
        .configuration("the database was created by the app and has no migration history", reason: reason)
    }

    public static func newerError(_ version: Int) -> SocializerError {
        guard version < Migrations.latestVersion else {
            return .configuration("the database is at schema version \(version), newer than this socializer knows "
                                  + "(\(Migrations.latestVersion))",
                                  hint: "use a newer socializer; nothing was changed")
        }
        return .configuration("the database is at schema version \(version), which this socializer does not have (it knows "
                              + Migrations.all.map { "\($0.version)" }.joined(separator: ", ") + ")",
                              hint: "use the socializer build that migrated it, or a newer one; nothing was changed")
    }

    /// The migrations `up` would apply to reach `target` (default: latest).
    public func pending(to target: Int? = nil) throws -> [Migration] {
        let target = target ?? Migrations.latestVersion
        switch try state() {
        case .legacy:
            throw Migrator.legacyError(.legacyNeedsBaselineFirst)
        case .newer(let version):
            throw Migrator.newerError(version)
        case .empty:
            return Migrations.all.filter { $0.version <= target }
        case .migrated(let version):
            return Migrations.all.filter { $0.version > version && $0.version <= target }
        }
    }

    // MARK: Up and down

    /// Refuses (65, naming them) when an applied migration differs from the
    /// compiled one: checked before anything is written, backups included.
    public func requireUnmodified() throws {
        let modified = try checksumMismatches()
        if !modified.isEmpty {
            throw SocializerError.invalid(
                "applied migration \(modified.map(\.identifier).joined(separator: ", ")) differs from the one compiled into this socializer",
                reason: .migrationModified)
        }
    }

    public func up(to target: Int? = nil, dryRun: Bool = false) throws -> [MigrationRun] {
        if let target, Migrations.migration(target) == nil {
            throw SocializerError.usage("there is no migration \(target); known versions are 1 to \(Migrations.latestVersion)")
        }
        try requireUnmodified()
        if let target, case .migrated(let version) = try state(), target < version {
            throw SocializerError.usage("the database is already at version \(version)", reason: .targetBelowCurrent(target: target))
        }
        var runs: [MigrationRun] = []
        if !dryRun {
            // Another process may be migrating the same database: each step
            // re-reads the version inside its write lock and runs only if it
            // is still the next one, so a step is never applied twice and the
            // loser of a race finds nothing left to do (`runs` stays empty).
            while let next = try pending(to: target).first {
                guard let run = try run(next, direction: .up, dryRun: false) else { continue }
                runs.append(run)
            }
            return runs
        }
        if let first = try pending(to: target).first, let run = try run(first, direction: .up, dryRun: true) {
            // A dry run rolled the previous step back; later steps would see
            // the old schema, so it reports the first pending one for real
            // and the rest as the SQL they would run.
            runs.append(run)
        }
        if let first = runs.first {
            let rest = try pending(to: target).dropFirst().map {
                MigrationRun(migration: $0, direction: .up, durationMilliseconds: 0, statements: $0.upStatements(engine))
            }
            return [first] + rest
        }
        return runs
    }

    public func down(to target: Int, dryRun: Bool = false) throws -> [MigrationRun] {
        guard target >= 0, target <= Migrations.latestVersion else {
            throw SocializerError.usage("the target version must be between 0 and \(Migrations.latestVersion)")
        }
        let current: Int
        switch try state() {
        case .migrated(let version): current = version
        case .newer(let version): throw Migrator.newerError(version)
        case .empty, .legacy:
            throw SocializerError.configuration("the database has no migration history to roll back")
        }
        var runs: [MigrationRun] = []
        var version = current
        // As in `up`, each step re-checks the version inside its lock; when
        // another process moved it meanwhile, go on from where it is now.
        while version > target, let migration = Migrations.migration(version) {
            if let run = try run(migration, direction: .down, dryRun: dryRun) {
                runs.append(run)
                if dryRun { break }
            }
            version = try currentVersion()
        }
        return runs
    }

    /// Runs one step in its own IMMEDIATE transaction; nil (nothing done)
    /// when, inside the lock, the database is no longer at the version the
    /// step starts from: another process got there first.
    private func run(_ migration: Migration, direction: MigrationRun.Direction, dryRun: Bool) throws -> MigrationRun? {
        let statements: [String]
        switch direction {
        case .up: statements = migration.upStatements(engine)
        case .down:
            guard let down = migration.downStatements(engine) else {
                throw SocializerError.invalid("migration \(migration.identifier) cannot be rolled back")
            }
            statements = down
        }
        let stopwatch = Stopwatch()
        let rebuilds = migration.rebuildsTables && engine == .sqlite
        if rebuilds {
            // foreign_keys cannot change inside a transaction (step 1 of the rebuild).
            try connection.execute("PRAGMA foreign_keys = OFF")
        }
        defer { if rebuilds { try? connection.execute("PRAGMA foreign_keys = ON") } }
        let ran = try connection.transaction(.immediate, commit: !dryRun) { () -> Bool in
            if engine == .postgres { try connection.execute(Migrator.postgresMigrationLock) }
            let startsFrom = direction == .up ? Migrations.version(before: migration.version) : migration.version
            guard try currentVersion() == startsFrom else { return false }
            try connection.execute(createLedger)
            for (offset, statement) in statements.enumerated() {
                do {
                    try connection.execute(statement)
                } catch let error as any DatabaseFailure {
                    throw Migrator.statementFailure(migration, direction, offset, statements.count, statement, error)
                }
            }
            if rebuilds { try checkForeignKeys(migration) }
            switch direction {
            case .up:
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?)",
                    [migration.version, migration.name, migration.checksum(engine), clock.now().databaseText,
                     stopwatch.elapsedMilliseconds])
            case .down:
                try connection.execute("DELETE FROM schema_migrations WHERE version = ?", [migration.version])
            }
            return true
        }
        guard ran else { return nil }
        return MigrationRun(migration: migration, direction: direction,
                            durationMilliseconds: stopwatch.elapsedMilliseconds, statements: statements)
    }

    static func statementFailure(_ migration: Migration, _ direction: MigrationRun.Direction, _ offset: Int,
                                 _ count: Int, _ statement: String, _ error: any DatabaseFailure) -> SocializerError {
        var failure = error.domainError
        let firstLine = statement.split(separator: "\n").first.map(String.init) ?? statement
        let what = direction == .up ? "migration" : "rolling back migration"
        failure.message = "\(what) \(migration.identifier) failed at statement \(offset + 1) of \(count) "
            + "(\(firstLine)): \(error.message); the database is unchanged"
        return failure
    }

    /// Step 10 of the rebuild: every reference must still resolve.
    private func checkForeignKeys(_ migration: Migration) throws {
        var problems: [String: [Int64]] = [:]
        var order: [String] = []
        try connection.forEachRow("PRAGMA foreign_key_check") { row in
            let table = try row.string("table")
            let parent = try row.string("parent")
            let fkid = try row.int("fkid")
            let columns = try connection.rows("PRAGMA foreign_key_list(\(SQL.quote(table)))")
                .filter { (try? $0.int("id")) == fkid }.compactMap { try? $0.string("from") }
            let key = "\(table).\(columns.joined(separator: ",")) → \(parent)"
            if problems[key] == nil { order.append(key) }
            if let rowid = try row.optionalInt("rowid") { problems[key, default: []].append(rowid) }
        }
        guard !order.isEmpty else { return }
        let details = order.map { key -> String in
            let ids = problems[key] ?? []
            let shown = ids.prefix(10).map(String.init).joined(separator: ", ")
            return "\(key): \(ids.count) row(s) refer to a missing parent (rowid \(shown)\(ids.count > 10 ? ", …" : ""))"
        }
        throw SocializerError.invalid(
            "migration \(migration.identifier) found rows whose references do not resolve; the database is unchanged",
            details: details, reason: .unresolvedReferences)
    }

    // MARK: Legacy adoption

    /// Every way the live database differs from what 0001 creates, in words.
    public func baselineDifferences() throws -> [String] {
        var differences: [String] = []
        for table in SchemaModel.tables {
            guard try tableExists(table.name) else {
                differences.append("table \(table.name) is missing")
                continue
            }
            let live = try liveColumns(of: table.name)
            var liveColumns: [String: Row] = [:]
            for row in live { liveColumns[try row.string("name")] = row }
            for column in table.columns {
                guard let row = liveColumns[column.name] else {
                    differences.append("\(table.name): column \(column.name) is missing")
                    continue
                }
                let type = try row.string("type")
                let expected = engine == .postgres ? PostgresDDL.informationSchemaType(column) : column.type
                if (engine == .postgres ? type : type.uppercased()) != expected {
                    differences.append("\(table.name).\(column.name): type is \(type.isEmpty ? "(none)" : type), expected \(expected)")
                }
                let notNull = try row.int("notnull") != 0
                if notNull != column.notNull {
                    differences.append("\(table.name).\(column.name): \(notNull ? "is NOT NULL" : "allows NULL"), expected \(column.notNull ? "NOT NULL" : "NULL allowed")")
                }
            }
            // PostgreSQL's 0002 alters tables in place and keeps a column the app added; SQLite's rebuild would drop it.
            for row in live where engine == .sqlite {
                let name = try row.string("name")
                if !table.columnNames.contains(name) {
                    differences.append("\(table.name): unexpected column \(name) (migration 0002 rebuilds this table and would not carry it)")
                }
            }
        }
        return differences
    }

    /// A table's columns as `name`, `type` and `notnull` (1 or 0): SQLite's
    /// `PRAGMA table_info`, PostgreSQL's `information_schema.columns` (its
    /// type names, with a VARCHAR's length: `character varying(100)`).
    func liveColumns(of table: String) throws -> [Row] {
        guard engine == .postgres else { return try connection.rows("PRAGMA table_info(\(SQL.quote(table)))") }
        return try connection.rows("""
            SELECT column_name::text AS name,
                   data_type::text || coalesce('(' || character_maximum_length || ')', '') AS type,
                   CASE is_nullable WHEN 'NO' THEN 1 ELSE 0 END AS notnull
            FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
            """, [table])
    }

    /// Records 0001 as applied on a database the app created, after checking
    /// its tables and columns; unknown tables are left alone.
    public func baseline(dryRun: Bool = false) throws -> [String] {
        switch try state() {
        case .legacy: break
        case .empty:
            throw SocializerError.invalid("the database has none of the app's tables; there is nothing to baseline",
                                          reason: .notMigrated)
        case .migrated(let version):
            throw SocializerError.invalid("the database already has a migration history (version \(version)); baseline is only for databases the app created")
        case .newer(let version):
            throw Migrator.newerError(version)
        }
        let differences = try baselineDifferences()
        guard differences.isEmpty else {
            throw SocializerError.invalid(
                "the database differs from the app schema socializer knows (migration 0001_initial); nothing was recorded",
                hint: "repair the differences listed, or restore the database from the app's own schema",
                details: differences)
        }
        let initial = Migrations.initial
        try connection.transaction(.immediate, commit: !dryRun) {
            try connection.execute(createLedger)
            try connection.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, NULL)",
                [initial.version, initial.name, initial.checksum(engine), clock.now().databaseText])
        }
        let others = try connection.tableNames()
            .filter { !SchemaModel.tableNames.contains($0) && $0 != "schema_migrations" }
        return others
    }
}
