import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// Leaves the write lock free between the short transactions of a long run
/// (purge batches, `users rotate-key --all`), so that the app's writes get
/// through: after each transaction it waits as long as the transaction held
/// the lock, at most `maximumPauseMilliseconds`. Transactions shorter than
/// `minimumPauseMilliseconds` (a user's key rotation takes ~0.2 ms) add up
/// until they reach it, then pause as long as they held the lock together:
/// the lock is free half the time either way, without a sleep per row.
///
/// A writer waiting in SQLite's busy handler retries at 0, 1, 3, 8, 18, 33,
/// 53, 78, 103 and 128 ms (https://sqlite.org/c3ref/busy_timeout.html, the
/// default handler): never more than 25 ms apart in its first 128 ms. A
/// cycle of at most 70 ms of lock and 25 ms free therefore always meets one
/// of those retries, where re-locking at once could starve it until its
/// timeout.
public struct LockPacer: Sendable {
    public var maximumPauseMilliseconds: Double
    public var minimumPauseMilliseconds: Double
    /// Lock time not yet paid back by a pause.
    private var owed = 0.0

    public init(maximumPauseMilliseconds: Double = 25, minimumPauseMilliseconds: Double = 1) {
        self.maximumPauseMilliseconds = maximumPauseMilliseconds
        self.minimumPauseMilliseconds = minimumPauseMilliseconds
    }

    /// How long to leave the lock free now, after a transaction that held
    /// it `milliseconds`; 0 while short transactions are still adding up.
    public mutating func pauseMilliseconds(afterHolding milliseconds: Double) -> Double {
        owed += milliseconds
        guard owed >= minimumPauseMilliseconds else { return 0 }
        defer { owed = 0 }
        return min(maximumPauseMilliseconds, owed)
    }

    /// Sleeps out the pause, less what `alreadySpent` (work done outside the
    /// lock since the commit, such as a checkpoint) has used of it.
    public mutating func pause(afterHolding milliseconds: Double, alreadySpent: Stopwatch? = nil) {
        let spent = alreadySpent.map { Double($0.elapsedMicroseconds) / 1000 } ?? 0
        let wanted = pauseMilliseconds(afterHolding: milliseconds) - spent
        if wanted > 0 { usleep(UInt32(wanted * 1000)) }
    }

    /// Runs `body` in its own IMMEDIATE transaction, then pauses.
    public mutating func transaction<T>(on db: any Database, commit: Bool = true, _ body: () throws -> T) throws -> T {
        let lock = Stopwatch()
        let result = try db.transaction(.immediate, commit: commit, body)
        pause(afterHolding: Double(lock.elapsedMicroseconds) / 1000)
        return result
    }
}
