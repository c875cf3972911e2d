import SocializerCore

/// The tables of a PostgreSQL schema made anew, in the caller's transaction
/// (PostgreSQL's DDL is transactional, so a failure or a rollback leaves
/// them as they were): what SQLite gets by a new file in place of the old
/// one. The tables `migrate up` creates are dropped (the app's twelve, the
/// audit trail, the ledger), in the connection's current schema only, then
/// every migration runs from nothing.
///
/// The tables the app adds beside the twelve (`training_schedules`, …)
/// refer to them, and the app's `create_all` makes them again at its next
/// start: an empty one is dropped too; one that holds rows is refused
/// (`appTablesHoldingRows`), its rows being the app's. Anything else is
/// left alone: other programs' tables, views and functions, other schemas.
/// One of those that depends on a dropped table makes the DROP fail
/// (2BP01, its dependents named): no CASCADE ever changes it.
public struct SchemaRebuild {
    /// What `migrate up` creates, dropped and made again.
    public static let tables: [String] = SchemaModel.tableNames + [SchemaModel.adminAudit.name, "schema_migrations"]

    /// The app's own tables of the current schema that refer to one of
    /// `tables`, empty (dropped with them) or holding rows (refused).
    public let emptyAppTables: [String]
    public let appTablesHoldingRows: [String]
    /// The tables to drop that hold rows, the ledger aside (what a rebuild loses).
    public let tablesHoldingRows: [String]
    /// Whether any of `tables` exists (else the rebuild only creates).
    public let replacesTables: Bool

    public init(_ db: any Database) throws {
        _ = try db.currentSchema()
        let referring = try db.rows("""
            SELECT DISTINCT source.relname AS name
            FROM pg_catalog.pg_constraint c
            JOIN pg_catalog.pg_class source ON source.oid = c.conrelid
            JOIN pg_catalog.pg_class target ON target.oid = c.confrelid
            WHERE c.contype = 'f' AND source.relnamespace = current_schema()::regnamespace
              AND target.relnamespace = current_schema()::regnamespace
              AND target.relname = ANY (string_to_array(?, ','))
            """, [SchemaRebuild.tables.joined(separator: ",")]).map { try $0.string("name") }
        let appTables = SchemaModel.appOwnTables.sorted().filter(referring.contains)
        var empty: [String] = [], holding: [String] = []
        for table in appTables { if try db.hasRows(SQL.quote(table)) { holding.append(table) } else { empty.append(table) } }
        emptyAppTables = empty
        appTablesHoldingRows = holding
        let existing = try SchemaRebuild.tables.filter { try db.tableExists($0) }
        replacesTables = !existing.isEmpty
        tablesHoldingRows = try existing.filter { try $0 != "schema_migrations" && db.hasRows($0) }
    }

    /// Drops the tables in a transaction rolled back at once: what would
    /// refuse the DROP (a dependent object, 2BP01; a lock held past the
    /// timeout) is found before anything is asked or changed.
    public func probe(_ db: any Database) throws {
        try db.transaction(.immediate, commit: false) { try drop(db) }
    }

    /// Drops the tables (and the app's empty ones that refer to them) and
    /// migrates up from nothing, in the open transaction.
    public func run(_ db: any Database, clock: any Clock) throws {
        try drop(db)
        _ = try Migrator(connection: db, clock: clock).up()
    }

    private func drop(_ db: any Database) throws {
        guard appTablesHoldingRows.isEmpty else {
            throw SocializerError(.configuration,
                "the app's own tables \(appTablesHoldingRows.joined(separator: ", ")) hold rows and refer to the tables to drop; nothing was changed")
        }
        let schema = try db.currentSchema()
        let name = { (table: String) in SQL.quote(schema) + "." + SQL.quote(table) }
        if !emptyAppTables.isEmpty {
            // Still empty once no one else can write them (the app may have written since they were counted).
            try db.execute("LOCK TABLE " + emptyAppTables.map(name).joined(separator: ", ") + " IN ACCESS EXCLUSIVE MODE")
            let written = try emptyAppTables.filter { try db.hasRows(name($0)) }
            guard written.isEmpty else {
                throw SocializerError(.configuration,
                    "the app's own tables \(written.joined(separator: ", ")) hold rows and refer to the tables to drop; nothing was changed")
            }
        }
        try db.execute("DROP TABLE IF EXISTS " + (SchemaRebuild.tables + emptyAppTables).map(name).joined(separator: ", "))
    }
}
