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
        try TransactionModel.run(begin: "BEGIN \(kind.rawValue)", isInTransaction: { isInTransaction },
                                 execute: { try execute($0) }, commit: commit, body)
    }
}
