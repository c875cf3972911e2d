/// What one import has seen so far (usernames, email identities) and
/// where, kept in a TEMP table of the import's own connection rather than
/// in memory, so a 200,000-record file costs the same memory as a small
/// one: SQLite's page cache is bounded and spills to its temp file. The
/// table is created inside the import's transaction and goes with it.
public final class ImportLedger {
    let db: Connection

    static let createSQL = "CREATE TEMP TABLE IF NOT EXISTS import_seen (key TEXT PRIMARY KEY, location TEXT NOT NULL) WITHOUT ROWID"
    static let clearSQL = "DELETE FROM temp.import_seen"
    static let insertSQL = "INSERT OR IGNORE INTO temp.import_seen (key, location) VALUES (?, ?)"
    static let findSQL = "SELECT location FROM temp.import_seen WHERE key = ?"

    /// The page cache of a bulk load, main and temp database alike: a fixed 8
    /// MiB each (SQLite's default is 2 MiB), so the indexes a load updates
    /// stay in memory instead of being read back from disk, and memory
    /// still does not grow with the file. As PurgeEngine does for its batches.
    static let cacheKiB = 8 * 1024

    public init(_ db: Connection) throws {
        self.db = db
        try db.execute("PRAGMA main.cache_size = -\(ImportLedger.cacheKiB)")
        try db.execute("PRAGMA temp.cache_size = -\(ImportLedger.cacheKiB)")
        try db.execute(ImportLedger.createSQL)
        try db.execute(ImportLedger.clearSQL)
    }

    /// Notes `key` as seen at `location`; if it was seen before, returns
    /// where, and keeps the first location.
    public func firstSeen(_ key: String, at location: String) throws -> String? {
        try db.execute(ImportLedger.insertSQL, [key, location])
        if db.changes == 1 { return nil }
        guard case .text(let earlier) = try db.scalar(ImportLedger.findSQL, [key]) else { return "?" }
        return earlier
    }
}
