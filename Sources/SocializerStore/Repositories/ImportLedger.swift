/// What one import has seen so far (usernames, email identities) and
/// where, kept in a TEMP table of the import's own connection rather than
/// in memory, so a 200,000-record file costs the same memory as a small
/// one: SQLite's page cache is bounded and spills to its temp file. The
/// table is created inside the import's transaction and goes with it.
public final class ImportLedger {
    let db: any Database
    let createSQL: String
    let clearSQL: String
    let insertSQL: String
    let findSQL: String
    let createHashesSQL: String
    let storeHashSQL: String
    let findHashSQL: String

    /// The page cache of a bulk load, main and temp database alike: a fixed 8
    /// MiB each (SQLite's default is 2 MiB), so the indexes a load updates
    /// stay in memory instead of being read back from disk, and memory
    /// still does not grow with the file. As PurgeEngine does for its batches.
    /// (PostgreSQL's server owns its buffers: nothing to set there.)
    static let cacheKiB = 8 * 1024

    public init(_ db: any Database) throws {
        self.db = db
        let temp = db.dialect.temporarySchema
        createSQL = "CREATE TEMP TABLE IF NOT EXISTS import_seen (key TEXT PRIMARY KEY, location TEXT NOT NULL)" + db.dialect.withoutRowID
        clearSQL = "DELETE FROM \(temp).import_seen"
        insertSQL = "INSERT INTO \(temp).import_seen (key, location) VALUES (?, ?) ON CONFLICT DO NOTHING"
        findSQL = "SELECT location FROM \(temp).import_seen WHERE key = ?"
        createHashesSQL = "CREATE TEMP TABLE IF NOT EXISTS import_hash (ordinal INTEGER PRIMARY KEY, username TEXT NOT NULL, hash TEXT NOT NULL)"
        storeHashSQL = "INSERT INTO \(temp).import_hash (ordinal, username, hash) VALUES (?, ?, ?) "
            + "ON CONFLICT (ordinal) DO UPDATE SET username = excluded.username, hash = excluded.hash"
        findHashSQL = "SELECT username, hash FROM \(temp).import_hash WHERE ordinal = ?"
        for statement in db.dialect.bulkLoadCache(kib: ImportLedger.cacheKiB) { try db.execute(statement) }
        try db.execute(createSQL)
        try db.execute(clearSQL)
        try db.execute(createHashesSQL)
    }

    /// Keeps a password hash made before the write lock for the writing
    /// pass, by the record's ordinal (with its username, to check it is
    /// the same record when the file is read again).
    public func storeHash(ordinal: Int, username: String, hash: String) throws {
        try db.execute(storeHashSQL, [Int64(ordinal), username, hash])
    }

    /// The hash stored for the record at `ordinal`, if it is `username`'s.
    public func hash(ordinal: Int, username: String) throws -> String? {
        guard let row = try db.firstRow(findHashSQL, [Int64(ordinal)]),
              try row.string("username") == username else { return nil }
        return try row.string("hash")
    }

    /// Forgets what the checking pass saw (its hashes stay for the writing pass).
    public func forgetSeen() throws {
        try db.execute(clearSQL)
    }

    /// Notes `key` as seen at `location`; if it was seen before, returns
    /// where, and keeps the first location.
    public func firstSeen(_ key: String, at location: String) throws -> String? {
        try db.execute(insertSQL, [key, location])
        if db.changes == 1 { return nil }
        guard case .text(let earlier) = try db.scalar(findSQL, [key]) else { return "?" }
        return earlier
    }
}
