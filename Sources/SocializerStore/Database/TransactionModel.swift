/// The one transaction and savepoint model of both engines (SQLite's
/// `Connection`, PostgreSQL's `PostgresConnection`): a transaction, or a
/// savepoint when one is already open; any error rolls back to where the
/// body started and is rethrown; `commit: false` rolls back even on
/// success, which is how dry runs are real runs that leave nothing behind.
/// The savepoint statements are written as both engines accept them; only
/// the BEGIN differs (SQLite's IMMEDIATE takes the write lock at once).
enum TransactionModel {
    static let savepoint = "socializer_sp"

    static func run<T>(begin: String, isInTransaction: () -> Bool, execute: (String) throws -> Void,
                       commit: Bool, _ body: () throws -> T) throws -> T {
        if isInTransaction() {
            try execute("SAVEPOINT \(savepoint)")
            do {
                let result = try body()
                if !commit { try execute("ROLLBACK TO \(savepoint)") }
                try execute("RELEASE \(savepoint)")
                return result
            } catch {
                try? execute("ROLLBACK TO \(savepoint)")
                try? execute("RELEASE \(savepoint)")
                throw error
            }
        }
        try execute(begin)
        do {
            let result = try body()
            try execute(commit ? "COMMIT" : "ROLLBACK")
            return result
        } catch {
            if isInTransaction() { try? execute("ROLLBACK") }
            throw error
        }
    }
}
