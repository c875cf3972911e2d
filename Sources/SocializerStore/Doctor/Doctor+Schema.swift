import SocializerCore

/// What the schema checks learned, which the data checks build on.
struct SchemaFacts {
    var state: SchemaState
    var live: LiveSchema
    /// The version the schema should be at: 1 for a database the app made.
    var version: Int

    static func read(_ db: any Database, now: Timestamp) throws -> SchemaFacts {
        let state = try Migrator(connection: db, clock: FixedClock(now)).state()
        let version: Int
        switch state {
        case .migrated(let v), .newer(let v): version = v
        case .legacy: version = 1
        case .empty: version = 0
        }
        return SchemaFacts(state: state, live: try LiveSchema.read(from: db), version: version)
    }

    /// The data checks run on the app's own schema and on this binary's;
    /// a newer schema's columns may mean something else.
    var dataIsKnown: Bool {
        switch state {
        case .legacy, .migrated: return true
        case .empty, .newer: return false
        }
    }

    /// The twelve tables that are present, parents first.
    var scannedTables: [String] { SchemaModel.tableNames.filter { live.table($0) != nil } }

    func hasColumn(_ table: String, _ column: String) -> Bool {
        live.table(table)?.columns.contains { $0.name == column } ?? false
    }
}

extension Doctor {
    func schemaFindings(_ facts: SchemaFacts) throws -> [DoctorFinding] {
        let migrator = Migrator(connection: db, clock: FixedClock(options.now))
        var findings: [DoctorFinding] = []
        switch facts.state {
        case .empty:
            let others = try migrator.foreignTables()
            let message = others.isEmpty
                ? "the database has no schema: it was never migrated"
                : "the file holds none of Socializer's tables, only \(others.prefix(5).joined(separator: ", "))\(others.count > 5 ? ", …" : ""): is it the app's database?"
            return [DoctorFinding(.notMigrated, count: 1, message, remedy: others.isEmpty ? .migrateUp : nil)]
        case .newer(let version):
            return [DoctorFinding(.schemaNewer, table: "schema_migrations", count: 1,
                "the database is at schema version \(version), newer than this socializer knows (\(Migrations.latestVersion)); "
                    + "its data was not checked", remedy: .newerTool)]
        case .legacy:
            findings.append(DoctorFinding(.notBaselined, count: 1,
                "the app created this database and it has no migration history", remedy: .baseline))
        case .migrated(let version):
            let problems = try migrator.validationProblems()
            if !problems.isEmpty {
                findings.append(DoctorFinding(.migrationModified, table: "schema_migrations", count: Int64(problems.count),
                    "\(problems.count) applied migration(s) differ from the ones compiled into this socializer: "
                        + problems.joined(separator: "; "), remedy: .compareMigrations))
            }
            let pending = Migrations.all.filter { $0.version > version }
            if !pending.isEmpty {
                findings.append(DoctorFinding(.pendingMigrations, table: "schema_migrations", count: Int64(pending.count),
                    "\(pending.count) migration(s) not applied yet: \(pending.map(\.identifier).joined(separator: ", "))",
                    remedy: .migrateUp))
            }
        }
        let differences = try migrator.baselineDifferences()
        if !differences.isEmpty {
            let shown = differences.prefix(5).joined(separator: "; ") + (differences.count > 5 ? "; …" : "")
            findings.append(DoctorFinding(.schemaDrift, count: Int64(differences.count),
                "the tables differ from what the migrations create in \(differences.count) way(s): \(shown)"))
        }
        findings += missingIndexFindings(facts)
        findings += unknownTableFindings(facts)
        return findings
    }

    /// Indexes the applied migrations create that are gone: their queries scan.
    func missingIndexFindings(_ facts: SchemaFacts) -> [DoctorFinding] {
        let present = Set(facts.live.tables.flatMap { $0.indexes.map(\.name) })
        let expected = Migrations.schemaObjects(upTo: facts.version).indexes
        return expected.keys.sorted().compactMap { name in
            guard let index = expected[name], !present.contains(name), facts.live.table(index.table) != nil else { return nil }
            return DoctorFinding(.missingIndex, table: index.table, count: 1,
                                 "index \(name), which the applied migrations create, is missing: queries that use it scan the table",
                                 remedy: .statement(index.statement))
        }
    }

    /// Tables neither this socializer's migrations nor the app create.
    func unknownTableFindings(_ facts: SchemaFacts) -> [DoctorFinding] {
        let known = Migrations.schemaObjects(upTo: Migrations.latestVersion).tables
            .union(SchemaModel.appOwnTables).union(["schema_migrations"])
        let unknown = facts.live.tables.map(\.name).filter { !known.contains($0) }
        guard !unknown.isEmpty else { return [] }
        return [DoctorFinding(.unknownTables, count: Int64(unknown.count),
            "\(unknown.count) table(s) neither socializer nor the app creates: \(unknown.joined(separator: ", ")); left alone")]
    }
}
