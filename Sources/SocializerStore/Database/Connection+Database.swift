import SocializerCore

/// SQLite's side of the engine seam: `Connection` already has the reading
/// API; this adds what differs by engine.
extension Connection: Database {
    public var dialect: SQLDialect { .sqlite }

    /// Runs the INSERT and returns the new row's rowid, which is its
    /// `INTEGER PRIMARY KEY` (`column`, always `id` here).
    public func insert(_ sql: String, _ arguments: [DatabaseValueConvertible?], returning column: String) throws -> Int64 {
        try execute(sql, arguments)
        return lastInsertedRowID
    }

    public func setLockTimeout(milliseconds: Int32) throws { setBusyTimeout(milliseconds: milliseconds) }
}
