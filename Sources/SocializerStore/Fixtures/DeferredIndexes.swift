import SocializerCore

/// The secondary indexes of the app's tables, dropped for a bulk load into
/// a new database and built again once the rows are in: `CREATE INDEX`
/// sorts each index once, where inserting row by row updates every index
/// at a random place per row (measured: a million room messages load in a
/// third of the time). Run both inside the load's transaction, so a failure
/// rolls the drop back too; only for empty tables (a large table's indexes
/// would be rebuilt for a few rows): every table of a new database, the
/// empty ones of a database that holds rows. Unique indexes stay: they find
/// conflicts during the load, and so do the users' (email lookups).
public struct DeferredIndexes {
    let indexes: [(name: String, sql: String)]

    /// Drops them; returns what `rebuild` makes again. In a database that
    /// holds rows (`onlyEmptyTables`), only the indexes of tables that are
    /// still empty: the load's transaction keeps writers out until they are
    /// built again, and readers see the snapshot before it.
    public static func drop(_ db: Connection, onlyEmptyTables: Bool = false) throws -> DeferredIndexes {
        let tables = try FixtureGroup.allCases.filter { $0 != .users }.map(\.table).filter { table in
            try !onlyEmptyTables || !db.hasRows(table)
        }
        guard !tables.isEmpty else { return DeferredIndexes(indexes: []) }
        let indexes = try db.rows("""
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
            AND tbl_name IN (\(SQL.placeholders(tables.count))) ORDER BY rowid
            """, tables.map { $0 }).map { (name: try $0.string("name"), sql: try $0.string("sql")) }
            .filter { !$0.sql.uppercased().hasPrefix("CREATE UNIQUE") }
        for index in indexes { try db.execute("DROP INDEX \(SQL.quote(index.name))") }
        return DeferredIndexes(indexes: indexes)
    }

    /// Builds every dropped index again, with its own SQL, in its order,
    /// with a small page cache: SQLite's sorter sizes its in-memory runs by
    /// the cache, and the load's 64 MiB made larger runs that sort slower
    /// and stay in memory (measured on a million room messages: the four
    /// indexes in 1.40 s with 4 MiB against 2.17 s with 64 MiB, and peak
    /// memory no longer growing with the rows). The load's cache comes back after.
    public func rebuild(_ db: Connection) throws {
        guard !indexes.isEmpty else { return }
        let loadCache = try db.scalarInt("PRAGMA main.cache_size")
        try db.execute("PRAGMA main.cache_size = -\(DeferredIndexes.rebuildCacheKiB)")
        defer { try? db.execute("PRAGMA main.cache_size = \(loadCache)") }
        for index in indexes { try db.execute(index.sql) }
    }

    static let rebuildCacheKiB = 4 * 1024
}
