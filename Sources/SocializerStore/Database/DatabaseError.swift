import CSQLite
import SocializerCore

/// An error reported by SQLite. Its description shows the engine's message
/// and the statement text, never bound values: those may be secrets.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (https://sqlite.org/rescode.html).
    public var extendedCode: Int32
    public var message: String
    public var sql: String?

    public var primaryCode: Int32 { extendedCode & 0xFF }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (while running: \(sql))" }
        return text
    }

    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isConstraint: Bool { primaryCode == SQLITE_CONSTRAINT }
    public var isUniqueConstraint: Bool {
        extendedCode == CSQLITE_CONSTRAINT_UNIQUE || extendedCode == CSQLITE_CONSTRAINT_PRIMARYKEY
    }
}

extension DatabaseError {
    /// The one translation from engine errors to domain errors (and so exit
    /// codes). Repositories translate constraint failures they understand
    /// better ("user 'alice' already exists") before this runs.
    public var domainError: SocializerError {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return SocializerError(.temporarilyUnavailable,
                "the database is locked by another connection", reason: .locked)
        case SQLITE_CONSTRAINT:
            return .invalid(Self.constraintSentence(extendedCode, message))
        case SQLITE_READONLY:
            return SocializerError(.permissionDenied, "the database is read-only here",
                hint: "check the permissions of the database file and of its folder (SQLite writes a journal beside it)")
        case SQLITE_PERM, SQLITE_AUTH:
            return SocializerError(.permissionDenied, "permission denied by the database")
        case SQLITE_CANTOPEN:
            return SocializerError(.cannotCreate, "cannot open the database file")
        case SQLITE_NOTADB:
            return .invalid("the file is not a SQLite database")
        case SQLITE_CORRUPT:
            return SocializerError(.ioError, "the database is corrupt; nothing was written",
                hint: "recover what is left with: sqlite3 DB .recover | sqlite3 NEW.db")
        case SQLITE_FULL:
            return SocializerError(.ioError, "the disk is full; the transaction was rolled back")
        case SQLITE_IOERR:
            return SocializerError(.ioError, "I/O error while accessing the database; the transaction was rolled back")
        case SQLITE_INTERRUPT:
            return SocializerError(.interrupted, "interrupted; the open transaction was rolled back")
        case SQLITE_TOOBIG:
            return .invalid("a value is too large for the database")
        case SQLITE_MISMATCH:
            return .invalid("a value has the wrong type for its column")
        default:
            return .internalError("unexpected database error (\(message))")
        }
    }

    /// "UNIQUE constraint failed: users.username" → "a users row with that
    /// username already exists".
    static func constraintSentence(_ code: Int32, _ message: String) -> String {
        let detail = message.split(separator: ":", maxSplits: 1).dropFirst().first
            .map { $0.trimmedSpaces } ?? ""
        let columns = detail.split(separator: ",").map { $0.trimmedSpaces }
        let table = columns.first.map { String($0.split(separator: ".").first ?? "") } ?? ""
        let names = columns.map { String($0.split(separator: ".").last ?? "") }.joined(separator: ", ")
        switch code {
        case CSQLITE_CONSTRAINT_UNIQUE, CSQLITE_CONSTRAINT_PRIMARYKEY:
            return table.isEmpty ? "that record already exists" : "a \(table) row with that \(names) already exists"
        case CSQLITE_CONSTRAINT_NOTNULL:
            return table.isEmpty ? "a required value is missing" : "\(table).\(names) needs a value"
        case CSQLITE_CONSTRAINT_FOREIGNKEY:
            return "the change refers to a record that does not exist, or is still referred to"
        case CSQLITE_CONSTRAINT_CHECK:
            return "a value is outside what the database accepts"
        default:
            return "the change breaks a database constraint"
        }
    }
}

