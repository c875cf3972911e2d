import SocializerCore

/// The tables of a PostgreSQL schema made anew, in the caller's transaction
/// (PostgreSQL's DDL is transactional, so a failure or a rollback leaves
/// them as they were): what SQLite gets by a new file in place of the old
/// one. The tables `migrate up` creates are dropped (the app's twelve, the
/// audit trail, the ledger), in the connection's current schema only, then
/// every migration runs from nothing. Anything else is left alone: the
/// tables the app adds beside the twelve (`training_schedules`, …), other
/// programs' tables, views and functions. One of those that depends on a
/// dropped table makes the DROP fail (2BP01, exit 78 naming it: no CASCADE
/// ever changes it), having changed nothing.
public enum SchemaRebuild {
    /// What is dropped, and made again by the migrations.
    public static let tables: [String] = SchemaModel.tableNames + [SchemaModel.adminAudit.name, "schema_migrations"]

    /// The current schema, where the tables are dropped and made.
    static func currentSchema(_ db: any Database) throws -> String {
        guard case .text(let schema) = try db.scalar("SELECT current_schema()") else {
            throw SocializerError.configuration(
                "the connection has no current schema to make the tables in (its search_path names none that exists)")
        }
        return schema
    }

    /// The tables to drop that exist and hold rows (what a rebuild loses).
    public static func tablesHoldingRows(_ db: any Database) throws -> [String] {
        try tables.filter { try db.tableExists($0) && db.hasRows($0) }
    }

    /// Drops the tables and migrates up from nothing, in the open transaction.
    public static func run(_ db: any Database, clock: any Clock) throws {
        let schema = try currentSchema(db)
        try db.execute("DROP TABLE IF EXISTS " + tables.map { SQL.quote(schema) + "." + SQL.quote($0) }.joined(separator: ", "))
        _ = try Migrator(connection: db, clock: clock).up()
    }
}
