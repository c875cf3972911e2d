import SocializerCore

/// An error a PostgreSQL server reported for a statement, by its SQLSTATE
/// (https://www.postgresql.org/docs/current/errcodes-appendix.html). Like
/// `DatabaseError`, its description shows the server's message and the
/// statement text, never bound values: the DETAIL field (which quotes the
/// row or key that failed) is never kept, and the message of a data error
/// (class 22, which quotes the value it could not read) is replaced by its
/// class's wording.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Five characters; empty when libpq failed without a server error (a
    /// lost connection), whose `message` is then libpq's.
    public var sqlState: String
    public var message: String
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// The columns of a unique or foreign key violation, read from the
    /// DETAIL's `Key (a, b)=(…)` up to the `=`: the names, never the values.
    public var keyColumns: [String]
    public var sql: String?
    /// Where the input gave the row a COPY failed on (`file:line:column`),
    /// when the caller could say: the domain error starts with it.
    public var location: String?
    /// What depends on an object a DROP would remove (2BP01), one per line
    /// of the DETAIL (`view v depends on table users`): names, never values.
    public var dependents: [String] = []
    /// The error ended a COPY (`PostgresConnection+Copy.swift`): its cause
    /// is a row sent earlier, not the statement that was about to run.
    public var endedCopy = false

    public init(sqlState: String, message: String, table: String? = nil, column: String? = nil, constraint: String? = nil,
                keyColumns: [String] = [], sql: String? = nil) {
        self.sqlState = sqlState
        self.message = sqlState.hasPrefix("22") ? PostgresError.dataExceptionWording(sqlState) : message
        self.table = table
        self.column = column
        self.constraint = constraint
        self.keyColumns = keyColumns
        self.sql = sql
    }

    public var description: String {
        var text = "PostgreSQL error \(sqlState.isEmpty ? "(no SQLSTATE)" : sqlState): \(message)"
        if let location { text = "\(location): " + text }
        if let sql { text += " (while running: \(sql))" }
        return text
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Lock not available (lock_timeout), serialization failure, deadlock: retrying may succeed.
    public var isTransient: Bool { ["55P03", "40001", "40P01"].contains(sqlState) }

    /// `a, b` out of `Key (a, b)=(1, 2) already exists.`
    static func keyColumns(fromDetail detail: String?) -> [String] {
        guard let detail, let open = detail.firstRange(of: "Key ("), let close = detail.firstRange(of: ")=(") ,
              open.upperBound <= close.lowerBound else { return [] }
        return detail[open.upperBound..<close.lowerBound].split(separator: ",").map { $0.trimmedSpaces }
    }

    static func dataExceptionWording(_ sqlState: String) -> String {
        switch sqlState {
        case "22001": return "a value is too long for its column"
        case "22003": return "a number is out of range for its column"
        case "22007", "22008": return "a date or time is not valid for its column"
        case "22021": return "a text holds a character the database encoding cannot store"
        case "22P02": return "a value does not have the form its column's type needs"
        default: return "a value is not valid for its column"
        }
    }
}

extension PostgresError {
    /// The one translation from SQLSTATEs to domain errors, and so to the
    /// same exit codes as SQLite's errors: a unique violation 65, a lock
    /// wait past `lock_timeout` or a serialization failure or deadlock 75,
    /// insufficient privilege 77. Repositories translate the constraint
    /// failures they understand better before this runs.
    public var domainError: SocializerError {
        var error = engineError
        if let location { error.message = "\(location): " + error.message }
        return error
    }

    private var engineError: SocializerError {
        let inTable = table.map { " (table \($0))" } ?? ""
        switch sqlState {
        case "23505":
            guard let table, !keyColumns.isEmpty else { return .invalid("that record already exists") }
            return .invalid("a \(table) row with that \(keyColumns.joined(separator: ", ")) already exists")
        case "23502":
            guard let table, let column else { return .invalid("a required value is missing") }
            return .invalid("\(table).\(column) needs a value")
        case "23503":
            return .invalid("the change refers to a record that does not exist, or is still referred to")
        case "23514":
            return .invalid("a value is outside what the database accepts"
                            + (constraint.map { " (check constraint \($0)\(table.map { " on \($0)" } ?? ""))" } ?? ""))
        case "P0001":
            // A trigger's RAISE EXCEPTION: the database owner's own words.
            return .invalid("the database refused the change: \(message)\(inTable)")
        case "2BP01":
            return SocializerError(.configuration, "other objects in the database depend on what would be dropped", details: dependents)
        case "55P03":
            return SocializerError(.temporarilyUnavailable, "the database is locked by another connection", reason: .locked)
        case "40001":
            return SocializerError(.temporarilyUnavailable,
                                   "the transaction conflicted with another connection's (serialization failure); it was rolled back",
                                   reason: .locked)
        case "40P01":
            return SocializerError(.temporarilyUnavailable, "the transaction deadlocked with another connection's; it was rolled back",
                                   reason: .locked)
        case "57014":
            return SocializerError(.temporarilyUnavailable, "the server cancelled the statement (statement_timeout, or an administrator)")
        case "42501":
            return SocializerError(.permissionDenied, "permission denied by the database: \(message)",
                                   hint: "the PostgreSQL role in the URL needs privileges on the app's tables (GRANT)")
        case "25006":
            return SocializerError(.permissionDenied, "the database is read-only here (a standby, or default_transaction_read_only)")
        case "53100":
            return SocializerError(.ioError, "the database server's disk is full; the transaction was rolled back")
        case "57P01", "57P02", "57P03", "53300", "":
            return SocializerError(.unavailable, "lost the connection to the PostgreSQL server: \(message)")
        default:
            if sqlState.hasPrefix("23") { return .invalid("the change breaks a database constraint") }
            if sqlState.hasPrefix("22") { return .invalid(message + inTable) }
            if sqlState.hasPrefix("08") {
                return SocializerError(.unavailable, "lost the connection to the PostgreSQL server: \(message)")
            }
            return .internalError("unexpected database error (SQLSTATE \(sqlState): \(message))")
        }
    }
}
