import SocializerCore

extension Connection {
    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN: a deferred transaction that reads
        /// and later writes fails at once with "database is locked" when
        /// another connection committed in between, whatever the busy timeout.
        case immediate = "IMMEDIATE"
    }

    /// Runs `body` in a transaction, or in a savepoint when one is already
    /// open. Any error rolls back and is rethrown. With `commit: false` the
    /// work is rolled back even on success: that is how dry runs are real
    /// runs that leave nothing behind.
    public func transaction<T>(_ kind: TransactionKind = .immediate, commit: Bool = true,
                               _ body: () throws -> T) throws -> T {
        if isInTransaction {
            let name = "socializer_sp"
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                if commit {
                    try execute("RELEASE \(name)")
                } else {
                    try execute("ROLLBACK TO \(name)")
                    try execute("RELEASE \(name)")
                }
                return result
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN \(kind.rawValue)")
        do {
            let result = try body()
            if commit {
                try execute("COMMIT")
            } else {
                try execute("ROLLBACK")
            }
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }
}
