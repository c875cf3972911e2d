import SocializerCore

/// The schema of a live database, read from `sqlite_master` and the
/// table pragmas (https://sqlite.org/pragma.html#pragma_table_xinfo).
public struct LiveSchema: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var type: String
        public var notNull: Bool
        public var defaultSQL: String?
        public var primaryKeyPosition: Int
    }
    public struct Reference: Sendable {
        public var column: String
        public var parentTable: String
        public var parentColumn: String
        public var onDelete: String
    }
    public struct Index: Sendable {
        public var name: String
        public var columns: [String]
        public var unique: Bool
        /// "c" created by CREATE INDEX, "u" a UNIQUE constraint, "pk" the key.
        public var origin: String
    }
    public struct Table: Sendable {
        public var name: String
        public var sql: String
        public var columns: [Column]
        public var references: [Reference]
        public var indexes: [Index]
        /// SQLite's AUTOINCREMENT, or a PostgreSQL sequence default (SERIAL).
        public var autoincrement: Bool {
            sql.uppercased().contains("AUTOINCREMENT") || columns.contains { $0.defaultSQL?.hasPrefix("nextval(") == true }
        }
    }

    public var tables: [Table]
    /// CREATE statements in a stable order: tables by name, then their indexes.
    public var statements: [String]

    public static func read(from connection: Connection) throws -> LiveSchema {
        var tables: [Table] = []
        var statements: [String] = []
        let tableRows = try connection.rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        for row in tableRows {
            let name = try row.string("name")
            let quoted = SQL.quote(name)
            let sql = try row.string("sql")
            statements.append(sql)
            let columns = try connection.rows("PRAGMA table_info(\(quoted))").map { c in
                Column(name: try c.string("name"), type: try c.string("type"), notNull: try c.int("notnull") != 0,
                       defaultSQL: try c.optionalString("dflt_value"), primaryKeyPosition: Int(try c.int("pk")))
            }
            let references = try connection.rows("PRAGMA foreign_key_list(\(quoted))").map { r in
                Reference(column: try r.string("from"), parentTable: try r.string("table"),
                          parentColumn: try r.optionalString("to") ?? "id", onDelete: try r.string("on_delete"))
            }
            var indexes: [Index] = []
            for i in try connection.rows("PRAGMA index_list(\(quoted))") {
                let indexName = try i.string("name")
                var indexColumns = try connection.rows("PRAGMA index_info(\(SQL.quote(indexName)))")
                    .map { try $0.optionalString("name") }
                if indexColumns.contains(nil) {
                    // An index on an expression: its text, from the CREATE INDEX statement, in DBML's backticks.
                    let sql = try connection.firstRow("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                                      [indexName]).flatMap { try $0.optionalString("sql") } ?? ""
                    indexColumns = [LiveSchema.indexedExpression(sql).map { "`\($0)`" } ?? "`?`"]
                }
                indexes.append(Index(name: indexName, columns: indexColumns.map { $0 ?? "" }, unique: try i.int("unique") != 0,
                                     origin: try i.string("origin")))
            }
            indexes.sort { $0.name < $1.name }
            tables.append(Table(name: name, sql: sql, columns: columns, references: references, indexes: indexes))
        }
        let indexRows = try connection.rows(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY tbl_name, name")
        statements += try indexRows.map { try $0.string("sql") }
        let others = try connection.rows(
            "SELECT sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY type, name")
        statements += try others.map { try $0.string("sql") }
        return LiveSchema(tables: tables, statements: statements)
    }

    public func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    /// `lower(trim(hashed_email))` of `CREATE INDEX i ON users (lower(trim(hashed_email)))`.
    static func indexedExpression(_ sql: String) -> String? {
        guard let on = sql.firstRange(of: " ON ") ?? sql.firstRange(of: " on "),
              let open = sql[on.upperBound...].firstIndex(of: "("), let close = sql.lastIndex(of: ")"), open < close else { return nil }
        return String(sql[sql.index(after: open)..<close]).trimmedSpaces
    }
}
