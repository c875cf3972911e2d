import CSQLite
import SocializerCore

/// Owns a `sqlite3*` and closes it when the last owner goes: the connection,
/// or a statement that outlives it. So a statement always has a live
/// database to run on, and each handle is closed exactly once.
final class DatabaseHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { sqlite3_close_v2(pointer) }

    func lastError(_ code: Int32, sql: String?) -> DatabaseError {
        DatabaseError(extendedCode: sqlite3_extended_errcode(pointer) == 0 ? code : sqlite3_extended_errcode(pointer),
                      message: String(cString: sqlite3_errmsg(pointer)), sql: sql)
    }
}

/// A prepared statement (https://sqlite.org/c3ref/stmt.html): prepared in a
/// throwing init, finalized exactly once, in deinit. It keeps its database
/// handle alive. Parameters are always bound
/// (https://sqlite.org/c3ref/bind_blob.html); text is copied at bind time.
public final class Statement {
    let handle: OpaquePointer
    let database: DatabaseHandle
    public let sql: String
    public var columnNames: [String] { columnIndex.names }
    let columnIndex: ColumnIndex

    init(database: DatabaseHandle, sql: String) throws {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sql.withCString { text in
            let rc = sqlite3_prepare_v3(database.pointer, text, -1, 0, &statement, &tail)
            // Anything after the first statement but blanks and comments is a mistake, not something to drop.
            if rc == SQLITE_OK, let rest = tail, rest.pointee != 0 {
                var trailing: OpaquePointer?
                let restCode = sqlite3_prepare_v3(database.pointer, rest, -1, 0, &trailing, nil)
                if trailing != nil || restCode != SQLITE_OK {
                    sqlite3_finalize(trailing)
                    sqlite3_finalize(statement)
                    statement = nil
                    return SQLITE_MISUSE
                }
            }
            return rc
        }
        if rc == SQLITE_MISUSE {
            throw SocializerError.internalError("SQL holds more than one statement; run scripts with executeScript: \(sql)")
        }
        guard rc == SQLITE_OK, let statement else {
            throw database.lastError(rc, sql: sql)
        }
        self.handle = statement
        self.database = database
        self.sql = sql
        let count = sqlite3_column_count(statement)
        columnIndex = ColumnIndex((0..<count).map { String(cString: sqlite3_column_name(statement, $0)) },
                                  origins: (0..<count).map { Statement.origin(statement, $0) })
    }

    deinit { sqlite3_finalize(handle) }

    /// The table column a result column reads, when it reads one (through
    /// an alias or a scalar subquery too), for errors about a stored value
    /// (https://sqlite.org/c3ref/column_database_name.html). Read once, when
    /// the statement is prepared; statements are cached.
    private static func origin(_ statement: OpaquePointer, _ column: Int32) -> ColumnIndex.Origin? {
        guard let table = sqlite3_column_table_name(statement, column),
              let name = sqlite3_column_origin_name(statement, column) else { return nil }
        return ColumnIndex.Origin(table: String(cString: table), column: String(cString: name))
    }

    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// Whether a step has started and not reached its end or a reset.
    var isBusy: Bool { sqlite3_stmt_busy(handle) != 0 }

    /// Binds positional parameters; a count that does not match is a
    /// programming error reported as such, never silently ignored.
    public func bind(_ arguments: [DatabaseValueConvertible?]) throws {
        guard arguments.count == parameterCount else {
            throw SocializerError.internalError(
                "statement expects \(parameterCount) parameters, got \(arguments.count): \(sql)")
        }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch argument?.databaseValue ?? .null {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let s):
                var s = s
                rc = s.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        // A zero-length text still needs a non-NULL pointer, or it binds NULL.
                        guard let base = chars.baseAddress else { return csqlite_bind_text_transient(handle, index, "", 0) }
                        return csqlite_bind_text_transient(handle, index, base, UInt64(chars.count))
                    }
                }
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { buffer in
                    csqlite_bind_blob_transient(handle, index, buffer.baseAddress, UInt64(buffer.count))
                }
            }
            if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
        }
    }

    /// Advances to the next row: true when one is available.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.lastError(rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Ends the current run, releasing the read it may hold.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Copies the current row out of the engine.
    public func currentRow() -> Row {
        let count = columnNames.count
        var values: [DatabaseValue] = []
        values.reserveCapacity(count)
        for i in 0..<Int32(count) { values.append(value(at: i)) }
        return Row(index: columnIndex, values: values)
    }

    /// One column of the current row. Text that is not valid UTF-8 is kept
    /// as its bytes (a blob), never silently repaired.
    func value(at i: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard n > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard let p = sqlite3_column_text(handle, i) else { return .text("") }
            // SQLite ends text with a NUL: the C-string initialiser validates
            // without the generic path's metadata lookups (the bulk paths'
            // profile); text holding a NUL of its own takes the generic one.
            if let text = String(validatingCString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self)), text.utf8.count == n {
                return .text(text)
            }
            let bytes = UnsafeBufferPointer(start: p, count: n)
            guard let text = String(validating: bytes, as: UTF8.self) else { return .blob(Array(bytes)) }
            return .text(text)
        }
    }
}
