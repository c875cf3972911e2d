import SocializerCore

/// PostgreSQL's side of the engine seam.
extension PostgresConnection: Database {
    public var dialect: SQLDialect { .postgres }

    /// Runs the INSERT with `RETURNING column` and returns that value.
    public func insert(_ sql: String, _ arguments: [DatabaseValueConvertible?], returning column: String) throws -> Int64 {
        let row = try firstRow(sql + " RETURNING " + SQL.quote(column), arguments)
        guard let row, case .integer(let id) = row[0] else {
            throw SocializerError.internalError("an INSERT returned no \(column): \(sql)")
        }
        return id
    }

    /// The rows `body` changed per table, read from the server's own
    /// counters of the current transaction (`pg_stat_xact_user_tables`,
    /// https://www.postgresql.org/docs/current/monitoring-stats.html) before
    /// and after it: every row, those of ON DELETE CASCADE and SET NULL
    /// included, as SQLite's update hook counts them. Run it inside a
    /// transaction (the write runner does): the counters are the
    /// transaction's. Unlike SQLite's hook, they carry no row ids, so
    /// `sampleRowIDs` stays empty and a write names its audit target itself,
    /// nor the order the tables changed in: they are listed by name.
    public func countingChanges<T>(_ body: () throws -> T) throws -> (value: T, changes: ChangeSet) {
        let before = try transactionCounters()
        let value = try body()
        let after = try transactionCounters()
        var tables: [ChangeSet.TableChanges] = []
        for (table, counts) in after.sorted(by: { $0.key < $1.key }) {
            let earlier = before[table] ?? (0, 0, 0)
            let change = ChangeSet.TableChanges(table: table, inserted: counts.0 - earlier.0, updated: counts.1 - earlier.1,
                                                deleted: counts.2 - earlier.2)
            if change.total > 0 { tables.append(change) }
        }
        return (value, ChangeSet(tables: tables))
    }

    static let countersSQL = """
        SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_catalog.pg_stat_xact_user_tables
        WHERE schemaname = current_schema() AND n_tup_ins + n_tup_upd + n_tup_del > 0
        """

    private func transactionCounters() throws -> [String: (Int, Int, Int)] {
        var counters: [String: (Int, Int, Int)] = [:]
        for row in try rows(PostgresConnection.countersSQL) {
            counters[try row.string("relname")] = (Int(try row.int("n_tup_ins")), Int(try row.int("n_tup_upd")),
                                                   Int(try row.int("n_tup_del")))
        }
        return counters
    }
}
