import CSQLite
import SocializerCore

/// The bulk paths' side of a statement (fixture loads, generation, dumps):
/// parameters bound one at a time and columns read in place, so a loop of a
/// million rows builds no argument array and no `Row` per row. Text is
/// still copied at bind time (https://sqlite.org/c3ref/bind_blob.html,
/// SQLITE_TRANSIENT), and column text is only valid until the next step
/// (https://sqlite.org/c3ref/column_blob.html), which `withText` enforces by
/// scope.
extension Statement {
    /// Ends the previous run and forgets its parameters, before binding anew.
    public func clear() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds parameter `index` (1-based).
    public func bind(_ value: DatabaseValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(var s):
            rc = s.withUTF8 { bind(bytes: $0, at: index) }
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { csqlite_bind_blob_transient(handle, index, $0.baseAddress, UInt64($0.count)) }
        }
        if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
    }

    /// Binds UTF-8 text held in a caller's buffer.
    public func bind(text bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        let rc = bind(bytes: bytes, at: index)
        if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
    }

    private func bind(bytes: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        bytes.withMemoryRebound(to: CChar.self) { chars in
            // A zero-length text still needs a non-NULL pointer, or it binds NULL.
            guard let base = chars.baseAddress else { return csqlite_bind_text_transient(handle, index, "", 0) }
            return csqlite_bind_text_transient(handle, index, base, UInt64(chars.count))
        }
    }

    public func bind(_ value: Int64, at index: Int32) throws {
        let rc = sqlite3_bind_int64(handle, index, value)
        if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
    }

    public func bind(_ value: Double, at index: Int32) throws {
        let rc = sqlite3_bind_double(handle, index, value)
        if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
    }

    public func bindNull(at index: Int32) throws {
        let rc = sqlite3_bind_null(handle, index)
        if rc != SQLITE_OK { throw database.lastError(rc, sql: sql) }
    }

    /// Runs a statement that returns no rows, once; it is reset afterwards.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// The storage class of a column of the current row.
    public enum StorageClass: Sendable { case null, integer, real, text, blob }

    public func storageClass(at i: Int32) -> StorageClass {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer
        case SQLITE_FLOAT: return .real
        case SQLITE_BLOB: return .blob
        default: return .text
        }
    }

    public func int64(at i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    public func double(at i: Int32) -> Double { sqlite3_column_double(handle, i) }

    /// The bytes of a text (or blob) column of the current row, in place:
    /// valid only inside `body`.
    public func withText<T>(at i: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_text(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        guard let pointer, count > 0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// One column of the current row as a value (the copying read).
    public func value(at i: Int) -> DatabaseValue { value(at: Int32(i)) }
}
