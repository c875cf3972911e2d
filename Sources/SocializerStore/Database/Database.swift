import SocializerCore

/// The engine seam (issue 16): what a repository, the migrator and the
/// purge engine need of a database, whichever engine holds it. SQLite's
/// `Connection` and PostgreSQL's `PostgresConnection` conform; code written
/// against `any Database` runs on both.
///
/// SQL is written once, in the form both engines accept, with `?` for each
/// bound value: PostgreSQL's connection rewrites the placeholders to `$1`,
/// `$2`, … once per statement text (see `SQLDialect.numberingPlaceholders`).
/// Where the engines' SQL really differs (case-insensitive LIKE, byte-wise
/// comparison, now and today, "no limit", the catalog), the repository asks
/// `dialect` for the fragment instead of testing the engine itself.
///
/// Rows come back as the same `Row` of `DatabaseValue`s on both: PostgreSQL
/// booleans as 0/1, integers and floats as numbers, timestamps, dates and
/// JSON as their text, so every model decodes with its one `init(row:)`.
public protocol Database: AnyObject {
    var dialect: SQLDialect { get }
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { get }
    /// Whether a transaction is open.
    var isInTransaction: Bool { get }

    /// Runs one statement with bound parameters, discarding any rows.
    func execute(_ sql: String, _ arguments: [DatabaseValueConvertible?]) throws
    /// Runs several statements without parameters.
    func executeScript(_ sql: String) throws
    func rows(_ sql: String, _ arguments: [DatabaseValueConvertible?]) throws -> [Row]
    func firstRow(_ sql: String, _ arguments: [DatabaseValueConvertible?]) throws -> Row?
    /// Streams rows; memory does not grow with the row count, and no other
    /// statement may run on the connection from `body` on PostgreSQL.
    func forEachRow(_ sql: String, _ arguments: [DatabaseValueConvertible?], _ body: (Row) throws -> Void) throws
    /// Runs an INSERT of one row and returns the new row's `column` (its
    /// id): SQLite's last inserted rowid, PostgreSQL's `RETURNING`.
    func insert(_ sql: String, _ arguments: [DatabaseValueConvertible?], returning column: String) throws -> Int64
    /// The transaction and savepoint model of `TransactionModel`.
    func transaction<T>(_ kind: Connection.TransactionKind, commit: Bool, _ body: () throws -> T) throws -> T
    /// How long a statement waits for another connection's lock before
    /// failing with exit 75: SQLite's busy timeout, PostgreSQL's lock_timeout.
    func setLockTimeout(milliseconds: Int32) throws
    /// Calls `body` with the text of every statement as it starts (never its values).
    func trace(_ body: ((String) -> Void)?)
    /// Runs `body` and returns the rows it inserted, updated and deleted per
    /// table: what the audit trail records.
    func countingChanges<T>(_ body: () throws -> T) throws -> (value: T, changes: ChangeSet)
}

extension Database {
    public func execute(_ sql: String) throws { try execute(sql, []) }
    public func rows(_ sql: String) throws -> [Row] { try rows(sql, []) }
    public func firstRow(_ sql: String) throws -> Row? { try firstRow(sql, []) }
    public func forEachRow(_ sql: String, _ body: (Row) throws -> Void) throws { try forEachRow(sql, [], body) }

    public func scalar(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> DatabaseValue {
        try firstRow(sql, arguments)?.values.first ?? .null
    }

    public func scalarInt(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> Int64 {
        if case .integer(let v) = try scalar(sql, arguments) { return v }
        return 0
    }

    public func transaction<T>(_ kind: Connection.TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try transaction(kind, commit: true, body)
    }

    /// Whether the table exists in the database (SQLite's main schema,
    /// PostgreSQL's current schema).
    public func tableExists(_ name: String) throws -> Bool {
        try scalarInt(dialect.tableExistsSQL, [name]) > 0
    }

    /// Whether the index exists (SQLite's main schema, PostgreSQL's current schema).
    public func indexExists(_ name: String) throws -> Bool {
        try scalarInt(dialect.indexExistsSQL, [name]) > 0
    }

    /// Whether `table` (a name from the schema, never input) holds a row:
    /// the first one found, not a count.
    public func hasRows(_ table: String) throws -> Bool {
        try firstRow("SELECT 1 FROM \(table) LIMIT 1") != nil
    }

    /// The schema tables are read from and made in: PostgreSQL's current
    /// schema (the first of its search_path that exists); SQLite's `main`.
    public func currentSchema() throws -> String {
        guard dialect.isPostgres else { return "main" }
        guard case .text(let schema) = try scalar("SELECT current_schema()") else {
            throw SocializerError.configuration("the PostgreSQL session has no current schema (its search_path names none that exists)",
                                                hint: "name one with ?options=-csearch_path%3Dname in the URL")
        }
        return schema
    }

    /// Every table of the database (current schema), by name.
    public func tableNames() throws -> [String] {
        try rows(dialect.tableNamesSQL).map { try $0.string("name") }
    }
}

/// An error an engine reported for a statement, whichever engine: what a
/// repository needs to translate the failures it understands better than
/// the generic mapping ("user 'alice' already exists").
public protocol DatabaseFailure: Error, CustomStringConvertible {
    /// The engine's message (never a bound value).
    var message: String { get }
    /// A UNIQUE or PRIMARY KEY violation.
    var isUniqueConstraint: Bool { get }
    /// The lock was not given in time, or the transaction lost a conflict:
    /// running again may succeed (exit 75).
    var isBusy: Bool { get }
    /// The one translation to a domain error and exit code.
    var domainError: SocializerError { get }
}

extension DatabaseError: DatabaseFailure {}

extension PostgresError: DatabaseFailure {
    /// A COPY's unique violation is not the violation of the statement that ended it.
    public var isUniqueConstraint: Bool { isUniqueViolation && !endedCopy }
    public var isBusy: Bool { isTransient }
}

extension Database {
    /// This database as SQLite's connection, for the Store code whose
    /// SQLite side differs in kind (the live schema read through PRAGMAs,
    /// the generator's prepared statements); its callers take it only on
    /// SQLite, so on PostgreSQL this is a bug, reported as exit 69 rather
    /// than a crash.
    public func sqliteConnection() throws -> Connection {
        guard let connection = self as? Connection else {
            throw SocializerError(.unavailable, "this step does not run on PostgreSQL yet")
        }
        return connection
    }
}
