import SocializerCore

/// The secondary indexes of the app's tables, dropped for a bulk load into
/// a new database and built again once the rows are in: `CREATE INDEX`
/// sorts each index once, where inserting row by row updates every index
/// at a random place per row (measured: a million room messages load in a
/// third of the time). Run both inside the load's transaction, so a failure
/// rolls the drop back too; only for empty tables (a large table's indexes
/// would be rebuilt for a few rows). Unique indexes stay: they find
/// conflicts during the load, and so do the users' (email lookups).
public struct DeferredIndexes {
    let indexes: [(name: String, sql: String)]

    /// Drops them; returns what `rebuild` makes again.
    public static func drop(_ db: Connection) throws -> DeferredIndexes {
        let tables = FixtureGroup.allCases.filter { $0 != .users }.map(\.table)
        let indexes = try db.rows("""
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
            AND tbl_name IN (\(SQL.placeholders(tables.count))) ORDER BY rowid
            """, tables.map { $0 }).map { (name: try $0.string("name"), sql: try $0.string("sql")) }
            .filter { !$0.sql.uppercased().hasPrefix("CREATE UNIQUE") }
        for index in indexes { try db.execute("DROP INDEX \(SQL.quote(index.name))") }
        return DeferredIndexes(indexes: indexes)
    }

    /// Builds every dropped index again, with its own SQL, in its order.
    public func rebuild(_ db: Connection) throws {
        for index in indexes { try db.execute(index.sql) }
    }
}
