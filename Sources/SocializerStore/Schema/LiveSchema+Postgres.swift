import SocializerCore

/// The live schema of a PostgreSQL database (its current schema), read from
/// `pg_catalog` into the same model as SQLite's, so the four renderings are
/// shared. PostgreSQL keeps no CREATE text, so the SQL rendering is rebuilt
/// from the catalog, in text that runs again (a test recreates the schema
/// from it): each table with its
/// columns (`format_type`, `NOT NULL`, defaults as `pg_get_expr` gives them)
/// and its keys (`pg_get_constraintdef`), then the foreign keys by ALTER
/// TABLE, then the indexes that back no constraint (`pg_get_indexdef`).
extension LiveSchema {
    public static func read(from db: any Database) throws -> LiveSchema {
        guard db.dialect.isPostgres else { return try read(from: try db.sqliteConnection()) }
        var tables: [Table] = []
        var statements: [String] = []
        var indexStatements: [String] = []
        var foreignKeys: [String] = []
        for name in try db.tableNames() {
            let columns = try db.rows(columnsSQL, [name]).map { c in
                Column(name: try c.string("name"), type: try c.string("type"), notNull: try c.bool("notnull"),
                       defaultSQL: try c.optionalString("default_sql"), primaryKeyPosition: Int(try c.int("pk")))
            }
            let references = try db.rows(referencesSQL, [name]).map { r in
                Reference(column: try r.string("column_name"), parentTable: try r.string("parent"),
                          parentColumn: try r.string("parent_column"), onDelete: try r.string("on_delete"))
            }
            var indexes: [Index] = []
            for i in try db.rows(indexesSQL, [name]) {
                let origin = try i.string("origin")
                indexes.append(Index(name: try i.string("name"), columns: try i.string("columns").split(separator: "\t").map(String.init),
                                     unique: try i.bool("unique"), origin: origin))
                if origin == "c" { indexStatements.append(try i.string("definition")) }
            }
            var lines = columns.map { column in
                // A column that owns its sequence is written SERIAL, as SQLAlchemy does, so the text runs again elsewhere.
                if column.type == "integer", column.defaultSQL == "nextval('\(name)_\(column.name)_seq'::regclass)" {
                    return "\(column.name) SERIAL" + (column.notNull ? " NOT NULL" : "")
                }
                return "\(column.name) \(column.type)" + (column.notNull ? " NOT NULL" : "") + (column.defaultSQL.map { " DEFAULT \($0)" } ?? "")
            }
            for constraint in try db.rows(constraintsSQL, [name]) {
                let text = "CONSTRAINT \(try constraint.string("name")) \(try constraint.string("definition"))"
                // References after every table, as pg_dump writes them: tables are listed by name, not by dependency.
                if try constraint.string("type") == "f" {
                    foreignKeys.append("ALTER TABLE \(name) ADD \(text)")
                } else {
                    lines.append(text)
                }
            }
            let sql = "CREATE TABLE \(name) (\n\t" + lines.joined(separator: ",\n\t") + "\n)"
            statements.append(sql)
            tables.append(Table(name: name, sql: sql, columns: columns, references: references, indexes: indexes))
        }
        return LiveSchema(tables: tables, statements: statements + foreignKeys + indexStatements)
    }

    /// A table's columns in order, with their position in its primary key (0: not in it).
    static let columnsSQL = """
        SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
               pg_get_expr(d.adbin, d.adrelid) AS default_sql,
               coalesce(array_position(p.conkey, a.attnum), 0) AS pk
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = current_schema()::regnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_constraint p ON p.conrelid = a.attrelid AND p.contype = 'p'
        WHERE c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """

    /// Single-column foreign keys to a table of the same (current) schema,
    /// with ON DELETE in SQLite's words. A composite key is left out (its
    /// first column alone is not the reference), and so is a parent in
    /// another schema: the model names a parent by its table name alone,
    /// which would read as the current schema's table of that name.
    static let referencesSQL = """
        SELECT a.attname AS column_name, p.relname AS parent, pa.attname AS parent_column,
               CASE f.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                                  WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete
        FROM pg_constraint f
        JOIN pg_class c ON c.oid = f.conrelid AND c.relnamespace = current_schema()::regnamespace
        JOIN pg_class p ON p.oid = f.confrelid AND p.relnamespace = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = f.conkey[1]
        JOIN pg_attribute pa ON pa.attrelid = f.confrelid AND pa.attnum = f.confkey[1]
        WHERE f.contype = 'f' AND c.relname = ? AND cardinality(f.conkey) = 1
        ORDER BY f.conname COLLATE "C"
        """

    /// Every index of a table: its columns (an expression in DBML's
    /// backticks), and whether it backs the primary key (pk), a UNIQUE
    /// constraint (u) or neither (c: CREATE INDEX), as SQLite's index_list says.
    static let indexesSQL = """
        SELECT i.relname AS name, x.indisunique AS unique,
               CASE WHEN x.indisprimary THEN 'pk' WHEN k.oid IS NOT NULL THEN 'u' ELSE 'c' END AS origin,
               replace(pg_get_indexdef(x.indexrelid), ' ON ' || quote_ident(current_schema()) || '.', ' ON ') AS definition,
               (SELECT string_agg(CASE WHEN x.indkey[n] = 0 THEN '`' || pg_get_indexdef(x.indexrelid, n + 1, true) || '`'
                                       ELSE pg_get_indexdef(x.indexrelid, n + 1, true) END, E'\\t' ORDER BY n)
                FROM generate_series(0, x.indnkeyatts - 1) AS n) AS columns
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid AND c.relnamespace = current_schema()::regnamespace
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.contype IN ('u', 'p')
        WHERE c.relname = ?
        ORDER BY i.relname COLLATE "C"
        """

    /// A table's constraints as `pg_get_constraintdef` states them, keys first.
    static let constraintsSQL = """
        SELECT k.conname AS name, k.contype::text AS type, pg_get_constraintdef(k.oid) AS definition
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid AND c.relnamespace = current_schema()::regnamespace
        WHERE c.relname = ?
        ORDER BY CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 2 ELSE 3 END, k.conname COLLATE "C"
        """
}
