/// What differs when `SchemaDDL` renders the `TableModel`s for PostgreSQL: 0001 as the app's
/// SQLAlchemy models create the tables there (its PostgreSQL dialect's
/// types: `SERIAL` for an integer primary key of its own, `TIMESTAMP
/// WITHOUT TIME ZONE` for DateTime, `FLOAT` (double precision), `BOOLEAN`,
/// `DATE`, `JSON`, `VARCHAR`/`VARCHAR(n)`, `TEXT`; unnamed UNIQUE and
/// FOREIGN KEY constraints, which PostgreSQL names `<table>_<column>_key`
/// and `<table>_<column>_fkey`), and 0002 as ALTER TABLE statements where
/// SQLite must rebuild: PostgreSQL changes defaults and foreign keys in
/// place, and its DDL is transactional, so each migration still commits
/// whole or not at all.
enum PostgresDDL {
    /// The PostgreSQL type of a model column.
    static func type(_ column: ColumnModel, in table: TableModel) -> String {
        if isSerial(column, in: table) { return "SERIAL" }
        switch column.type {
        case "DATETIME": return "TIMESTAMP WITHOUT TIME ZONE"
        default: return column.type
        }
    }

    /// A single-column integer primary key: SQLAlchemy's autoincrement,
    /// `SERIAL` on PostgreSQL (with SQLite's AUTOINCREMENT or without).
    static func isSerial(_ column: ColumnModel, in table: TableModel) -> Bool {
        column.name == "id" && column.type == "INTEGER" && (column.autoincrement || table.primaryKey == ["id"])
    }

    /// A SQLite default as PostgreSQL writes it: now and today, booleans.
    static func defaultSQL(_ column: ColumnModel) -> String? {
        guard let value = column.defaultSQL else { return nil }
        switch value {
        case SchemaModel.now: return SQLDialect.postgres.now
        case SchemaModel.today: return SQLDialect.postgres.today
        default:
            guard column.type == "BOOLEAN" else { return value }
            return SQLDialect.postgres.boolean(value == "1")
        }
    }

    static func foreignKey(_ key: ForeignKeyModel, onDelete: String?) -> String {
        "FOREIGN KEY(\(key.column)) REFERENCES \(key.table) (id)" + (onDelete.map { " ON DELETE \($0)" } ?? "")
    }

    /// The name PostgreSQL gives an unnamed foreign key of one column.
    static func foreignKeyName(_ table: TableModel, _ key: ForeignKeyModel) -> String { "\(table.name)_\(key.column)_fkey" }

    /// 0002 in place: every table's defaults set (or dropped, going back to
    /// `.legacy`) and each foreign key whose ON DELETE changes dropped and
    /// added again, one ALTER TABLE per table. Adding a foreign key checks
    /// every row, as SQLite's `foreign_key_check` does after its rebuild.
    static func alter(into form: SchemaDDL.Form) -> [String] {
        SchemaModel.tables.compactMap { table in
            var actions: [String] = []
            for column in table.columns {
                guard let value = defaultSQL(column) else { continue }
                actions.append(form == .current ? "ALTER COLUMN \(column.name) SET DEFAULT \(value)"
                                                : "ALTER COLUMN \(column.name) DROP DEFAULT")
            }
            for key in table.foreignKeys where key.legacyOnDelete != key.onDelete {
                let name = foreignKeyName(table, key)
                actions.append("DROP CONSTRAINT \(name)")
                actions.append("ADD CONSTRAINT \(name) " + foreignKey(key, onDelete: form == .current ? key.onDelete : key.legacyOnDelete))
            }
            guard !actions.isEmpty else { return nil }
            return "ALTER TABLE \(table.name)\n\t" + actions.joined(separator: ",\n\t")
        }
    }

    /// PostgreSQL's type names in `information_schema.columns.data_type`
    /// for the model's types: what `migrate baseline` compares.
    static func informationSchemaType(_ column: ColumnModel) -> String {
        switch column.type {
        case "INTEGER": return "integer"
        case "VARCHAR": return "character varying"
        case "BOOLEAN": return "boolean"
        case "FLOAT": return "double precision"
        case "JSON": return "json"
        case "TEXT": return "text"
        case "DATE": return "date"
        case "DATETIME": return "timestamp without time zone"
        default:
            return column.type.hasPrefix("VARCHAR(") ? "character varying" + column.type.dropFirst(7).lowercased() : column.type.lowercased()
        }
    }
}
