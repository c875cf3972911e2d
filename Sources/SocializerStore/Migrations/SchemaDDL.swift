/// Renders `TableModel`s as the DDL each migration runs.
enum SchemaDDL {
    enum Form {
        /// What the app's SQLAlchemy models create: no SQL defaults, cascades
        /// only where the app declares them, llm_* added by ALTER TABLE.
        case legacy
        /// After 0002: SPEC §2 defaults, cascades on every reference.
        case current
    }

    /// `omittingLaterColumns` leaves out what the app added by ALTER TABLE,
    /// for 0001, which adds them the same way so the stored DDL matches.
    /// On PostgreSQL (`PostgresDDL`), SQLite's AUTOINCREMENT id is a SERIAL
    /// with a table-level PRIMARY KEY, as SQLAlchemy writes it.
    static func createTable(_ table: TableModel, form: Form, name: String? = nil,
                            omittingLaterColumns: Bool = false, engine: DatabaseLocation.Engine = .sqlite) -> String {
        var lines: [String] = []
        for column in table.columns where !(omittingLaterColumns && column.addedLater) {
            lines.append(columnDefinition(column, in: table, form: form, engine: engine))
        }
        let primaryKey = engine == .postgres && table.columns.contains(where: \.autoincrement) ? ["id"] : table.primaryKey
        if !primaryKey.isEmpty {
            lines.append("PRIMARY KEY (\(primaryKey.joined(separator: ", ")))")
        }
        for unique in table.uniques {
            let prefix = unique.name.map { "CONSTRAINT \($0) " } ?? ""
            lines.append("\(prefix)UNIQUE (\(unique.columns.joined(separator: ", ")))")
        }
        for key in table.foreignKeys {
            var line = "FOREIGN KEY(\(key.column)) REFERENCES \(key.table) (id)"
            if let action = form == .legacy ? key.legacyOnDelete : key.onDelete {
                line += " ON DELETE \(action)"
            }
            lines.append(line)
        }
        return "CREATE TABLE \(name ?? table.name) (\n\t" + lines.joined(separator: ", \n\t") + "\n)"
    }

    static func columnDefinition(_ column: ColumnModel, in table: TableModel, form: Form,
                                 engine: DatabaseLocation.Engine = .sqlite) -> String {
        let postgres = engine == .postgres
        var text = "\(column.name) \(postgres ? PostgresDDL.type(column, in: table) : column.type)"
        if column.notNull { text += " NOT NULL" }
        if column.autoincrement && !postgres { text += " PRIMARY KEY AUTOINCREMENT" }
        if form == .current, let value = postgres ? PostgresDDL.defaultSQL(column) : column.defaultSQL { text += " DEFAULT \(value)" }
        return text
    }

    static func createIndex(_ index: IndexModel, on table: String, ifNotExists: Bool = false) -> String {
        let unique = index.unique ? "UNIQUE " : ""
        let guardClause = ifNotExists ? "IF NOT EXISTS " : ""
        return "CREATE \(unique)INDEX \(guardClause)\(index.name) ON \(table) (\(index.columns.joined(separator: ", ")))"
    }

    /// The app's schema as it creates it: tables, then llm_* by ALTER TABLE,
    /// then its `ix_*` indexes.
    static func legacySchema(_ engine: DatabaseLocation.Engine = .sqlite) -> [String] {
        var statements: [String] = []
        for table in SchemaModel.tables {
            statements.append(createTable(table, form: .legacy, omittingLaterColumns: true, engine: engine))
            for column in table.columns where column.addedLater {
                statements.append("ALTER TABLE \(table.name) ADD COLUMN \(columnDefinition(column, in: table, form: .legacy, engine: engine))")
            }
            statements += table.indexes.map { createIndex($0, on: table.name) }
        }
        return statements
    }

    /// SQLite's twelve-step rebuild (https://sqlite.org/lang_altertable.html#otheralter)
    /// of every table into `form`, keeping every row, id and AUTOINCREMENT
    /// counter. Foreign keys are off around it; the migrator runs
    /// `PRAGMA foreign_key_check` before commit.
    static func rebuild(into form: Form) -> [String] {
        var statements: [String] = []
        for table in SchemaModel.tables {
            let temporary = "_socializer_new_\(table.name)"
            let columns = table.columnNames.joined(separator: ", ")
            statements.append(createTable(table, form: form, name: temporary))
            statements.append("INSERT INTO \(temporary) (\(columns)) SELECT \(columns) FROM \(table.name)")
            if table.columns.contains(where: \.autoincrement) {
                // Keep the AUTOINCREMENT high-water mark: DROP TABLE deletes
                // the old table's sqlite_sequence row, RENAME carries this one.
                statements.append("DELETE FROM sqlite_sequence WHERE name = '\(temporary)'")
                statements.append("UPDATE sqlite_sequence SET name = '\(temporary)' WHERE name = '\(table.name)'")
            }
            statements.append("DROP TABLE \(table.name)")
            statements.append("ALTER TABLE \(temporary) RENAME TO \(table.name)")
            statements += table.indexes.map { createIndex($0, on: table.name) }
        }
        return statements
    }
}
