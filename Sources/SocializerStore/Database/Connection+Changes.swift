import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The rows one stretch of work inserted, updated and deleted, per table of
/// the main database, in the order the tables were first changed: what the
/// audit trail records as `rows`, counted by the engine whatever SQL a verb
/// ran (cascades through foreign keys included), so no verb counts for itself.
public struct ChangeSet: Sendable, Equatable {
    public struct TableChanges: Sendable, Equatable {
        public var table: String
        public var inserted = 0
        public var updated = 0
        public var deleted = 0
        /// The first row ids changed (at most `ChangeSet.sampleSize`, in
        /// order, repeats kept out): enough to tell which table an id a verb
        /// reports belongs to, without memory growing with a bulk load.
        public var sampleRowIDs: [Int64] = []

        public init(table: String, inserted: Int = 0, updated: Int = 0, deleted: Int = 0, sampleRowIDs: [Int64] = []) {
            self.table = table
            self.inserted = inserted
            self.updated = updated
            self.deleted = deleted
            self.sampleRowIDs = sampleRowIDs
        }

        public var total: Int { inserted + updated + deleted }
    }

    public static let sampleSize = 32

    public var tables: [TableChanges]

    public init(tables: [TableChanges] = []) { self.tables = tables }

    public var isEmpty: Bool { tables.allSatisfy { $0.total == 0 } }

    public func changes(of table: String) -> TableChanges? { tables.first { $0.table == table } }

    /// Adds what another stretch changed (runs of several transactions).
    public mutating func add(_ other: ChangeSet) {
        for change in other.tables {
            guard let index = tables.firstIndex(where: { $0.table == change.table }) else {
                tables.append(change)
                continue
            }
            tables[index].inserted += change.inserted
            tables[index].updated += change.updated
            tables[index].deleted += change.deleted
            for id in change.sampleRowIDs where tables[index].sampleRowIDs.count < ChangeSet.sampleSize
                && !tables[index].sampleRowIDs.contains(id) {
                tables[index].sampleRowIDs.append(id)
            }
        }
    }
}

extension Connection {
    /// Runs `body` and returns what it changed in the main database, per
    /// table. This is the engine seam of the audit trail's counts: SQLite
    /// reports every row through its update hook
    /// (https://sqlite.org/c3ref/update_hook.html), rows deleted or set NULL
    /// by foreign-key actions included; a PostgreSQL engine would read the
    /// same counts from `pg_stat_xact_user_tables` inside the transaction.
    ///
    /// What the hook does not see, and this tool therefore never does on a
    /// counted table: rows of WITHOUT ROWID tables, rows a REPLACE conflict
    /// removes (use ON CONFLICT DO UPDATE), and a DELETE without WHERE on a
    /// table that no foreign key involves (SQLite's truncate optimization;
    /// with `foreign_keys` on, as every connection here has it, tables that
    /// refer to others or are referred to are always deleted row by row).
    /// TEMP tables are not counted: they are a verb's scratch space.
    public func countingChanges<T>(_ body: () throws -> T) rethrows -> (value: T, changes: ChangeSet) {
        let counter = ChangeCounter()
        let context = Unmanaged.passRetained(counter)
        sqlite3_update_hook(handle, { context, operation, database, table, rowID in
            guard let context, let database, let table else { return }
            Unmanaged<ChangeCounter>.fromOpaque(context).takeUnretainedValue()
                .note(operation, database: database, table: table, rowID: rowID)
        }, context.toOpaque())
        defer {
            sqlite3_update_hook(handle, nil, nil)
            context.release()
        }
        let value = try body()
        return (value, counter.changeSet)
    }
}

/// Counts the update hook's calls; called once per changed row, so it
/// compares C strings and remembers the last table instead of building a
/// Swift string for each row.
final class ChangeCounter {
    private var names: [[CChar]] = []
    private var changes: [ChangeSet.TableChanges] = []
    private var last = -1

    func note(_ operation: Int32, database: UnsafePointer<CChar>, table: UnsafePointer<CChar>, rowID: Int64) {
        guard strcmp(database, "main") == 0 else { return }
        let index: Int
        if last >= 0, names[last].withUnsafeBufferPointer({ strcmp($0.baseAddress!, table) }) == 0 {
            index = last
        } else if let found = names.firstIndex(where: { $0.withUnsafeBufferPointer { strcmp($0.baseAddress!, table) } == 0 }) {
            index = found
        } else {
            names.append(Array(UnsafeBufferPointer(start: table, count: strlen(table) + 1)))
            changes.append(ChangeSet.TableChanges(table: String(cString: table)))
            index = names.count - 1
        }
        last = index
        switch operation {
        case SQLITE_INSERT: changes[index].inserted += 1
        case SQLITE_UPDATE: changes[index].updated += 1
        case SQLITE_DELETE: changes[index].deleted += 1
        default: return
        }
        if changes[index].sampleRowIDs.count < ChangeSet.sampleSize, changes[index].sampleRowIDs.last != rowID,
           !changes[index].sampleRowIDs.contains(rowID) {
            changes[index].sampleRowIDs.append(rowID)
        }
    }

    var changeSet: ChangeSet { ChangeSet(tables: changes) }
}
